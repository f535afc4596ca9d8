// The single-page-app site: what a plain HTTP client gets (a shell without
// entries, the JSON pages, 404s, the slow JSON) and, when Debian's chromium is
// installed, what the shell's script renders.
#include "tests/support/spa_site.h"

#include <gtest/gtest.h>
#include <httplib.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <future>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_server.h"

namespace crawlbox::testing {
namespace {

using Json = nlohmann::json;
using Clock = std::chrono::steady_clock;

Json ParseJson(const std::string& text) {
  Json json = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  EXPECT_FALSE(json.is_discarded()) << text.substr(0, 200);
  return json;
}

std::vector<SpaEntry> EntriesOf(const Json& page) {
  std::vector<SpaEntry> entries;
  for (const Json& entry : page["entries"]) {
    entries.push_back({entry["rank"].get<int>(),
                       entry["title"].get<std::string>(),
                       entry["score"].get<double>()});
  }
  return entries;
}

// How a browser serializes a text node: only &, <, > (and U+00A0) escaped.
std::string SerializedText(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '&') {
      out += "&amp;";
    } else if (c == '<') {
      out += "&lt;";
    } else if (c == '>') {
      out += "&gt;";
    } else {
      out += c;
    }
  }
  return out;
}

std::string OneDecimal(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%.1f", value);
  return buffer;
}

// The <dd> the shell's script renders for `entry`, as Chromium dumps it.
std::string RenderedEntry(const SpaEntry& entry) {
  const std::string rank = std::to_string(entry.rank);
  return "<dd class=\"film\"><span class=\"rank\">" + rank +
         "</span> <a class=\"title\" href=\"/spa/film/" + rank + "\">" +
         SerializedText(entry.title) + "</a> <span class=\"score\">" +
         OneDecimal(entry.score) + "</span></dd>";
}

size_t Count(const std::string& text, const std::string& needle) {
  size_t count = 0;
  for (size_t at = text.find(needle); at != std::string::npos;
       at = text.find(needle, at + needle.size())) {
    ++count;
  }
  return count;
}

TEST(SpaSiteTest, EntriesAreDeterministicAndNeedEscaping) {
  EXPECT_TRUE(SpaEntries(0).empty());
  EXPECT_TRUE(SpaEntries(kSpaPages + 1).empty());
  EXPECT_EQ(SpaEntries(3), SpaEntries(3));
  std::set<int> ranks;
  for (int page = 1; page <= kSpaPages; ++page) {
    const std::vector<SpaEntry> entries = SpaEntries(page);
    ASSERT_EQ(entries.size(), static_cast<size_t>(kSpaEntriesPerPage)) << page;
    std::string titles;
    for (const SpaEntry& entry : entries) {
      EXPECT_EQ((entry.rank - 1) / kSpaEntriesPerPage + 1, page) << entry.rank;
      ranks.insert(entry.rank);
      EXPECT_GE(entry.score, 7.6) << entry.rank;
      EXPECT_LE(entry.score, 9.6) << entry.rank;
      EXPECT_EQ(std::stod(OneDecimal(entry.score)), entry.score) << entry.rank;
      titles += entry.title;
    }
    // Every page has titles a script must not put in with innerHTML.
    EXPECT_NE(titles.find('&'), std::string::npos) << page;
    EXPECT_NE(titles.find('<'), std::string::npos) << page;
    EXPECT_NE(titles.find('"'), std::string::npos) << page;
  }
  EXPECT_EQ(ranks.size(), static_cast<size_t>(kSpaPages * kSpaEntriesPerPage));
  EXPECT_EQ(*ranks.begin(), 1);
  EXPECT_EQ(*ranks.rbegin(), kSpaPages * kSpaEntriesPerPage);

  const std::vector<SpaEntry> first = SpaEntries(1);
  EXPECT_EQ(first[0].title, "霸王别姬 & Co.");
  EXPECT_EQ(first[0].score, 9.5);
  EXPECT_EQ(first[1].title, "肖申克的救赎");
  EXPECT_EQ(first[2].title, "罗马假日 <Director's Cut>");
  EXPECT_EQ(first[3].title, "这个杀手不太冷 \"Remastered\"");
  // Rank 101 is the first film's second round.
  const SpaEntry second_round = SpaEntries(11)[0];
  EXPECT_EQ(second_round.rank, 101);
  EXPECT_EQ(second_round.title, "霸王别姬 (2) & Co.");
  EXPECT_EQ(second_round.score, 9.4);
}

