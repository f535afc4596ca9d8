// Live settings of a running `crawlbox run`, each shown by its effect at the
// test server or in the database: fetch.concurrency and per_host_concurrency
// (concurrent requests at the server), a host paused and resumed, seeds, deny
// patterns added and removed, and limits changed mid-run (max_depth,
// max_records_per_page, max_pages_per_host), with `crawlbox check`'s words
// for a bad limit.
#include <gtest/gtest.h>
#include <signal.h>

#include <cstdio>

#include "tests/e2e/control_support.h"
#include "tests/e2e/crawl_support.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"

namespace crawlbox::control_test {
namespace {

using std::chrono::milliseconds;
using testing::BuiltProgram;
using testing::ChildProcess;
using testing::ProcessResult;
using testing::TempDir;
using testing::TestServer;

// A crawl child and its status server (no token: loopback may control it).
class Crawl {
 public:
  Crawl(const TempDir& dir, const std::string& job_text)
      : db_(dir.File("crawl.db")) {
    const std::string job = dir.File("job.toml");
    std::ofstream(job) << job_text;
    child_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{BuiltProgram("crawlbox"), "run", job, "--db",
                                 db_, "-q"},
        std::map<std::string, std::string>{}, dir.path().string());
    port_ = WaitForPort(child_->err_path());
  }
  int port() const { return port_; }
  const std::string& db() const { return db_; }
  ChildProcess& child() { return *child_; }
  std::string err() const { return ReadText(child_->err_path()); }

  Reply Post(const json& body) const {
    return Call(port_, "POST", body.dump(), {{"X-Crawlbox-Control", "test"}});
  }
  Reply Set(const std::string& key, int64_t value) const {
    return Post({{"command", "set"}, {"key", key}, {"value", value}});
  }
  json Settings() const { return Call(port_, "GET", "", {}).body; }
  // Paused with nothing in flight: whatever was fetched is stored.
  bool PauseAndSettle() const {
    if (Post({{"command", "pause"}}).status != 200) return false;
    return WaitFor([&] { return GetStatus(port_)["in_flight"] == 0; },
                   std::chrono::seconds(10));
  }

