// TestServer: startup and shutdown, request accounting, routing and the
// built-in endpoints.
#include "tests/support/test_server.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <utility>

namespace crawlbox::testing {
namespace {

constexpr size_t kMaxLoggedRequests = 100000;
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

// cpp-httplib compresses any non-empty text body the client accepts (gzip or
// brotli) unless it comes from a content provider with a known length; so every
// body goes out that way, byte for byte as the handler made it.
void SendBodyVerbatim(httplib::Response& res) {
  if (res.body.empty()) return;
  std::string type = res.get_header_value("Content-Type");
  if (type.empty()) type = "application/octet-stream";
  res.headers.erase("Content-Type");
  auto body = std::make_shared<std::string>(std::move(res.body));
  res.body.clear();
  res.set_content_provider(
      body->size(), type,
      [body](size_t offset, size_t length, httplib::DataSink& sink) {
        return sink.write(body->data() + offset, length);
      });
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

DemoBoard LoadBoardOrDie(const std::string& data_dir) {
  config::Result<DemoBoard> board = DemoBoard::Load(data_dir);
  if (!board.ok()) {
    std::fprintf(stderr, "TestServer: %s\n", board.status().ToString().c_str());
    std::abort();
  }
  return std::move(board).value();
}

}  // namespace

TestServer::TestServer() : TestServer(TestServerOptions()) {}

TestServer::TestServer(TestServerOptions options)
    : TestServer(options, LoadBoardOrDie(options.data_dir)) {
  config::Status status = Listen();
  if (!status.ok()) {
    std::fprintf(stderr, "TestServer: %s\n", status.ToString().c_str());
    std::abort();
  }
}

TestServer::TestServer(const TestServerOptions& options, DemoBoard board)
    : options_(options),
      board_(std::move(board)),
      user_routes_(std::make_shared<const std::vector<Route>>()),
      robots_txt_("User-agent: *\nDisallow:\n") {
  if (options_.site)
    site_ = std::make_shared<const GeneratedSite>(*options_.site);
  AddBuiltinRoutes();
  AddBoardRoutes();
  AddRealisticSiteRoutes();
  const size_t threads = static_cast<size_t>(std::max(1, options_.threads));
  server_.new_task_queue = [threads] {
    return new httplib::ThreadPool(threads);
  };
  server_.set_keep_alive_timeout(options_.keep_alive_timeout_sec);
  server_.set_keep_alive_max_count(100);
  // Headers and a provider's body go out in separate writes; with Nagle's
  // algorithm the body then waits ~40 ms for the client's delayed ACK.
  server_.set_tcp_nodelay(true);
  server_.Get(".*", [this](const httplib::Request& req,
                           httplib::Response& res) { Dispatch(req, res); });
}

config::Result<std::unique_ptr<TestServer>> TestServer::Create(
    TestServerOptions options) {
  config::Result<DemoBoard> board = DemoBoard::Load(options.data_dir);
  if (!board.ok()) return board.status();
  std::unique_ptr<TestServer> server(
      new TestServer(options, std::move(board).value()));
  config::Status status = server->Listen();
  if (!status.ok()) return status;
  return server;
}

TestServer::~TestServer() { Stop(); }

namespace {

// cpp-httplib listens with a backlog of 5 (compiled into Debian's library), so
// a crawler opening dozens of connections at once overflows the SYN queue and
// waits a full 1 s SYN retransmit. listen() on an already listening socket only
// updates its backlog, so find our socket by its port and raise it.
void RaiseListenBacklog(int port) {
  DIR* fds = opendir("/proc/self/fd");
  if (fds == nullptr) return;
  while (dirent* entry = readdir(fds)) {
    int fd = std::atoi(entry->d_name);
    if (fd <= 2) continue;
    sockaddr_storage addr = {};
    socklen_t len = sizeof(addr);
    int listening = 0;
    socklen_t opt_len = sizeof(listening);
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
      continue;
    if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &opt_len) != 0 ||
        !listening) {
      continue;
    }
    int bound_port = 0;
    if (addr.ss_family == AF_INET) {
      bound_port = ntohs(reinterpret_cast<sockaddr_in*>(&addr)->sin_port);
    } else if (addr.ss_family == AF_INET6) {
      bound_port = ntohs(reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port);
    }
    if (bound_port == port) ::listen(fd, 1024);
  }
  closedir(fds);
}

}  // namespace