TEST(SpaSiteTest, ShellHasNoEntries) {
  TestServer server;
  httplib::Client client("127.0.0.1", server.port());
  const std::string shell = SpaShellPage();
  EXPECT_NE(shell.find("<div id=\"app\"></div>"), std::string::npos);
  EXPECT_EQ(shell.find("<script src"), std::string::npos) << "inline only";
  EXPECT_EQ(shell.find("innerHTML"), std::string::npos);
  for (const char* path : {"/spa/", "/spa/page/1", "/spa/page/3",
                           "/spa/page/200", "/spa/slow-data/3"}) {
    auto res = client.Get(path);
    ASSERT_TRUE(res) << path;
    EXPECT_EQ(res->status, 200) << path;
    EXPECT_EQ(res->get_header_value("Content-Type"), "text/html; charset=utf-8")
        << path;
    EXPECT_EQ(res->body, shell) << path;
  }
  // The control: no entry of any page is in the HTML a crawler fetches.
  EXPECT_EQ(shell.find("<dd"), std::string::npos);
  EXPECT_EQ(shell.find("/spa/film/2"), std::string::npos);
  EXPECT_EQ(shell.find("/spa/page/4"), std::string::npos);
  for (const SpaEntry& entry : SpaEntries(3))
    EXPECT_EQ(shell.find(entry.title), std::string::npos) << entry.title;
}

TEST(SpaSiteTest, JsonHoldsExactlyTheEntriesOfItsPage) {
  TestServer server;
  httplib::Client client("127.0.0.1", server.port());
  for (int page = 1; page <= kSpaPages; ++page) {
    const std::string path = "/spa/api/page/" + std::to_string(page) + ".json";
    auto res = client.Get(path);
    ASSERT_TRUE(res) << path;
    ASSERT_EQ(res->status, 200) << path;
    EXPECT_EQ(res->get_header_value("Content-Type"), "application/json");
    EXPECT_EQ(res->body, SpaPageJson(page)) << path;
    const Json json = ParseJson(res->body);
    EXPECT_EQ(json["page"], page);
    EXPECT_EQ(json["pages"], kSpaPages);
    EXPECT_EQ(EntriesOf(json), SpaEntries(page)) << path;
  }
  EXPECT_EQ(SpaPageJson(1).substr(0, 40),
            R"({"page":1,"pages":200,"entries":[{"rank")");
  EXPECT_NE(SpaPageJson(1).find(R"("score":9.5})"), std::string::npos);
}

TEST(SpaSiteTest, NextChainCoversEveryPageOnce) {
  TestServer server;
  httplib::Client client("127.0.0.1", server.port());
  const std::regex next_re(R"(/spa/page/(\d+))");
  std::vector<int> pages;
  std::set<int> ranks;
  std::string path = "/spa/api/page/1.json";
  while (true) {
    ASSERT_LT(pages.size(), static_cast<size_t>(kSpaPages)) << "no end";
    auto res = client.Get(path);
    ASSERT_TRUE(res) << path;
    ASSERT_EQ(res->status, 200) << path;
    const Json json = ParseJson(res->body);
    pages.push_back(json["page"].get<int>());
    for (const SpaEntry& entry : EntriesOf(json)) ranks.insert(entry.rank);
    if (json["next"].is_null()) break;
    const std::string next = json["next"].get<std::string>();
    std::smatch m;
    ASSERT_TRUE(std::regex_match(next, m, next_re)) << next;
    // The next page's shell is there too, and its JSON is where the script
    // looks for it.
    auto shell = client.Get(next);
    ASSERT_TRUE(shell) << next;
    EXPECT_EQ(shell->status, 200) << next;
    path = "/spa/api/page/" + m[1].str() + ".json";
  }
  ASSERT_EQ(pages.size(), static_cast<size_t>(kSpaPages));
  for (int i = 0; i < kSpaPages; ++i) EXPECT_EQ(pages[i], i + 1);
  EXPECT_EQ(ranks.size(), static_cast<size_t>(kSpaPages * kSpaEntriesPerPage));
}

