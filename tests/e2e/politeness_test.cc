// Politeness and retries as the server sees them: per-host concurrency never
// above the limit, request starts never closer than the delay, Retry-After
// honoured, flapping and dead endpoints retried and given up with their reason
// and attempts recorded.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>

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

std::string Job(const TestServer& server, const std::string& seed,
                const std::string& extra) {
  return "[job]\nname = \"polite\"\nstart_urls = [\"" + server.Url(seed) +
         "\"]\n"
         "[fetch]\nconcurrency = 16\n"
         "[[rules]]\nname = \"all\"\nfollow = ['/site/\\d+\\.html$']\n" +
         extra;
}

std::string Query(const std::string& db, const std::string& sql) {
  storage::QueryResult rows = e2e::QueryDb(db, sql);
  std::string out;
  for (const auto& row : rows.rows) {
    for (const auto& v : row) {
      if (auto* i = std::get_if<int64_t>(&v)) out += std::to_string(*i);
      if (auto* s = std::get_if<std::string>(&v)) out += *s;
      out += "|";
    }
  }
  return out;
}

TEST(PolitenessTest, PerHostConcurrencyNeverExceedsTheLimit) {
  testing::TestServerOptions options;
  options.site = testing::SiteOptions{};
  options.site->pages = 80;
  TestServer server(options);
  server.SetLatency(milliseconds(30));
  TempDir dir;
  auto summary = e2e::CrawlText(
      Job(server, "/site/0.html",
          "[politeness]\nper_host_concurrency = 3\ndelay_ms = 0\n"),
      dir.File("c.db"));
  EXPECT_EQ(summary.pages, 80);
  EXPECT_LE(server.MaxConcurrent(), 3);
  EXPECT_EQ(server.MaxConcurrent(), 3)
      << "the limit is used, not just respected";
}

TEST(PolitenessTest, RequestStartsToOneHostAreNeverCloserThanTheDelay) {
  testing::TestServerOptions options;
  options.site = testing::SiteOptions{};
  options.site->pages = 12;
  TestServer server(options);
  TempDir dir;
  auto summary = e2e::CrawlText(
      Job(server, "/site/0.html",
          "[politeness]\nper_host_concurrency = 4\ndelay_ms = 100\n"
          "adaptive = false\n"),
      dir.File("d.db"));
  EXPECT_EQ(summary.pages, 12);
  auto log = server.RequestLog();
  ASSERT_EQ(log.size(), 13u) << "robots.txt, then the 12 pages";
  EXPECT_EQ(log[0].target, "/robots.txt");
  for (size_t i = 1; i < log.size(); ++i) {
    auto gap = std::chrono::duration_cast<milliseconds>(log[i].arrived -
                                                        log[i - 1].arrived);
    // The delay is kept between request starts on our side; arrival adds a
    // little jitter.
    EXPECT_GE(gap.count(), 90)
        << "between " << log[i - 1].target << " and " << log[i].target;
  }
}

TEST(PolitenessTest, RetryAfterIsHonouredAndTheRetrySucceeds) {
  TestServer server;
  std::atomic<int> hits{0};
  server.Get("/busy", [&](const httplib::Request&, const std::smatch&,
                          httplib::Response& res) {
    if (hits.fetch_add(1) == 0) {
      res.status = 429;
      res.set_header("Retry-After", "1");
      res.set_content("slow down", "text/plain");
    } else {
      res.set_content("<p>ok</p>", "text/html");
    }
  });
  TempDir dir;
  const std::string db = dir.File("r.db");
  auto summary = e2e::CrawlText(
      Job(server, "/busy",
          "[politeness]\nper_host_concurrency = 2\ndelay_ms = 0\n"
          "[retry]\nbackoff_ms = 10\n"),
      db);
  EXPECT_EQ(summary.pages, 1);
  auto log = server.RequestLog();
  std::erase_if(log, [](const auto& r) { return r.target == "/robots.txt"; });
  ASSERT_EQ(log.size(), 2u);
  auto gap =
      std::chrono::duration_cast<milliseconds>(log[1].arrived - log[0].arrived);
  EXPECT_GE(gap.count(), 990) << "Retry-After: 1 asks for a second";
  EXPECT_EQ(
      Query(db,
            "SELECT status, state, attempts FROM pages JOIN frontier f ON "
            "f.id = pages.url_id"),
      "200|done|2|");
}

TEST(PolitenessTest, FlappingServerIsRetriedAndDeadOneGivenUpWithItsReason) {
  TestServer server;
  std::atomic<int> flaps{0};
  server.Get("/flap", [&](const httplib::Request&, const std::smatch&,
                          httplib::Response& res) {
    if (flaps.fetch_add(1) % 2 == 0) {
      res.status = 503;
    } else {
      res.set_content("<p>up</p>", "text/html");
    }
  });
  server.Get("/start", [&](const httplib::Request&, const std::smatch&,
                           httplib::Response& res) {
    res.set_content(
        "<a href='/flap'>f</a><a href='/status/503'>d</a><a "
        "href='/status/408'>t</a>",
        "text/html");
  });
  TempDir dir;
  const std::string db = dir.File("f.db");
  const std::string job =
      "[job]\nname = \"flap\"\nstart_urls = [\"" + server.Url("/start") +
      "\"]\n[politeness]\nper_host_concurrency = 4\ndelay_ms = 0\n"
      "adaptive = false\n[retry]\nmax_attempts = 3\nbackoff_ms = 20\n"
      "[[rules]]\nname = \"all\"\nurl = '/start'\nfollow = ['.*']\n";
  auto summary = e2e::CrawlText(job, db);
  EXPECT_EQ(summary.pages, 4);
  EXPECT_EQ(server.Hits("/flap"), 2);
  EXPECT_EQ(server.Hits("/status/503"), 3);
  EXPECT_EQ(server.Hits("/status/408"), 3);
  auto row = [&](const std::string& path) {
    return Query(
        db,
        "SELECT coalesce(p.status, 0), f.state, f.attempts, coalesce(f.reason, "
        "'') "
        "FROM frontier f JOIN pages p ON p.url_id = f.id WHERE f.url = '" +
            server.Url(path) + "'");
  };
  EXPECT_EQ(row("/flap"), "200|done|2||");
  EXPECT_EQ(row("/status/503"), "503|failed|3|http_503|");
  EXPECT_EQ(row("/status/408"), "408|failed|3|http_408|");
}

}  // namespace
}  // namespace crawlbox
