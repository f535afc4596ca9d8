// Smoke tests of the test-site server: demo board pages, hit counting, the
// generated site's reachability and board entry counts.
#include "tests/support/test_server.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <fstream>
#include <mutex>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/demo_board.h"
#include "tests/support/site_generator.h"
#include "tests/support/status_matchers.h"
#include "tests/support/temp_dir.h"

namespace crawlbox::testing {
namespace {

// The extraction regex of the classic Maoyan scraping example (Python's
// (?P<name>) groups written as plain groups; [\s\S] stands for DOTALL's dot).
const std::regex& BoardEntryRegex() {
  static const std::regex re(
      R"re(<dd>[\s\S]*?board-index[\s\S]*?>(\d+)</i>[\s\S]*?title="([^"]*)"[\s\S]*?)re"
      R"re(<p class="star">([\s\S]*?)</p>[\s\S]*?<p class="releasetime">([\s\S]*?)</p>)re"
      R"re([\s\S]*?<i class="integer">([\s\S]*?)</i>[\s\S]*?<i class="fraction">([\s\S]*?)</i>)re"
      R"re([\s\S]*?</dd>)re");
  return re;
}

std::string Trim(const std::string& s) {
  const size_t begin = s.find_first_not_of(" \n\t");
  if (begin == std::string::npos) return "";
  return s.substr(begin, s.find_last_not_of(" \n\t") - begin + 1);
}

std::vector<Film> ExtractFilms(const std::string& html) {
  std::vector<Film> films;
  for (std::sregex_iterator it(html.begin(), html.end(), BoardEntryRegex()),
       end;
       it != end; ++it) {
    const std::smatch& m = *it;
    Film film;
    film.rank = std::stoi(m[1].str());
    film.title = m[2].str();
    film.actors = Trim(m[3].str());
    film.release = m[4].str();
    film.score = std::stod(m[5].str() + m[6].str());
    films.push_back(film);
  }
  return films;
}

int CountOf(const std::string& haystack, const std::string& needle) {
  int count = 0;
  for (size_t at = haystack.find(needle); at != std::string::npos;
       at = haystack.find(needle, at + 1)) {
    ++count;
  }
  return count;
}

TEST(TestServerTest, ServesBoardPagesWithTenEntries) {
  TestServer server;
  httplib::Client client("127.0.0.1", server.port());
  const std::vector<Film>& films = DemoFilms();
  ASSERT_EQ(films.size(), 100u);
  for (int offset = 0; offset < 100; offset += 10) {
    const std::string path = "/board/4?offset=" + std::to_string(offset);
    auto res = client.Get(path);
    ASSERT_TRUE(res) << path << ": " << httplib::to_string(res.error());
    ASSERT_EQ(res->status, 200) << path;
    EXPECT_EQ(CountOf(res->body, "<dd>"), 10) << path;
    EXPECT_NE(res->body.find("<meta charset=\"utf-8\">"), std::string::npos);
    EXPECT_EQ(res->body.find("page_next") != std::string::npos, offset < 90)
        << path;
    std::vector<Film> extracted = ExtractFilms(res->body);
    ASSERT_EQ(extracted.size(), 10u) << path;
    for (int j = 0; j < 10; ++j) {
      const Film& want = films[offset + j];
      EXPECT_EQ(extracted[j].rank, want.rank);
      EXPECT_EQ(extracted[j].title, want.title);
      EXPECT_EQ(extracted[j].actors, "主演:" + want.actors);
      EXPECT_EQ(extracted[j].release, "上映时间:" + want.release);
      EXPECT_EQ(extracted[j].score, want.score) << want.title;
    }
  }
  auto first = client.Get("/board/4?offset=0");
  ASSERT_TRUE(first);
  EXPECT_NE(
      first->body.find(RenderBoardEntry(films[0], {"/films/1", "/img/1.png"})),
      std::string::npos);
  EXPECT_NE(
      first->body.find(
          "<p class=\"star\">\n                主演:张国荣,张丰毅,巩俐\n"),
      std::string::npos);
  EXPECT_NE(first->body.find(
                "<i class=\"integer\">9.</i><i class=\"fraction\">5</i>"),
            std::string::npos);
}

TEST(TestServerTest, RejectsUnknownBoardOffsetsAndFilms) {
  TestServer server;
  httplib::Client client("127.0.0.1", server.port());
  for (const char* path :
       {"/board/4?offset=100", "/board/4?offset=5", "/board/4",
        "/board/4?offset=-10", "/board/4?offset=abc", "/films/0", "/films/101",
        "/nowhere", "/data/../CMakeLists.txt",
        "/data/board/../../CMakeLists.txt", "/data/%2e%2e/CMakeLists.txt"}) {
    auto res = client.Get(path);
    ASSERT_TRUE(res) << path;
    EXPECT_EQ(res->status, 404) << path;
  }
  auto film = client.Get("/films/1");
  ASSERT_TRUE(film);
  EXPECT_EQ(film->status, 200);
  EXPECT_NE(film->body.find("<h1 class=\"name\">霸王别姬</h1>"),
            std::string::npos);
  EXPECT_NE(film->body.find("href=\"/board/4?offset=0\""), std::string::npos);
  auto tsv = client.Get("/data/board/films.tsv");
  ASSERT_TRUE(tsv);
  EXPECT_EQ(tsv->status, 200);
  EXPECT_EQ(tsv->get_header_value("Content-Type"),
            "text/tab-separated-values; charset=utf-8");
}

TEST(TestServerTest, CountsHitsAndConcurrency) {
  TestServer server;
  httplib::Client client("127.0.0.1", server.port());
  ASSERT_TRUE(client.Get("/board/4?offset=10"));
  ASSERT_TRUE(client.Get("/board/4?offset=10"));
  ASSERT_TRUE(client.Get("/status/503"));
  EXPECT_EQ(server.Hits("/board/4?offset=10"), 2);
  EXPECT_EQ(server.Hits("/status/503"), 1);
  EXPECT_EQ(server.Hits("/board/4?offset=20"), 0);
  EXPECT_EQ(server.TotalHits(), 3);
  EXPECT_EQ(server.AllHits().size(), 2u);
  EXPECT_EQ(server.MaxConcurrent(), 1);

  // Three requests held in a handler until all three are in, so they overlap
  // however slowly the threads start.
  std::mutex mu;
  std::condition_variable cv;
  int arrived = 0;
  server.Get("/gate", [&](const httplib::Request&, const std::smatch&,
                          httplib::Response& res) {
    std::unique_lock<std::mutex> lock(mu);
    ++arrived;
    cv.notify_all();
    cv.wait_for(lock, std::chrono::seconds(10), [&] { return arrived >= 3; });
    res.set_content("open", "text/plain");
  });
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 3; ++i) {
    threads.emplace_back([&server, &ok] {
      httplib::Client c("127.0.0.1", server.port());
      auto res = c.Get("/gate");
      if (res && res->status == 200) ++ok;
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(ok.load(), 3);
  EXPECT_EQ(server.MaxConcurrent(), 3);

  server.SetLatency(std::chrono::milliseconds(100));
  const auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(client.Get("/status/200"));
  EXPECT_GE(std::chrono::steady_clock::now() - start,
            std::chrono::milliseconds(100));
  EXPECT_EQ(server.RequestLog().size(), 7u);
  server.ResetCounts();
  EXPECT_EQ(server.TotalHits(), 0);
}

TEST(TestServerTest, MockEndpoints) {
  TestServer server;
  httplib::Client client("127.0.0.1", server.port());
  auto redirect = client.Get("/redirect/3");
  ASSERT_TRUE(redirect);
  EXPECT_EQ(redirect->status, 302);
  EXPECT_EQ(redirect->get_header_value("Location"), "/redirect/2");
  client.set_follow_location(true);
  auto followed = client.Get("/redirect/3");
  ASSERT_TRUE(followed);
  EXPECT_EQ(followed->status, 200);
  EXPECT_EQ(followed->body, "done\n");
  EXPECT_EQ(server.Hits("/redirect/0"), 1);
  client.set_follow_location(false);
  auto to = client.Get("/redirect-to?url=/about&status=301");
  ASSERT_TRUE(to);
  EXPECT_EQ(to->status, 301);
  EXPECT_EQ(to->get_header_value("Location"), "/about");

  auto bytes = client.Get("/bytes/100000");
  ASSERT_TRUE(bytes);
  EXPECT_EQ(bytes->body.size(), 100000u);
  auto binary = client.Get("/binary");
  ASSERT_TRUE(binary);
  EXPECT_EQ(binary->get_header_value("Content-Type"),
            "application/octet-stream");
  EXPECT_NE(binary->body.find('\0'), std::string::npos);

  // Plain without Accept-Encoding; gzip (magic 1f 8b) with it; never brotli on
  // its own.
  auto plain = client.Get("/gzip");
  ASSERT_TRUE(plain);
  EXPECT_FALSE(plain->has_header("Content-Encoding"));
  client.set_decompress(false);
  auto gzipped = client.Get("/gzip", {{"Accept-Encoding", "gzip, br"}});
  ASSERT_TRUE(gzipped);
  EXPECT_EQ(gzipped->get_header_value("Content-Encoding"), "gzip");
  ASSERT_GE(gzipped->body.size(), 2u);
  EXPECT_EQ(static_cast<unsigned char>(gzipped->body[0]), 0x1f);
  EXPECT_EQ(static_cast<unsigned char>(gzipped->body[1]), 0x8b);
  EXPECT_LT(gzipped->body.size(), plain->body.size());
  auto page = client.Get("/about", {{"Accept-Encoding", "gzip, br"}});
  ASSERT_TRUE(page);
  EXPECT_FALSE(page->has_header("Content-Encoding"));
  client.set_decompress(true);
  auto decoded = client.Get("/gzip", {{"Accept-Encoding", "gzip"}});
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->body, plain->body);

  auto robots = client.Get("/robots.txt");
  ASSERT_TRUE(robots);
  EXPECT_EQ(robots->body, "User-agent: *\nDisallow:\n");
  server.SetRobotsTxt("User-agent: *\nDisallow: /private\n");
  robots = client.Get("/robots.txt");
  ASSERT_TRUE(robots);
  EXPECT_EQ(robots->body, "User-agent: *\nDisallow: /private\n");
  server.SetRobotsTxt(std::nullopt);
  robots = client.Get("/robots.txt");
  ASSERT_TRUE(robots);
  EXPECT_EQ(robots->status, 404);

  const auto start = std::chrono::steady_clock::now();
  auto delayed = client.Get("/delay/100");
  ASSERT_TRUE(delayed);
  EXPECT_GE(std::chrono::steady_clock::now() - start,
            std::chrono::milliseconds(100));

  server.Get(R"(/custom/(\w+))",
             [](const httplib::Request&, const std::smatch& m,
                httplib::Response& res) {
               res.set_content("custom " + m[1].str(), "text/plain");
             });
  auto custom = client.Get("/custom/abc");
  ASSERT_TRUE(custom);
  EXPECT_EQ(custom->body, "custom abc");
}

// Resolves an href found on /site/<i>.html the way a browser would, for the
// hrefs the generator writes; returns the page number, or -1 for anything else.
int ResolveSiteHref(int from, const std::string& href) {
  std::string path = href.substr(0, href.find('#'));
  if (path.empty()) return from;
  if (path[0] != '/') path = "/site/" + path;
  static const std::regex kDot(R"(/\./)");
  static const std::regex kDotDot(R"(/[^/]+/\.\./)");
  path = std::regex_replace(path, kDot, "/");
  path = std::regex_replace(path, kDotDot, "/");
  std::smatch m;
  static const std::regex kPage(R"(/site/(\d+)\.html)");
  if (!std::regex_match(path, m, kPage)) return -1;
  return std::stoi(m[1].str());
}

TEST(GeneratedSiteTest, EveryPageIsReachableAndBoardEntriesMatch) {
  SiteOptions options;
  options.pages = 300;
  GeneratedSite site(options);
  const std::regex href_re(R"re(href="([^"]*)")re");
  std::vector<bool> seen(options.pages, false);
  std::deque<int> queue = {0};
  seen[0] = true;
  int entries = 0;
  std::set<int> ranks;
  while (!queue.empty()) {
    const int i = queue.front();
    queue.pop_front();
    const std::string html = site.PageHtml(i);
    EXPECT_EQ(html, site.PageHtml(i))
        << "page " << i << " is not deterministic";
    EXPECT_GE(static_cast<int>(html.size()), options.min_bytes) << i;
    EXPECT_LE(static_cast<int>(html.size()), options.max_bytes) << i;
    for (std::sregex_iterator it(html.begin(), html.end(), href_re), end;
         it != end; ++it) {
      const int target = ResolveSiteHref(i, (*it)[1].str());
      ASSERT_GE(target, 0) << "page " << i
                           << " links outside the site: " << (*it)[1].str();
      ASSERT_LT(target, options.pages)
          << "page " << i << ": " << (*it)[1].str();
      if (!seen[target]) {
        seen[target] = true;
        queue.push_back(target);
      }
    }
    std::vector<Film> films = ExtractFilms(html);
    ASSERT_EQ(static_cast<int>(films.size()), site.BoardEntries(i))
        << "page " << i;
    std::vector<Film> want = site.PageFilms(i);
    for (size_t j = 0; j < films.size(); ++j) {
      EXPECT_EQ(films[j].rank, want[j].rank);
      EXPECT_EQ(films[j].title, want[j].title);
      EXPECT_EQ(films[j].score, want[j].score);
      ranks.insert(films[j].rank);
    }
    entries += static_cast<int>(films.size());
  }
  for (int i = 0; i < options.pages; ++i)
    EXPECT_TRUE(seen[i]) << "page " << i << " unreachable";
  EXPECT_EQ(entries, site.TotalBoardEntries());
  EXPECT_EQ(static_cast<int>(ranks.size()), site.TotalBoardEntries());
  EXPECT_EQ(site.TotalBoardEntries(), 300);
}

TEST(GeneratedSiteTest, ServedAndWrittenToDisk) {
  SiteOptions options;
  options.pages = 50;
  TestServerOptions server_options;
  server_options.site = options;
  TestServer server(server_options);
  GeneratedSite site(options);
  httplib::Client client("127.0.0.1", server.port());
  auto page = client.Get("/site/9.html");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_EQ(page->body, site.PageHtml(9));
  auto missing = client.Get("/site/50.html");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);

  TempDir dir;
  ASSERT_OK(site.WriteTo(dir.path().string()));
  std::ifstream in(dir.File("site/49.html"), std::ios::binary);
  std::string written((std::istreambuf_iterator<char>(in)),
                      std::istreambuf_iterator<char>());
  EXPECT_EQ(written, site.PageHtml(49));
  std::ifstream manifest(dir.File("manifest.json"));
  std::string json((std::istreambuf_iterator<char>(manifest)),
                   std::istreambuf_iterator<char>());
  EXPECT_NE(json.find("\"pages\": 50"), std::string::npos) << json;
  EXPECT_NE(json.find("\"board_entries\": 50"), std::string::npos) << json;
}

}  // namespace
}  // namespace crawlbox::testing
