// TestServer's built-in endpoints: the mock-server ones, the demo board, the
// realistic generated site's paths, the API test site's and the SPA site's.
#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <utility>

#include "tests/support/test_server.h"

namespace crawlbox::testing {
namespace {

constexpr char kHtml[] = "text/html; charset=utf-8";
constexpr char kText[] = "text/plain; charset=utf-8";

// A 1x1 PNG, the poster of every demo film.
constexpr unsigned char kPng[] = {
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d,
    0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01,
    0x08, 0x02, 0x00, 0x00, 0x00, 0x90, 0x77, 0x53, 0xde, 0x00, 0x00, 0x00,
    0x0c, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0x38, 0x63, 0x6c, 0x0c,
    0x00, 0x03, 0x01, 0x01, 0x33, 0xc4, 0xc2, 0x7b, 0x13, 0x00, 0x00, 0x00,
    0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82};

// Digits only, no sign, no overflow (at most 18 digits).
std::optional<int64_t> ParseNumber(const std::string& text) {
  if (text.empty() || text.size() > 18) return std::nullopt;
  int64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return value;
}

void SetText(httplib::Response& res, int status, const std::string& body) {
  res.status = status;
  res.set_content(body, kText);
}

// True if an Accept-Encoding value lists gzip (or *) without q=0.
bool AcceptsGzip(const std::string& accept_encoding) {
  size_t start = 0;
  while (start <= accept_encoding.size()) {
    size_t comma = accept_encoding.find(',', start);
    if (comma == std::string::npos) comma = accept_encoding.size();
    std::string item = accept_encoding.substr(start, comma - start);
    std::transform(item.begin(), item.end(), item.begin(), [](unsigned char c) {
      return static_cast<char>(std::tolower(c));
    });
    item.erase(std::remove(item.begin(), item.end(), ' '), item.end());
    const size_t semi = item.find(';');
    const std::string name = item.substr(0, semi);
    const bool refused =
        semi != std::string::npos &&
        (item.substr(semi) == ";q=0" || item.substr(semi) == ";q=0.0" ||
         item.substr(semi) == ";q=0.00" || item.substr(semi) == ";q=0.000");
    if ((name == "gzip" || name == "x-gzip" || name == "*") && !refused)
      return true;
    start = comma + 1;
  }
  return false;
}

std::string ContentTypeFor(const std::string& path) {
  static const std::map<std::string, std::string> kTypes = {
      {".html", kHtml},
      {".htm", kHtml},
      {".txt", kText},
      {".tsv", "text/tab-separated-values; charset=utf-8"},
      {".csv", "text/csv; charset=utf-8"},
      {".json", "application/json"},
      {".xml", "application/xml"},
      {".css", "text/css"},
      {".js", "application/javascript"},
      {".toml", kText},
      {".png", "image/png"},
      {".jpg", "image/jpeg"},
      {".jpeg", "image/jpeg"},
      {".gif", "image/gif"},
  };
  std::string ext = std::filesystem::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) {
    return static_cast<char>(std::tolower(c));
  });
  auto it = kTypes.find(ext);
  return it == kTypes.end() ? "application/octet-stream" : it->second;
}

// A relative path made only of ordinary segments: no "", ".", "..", backslashes
// or NULs, so it cannot leave the directory it is joined to.
bool IsSafeRelativePath(const std::string& path) {
  if (path.empty() || path.find('\\') != std::string::npos ||
      path.find('\0') != std::string::npos) {
    return false;
  }
  size_t start = 0;
  while (true) {
    size_t slash = path.find('/', start);
    const std::string segment = path.substr(start, slash - start);
    if (segment.empty() || segment == "." || segment == "..") return false;
    if (slash == std::string::npos) return true;
    start = slash + 1;
  }
}

constexpr std::string_view kBytesPrefix = "<!DOCTYPE html><html><body><p>";
constexpr std::string_view kBytesFiller =
    "All work and no play makes a crawler a dull crawler. ";

char BytesAt(uint64_t k) {
  if (k < kBytesPrefix.size()) return kBytesPrefix[k];
  return kBytesFiller[(k - kBytesPrefix.size()) % kBytesFiller.size()];
}

std::string GzipPageHtml() {
  std::string html =
      "<!DOCTYPE html>\n<html>\n<head><meta "
      "charset=\"utf-8\"><title>gzip</title></head>\n"
      "<body>\n<h1>Compressed page</h1>\n";
  for (int i = 0; i < 40; ++i) {
    html +=
        "<p>This paragraph repeats so that the page compresses well. Line " +
        std::to_string(i) + ".</p>\n";
  }
  html += "<p><a href=\"/\">home</a></p>\n</body>\n</html>\n";
  return html;
}

}  // namespace