TEST(SpaSiteTest, UnknownPathsAre404) {
  TestServer server;
  httplib::Client client("127.0.0.1", server.port());
  struct Case {
    const char* path;
    bool json;  // a JSON error body
  };
  const Case cases[] = {
      {"/spa", false},
      {"/spa/page/0", false},
      {"/spa/page/201", false},
      {"/spa/page/03", false},
      {"/spa/page/x", false},
      {"/spa/page/3/", false},
      {"/spa/page/99999999999", false},
      {"/spa/slow-data/0", false},
      {"/spa/slow-data/201", false},
      {"/spa/api/page/0.json", true},
      {"/spa/api/page/201.json", true},
      {"/spa/api/page/03.json", true},
      {"/spa/api/page/3", false},
      {"/spa/api/page/3.js", false},
      {"/spa/api/page/x.json", false},
      {"/spa/api/page/.json", false},
      {"/spa/api/pages/3.json", false},
      {"/spa/api/slow-data/201.json", true},
      {"/spa/film/0", false},
      {"/spa/film/2001", false},
      {"/spa/loop/", false},
      {"/spa/bomb/", false},
      {"/spa/moved/0", false},
      {"/spa/moved/201", false},
  };
  for (const Case& c : cases) {
    auto res = client.Get(c.path);
    ASSERT_TRUE(res) << c.path;
    EXPECT_EQ(res->status, 404) << c.path;
    if (c.json) {
      EXPECT_EQ(res->get_header_value("Content-Type"), "application/json")
          << c.path;
      EXPECT_EQ(ParseJson(res->body)["error"], "no such page") << c.path;
    }
  }
}

TEST(SpaSiteTest, FilmPageIsServerRendered) {
  TestServer server;
  httplib::Client client("127.0.0.1", server.port());
  auto res = client.Get("/spa/film/23");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  const SpaEntry entry = SpaEntries(3)[2];
  ASSERT_EQ(entry.rank, 23);
  EXPECT_NE(res->body.find("<h1 class=\"title\">" + HtmlEscape(entry.title) +
                           "</h1>"),
            std::string::npos)
      << res->body;
  EXPECT_NE(res->body.find("&lt;Director's Cut&gt;"), std::string::npos)
      << res->body;
  EXPECT_NE(res->body.find("href=\"/spa/page/3\""), std::string::npos);
}

TEST(SpaSiteTest, MovedPageRedirectsPermanentlyToItsPage) {
  TestServer server;
  httplib::Client client("127.0.0.1", server.port());
  auto res = client.Get("/spa/moved/7");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 301);
  EXPECT_EQ(res->get_header_value("Location"), "/spa/page/7");
}

TEST(SpaSiteTest, LoopPageNeverEnds) {
  TestServer server;
  httplib::Client client("127.0.0.1", server.port());
  auto res = client.Get("/spa/loop");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_NE(res->body.find("<script>for(;;){}</script>"), std::string::npos);
  EXPECT_NE(res->body.find("<div id=\"app\"></div>"), std::string::npos);
}