 private:
  std::string db_;
  std::unique_ptr<ChildProcess> child_;
  int port_ = 0;
};

// The integer `sql` returns first; -1 when none (NULL, no row).
int64_t QueryInt(const std::string& db, const std::string& sql) {
  storage::QueryResult result = e2e::QueryDb(db, sql);
  if (result.rows.empty()) return -1;
  const int64_t* value = std::get_if<int64_t>(&result.rows[0][0]);
  return value != nullptr ? *value : -1;
}

TEST(ControlLiveTest, ConcurrencyHostsSeedsAndDenyChangeWhileItRuns) {
  TestServer server(SiteOf(400));
  server.SetLatency(milliseconds(150));
  TempDir dir;
  const std::string port = std::to_string(server.port());
  // seed.test is the same server under another name: a host of its own,
  // whose seeds need not wait behind the site's queue.
  Crawl crawl(dir, "[job]\nname = \"live\"\nstart_urls = [\"" +
                       server.Url("/site/0.html") +
                       "\"]\n[scope]\nallowed_hosts = [\"127.0.0.1\", "
                       "\"seed.test\"]\n[fetch]\nconcurrency = 1\n"
                       "[fetch.resolve]\n\"seed.test:" +
                       port +
                       "\" = \"127.0.0.1\"\n[politeness]\n"
                       "per_host_concurrency = 1\ndelay_ms = 0\n"
                       "adaptive = false\nrobots = false\n" +
                       kFollowSite);
  ASSERT_GT(crawl.port(), 0) << crawl.err();
  ASSERT_TRUE(WaitFor([&] { return SiteRequests(server).size() >= 2; },
                      std::chrono::seconds(20)))
      << crawl.err();
  const milliseconds settle(400), window(1200);

  // fetch.concurrency raised: the host's own bound (1) still holds; then
  // per_host_concurrency raised too: 4 at once; concurrency lowered to 2.
  const int at_one = ConcurrentDuring(server, milliseconds(0), window);
  EXPECT_EQ(crawl.Set("fetch.concurrency", 4).status, 200);
  const int per_host_one = ConcurrentDuring(server, settle, window);
  EXPECT_EQ(crawl.Set("politeness.per_host_concurrency", 4).status, 200);
  const int at_four = ConcurrentDuring(server, settle, window);
  EXPECT_EQ(crawl.Set("fetch.concurrency", 2).status, 200);
  const int at_two = ConcurrentDuring(server, settle, window);
  std::printf(
      "concurrent requests: %d at 1, %d at 4 (per host 1), %d at 4, "
      "%d at 2\n",
      at_one, per_host_one, at_four, at_two);
  EXPECT_EQ(at_one, 1);
  EXPECT_EQ(per_host_one, 1);
  EXPECT_GE(at_four, 3);
  EXPECT_LE(at_four, 4);
  EXPECT_GE(at_two, 1);
  EXPECT_LE(at_two, 2);
  json s = crawl.Settings();
  EXPECT_EQ(s["fetch"]["concurrency"], 2) << s.dump();
  EXPECT_EQ(s["politeness"]["per_host_concurrency"], 4) << s.dump();

  // The one host paused: nothing requested; resumed: requests again.
  ASSERT_EQ(
      crawl.Post({{"command", "pause_host"}, {"host", "127.0.0.1"}}).status,
      200);
  EXPECT_EQ(crawl.Settings()["paused_hosts"], json::array({"127.0.0.1"}));
  const int while_paused = ConcurrentDuring(server, settle, window);
  (void)while_paused;
  EXPECT_EQ(server.TotalHits(), 0) << "requested while its host was paused";
  ASSERT_EQ(
      crawl.Post({{"command", "resume_host"}, {"host", "127.0.0.1"}}).status,
      200);
  EXPECT_TRUE(
      WaitFor([&] { return server.TotalHits() > 0; }, std::chrono::seconds(5)));

  // A deny pattern added: a seed it matches is never requested; removed: the
  // next one is. A seed off the crawl's hosts is refused.
  const std::string seed = "http://seed.test:" + port;
  ASSERT_EQ(
      crawl
          .Post({{"command", "set"}, {"key", "scope.deny"}, {"add", "/extra/"}})
          .status,
      200);
  ASSERT_EQ(
      crawl.Post({{"command", "seed"}, {"url", seed + "/extra/1"}}).status,
      200);
  ASSERT_EQ(crawl.Post({{"command", "seed"}, {"url", seed + "/plain"}}).status,
            200);
  EXPECT_TRUE(WaitFor([&] { return server.Hits("/plain") == 1; },
                      std::chrono::seconds(10)))
      << "a seed was not requested";
  ASSERT_EQ(crawl
                .Post({{"command", "set"},
                       {"key", "scope.deny"},
                       {"remove", "/extra/"}})
                .status,
            200);
  EXPECT_EQ(crawl.Settings()["scope"]["deny"], json::array());
  ASSERT_EQ(
      crawl.Post({{"command", "seed"}, {"url", seed + "/extra/2"}}).status,
      200);
  EXPECT_TRUE(WaitFor([&] { return server.Hits("/extra/2") == 1; },
                      std::chrono::seconds(10)));
  EXPECT_EQ(server.Hits("/extra/1"), 0) << "requested though denied";
  Reply off =
      crawl.Post({{"command", "seed"}, {"url", "http://elsewhere.test/x"}});
  EXPECT_EQ(off.status, 400) << off.body.dump();

  crawl.child().Signal(SIGINT);
  ProcessResult end = crawl.child().Wait(30'000);
  EXPECT_EQ(end.exit_code, 130) << end.err;
  // Every command applied is recorded (the refused seed too, as refused).
  int applied = 0, refused = 0;
  for (const ControlRow& row : ControlRows(crawl.db()))
    ++(row.applied ? applied : refused);
  EXPECT_EQ(applied, 10);
  EXPECT_EQ(refused, 1);
}

TEST(ControlLiveTest, DepthAndRecordLimitsLoweredMidRunHoldFromThenOn) {
  testing::TestServerOptions options = SiteOf(400);
  options.site->links_per_page = 3;  // a tree: depth grows with the crawl
  options.site->min_bytes = options.site->max_bytes = 2000;
  TestServer server(options);
  server.SetLatency(milliseconds(20));
  TempDir dir;
  // Every href is a record: several a page, until the limit is lowered.
  Crawl crawl(dir, "[job]\nname = \"limits\"\nstart_urls = [\"" +
                       server.Url("/site/0.html") +
                       "\"]\n[fetch]\nconcurrency = 2\n[politeness]\n"
                       "per_host_concurrency = 2\ndelay_ms = 0\n"
                       "robots = false\n[[rules]]\nname = \"page\"\n"
                       "url = '/site/'\nfollow = ['/site/\\d+\\.html$']\n"
                       "pattern = 'href=\"(?P<href>[^\"]+)\"'\n");
  ASSERT_GT(crawl.port(), 0) << crawl.err();
  ASSERT_TRUE(WaitFor([&] { return SiteRequests(server).size() >= 8; },
                      std::chrono::seconds(20)))
      << crawl.err();
  ASSERT_TRUE(crawl.PauseAndSettle());

  // A bad value: 400 with `crawlbox check`'s words.
  for (const char* key : {"max_depth", "max_records_per_page"}) {
    Reply bad = crawl.Set(std::string("limits.") + key, -7);
    EXPECT_EQ(bad.status, 400) << key;
    EXPECT_EQ(bad.body["error"],
              CheckMessage(dir.File("bad.toml"), "limits", key, "-7"))
        << key;
  }
  const int64_t last_url = QueryInt(crawl.db(), "SELECT max(id) FROM frontier");
  const int64_t last_page = QueryInt(crawl.db(), "SELECT max(id) FROM pages");
  ASSERT_GT(last_url, 0);
  // Before: more than one record on a page.
  EXPECT_GT(QueryInt(crawl.db(),
                     "SELECT max(n) FROM (SELECT count(*) AS n FROM items "
                     "GROUP BY page_id)"),
            1);
  ASSERT_EQ(crawl.Set("limits.max_depth", 2).status, 200);
  ASSERT_EQ(crawl.Set("limits.max_records_per_page", 1).status, 200);
  json s = crawl.Settings();
  EXPECT_EQ(s["limits"]["max_depth"], 2) << s.dump();
  EXPECT_EQ(s["limits"]["max_records_per_page"], 1) << s.dump();
  ASSERT_EQ(crawl.Post({{"command", "resume"}}).status, 200);

  // The crawl ends by itself: what was queued deeper is fetched, but its
  // links are not followed, so the site is not crawled to its end.
  ProcessResult end = crawl.child().Wait(60'000);
  EXPECT_EQ(end.exit_code, 0) << end.err;
  EXPECT_EQ(
      QueryInt(crawl.db(), "SELECT count(*) FROM frontier WHERE id > " +
                               std::to_string(last_url) + " AND depth > 2"),
      0);
  EXPECT_LT(QueryInt(crawl.db(), "SELECT count(*) FROM frontier"), 400);
  const std::string after_pages =
      "FROM pages WHERE id > " + std::to_string(last_page);
  EXPECT_GT(QueryInt(crawl.db(), "SELECT count(*) " + after_pages), 0);
  EXPECT_EQ(QueryInt(crawl.db(),
                     "SELECT count(*) FROM items WHERE page_id IN (SELECT id " +
                         after_pages +
                         ") GROUP BY page_id ORDER BY count(*) DESC LIMIT 1"),
            1);
  EXPECT_GT(QueryInt(crawl.db(), "SELECT count(*) " + after_pages +
                                     " AND cuts LIKE "
                                     "'%records:%'"),
            0);
}

TEST(ControlLiveTest, APerHostLimitSetMidRunEndsTheCrawl) {
  TestServer server(SiteOf(400));
  server.SetLatency(milliseconds(20));
  TempDir dir;
  Crawl crawl(dir, "[job]\nname = \"per-host\"\nstart_urls = [\"" +
                       server.Url("/site/0.html") +
                       "\"]\n[politeness]\nper_host_concurrency = 2\n"
                       "delay_ms = 0\nrobots = false\n" +
                       kFollowSite);
  ASSERT_GT(crawl.port(), 0) << crawl.err();
  ASSERT_TRUE(WaitFor([&] { return SiteRequests(server).size() >= 5; },
                      std::chrono::seconds(20)))
      << crawl.err();
  ASSERT_TRUE(crawl.PauseAndSettle());
  const int64_t fetched = QueryInt(crawl.db(), "SELECT count(*) FROM pages");
  ASSERT_GT(fetched, 0);
  const int64_t limit = fetched + 5;
  ASSERT_EQ(crawl.Set("limits.max_pages_per_host", limit).status, 200);
  EXPECT_EQ(crawl.Settings()["limits"]["max_pages_per_host"], limit);
  ASSERT_EQ(crawl.Post({{"command", "resume"}}).status, 200);
  ProcessResult end = crawl.child().Wait(30'000);
  EXPECT_EQ(end.exit_code, 0) << end.err;
  EXPECT_EQ(QueryInt(crawl.db(), "SELECT count(*) FROM pages"), limit);
  EXPECT_EQ(static_cast<int64_t>(SiteRequests(server).size()), limit);
  EXPECT_GT(QueryInt(crawl.db(),
                     "SELECT count(*) FROM frontier WHERE state = 'queued'"),
            0);
}

}  // namespace
}  // namespace crawlbox::control_test
