// kill -9 at random moments: a crawl of a 5,000-page site is killed ten times
// and resumed each time. At the end every page is stored exactly once, the
// records are exactly those of an uninterrupted crawl, and no page was fetched
// more than twice.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <random>
#include <set>
#include <thread>
#include <tuple>

#include "tests/e2e/crawl_support.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_server.h"

namespace crawlbox {
namespace {

using testing::BuiltProgram;
using testing::ChildProcess;
using testing::ProcessResult;
using testing::TempDir;
using testing::TestServer;

constexpr int kPages = 5000;
constexpr int kKills = 10;

std::string JobText(const TestServer& server) {
  return "[job]\nname = \"kill\"\nstart_urls = [\"" +
         server.Url("/site/0.html") +
         "\"]\n"
         "[fetch]\nconcurrency = 16\n"
         "[politeness]\nper_host_concurrency = 16\ndelay_ms = 0\n"
         "[[rules]]\nname = \"board\"\nurl = '/site/'\n"
         "pattern = '(?s)<dd>.*?board-index.*?>(?P<rank>\\d+)</i>.*?"
         "title=\"(?P<title>[^\"]*)\".*?</dd>'\n"
         "follow = ['/site/\\d+\\.html$']\n"
         "[rules.fields]\nrank = { type = \"int\" }\ntitle = \"title\"\n";
}

// (page URL, rule, record JSON) of every stored record, sorted.
using Records =
    std::multiset<std::tuple<std::string, std::string, std::string>>;

// Paths of the site's pages stored in `db`.
std::set<std::string> StoredPaths(const std::string& db,
                                  const TestServer& server) {
  std::set<std::string> out;
  const std::string prefix = server.Url("");
  for (const auto& row : e2e::QueryDb(db, "SELECT url FROM pages").rows) {
    out.insert(std::get<std::string>(row[0]).substr(prefix.size()));
  }
  return out;
}

// Polls until every path in `paths` is stored; false after `timeout`.
bool WaitUntilStored(const std::string& db, const TestServer& server,
                     const std::set<std::string>& paths,
                     std::chrono::seconds timeout) {
  if (paths.empty()) return true;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    const std::set<std::string> stored = StoredPaths(db, server);
    if (std::includes(stored.begin(), stored.end(), paths.begin(),
                      paths.end())) {
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

Records AllRecords(const std::string& db) {
  Records out;
  for (const auto& row :
       e2e::QueryDb(db, "SELECT url, rule, record FROM items").rows) {
    out.emplace(std::get<std::string>(row[0]), std::get<std::string>(row[1]),
                std::get<std::string>(row[2]));
  }
  return out;
}

TEST(KillResumeTest, TenKillNineAtRandomMomentsLoseAndDoubleNothing) {
  testing::TestServerOptions options;
  options.site = testing::SiteOptions{};
  options.site->pages = kPages;
  TestServer server(options);
  TempDir dir;
  const std::string job = dir.File("job.toml");
  std::ofstream(job) << JobText(server);

  // The reference: the same job, never interrupted.
  const std::string reference_db = dir.File("reference.db");
  ProcessResult reference = testing::RunProcess(
      {BuiltProgram("crawlbox"), "run", job, "--db", reference_db, "-q"});
  ASSERT_EQ(reference.exit_code, 0) << reference.err;
  const Records expected = AllRecords(reference_db);
  ASSERT_EQ(expected.size(),
            static_cast<size_t>(server.site()->TotalBoardEntries()));

  // Slow enough (16 transfers × 20 ms ≈ 800 pages/s) that ten kills land in
  // one crawl.
  server.ResetCounts();
  server.SetLatency(std::chrono::milliseconds(20));
  const std::string db = dir.File("crawl.db");
  const unsigned seed = std::random_device{}();
  SCOPED_TRACE("random seed " + std::to_string(seed));
  std::mt19937 random(seed);
  int64_t stored = 0;
  // Pages requested by a killed run but not stored: in flight at the kill.
  std::set<std::string> in_flight;
  for (int kill = 0; kill < kKills; ++kill) {
    ChildProcess crawl({BuiltProgram("crawlbox"), "run", job, "--db", db, "-q"},
                       {}, dir.path().string());
    // Let the run commit what the previous kill left in flight, and some more,
    // then kill it at a random moment: a URL is in flight in at most one
    // killed run, so it is fetched at most twice.
    ASSERT_TRUE(
        WaitUntilStored(db, server, in_flight, std::chrono::seconds(60)))
        << "kill " << kill;
    ASSERT_TRUE(e2e::WaitForCount(db, "SELECT count(*) FROM pages", stored + 40,
                                  std::chrono::seconds(60)))
        << "kill " << kill;
    std::this_thread::sleep_for(std::chrono::milliseconds(
        std::uniform_int_distribution<int>(0, 400)(random)));
    crawl.Signal(SIGKILL);
    ProcessResult r = crawl.Wait();
    ASSERT_EQ(r.exit_code, 128 + SIGKILL) << "kill " << kill << ": " << r.err;
    stored = e2e::CountDb(db, "SELECT count(*) FROM pages");
    in_flight.clear();
    const std::set<std::string> stored_paths = StoredPaths(db, server);
    for (const auto& [path, hits] : server.AllHits()) {
      if (path.starts_with("/site/") && !stored_paths.contains(path)) {
        in_flight.insert(path);
      }
    }
    ASSERT_LT(stored, kPages)
        << "kill " << kill << " came after the crawl ended";
  }

  ProcessResult last = testing::RunProcess(
      {BuiltProgram("crawlbox"), "run", job, "--db", db, "-q"});
  ASSERT_EQ(last.exit_code, 0) << last.err;

  EXPECT_EQ(e2e::CountDb(db, "SELECT count(*) FROM pages"), kPages);
  EXPECT_EQ(e2e::CountDb(db, "SELECT count(DISTINCT url) FROM pages"), kPages);
  EXPECT_EQ(e2e::CountDb(db,
                         "SELECT count(*) FROM frontier WHERE state != "
                         "'done'"),
            0);
  EXPECT_EQ(e2e::CountDb(db, "SELECT count(*) FROM crawls"), kKills + 1);
  const Records got = AllRecords(db);
  EXPECT_EQ(got.size(), expected.size());
  EXPECT_TRUE(got == expected) << "records differ from the uninterrupted crawl";

  const auto& site = *server.site();
  int refetched = 0;
  for (int i = 0; i < site.page_count(); ++i) {
    const int hits = server.Hits(site.PagePath(i));
    EXPECT_GE(hits, 1) << site.PagePath(i);
    EXPECT_LE(hits, 2) << site.PagePath(i);
    if (hits == 2) ++refetched;
  }
  // What the kills cost: pages in flight, fetched again after the restart.
  std::printf("[ info ] %d kills, %d of %d pages fetched twice\n", kKills,
              refetched, kPages);
}

}  // namespace
}  // namespace crawlbox