void TestServer::AddBuiltinRoutes() {
  auto add = [this](const char* pattern, Handler handler) {
    builtin_routes_.push_back({"GET", std::regex(pattern), std::move(handler)});
  };

  add(R"(/status/(\d{1,3}))", [](const httplib::Request&, const std::smatch& m,
                                 httplib::Response& res) {
    const int code = std::stoi(m[1].str());
    if (code < 200 || code > 599)
      return SetText(res, 400, "status must be 200..599\n");
    if (code == 204 || code == 304) {
      res.status = code;
      return;
    }
    SetText(res, code, "status " + std::to_string(code) + "\n");
  });

  add(R"(/delay/(\d{1,9}))",
      [this](const httplib::Request&, const std::smatch& m,
             httplib::Response& res) {
        const int ms = std::stoi(m[1].str());
        if (ms > 600000)
          return SetText(res, 400, "delay must be at most 600000 ms\n");
        SleepUnlessStopping(std::chrono::milliseconds(ms));
        SetText(res, 200, "delayed " + std::to_string(ms) + " ms\n");
      });

  add(R"(/redirect/(\d{1,9}))",
      [](const httplib::Request&, const std::smatch& m,
         httplib::Response& res) {
        const int n = std::stoi(m[1].str());
        if (n == 0) return SetText(res, 200, "done\n");
        res.set_redirect("/redirect/" + std::to_string(n - 1), 302);
        res.set_content("redirecting\n", kText);
      });

  add("/redirect-loop",
      [](const httplib::Request&, const std::smatch&, httplib::Response& res) {
        res.set_redirect("/redirect-loop", 302);
        res.set_content("redirecting\n", kText);
      });

  add("/redirect-to", [](const httplib::Request& req, const std::smatch&,
                         httplib::Response& res) {
    const std::string url = req.get_param_value("url");
    int status = 302;
    if (req.has_param("status")) {
      std::optional<int64_t> s = ParseNumber(req.get_param_value("status"));
      if (!s ||
          (*s != 301 && *s != 302 && *s != 303 && *s != 307 && *s != 308)) {
        return SetText(res, 400, "status must be 301, 302, 303, 307 or 308\n");
      }
      status = static_cast<int>(*s);
    }
    if (url.empty() || url.find_first_of("\r\n") != std::string::npos) {
      return SetText(res, 400, "missing or invalid url parameter\n");
    }
    res.set_redirect(url, status);
    res.set_content("redirecting\n", kText);
  });

  add("/gzip", [](const httplib::Request& req, const std::smatch&,
                  httplib::Response& res) {
    const std::string html = GzipPageHtml();
    res.set_header("Vary", "Accept-Encoding");
    if (!AcceptsGzip(req.get_header_value("Accept-Encoding"))) {
      return res.set_content(html, kHtml);
    }
    // cpp-httplib is built with zlib and exports its gzip compressor; using it
    // spares the test library a direct zlib dependency.
    httplib::detail::gzip_compressor compressor;
    std::string gzipped;
    const bool ok = compressor.compress(html.data(), html.size(), /*last=*/true,
                                        [&gzipped](const char* data, size_t n) {
                                          gzipped.append(data, n);
                                          return true;
                                        });
    if (!ok) return SetText(res, 500, "gzip failed\n");
    res.set_header("Content-Encoding", "gzip");
    res.set_content(gzipped, kHtml);
  });

  add(R"(/bytes/(\d{1,15}))", [](const httplib::Request&, const std::smatch& m,
                                 httplib::Response& res) {
    const uint64_t n = static_cast<uint64_t>(*ParseNumber(m[1].str()));
    if (n == 0) return res.set_content("", kHtml);
    // Generated as it is sent, so a huge body costs no memory.
    res.set_content_provider(
        n, kHtml, [](size_t offset, size_t length, httplib::DataSink& sink) {
          char chunk[16384];
          const size_t take = std::min(length, sizeof(chunk));
          for (size_t k = 0; k < take; ++k) chunk[k] = BytesAt(offset + k);
          return sink.write(chunk, take);
        });
  });

  add("/binary",
      [](const httplib::Request&, const std::smatch&, httplib::Response& res) {
        std::string body(1024, '\0');
        for (size_t k = 0; k < body.size(); ++k)
          body[k] = static_cast<char>(k % 256);
        res.set_content(body, "application/octet-stream");
      });

  add("/headers", [](const httplib::Request& req, const std::smatch&,
                     httplib::Response& res) {
    std::string body;
    for (const auto& [name, value] : req.headers) {
      // cpp-httplib adds these for its own bookkeeping; the client never sent
      // them.
      if (name == "REMOTE_ADDR" || name == "REMOTE_PORT" ||
          name == "LOCAL_ADDR" || name == "LOCAL_PORT") {
        continue;
      }
      body += name + ": " + value + "\n";
    }
    SetText(res, 200, body);
  });

  add(R"(/robots\.txt)", [this](const httplib::Request&, const std::smatch&,
                                httplib::Response& res) {
    std::optional<std::string> robots;
    {
      std::lock_guard<std::mutex> lock(mu_);
      robots = robots_txt_;
    }
    if (!robots) return SetText(res, 404, "no robots.txt\n");
    if (robots->empty()) {
      res.status = 200;
      return res.set_content("", kText);
    }
    SetText(res, 200, *robots);
  });

  add("/data/(.+)", [this](const httplib::Request&, const std::smatch& m,
                           httplib::Response& res) {
    const std::string relative = m[1].str();
    if (!IsSafeRelativePath(relative))
      return SetText(res, 404, "bad data path\n");
    const std::string path = options_.data_dir + "/" + relative;
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec))
      return SetText(res, 404, "no such file\n");
    std::ifstream in(path, std::ios::binary);
    std::string body((std::istreambuf_iterator<char>(in)),
                     std::istreambuf_iterator<char>());
    if (!in.good() && !in.eof()) return SetText(res, 500, "cannot read file\n");
    if (body.empty()) return res.set_content("", ContentTypeFor(path));
    res.set_content(body, ContentTypeFor(path));
  });

  add(R"(/site/(\d{1,9})\.html)",
      [this](const httplib::Request&, const std::smatch& m,
             httplib::Response& res) {
        std::shared_ptr<const GeneratedSite> site = this->site();
        const int i = std::stoi(m[1].str());
        if (site == nullptr || i >= site->page_count() ||
            site->options().realistic) {
          return SetText(res, 404, "no such page\n");
        }
        res.set_content(site->PageHtml(i), kHtml);
      });
}