config::Status TestServer::Listen() {
  const std::string address =
      options_.host + ":" + std::to_string(options_.port);
  if (options_.port == 0) {
    port_ = server_.bind_to_any_port(options_.host);
    if (port_ < 0) return config::Status::Unavailable("cannot bind " + address);
  } else {
    if (!server_.bind_to_port(options_.host, options_.port)) {
      return config::Status::Unavailable("cannot bind " + address +
                                         " (port in use?)");
    }
    port_ = options_.port;
  }
  RaiseListenBacklog(port_);
  listen_thread_ = std::thread([this] { server_.listen_after_bind(); });
  // The socket already listens after bind; is_running() turns true once the
  // accept loop runs.
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!server_.is_running()) {
    if (std::chrono::steady_clock::now() > deadline) {
      // The thread cannot be stopped before its loop runs, so not joined.
      std::fprintf(stderr,
                   "TestServer: accept loop did not start within 10 s\n");
      std::abort();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return config::Status::Ok();
}

void TestServer::Stop() {
  {
    std::lock_guard<std::mutex> lock(stop_mu_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  std::lock_guard<std::mutex> lock(join_mu_);
  server_.stop();
  if (listen_thread_.joinable()) listen_thread_.join();
}

std::string TestServer::Url(std::string_view path_and_query) const {
  return "http://" + options_.host + ":" + std::to_string(port_) +
         std::string(path_and_query);
}

void TestServer::Get(const std::string& pattern, Handler handler) {
  std::lock_guard<std::mutex> lock(mu_);
  auto routes = std::make_shared<std::vector<Route>>(*user_routes_);
  routes->push_back({std::regex(pattern), std::move(handler)});
  user_routes_ = std::move(routes);
}

void TestServer::EnableSite(SiteOptions options) {
  auto site = std::make_shared<const GeneratedSite>(options);
  std::lock_guard<std::mutex> lock(mu_);
  site_ = std::move(site);
}

std::shared_ptr<const GeneratedSite> TestServer::site() const {
  std::lock_guard<std::mutex> lock(mu_);
  return site_;
}

void TestServer::SetRobotsTxt(std::optional<std::string> text) {
  std::lock_guard<std::mutex> lock(mu_);
  robots_txt_ = std::move(text);
}

void TestServer::SetLatency(std::chrono::milliseconds latency) {
  std::lock_guard<std::mutex> lock(mu_);
  latency_ = latency;
}

int TestServer::Hits(const std::string& path_and_query) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = hits_.find(path_and_query);
  return it == hits_.end() ? 0 : it->second;
}

int64_t TestServer::TotalHits() const {
  std::lock_guard<std::mutex> lock(mu_);
  return total_hits_;
}

std::map<std::string, int> TestServer::AllHits() const {
  std::lock_guard<std::mutex> lock(mu_);
  return hits_;
}

int TestServer::MaxConcurrent() const {
  std::lock_guard<std::mutex> lock(mu_);
  return max_concurrent_;
}

std::vector<RequestRecord> TestServer::RequestLog() const {
  std::lock_guard<std::mutex> lock(mu_);
  return log_;
}

void TestServer::ResetCounts() {
  std::lock_guard<std::mutex> lock(mu_);
  hits_.clear();
  total_hits_ = 0;
  log_.clear();
  max_concurrent_ = in_flight_;
}

void TestServer::SleepUnlessStopping(std::chrono::milliseconds duration) {
  std::unique_lock<std::mutex> lock(stop_mu_);
  stop_cv_.wait_for(lock, duration, [this] { return stopping_; });
}

void TestServer::RecordArrival(const httplib::Request& req) {
  RequestRecord record{req.method, req.target,
                       req.get_header_value("User-Agent"),
                       std::chrono::steady_clock::now()};
  std::lock_guard<std::mutex> lock(mu_);
  ++hits_[record.target];
  ++total_hits_;
  ++in_flight_;
  max_concurrent_ = std::max(max_concurrent_, in_flight_);
  if (log_.size() < kMaxLoggedRequests) log_.push_back(std::move(record));
}

void TestServer::Dispatch(const httplib::Request& req, httplib::Response& res) {
  RecordArrival(req);
  std::shared_ptr<const std::vector<Route>> user_routes;
  std::chrono::milliseconds latency;
  {
    std::lock_guard<std::mutex> lock(mu_);
    user_routes = user_routes_;
    latency = latency_;
  }
  // Leaves the in-flight count even if a handler throws (cpp-httplib turns that
  // into a 500).
  struct InFlight {
    TestServer* server;
    ~InFlight() {
      std::lock_guard<std::mutex> lock(server->mu_);
      --server->in_flight_;
    }
  } in_flight{this};
  if (latency.count() > 0) SleepUnlessStopping(latency);

  std::smatch match;
  const Route* route = nullptr;
  const std::vector<Route>* const tables[] = {user_routes.get(),
                                              &builtin_routes_};
  for (const std::vector<Route>* routes : tables) {
    for (const Route& candidate : *routes) {
      if (std::regex_match(req.path, match, candidate.pattern)) {
        route = &candidate;
        break;
      }
    }
    if (route != nullptr) break;
  }
  if (route != nullptr) {
    route->handler(req, match, res);
  } else {
    SetText(res, 404, "not found: " + req.path + "\n");
  }
  SendBodyVerbatim(res);
}

void TestServer::AddBuiltinRoutes() {
  auto add = [this](const char* pattern, Handler handler) {
    builtin_routes_.push_back({std::regex(pattern), std::move(handler)});
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
    builtin_routes_.push_back({std::regex(pattern), std::move(handler)});
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
      {std::regex(R"(/(home|about-us|contact|help|section/[a-z]+|)"
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

}  // namespace crawlbox::testing
