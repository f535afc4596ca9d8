// kill -9 at random moments: a crawl of a 5,000-page site is killed ten times
// and resumed each time. At the end every page is stored exactly once, the
// records are exactly those of an uninterrupted crawl, and no page was fetched
// more than twice. With [store] warc the same, and every WARC file reads to
// its end with one response record per page.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <set>
#include <thread>
#include <tuple>

#include "tests/e2e/crawl_support.h"
#include "tests/e2e/warc_support.h"
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

// `store` is TOML for the [store] table (with its header), or empty.
std::string JobText(const TestServer& server, const std::string& store = "") {
  return "[job]\nname = \"kill\"\nstart_urls = [\"" +
         server.Url("/site/0.html") +
         "\"]\n"
         "[fetch]\nconcurrency = 16\n"
         "[politeness]\nper_host_concurrency = 16\ndelay_ms = 0\n" +
         store +
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

// Runs `job` into `db` and kills it with SIGKILL `kills` times at random
// moments, each once the run has stored what the previous kill left in flight
// and `min_new` pages more, then up to `max_wait_ms` later. `after_kill` (may
// be null) looks at what each kill left before the next run starts.
void KillAtRandomMoments(const TestServer& server, const TempDir& dir,
                         const std::string& job, const std::string& db,
                         int kills, int64_t pages, int64_t min_new,
                         int max_wait_ms,
                         const std::function<void(int)>& after_kill) {
  const unsigned seed = std::random_device{}();
  SCOPED_TRACE("random seed " + std::to_string(seed));
  std::mt19937 random(seed);
  int64_t stored = 0;
  // Pages requested by a killed run but not stored: in flight at the kill.
  std::set<std::string> in_flight;
  for (int kill = 0; kill < kills; ++kill) {
    ChildProcess crawl({BuiltProgram("crawlbox"), "run", job, "--db", db, "-q"},
                       {}, dir.path().string());
    // Let the run commit what the previous kill left in flight, and some more,
    // then kill it at a random moment: a URL is in flight in at most one
    // killed run, so it is fetched at most twice.
    ASSERT_TRUE(
        WaitUntilStored(db, server, in_flight, std::chrono::seconds(60)))
        << "kill " << kill;
    ASSERT_TRUE(e2e::WaitForCount(db, "SELECT count(*) FROM pages",
                                  stored + min_new, std::chrono::seconds(60)))
        << "kill " << kill;
    std::this_thread::sleep_for(std::chrono::milliseconds(
        std::uniform_int_distribution<int>(0, max_wait_ms)(random)));
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
    ASSERT_LT(stored, pages)
        << "kill " << kill << " came after the crawl ended";
    if (after_kill) after_kill(kill);
  }
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
  KillAtRandomMoments(server, dir, job, db, kKills, kPages, 40, 400, nullptr);
  if (HasFatalFailure()) return;

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

// Records in the ".open" files of `warc_dir` that warc_records does not
// list: written and synced by a run killed before its commit.
int64_t UnrecordedRecords(const std::string& db, const std::string& warc_dir) {
  int64_t out = 0;
  for (const auto& entry : std::filesystem::directory_iterator(warc_dir)) {
    std::string name = entry.path().filename().string();
    if (!name.ends_with(".open")) continue;
    name.resize(name.size() - 5);
    const int64_t recorded = e2e::CountDb(
        db,
        "SELECT coalesce(max(offset + length), 0) FROM warc_records "
        "WHERE file = '" +
            name + "'");
    auto scan = crawler::ScanWarcFile(
        entry.path().string(),
        [&](const crawler::WarcRecord& r, uint64_t offset, uint64_t length) {
          if (r.type != "warcinfo" &&
              static_cast<int64_t>(offset + length) > recorded)
            ++out;
        });
    EXPECT_TRUE(scan.ok()) << name;
  }
  return out;
}

TEST(KillResumeTest, TenKillNineWithWarcLeaveWholeFilesAndOneResponsePerPage) {
  constexpr int kWarcPages = 1200;
  testing::TestServerOptions options;
  options.site = testing::SiteOptions{};
  options.site->pages = kWarcPages;
  TestServer server(options);
  TempDir dir;
  const std::string job = dir.File("job.toml");
  const std::string warc_dir = dir.File("archive");
  // Files rotate at 1 MB (about 600 pages), so kills land in several files.
  std::ofstream(job) << JobText(server, "[store]\nwarc = true\nwarc_dir = \"" +
                                            warc_dir +
                                            "\"\nwarc_max_bytes = 1000000\n");
  // 16 transfers × 40 ms ≈ 400 pages/s: ten kills within the crawl.
  server.SetLatency(std::chrono::milliseconds(40));
  const std::string db = dir.File("crawl.db");
  int64_t unrecorded = 0;
  const auto start = std::chrono::steady_clock::now();
  KillAtRandomMoments(
      server, dir, job, db, kKills, kWarcPages, 30, 150,
      [&](int) { unrecorded += UnrecordedRecords(db, warc_dir); });
  if (HasFatalFailure()) return;
  const int64_t stored_by_kills =
      e2e::CountDb(db, "SELECT count(*) FROM pages");
  const auto killed = std::chrono::steady_clock::now();
  server.SetLatency(std::chrono::milliseconds(0));
  ProcessResult last = testing::RunProcess(
      {BuiltProgram("crawlbox"), "run", job, "--db", db, "-q"});
  ASSERT_EQ(last.exit_code, 0) << last.err;
  ASSERT_EQ(e2e::CountDb(db, "SELECT count(*) FROM pages"), kWarcPages);
  EXPECT_EQ(UnrecordedRecords(db, warc_dir), 0);

  const e2e::ArchiveCheck archive =
      e2e::ExpectOneResponsePerPage(db, warc_dir, kWarcPages);
  EXPECT_GE(archive.files.size(), 2u);

  const auto& site = *server.site();
  int refetched = 0;
  for (int i = 0; i < site.page_count(); ++i) {
    const int hits = server.Hits(site.PagePath(i));
    EXPECT_LE(hits, 2) << site.PagePath(i);
    if (hits == 2) ++refetched;
  }
  auto ms = [](auto d) {
    return static_cast<long long>(
        std::chrono::duration_cast<std::chrono::milliseconds>(d).count());
  };
  std::printf(
      "[ info ] %d kills in %lld ms (%lld pages stored), then the rest in "
      "%lld ms: %d pages fetched twice, %lld records synced but not "
      "committed (cut at restart), %zu files\n",
      kKills, ms(killed - start), static_cast<long long>(stored_by_kills),
      ms(std::chrono::steady_clock::now() - killed), refetched,
      static_cast<long long>(unrecorded), archive.files.size());
  if (!archive.warcio_missing.empty()) GTEST_SKIP() << archive.warcio_missing;
}

}  // namespace
}  // namespace crawlbox