TEST(SpaSiteTest, BombPageAllocatesAndNeverSaysReady) {
  TestServer server;
  httplib::Client client("127.0.0.1", server.port());
  auto res = client.Get("/spa/bomb");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_NE(res->body.find("keep.push(new Array(1 << 20)"), std::string::npos);
  EXPECT_EQ(res->body.find("ready"), std::string::npos);
}

TEST(SpaSiteTest, SlowDataIsAnsweredAfterItsDelay) {
  TestServer server;
  httplib::Client client("127.0.0.1", server.port());
  const auto start = Clock::now();
  auto res = client.Get("/spa/api/slow-data/3.json");
  const auto elapsed = Clock::now() - start;
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, SpaPageJson(3));
  EXPECT_GE(elapsed, kSpaSlowDataDelay);
  EXPECT_LT(elapsed, kSpaSlowDataDelay + std::chrono::seconds(5));
}

TEST(SpaSiteTest, StopCutsTheSlowDataWaitShort) {
  TestServer server;
  const int port = server.port();
  auto request = std::async(std::launch::async, [port] {
    httplib::Client client("127.0.0.1", port);
    client.set_read_timeout(10);
    return client.Get("/spa/api/slow-data/3.json");
  });
  const auto deadline = Clock::now() + std::chrono::seconds(5);
  while (server.Hits("/spa/api/slow-data/3.json") == 0 &&
         Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_EQ(server.Hits("/spa/api/slow-data/3.json"), 1);
  const auto start = Clock::now();
  server.Stop();
  EXPECT_LT(Clock::now() - start, kSpaSlowDataDelay);
  request.wait();
}

// Debian's chromium, or "" when it is not installed.
std::string Chromium() {
  for (const char* path : {"/usr/bin/chromium", "/usr/bin/chromium-browser"}) {
    if (access(path, X_OK) == 0) return path;
  }
  return "";
}

// The DOM headless Chromium has after running `url`'s scripts for up to 5 s
// of virtual time (network waits do not use it up).
ProcessResult DumpDom(const std::string& chromium, const TempDir& dir,
                      const std::string& url) {
  return RunProcess(
      {chromium, "--headless", "--no-sandbox", "--disable-gpu",
       "--no-first-run", "--disable-extensions", "--disable-dev-shm-usage",
       "--user-data-dir=" + dir.File("chromium-profile"),
       "--virtual-time-budget=5000", "--dump-dom", url},
      {{"HOME", dir.path().string()}}, 120'000);
}

// Checks that `dom` is page `page` as the script renders it, pager links
// under `base`.
void ExpectRenderedPage(const std::string& dom, int page,
                        const std::string& base) {
  EXPECT_EQ(Count(dom, "<dd"), static_cast<size_t>(kSpaEntriesPerPage)) << dom;
  for (const SpaEntry& entry : SpaEntries(page))
    EXPECT_NE(dom.find(RenderedEntry(entry)), std::string::npos)
        << RenderedEntry(entry) << "\n"
        << dom;
  EXPECT_NE(dom.find("<dl class=\"board\"><dd class=\"film\">"),
            std::string::npos);
  auto route = [&base](int k, const std::string& text) {
    return "<a href=\"" + base + std::to_string(k) + "\" data-route=\"\">" +
           text + "</a>";
  };
  if (page > 1) {
    EXPECT_NE(dom.find(route(page - 1, "prev")), std::string::npos) << dom;
  }
  EXPECT_NE(dom.find(route(page + 1, "next")), std::string::npos) << dom;
  EXPECT_NE(dom.find(route(page + 2, std::to_string(page + 2))),
            std::string::npos);
  EXPECT_NE(
      dom.find("<span class=\"current\">" + std::to_string(page) + "</span>"),
      std::string::npos);
  EXPECT_NE(dom.find("<nav class=\"pager\">"), std::string::npos);
  EXPECT_NE(dom.find("<div id=\"ready\"></div>"), std::string::npos) << dom;
  EXPECT_NE(dom.find("data-ready=\"1\""), std::string::npos);
}

TEST(SpaSiteTest, ChromiumRendersTheEntriesAndThePager) {
  const std::string chromium = Chromium();
  if (chromium.empty()) GTEST_SKIP() << "Debian's chromium is not installed";
  TestServer server;
  TempDir dir;
  ProcessResult page3 = DumpDom(chromium, dir, server.Url("/spa/page/3"));
  ASSERT_EQ(page3.exit_code, 0) << page3.err;
  ExpectRenderedPage(page3.out, 3, "/spa/page/");
  EXPECT_EQ(server.Hits("/spa/api/page/3.json"), 1);

  ProcessResult root = DumpDom(chromium, dir, server.Url("/spa/"));
  ASSERT_EQ(root.exit_code, 0) << root.err;
  ExpectRenderedPage(root.out, 1, "/spa/page/");
  EXPECT_EQ(root.out.find(">prev<"), std::string::npos);
}

// Appended to the shell of /spa/page/3: once a page is ready, clicks "next",
// then goes back, noting each page rendered in body data-trail. A reload
// would lose the trail (and ask the server for /spa/page/4).
constexpr char kRouteDriver[] = R"js(<script>
(function () {
  var trail = [];
  new MutationObserver(function () {
    if (!document.getElementById("ready")) return;
    var page = /([0-9]+)$/.exec(location.pathname)[1];
    if (trail[trail.length - 1] === page) return;
    trail.push(page);
    document.body.dataset.trail = trail.join(",");
    if (trail.length === 1) {
      var links = document.querySelectorAll("nav.pager a[data-route]");
      links[links.length - 1].click();
    } else if (trail.length === 2) {
      history.back();
    }
  }).observe(document.body, {childList: true});
})();
</script>
</body>)js";

TEST(SpaSiteTest, ChromiumFollowsRouteLinksWithoutReload) {
  const std::string chromium = Chromium();
  if (chromium.empty()) GTEST_SKIP() << "Debian's chromium is not installed";
  TestServer server;
  server.Get("/spa/page/3", [](const httplib::Request&, const std::smatch&,
                               httplib::Response& res) {
    std::string page = SpaShellPage();
    const size_t body_end = page.find("</body>");
    ASSERT_NE(body_end, std::string::npos);
    page.replace(body_end, std::string("</body>").size(), kRouteDriver);
    res.set_content(page, "text/html; charset=utf-8");
  });
  TempDir dir;
  ProcessResult dumped = DumpDom(chromium, dir, server.Url("/spa/page/3"));
  ASSERT_EQ(dumped.exit_code, 0) << dumped.err;
  EXPECT_NE(dumped.out.find("data-trail=\"3,4,3\""), std::string::npos)
      << dumped.out;
  ExpectRenderedPage(dumped.out, 3, "/spa/page/");
  EXPECT_EQ(server.Hits("/spa/page/3"), 1);
  EXPECT_EQ(server.Hits("/spa/page/4"), 0) << "the click reloaded the page";
  EXPECT_EQ(server.Hits("/spa/api/page/4.json"), 1);
  EXPECT_EQ(server.Hits("/spa/api/page/3.json"), 2);
}

TEST(SpaSiteTest, ChromiumWaitsForSlowData) {
  const std::string chromium = Chromium();
  if (chromium.empty()) GTEST_SKIP() << "Debian's chromium is not installed";
  TestServer server;
  TempDir dir;
  ProcessResult slow = DumpDom(chromium, dir, server.Url("/spa/slow-data/7"));
  ASSERT_EQ(slow.exit_code, 0) << slow.err;
  ExpectRenderedPage(slow.out, 7, "/spa/slow-data/");
  EXPECT_EQ(server.Hits("/spa/api/slow-data/7.json"), 1);
}

}  // namespace
}  // namespace crawlbox::testing
