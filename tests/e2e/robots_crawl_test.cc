// robots.txt in a real crawl, checked from the server's own request log:
// disallowed URLs are never requested (and recorded as blocked), Crawl-delay
// spaces requests, 4xx allows all, an unavailable robots.txt is retried and
// then blocks the host, and the check can be switched off.
#include <gtest/gtest.h>

#include "config/job_loader.h"
#include "crawler/engine/engine.h"
#include "parser/page_parser.h"
#include "storage/reader.h"
#include "storage/store.h"
#include "tests/e2e/crawl_support.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_server.h"

namespace crawlbox {
namespace {

using std::chrono::milliseconds;
using testing::TempDir;
using testing::TestServer;

std::string SiteJob(const TestServer& server, const std::string& politeness) {
  return "[job]\nname = \"robots\"\nstart_urls = [\"" +
         server.Url("/site/0.html") +
         "\"]\n[fetch]\nconcurrency = 8\n[politeness]\nper_host_concurrency = "
         "8\n" +
         politeness +
         "\n[retry]\nbackoff_ms = 20\n"
         "[[rules]]\nname = \"all\"\nfollow = ['/site/\\d+\\.html$']\n";
}

TestServer Site(int pages) {
  testing::TestServerOptions options;
  options.site = testing::SiteOptions{};
  options.site->pages = pages;
  return TestServer(options);
}

TEST(RobotsCrawlTest, DisallowedUrlsAreNeverRequestedAndRecordedAsBlocked) {
  testing::TestServerOptions options;
  options.site = testing::SiteOptions{};
  options.site->pages = 300;
  TestServer server(options);
  server.SetRobotsTxt(
      "User-agent: *\nDisallow: /site/1\nAllow: /site/1.html$\n\n"
      "User-agent: otherbot\nDisallow: /\n");
  TempDir dir;
  const std::string db = dir.File("r.db");
  e2e::CrawlText(SiteJob(server, "delay_ms = 0"), db);
  int disallowed_seen = 0;
  for (const auto& request : server.RequestLog()) {
    const std::string& t = request.target;
    if (t.starts_with("/site/1") && t != "/site/1.html") ++disallowed_seen;
  }
  EXPECT_EQ(disallowed_seen, 0) << "a disallowed URL was requested";
  EXPECT_EQ(server.Hits("/site/1.html"), 1) << "the longer Allow wins";
  EXPECT_EQ(server.Hits("/robots.txt"), 1);
  const int64_t blocked =
      e2e::CountDb(db,
                   "SELECT count(*) FROM frontier WHERE state = "
                   "'blocked' AND reason = 'robots'");
  EXPECT_GT(blocked, 100);  // /site/10.html .. /site/199.html, all linked
  EXPECT_EQ(
      e2e::CountDb(db,
                   "SELECT count(*) FROM frontier WHERE state = 'blocked' AND "
                   "url NOT LIKE '%/site/1%'"),
      0);
  EXPECT_EQ(e2e::CountDb(db, "SELECT count(*) FROM pages"), 300 - blocked);
  EXPECT_EQ(
      e2e::CountDb(db, "SELECT count(*) FROM frontier WHERE state = 'queued'"),
      0);
}

TEST(RobotsCrawlTest, CrawlDelaySpacesRequestsToTheHost) {
  TestServer server = Site(6);
  server.SetRobotsTxt("User-agent: crawlbox\nCrawl-delay: 0.2\n");
  TempDir dir;
  e2e::CrawlText(SiteJob(server, "delay_ms = 0\nadaptive = false"),
                 dir.File("d.db"));
  auto log = server.RequestLog();
  ASSERT_EQ(log.size(), 7u);
  for (size_t i = 2; i < log.size(); ++i) {
    auto gap = std::chrono::duration_cast<milliseconds>(log[i].arrived -
                                                        log[i - 1].arrived);
    EXPECT_GE(gap.count(), 190) << log[i].target;
  }
}

TEST(RobotsCrawlTest, MissingRobotsAllowsEverything) {
  TestServer server = Site(20);
  server.SetRobotsTxt(std::nullopt);  // 404
  TempDir dir;
  const std::string db = dir.File("m.db");
  auto summary = e2e::CrawlText(SiteJob(server, "delay_ms = 0"), db);
  EXPECT_EQ(summary.pages, 20);
  EXPECT_EQ(
      e2e::CountDb(db, "SELECT count(*) FROM frontier WHERE state = 'blocked'"),
      0);
}

TEST(RobotsCrawlTest, UnavailableRobotsIsRetriedThenBlocksTheHost) {
  TestServer server = Site(20);
  server.Get("/robots.txt", [](const httplib::Request&, const std::smatch&,
                               httplib::Response& res) { res.status = 503; });
  TempDir dir;
  const std::string db = dir.File("u.db");
  auto summary =
      e2e::CrawlText(SiteJob(server, "delay_ms = 0\nadaptive = false"), db);
  EXPECT_EQ(server.Hits("/robots.txt"), 3) << "retry.max_attempts tries";
  EXPECT_EQ(server.TotalHits(), 3) << "no page of the host is requested";
  EXPECT_EQ(summary.pages, 0);
  EXPECT_EQ(
      e2e::CountDb(db,
                   "SELECT count(*) FROM frontier WHERE state = 'blocked' AND "
                   "reason = 'robots_unavailable'"),
      1);
}

TEST(RobotsCrawlTest, CanBeSwitchedOffPerJob) {
  TestServer server = Site(10);
  server.SetRobotsTxt("User-agent: *\nDisallow: /\n");
  TempDir dir;
  auto summary = e2e::CrawlText(SiteJob(server, "delay_ms = 0\nrobots = false"),
                                dir.File("o.db"));
  EXPECT_EQ(summary.pages, 10);
  EXPECT_EQ(server.Hits("/robots.txt"), 0);
}

}  // namespace
}  // namespace crawlbox