void TestServer::AddBoardRoutes() {
  auto add = [this](const char* pattern, Handler handler) {
    builtin_routes_.push_back({"GET", std::regex(pattern), std::move(handler)});
  };
  add("/", [this](const httplib::Request&, const std::smatch&,
                  httplib::Response& res) {
    res.set_content(board_.HomePage(), kHtml);
  });
  add("/about", [this](const httplib::Request&, const std::smatch&,
                       httplib::Response& res) {
    res.set_content(board_.AboutPage(), kHtml);
  });
  add("/login", [this](const httplib::Request&, const std::smatch&,
                       httplib::Response& res) {
    res.set_content(board_.LoginPage(), kHtml);
  });
  add("/board/4", [this](const httplib::Request& req, const std::smatch&,
                         httplib::Response& res) {
    std::optional<int64_t> offset;
    if (req.get_param_value_count("offset") == 1) {
      offset = ParseNumber(req.get_param_value("offset"));
    }
    std::optional<std::string> page;
    if (offset && *offset < 1000000)
      page = board_.BoardPage(static_cast<int>(*offset));
    if (!page) return SetText(res, 404, "no such board page\n");
    res.set_content(*page, kHtml);
  });
  add(R"(/films/(\d{1,6}))", [this](const httplib::Request&,
                                    const std::smatch& m,
                                    httplib::Response& res) {
    std::optional<std::string> page = board_.FilmPage(std::stoi(m[1].str()));
    if (!page) return SetText(res, 404, "no such film\n");
    res.set_content(*page, kHtml);
  });
  add(R"(/img/(\d{1,6})\.png)",
      [this](const httplib::Request&, const std::smatch& m,
             httplib::Response& res) {
        const int rank = std::stoi(m[1].str());
        if (rank < 1 || rank > static_cast<int>(board_.films().size())) {
          return SetText(res, 404, "no such image\n");
        }
        res.set_content(reinterpret_cast<const char*>(kPng), sizeof(kPng),
                        "image/png");
      });
}

void TestServer::AddRealisticSiteRoutes() {
  builtin_routes_.push_back(
      {"GET",
       std::regex(R"(/(home|about-us|contact|help|section/[a-z]+|)"
                  R"(articles/[a-z0-9-]+|page/\d{1,9}|board/\d{1,9}))"),
       [this](const httplib::Request& req, const std::smatch&,
              httplib::Response& res) {
         std::shared_ptr<const GeneratedSite> site = this->site();
         std::optional<int> page;
         // The target as requested: only a page's exact path and query finds
         // it, so a crawler's other spelling of a URL shows up as a 404.
         if (site != nullptr && site->options().realistic)
           page = site->FindPage(req.target);
         if (!page) return SetText(res, 404, "no such page\n");
         res.set_content(site->PageHtml(*page), kHtml);
       }});
}

void TestServer::AddApiSiteRoutes() {
  for (ApiSite::Route& route : api_site_.Routes()) {
    builtin_routes_.push_back({std::move(route.method),
                               std::regex(route.pattern),
                               std::move(route.handler)});
  }
}

void TestServer::AddSpaSiteRoutes() {
  for (ApiSite::Route& route :
       SpaSiteRoutes([this](std::chrono::milliseconds wait) {
         SleepUnlessStopping(wait);
       })) {
    builtin_routes_.push_back({std::move(route.method),
                               std::regex(route.pattern),
                               std::move(route.handler)});
  }
}

}  // namespace crawlbox::testing
