// End-to-end crawls in-process (Engine + real curl + real SQLite) against the
// local test site: the demo board job, and generated sites where every page
// must be fetched exactly once.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <set>

#include "config/job_loader.h"
#include "crawler/engine/engine.h"
#include "parser/page_parser.h"
#include "storage/reader.h"
#include "storage/store.h"
#include "tests/e2e/crawl_support.h"
#include "tests/support/status_matchers.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_server.h"

namespace crawlbox {
namespace {

using testing::TempDir;
using testing::TestServer;

TEST(DemoBoardCrawlTest, TheBoardJobYieldsExactlyTheHundredFilms) {
  TestServer server;
  TempDir dir;
  setenv("BOARD_SITE", server.Url("").c_str(), 1);
  config::LoadedJob loaded = config::LoadJobFile(
      std::string(CRAWLBOX_SOURCE_DIR) + "/config/jobs/board.toml");
  unsetenv("BOARD_SITE");
  const std::string db = dir.File("board.db");
  e2e::JobRun outcome = e2e::RunJob(loaded, db);
  EXPECT_EQ(outcome.summary.state, "finished");
  EXPECT_EQ(outcome.summary.items, 100);
  EXPECT_EQ(outcome.summary.pages, 10);

  EXPECT_EQ(e2e::CountDb(db, "SELECT count(*) FROM board"), 100);
  EXPECT_EQ(e2e::CountDb(db, "SELECT count(DISTINCT rank) FROM board"), 100);
  for (int offset = 0; offset < 100; offset += 10) {
    EXPECT_EQ(server.Hits("/board/4?offset=" + std::to_string(offset)), 1)
        << offset;
  }

  // Every record equals the source of truth, field by field, after the cleanup
  // transforms.
  auto rows = e2e::QueryDb(
      db, "SELECT rank, title, actor, time, score FROM board ORDER BY rank");
  const auto& films = testing::DemoFilms();
  ASSERT_EQ(rows.rows.size(), films.size());
  for (size_t i = 0; i < films.size(); ++i) {
    const auto& row = rows.rows[i];
    SCOPED_TRACE("rank " + std::to_string(films[i].rank));
    EXPECT_EQ(std::get<int64_t>(row[0]), films[i].rank);
    EXPECT_EQ(std::get<std::string>(row[1]), films[i].title);
    EXPECT_EQ(std::get<std::string>(row[2]), films[i].actors);
    EXPECT_EQ(std::get<std::string>(row[3]), films[i].release);
    EXPECT_NEAR(std::get<double>(row[4]), films[i].score, 1e-9);
  }
  // Spot checks written out, so a bug shared by the site and the test cannot
  // hide.
  EXPECT_EQ(std::get<std::string>(rows.rows[0][1]), "霸王别姬");
  EXPECT_EQ(std::get<std::string>(rows.rows[0][2]), "张国荣,张丰毅,巩俐");
  EXPECT_EQ(std::get<std::string>(rows.rows[0][3]), "1993-01-01");
}

TEST(DemoBoardCrawlTest, ASecondRunOnTheSameDatabaseFetchesNothingAgain) {
  TestServer server;
  TempDir dir;
  setenv("BOARD_SITE", server.Url("").c_str(), 1);
  config::LoadedJob loaded = config::LoadJobFile(
      std::string(CRAWLBOX_SOURCE_DIR) + "/config/jobs/board.toml");
  unsetenv("BOARD_SITE");
  const std::string db = dir.File("board.db");
  e2e::RunJob(loaded, db);
  const int64_t hits = server.TotalHits();
  e2e::JobRun again = e2e::RunJob(loaded, db);
  EXPECT_EQ(again.summary.pages, 0);
  EXPECT_EQ(server.TotalHits(), hits);
  EXPECT_EQ(e2e::CountDb(db, "SELECT count(*) FROM board"), 100);
}

std::string SiteJob(const TestServer& server, const std::string& extra) {
  return R"toml(
[job]
name = "site"
start_urls = [")toml" +
         server.Url("/site/0.html") + R"toml("]
[fetch]
concurrency = 32
[politeness]
per_host_concurrency = 32
delay_ms = 0
[[rules]]
name = "board"
url = '/site/'
pattern = '<dd>.*?board-index.*?>(?P<rank>\d+)</i>.*?title="(?P<title>[^"]*)".*?<i class="integer">(?P<integer>.*?)</i>.*?<i class="fraction">(?P<fraction>.*?)</i>.*?</dd>'
follow = ['/site/\d+\.html$']
[rules.fields]
rank = { type = "int" }
title = {}
score = { template = "{integer}{fraction}", type = "real" }
)toml" + extra;
}

// Crawls a generated site of `pages` pages and checks that each was fetched
// exactly once and stored with its records.
void CrawlWholeSite(int pages) {
  testing::TestServerOptions options;
  options.site = testing::SiteOptions{};
  options.site->pages = pages;
  TestServer server(options);
  TempDir dir;
  const std::string db = dir.File("site.db");
  e2e::JobRun outcome =
      e2e::RunJob(config::LoadJobText(SiteJob(server, ""), "site.toml"), db);
  const auto& site = *server.site();
  EXPECT_EQ(outcome.summary.pages, pages);
  EXPECT_EQ(outcome.summary.failed, 0);
  for (int i = 0; i < site.page_count(); ++i) {
    ASSERT_EQ(server.Hits(site.PagePath(i)), 1) << site.PagePath(i);
  }
  EXPECT_EQ(server.Hits("/robots.txt"), 1) << "once per host, before its pages";
  EXPECT_EQ(server.TotalHits(), pages + 1);
  EXPECT_EQ(e2e::CountDb(db, "SELECT count(*) FROM pages"), pages);
  EXPECT_EQ(
      e2e::CountDb(db, "SELECT count(*) FROM frontier WHERE state != 'done'"),
      0);
  EXPECT_EQ(e2e::CountDb(db, "SELECT count(*) FROM board"),
            site.TotalBoardEntries());
  EXPECT_EQ(e2e::CountDb(db, "SELECT count(*) FROM pages WHERE status != 200"),
            0);
  std::printf("crawled %d pages in %.2f s: %.0f pages/s\n", pages,
              outcome.summary.seconds, pages / outcome.summary.seconds);
}

TEST(GeneratedSiteCrawlTest, EveryPageOfA2000PageSiteIsFetchedExactlyOnce) {
  CrawlWholeSite(2000);
}

TEST(GeneratedSiteCrawlTest, EveryPageOfA10000PageSiteIsFetchedExactlyOnce) {
  CrawlWholeSite(10000);
}

TEST(GeneratedSiteCrawlTest, LimitsStopAtMaxPagesAndMaxDepth) {
  testing::TestServerOptions options;
  options.site = testing::SiteOptions{};
  options.site->pages = 500;
  TestServer server(options);
  TempDir dir;
  e2e::JobRun by_pages =
      e2e::RunJob(config::LoadJobText(
                      SiteJob(server, "[limits]\nmax_pages = 37\n"), "p.toml"),
                  dir.File("p.db"));
  EXPECT_EQ(by_pages.summary.pages, 37);
  EXPECT_EQ(server.TotalHits(), 37 + 1) << "37 pages and robots.txt";
  EXPECT_EQ(by_pages.summary.state, "finished");
  EXPECT_GT(by_pages.summary.queued, 0);

  server.ResetCounts();
  const std::string db = dir.File("d.db");
  e2e::RunJob(config::LoadJobText(SiteJob(server, "[limits]\nmax_depth = 1\n"),
                                  "d.toml"),
              db);
  EXPECT_EQ(e2e::CountDb(db, "SELECT max(depth) FROM frontier"), 1);
  EXPECT_EQ(e2e::CountDb(db, "SELECT count(*) FROM pages"),
            e2e::CountDb(db, "SELECT count(*) FROM frontier WHERE depth <= 1"));
}

TEST(FailureCrawlTest, FailedAndErrorPagesAreRecordedAndTheCrawlGoesOn) {
  TestServer server;
  server.Get(R"(/mixed)", [&](const httplib::Request&, const std::smatch&,
                              httplib::Response& res) {
    res.set_content(
        "<a href='/status/404'>a</a><a href='/status/500'>b</a><a "
        "href='/redirect/2'>c</a>"
        "<a href='/redirect-loop'>d</a><a href='/bytes/3000000'>e</a><a "
        "href='/binary'>f</a>"
        "<a href='/gzip'>g</a><a href='http://127.0.0.1:1/refused'>h</a>",
        "text/html");
  });
  TempDir dir;
  const std::string db = dir.File("f.db");
  const std::string job = R"toml(
[job]
name = "faults"
start_urls = [")toml" + server.Url("/mixed") +
                          R"toml("]
[fetch]
max_body_bytes = 1000000
max_redirects = 3
timeout_ms = 5000
[politeness]
per_host_concurrency = 8
delay_ms = 0
adaptive = false
[retry]
max_attempts = 2
backoff_ms = 10
[[rules]]
name = "all"
url = '/mixed$'
follow = ['.*']
)toml";
  e2e::JobRun outcome = e2e::RunJob(config::LoadJobText(job, "f.toml"), db);
  EXPECT_EQ(outcome.summary.state, "finished");
  // Redirect hops are pages of their own: /redirect/1 and /redirect/0 too.
  EXPECT_EQ(outcome.summary.pages, 11);
  auto error_of = [&](const std::string& path) {
    auto rows =
        e2e::QueryDb(db,
                     "SELECT coalesce(error, ''), coalesce(status, 0) FROM "
                     "pages WHERE url = '" +
                         server.Url(path) + "'");
    if (rows.rows.empty()) return std::string("missing");
    return std::get<std::string>(rows.rows[0][0]) + "/" +
           std::to_string(std::get<int64_t>(rows.rows[0][1]));
  };
  EXPECT_EQ(error_of("/status/404"), "/404");
  EXPECT_EQ(error_of("/status/500"), "http_500/500")
      << "retried, then given up";
  EXPECT_EQ(server.Hits("/status/500"), 2);
  EXPECT_EQ(server.Hits("/status/404"), 1) << "404 is not retried";
  EXPECT_EQ(error_of("/redirect/2"), "/302");
  EXPECT_EQ(error_of("/redirect/1"), "/302");
  EXPECT_EQ(error_of("/redirect/0"), "/200");
  EXPECT_EQ(error_of("/redirect-loop"), "redirect_loop/302");
  EXPECT_EQ(server.Hits("/redirect-loop"), 1);
  EXPECT_EQ(error_of("/bytes/3000000"), "too_large/0");
  EXPECT_EQ(error_of("/binary"), "/200");
  EXPECT_EQ(error_of("/gzip"), "/200");
  // Same host, closed port: in scope, fetched, and failed with a transport
  // reason.
  EXPECT_EQ(
      e2e::CountDb(
          db,
          "SELECT count(*) FROM pages WHERE url = 'http://127.0.0.1:1/refused' "
          "AND error = 'connect' AND status IS NULL"),
      1);
  EXPECT_EQ(
      e2e::CountDb(db, "SELECT count(*) FROM frontier WHERE state = 'failed'"),
      4);
  EXPECT_EQ(e2e::CountDb(db, "SELECT attempts FROM frontier WHERE url = '" +
                                 server.Url("/status/500") + "'"),
            2);
}

}  // namespace
}  // namespace crawlbox
