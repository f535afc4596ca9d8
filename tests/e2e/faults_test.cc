// A crawl through a server that misbehaves at the byte level (slow headers,
// trickling and cut bodies, resets, lying lengths, redirect loops, huge bodies,
// a gzip bomb, invalid UTF-8, binary pages, 429/503 with Retry-After, an
// endless calendar): the crawl finishes, every fault is in the database with
// its reason, the calendar is bounded by the limits, memory stays bounded.
#include <gtest/gtest.h>

#include <fstream>

#include "parser/charset.h"
#include "storage/reader.h"
#include "tests/support/fault_server.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"

namespace crawlbox {
namespace {

using testing::BuiltProgram;
using testing::ChildProcess;
using testing::FaultServer;
using testing::ProcessResult;
using testing::TempDir;

std::string Job(const FaultServer& server, const std::string& extra) {
  return "[job]\nname = \"faults\"\nstart_urls = [\"" + server.Url("/") +
         "\"]\n"
         "[limits]\nmax_pages = 150\nmax_depth = 6\n"
         "[fetch]\nconcurrency = 16\ntimeout_ms = 1500\nconnect_timeout_ms = "
         "1000\n"
         "max_body_bytes = 1000000\nmax_redirects = 5\n"
         "[politeness]\nper_host_concurrency = 16\ndelay_ms = 0\nadaptive = "
         "false\n"
         "[retry]\nmax_attempts = 2\nbackoff_ms = 10\n"
         "[[rules]]\nname = \"titles\"\n"
         "pattern = '<title>(?P<title>.*?)</title>'\nfollow = ['.*']\n" +
         extra;
}

ProcessResult RunCrawl(const TempDir& dir, const std::string& job,
                       const std::string& db) {
  const std::string path = dir.File("faults.toml");
  std::ofstream(path) << job;
  ChildProcess crawl({BuiltProgram("crawlbox"), "run", path, "--db", db, "-q"},
                     {}, dir.path().string());
  return crawl.Wait(120'000);
}

std::map<std::string, std::string> Outcomes(const std::string& db,
                                            const FaultServer& server) {
  auto reader = storage::Reader::Open(db);
  EXPECT_TRUE(reader.ok());
  auto rows = (*reader)->QueryAll(
      "SELECT f.url, f.state, coalesce(f.reason, ''), f.attempts, "
      "coalesce(p.status, 0) "
      "FROM frontier f LEFT JOIN pages p ON p.url_id = f.id");
  EXPECT_TRUE(rows.ok());
  std::map<std::string, std::string> out;
  const std::string origin = server.Url("");
  for (const auto& row : rows->rows) {
    std::string url = std::get<std::string>(row[0]);
    if (url.starts_with(origin)) url = url.substr(origin.size());
    out[url] = std::get<std::string>(row[1]) + " " +
               std::get<std::string>(row[2]) + " " +
               std::to_string(std::get<int64_t>(row[3])) + " " +
               std::to_string(std::get<int64_t>(row[4]));
  }
  return out;
}

TEST(FaultsTest, EveryFaultIsSurvivedAndRecordedWithItsReason) {
  FaultServer server;
  server.SetRobots(FaultServer::RobotsMode::kNotFound);
  TempDir dir;
  const std::string db = dir.File("faults.db");
  ProcessResult r = RunCrawl(dir, Job(server, ""), db);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // A gzip bomb inflating to 1 GB, a 10 MB page: none of it is held.
  EXPECT_LT(r.max_rss_kb, 200 * 1024) << "peak RSS in KB";

  auto outcome = Outcomes(db, server);
  auto expect = [&](const std::string& path, const std::string& want) {
    ASSERT_TRUE(outcome.count(path)) << path << " was never discovered";
    EXPECT_EQ(outcome[path], want) << path;
  };
  // state reason attempts status
  expect("/slow-headers", "failed timeout 2 0");
  expect("/trickle", "failed timeout 2 0");
  expect("/lying-length", "failed truncated 2 0");
  // Each redirect is a hop of its own: recorded with its status, its target
  // queued like a link (the calendar uses up max_pages before the chain's
  // end; RedirectCrawlTest follows chains to their end).
  expect("/redirect-loop", "failed redirect_loop 1 302");
  expect("/redirect-chain/5", "done  1 302");
  expect("/big", "failed too_large 1 0");
  expect("/gzip-bomb", "failed too_large 1 0");
  expect("/invalid-utf8", "done  1 200");
  expect("/binary-as-html", "done  1 200");
  expect("/retry-after?seconds=1", "done  2 200");
  expect("/retry-after-date?seconds=1", "done  2 200");
  expect("/flapping", "done  2 200");
  ASSERT_TRUE(outcome.count("/reset"));
  EXPECT_TRUE(outcome["/reset"] == "failed reset 2 0" ||
              outcome["/reset"] == "failed truncated 2 0")
      << outcome["/reset"];

  // The calendar never ends; the limits end the crawl.
  auto reader = storage::Reader::Open(db);
  auto pages = (*reader)->QueryAll("SELECT count(*) FROM pages");
  EXPECT_EQ(std::get<int64_t>(pages->rows[0][0]), 150);
  auto calendar = (*reader)->QueryAll(
      "SELECT count(*), max(depth) FROM frontier WHERE url LIKE "
      "'%/calendar/%'");
  EXPECT_GT(std::get<int64_t>(calendar->rows[0][0]), 50);
  EXPECT_LE(std::get<int64_t>(calendar->rows[0][1]), 6);

  // Whatever bytes the pages had, the records are valid UTF-8.
  auto titles = (*reader)->QueryAll("SELECT title FROM titles");
  ASSERT_TRUE(titles.ok());
  ASSERT_FALSE(titles->rows.empty());
  for (const auto& row : titles->rows) {
    EXPECT_TRUE(parser::IsValidUtf8(std::get<std::string>(row[0])));
  }
}

TEST(FaultsTest, ARobotsTxtThatTimesOutBlocksTheHostAndTheCrawlEnds) {
  FaultServer server;
  server.SetRobots(FaultServer::RobotsMode::kTimeout);
  TempDir dir;
  const std::string db = dir.File("robots.db");
  ProcessResult r = RunCrawl(dir, Job(server, ""), db);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(server.Hits("/robots.txt"), 2);
  EXPECT_EQ(server.Hits("/"), 0);
  auto outcome = Outcomes(db, server);
  EXPECT_EQ(outcome["/"], "blocked robots_unavailable 0 0");
}

TEST(FaultsTest, ARedirectedRobotsTxtIsFollowedAndObeyed) {
  FaultServer server;
  server.SetRobots(FaultServer::RobotsMode::kRedirect,
                   "User-agent: *\nDisallow: /calendar/\n");
  TempDir dir;
  const std::string db = dir.File("redirect.db");
  ProcessResult r = RunCrawl(dir, Job(server, ""), db);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const std::string& target : server.RequestLog()) {
    EXPECT_FALSE(target.starts_with("/calendar/")) << target;
  }
  auto outcome = Outcomes(db, server);
  EXPECT_EQ(outcome["/calendar/2026/11"], "blocked robots 0 0");
}

}  // namespace
}  // namespace crawlbox
