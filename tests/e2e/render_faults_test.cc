// Rendering under faults, end to end with headless Chromium and crawlbox run
// as a process: a tab whose script outgrows a small heap dies, the browser is
// killed with kill -9 mid-crawl, crawlbox itself is killed with kill -9 and
// run again. Each time every record is exact against spa_site.h, nothing
// stored is lost or stored twice, and no Chromium process outlives the run.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tests/e2e/crawl_support.h"
#include "tests/e2e/render_support.h"
#include "tests/support/processes.h"
#include "tests/support/spa_site.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_server.h"

namespace crawlbox {
namespace {

using std::chrono::milliseconds;
using testing::BuiltProgram;
using testing::ChildProcess;
using testing::ProcessResult;
using testing::TempDir;
using testing::TestServer;
using Clock = std::chrono::steady_clock;

constexpr char kSkip[] = "Debian's chromium is not installed";
// Slow-data pages in the kill tests: on four tabs, the first four are stored
// while the next four are certainly in flight (their data comes
// kSpaSlowDataDelay after it is asked for), when the kill comes.
constexpr int kSlowPages = 8;

// "/spa/<kind>/1" .. "/spa/<kind>/<n>".
std::vector<std::string> SpaPaths(const std::string& kind, int n) {
  std::vector<std::string> paths;
  for (int page = 1; page <= n; ++page)
    paths.push_back("/spa/" + kind + "/" + std::to_string(page));
  return paths;
}

// A job whose seeds are `paths`, all rendered with `tabs` tabs and nothing
// followed: the Frontier has every page from the start, so the tabs stay
// busy and the set of pages is fixed. Three tries per page.
std::string FaultJob(const TestServer& server,
                     const std::vector<std::string>& paths, int tabs,
                     const std::string& more_render_keys) {
  std::string seeds;
  for (const std::string& path : paths)
    seeds += (seeds.empty() ? "\"" : ", \"") + server.Url(path) + "\"";
  return "[job]\nname = \"spa_faults\"\nstart_urls = [" + seeds +
         "]\n"
         "[fetch]\nconcurrency = 8\n"
         "[politeness]\nper_host_concurrency = 8\ndelay_ms = 0\n"
         "[retry]\nmax_attempts = 3\nbackoff_ms = 10\n"
         "[render]\ntabs = " +
         std::to_string(tabs) +
         "\ntimeout_ms = 10000\nurls = ['/spa/']\nwait_for = \"#ready\"\n" +
         more_render_keys +
         "[[rules]]\nname = \"films\"\nurl = '/spa/(page|slow-data)/'\n"
         "select = \"dd.film\"\n"
         "[rules.fields]\nrank = { css = \"span.rank\", type = \"int\" }\n"
         "title = \"a.title\"\nscore = { css = \"span.score\", type = "
         "\"real\" }\n";
}

// A crawl's files: the job, its database, and a TMPDIR of its own for the
// browser's profile directories (crawlbox-render-<pid>-XXXXXX), so the test
// can see them and no other test's are touched.
struct CrawlFiles {
  explicit CrawlFiles(const TempDir& dir)
      : job(dir.File("job.toml")),
        db(dir.File("crawl.db")),
        tmp(dir.File("tmp")),
        profile_marker(tmp + "/crawlbox-render-") {
    std::filesystem::create_directories(tmp);
  }
  std::vector<std::string> Argv() const {
    return {BuiltProgram("crawlbox"), "run", job, "--db", db, "-q"};
  }
  std::map<std::string, std::string> Env() const { return {{"TMPDIR", tmp}}; }
  // Names of what is in tmp: the profile directories, and whatever else
  // the browser left there.
  std::vector<std::string> Leftovers() const {
    std::vector<std::string> names;
    for (const auto& entry : std::filesystem::directory_iterator(tmp))
      names.push_back(entry.path().filename().string());
    return names;
  }

  std::string job, db, tmp, profile_marker;
};

// URL paths of the pages stored in `db`.
std::set<std::string> StoredPaths(const std::string& db,
                                  const TestServer& server) {
  std::set<std::string> out;
  const size_t prefix = server.Url("").size();
  for (const auto& row : e2e::QueryDb(db, "SELECT url FROM pages").rows)
    out.insert(std::get<std::string>(row[0]).substr(prefix));
  return out;
}

// Frontier attempts by URL path.
std::map<std::string, int64_t> Attempts(const std::string& db,
                                        const TestServer& server) {
  std::map<std::string, int64_t> out;
  const size_t prefix = server.Url("").size();
  for (const auto& row :
       e2e::QueryDb(db, "SELECT url, attempts FROM frontier").rows)
    out[std::get<std::string>(row[0]).substr(prefix)] =
        std::get<int64_t>(row[1]);
  return out;
}

// Slow-data pages whose script asked for its data less than `within` ago:
// the answer comes kSpaSlowDataDelay after the question, so such a page is
// being rendered and cannot have been stored.
std::set<std::string> SlowPagesInFlight(const TestServer& server,
                                        Clock::time_point now,
                                        milliseconds within) {
  constexpr std::string_view kData = "/spa/api/slow-data/";
  std::set<std::string> out;
  for (const testing::RequestRecord& r : server.RequestLog()) {
    if (!r.target.starts_with(kData) || r.arrived > now ||
        now - r.arrived >= within)
      continue;
    const std::string page = r.target.substr(
        kData.size(), r.target.size() - kData.size() - sizeof(".json") + 1);
    out.insert("/spa/slow-data/" + page);
  }
  return out;
}

// Waits until a slow-data page asked for its data less than a second ago,
// and returns those pages: for another half second at least, each is certainly
// being rendered. Empty after ten seconds without one.
std::set<std::string> WaitForSlowPagesInFlight(const TestServer& server) {
  const auto deadline = Clock::now() + std::chrono::seconds(10);
  while (Clock::now() < deadline) {
    std::set<std::string> pages =
        SlowPagesInFlight(server, Clock::now(), milliseconds(1000));
    if (!pages.empty()) return pages;
    std::this_thread::sleep_for(milliseconds(10));
  }
  return {};
}

// Waits until at least `pages` pages are stored.
bool WaitForStored(const std::string& db, int64_t pages) {
  return e2e::WaitForCount(db, "SELECT count(*) FROM pages", pages,
                           std::chrono::seconds(60));
}

// The page whose script allocates past --max-old-space-size=16 crashes its
// tab (Inspector.targetCrashed) on each of its three tries: it ends failed
// with reason render_crash, and with one tab, the pages rendered after it
// show that the crashed tab was replaced, on the same browser.
TEST(RenderFaultsTest, ATabThatCrashesIsReplacedAndItsPageFailsRenderCrash) {
  if (!e2e::HaveChromium()) GTEST_SKIP() << kSkip;
  TestServer server;
  TempDir dir;
  CrawlFiles files(dir);
  std::vector<std::string> pages = SpaPaths("page", 6);
  std::vector<std::string> seeds = {"/spa/bomb"};
  seeds.insert(seeds.end(), pages.begin(), pages.end());
  std::ofstream(files.job) << FaultJob(
      server, seeds, /*tabs=*/1,
      "chromium_flags = [\"--js-flags=--max-old-space-size=16\"]\n");

  ChildProcess crawl(files.Argv(), files.Env(), dir.path().string());
  e2e::BrowserWatch browsers(crawl.pid());
  ProcessResult run = crawl.Wait(120'000);
  browsers.Stop();
  ASSERT_EQ(run.exit_code, 0) << run.err;

  auto failed = e2e::QueryDb(
      files.db,
      "SELECT url, reason, attempts FROM frontier WHERE state != 'done'");
  ASSERT_EQ(failed.rows.size(), 1u);
  EXPECT_EQ(std::get<std::string>(failed.rows[0][0]), server.Url("/spa/bomb"));
  EXPECT_EQ(std::get<std::string>(failed.rows[0][1]), "render_crash");
  EXPECT_EQ(std::get<int64_t>(failed.rows[0][2]), 3);
  EXPECT_EQ(e2e::CountDb(files.db,
                         "SELECT count(*) FROM pages WHERE error = "
                         "'render_crash' AND status IS NULL"),
            1);
  EXPECT_EQ(e2e::StoredSpaRecords(files.db),
            e2e::ExpectedSpaRecords(server, pages));

  // One tab: a page's script asking for its data after the bomb's first try
  // ran in a tab opened after that crash.
  Clock::time_point first_bomb = Clock::time_point::max();
  Clock::time_point last_data = Clock::time_point::min();
  for (const testing::RequestRecord& r : server.RequestLog()) {
    if (r.target == "/spa/bomb") first_bomb = std::min(first_bomb, r.arrived);
    if (r.target.starts_with("/spa/api/page/"))
      last_data = std::max(last_data, r.arrived);
  }
  EXPECT_GT(last_data, first_bomb) << "no page rendered after the crash";
  EXPECT_EQ(browsers.Seen().size(), 1u) << "a crashed tab restarted Chromium";

  std::vector<std::string> left = testing::WaitForNoBrowser(
      browsers.Seen(), getpid(), files.profile_marker, milliseconds(3000));
  EXPECT_TRUE(left.empty()) << left.size() << " left, first " << left[0];
  EXPECT_TRUE(files.Leftovers().empty()) << files.Leftovers()[0];
}

// The browser killed with kill -9 while pages are in flight: those pages fail
// render_crash and are retried on a browser the renderer launches, pages
// stored before stay as they are, and the records are exact.
TEST(RenderFaultsTest, AKilledBrowserIsRestartedAndItsPagesAreRetried) {
  if (!e2e::HaveChromium()) GTEST_SKIP() << kSkip;
  TestServer server;
  TempDir dir;
  CrawlFiles files(dir);
  const std::vector<std::string> pages = SpaPaths("slow-data", kSlowPages);
  std::ofstream(files.job) << FaultJob(server, pages, /*tabs=*/4, "");

  ChildProcess crawl(files.Argv(), files.Env(), dir.path().string());
  e2e::BrowserWatch browsers(crawl.pid());
  ASSERT_TRUE(WaitForStored(files.db, 4));
  const std::vector<pid_t> running = testing::ChildBrowsers(crawl.pid());
  ASSERT_EQ(running.size(), 1u);
  const std::set<std::string> stored_before = StoredPaths(files.db, server);
  const std::set<std::string> in_flight = WaitForSlowPagesInFlight(server);
  ASSERT_FALSE(in_flight.empty());
  ASSERT_EQ(kill(running[0], SIGKILL), 0);
  EXPECT_GT(browsers.WaitForNew({running[0]}, milliseconds(30'000)), 0)
      << "no new browser after the kill";

  ProcessResult run = crawl.Wait(120'000);
  browsers.Stop();
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(browsers.Seen().size(), 2u);
  EXPECT_EQ(e2e::StoredSpaRecords(files.db),
            e2e::ExpectedSpaRecords(server, pages));
  EXPECT_EQ(e2e::CountDb(files.db, "SELECT count(*) FROM pages"), kSlowPages);
  EXPECT_EQ(e2e::CountDb(files.db,
                         "SELECT count(*) FROM frontier WHERE state != "
                         "'done'"),
            0);
  const std::map<std::string, int64_t> attempts = Attempts(files.db, server);
  // Its retry may time out too on a loaded machine, hence >= 2.
  for (const std::string& page : in_flight) {
    EXPECT_GE(server.Hits(page), 2) << page << " was in flight";
    EXPECT_GE(attempts.at(page), 2) << page << " was in flight";
  }
  for (const std::string& page : stored_before) {
    EXPECT_EQ(server.Hits(page), 1) << page << " was stored before the kill";
    EXPECT_EQ(attempts.at(page), 1) << page << " was stored before the kill";
  }

  std::vector<std::string> left = testing::WaitForNoBrowser(
      browsers.Seen(), getpid(), files.profile_marker, milliseconds(3000));
  EXPECT_TRUE(left.empty()) << left.size() << " left, first " << left[0];
  EXPECT_TRUE(files.Leftovers().empty()) << files.Leftovers()[0];
}

// crawlbox killed with kill -9 mid-crawl: its browser dies with it
// (PR_SET_PDEATHSIG, and the browser's own processes follow it), and the same
// command run again finishes the crawl with every record exact and removes
// the profile directory the killed run left.
TEST(RenderFaultsTest, KillNineOfCrawlboxLeavesNoBrowserAndARerunCompletes) {
  if (!e2e::HaveChromium()) GTEST_SKIP() << kSkip;
  TestServer server;
  TempDir dir;
  CrawlFiles files(dir);
  const std::vector<std::string> pages = SpaPaths("slow-data", kSlowPages);
  std::ofstream(files.job) << FaultJob(server, pages, /*tabs=*/4, "");

  std::set<pid_t> killed_browsers;
  std::set<std::string> stored_before;
  {
    ChildProcess crawl(files.Argv(), files.Env(), dir.path().string());
    e2e::BrowserWatch browsers(crawl.pid());
    ASSERT_TRUE(WaitForStored(files.db, 4));
    ASSERT_EQ(testing::ChildBrowsers(crawl.pid()).size(), 1u);
    ASSERT_FALSE(WaitForSlowPagesInFlight(server).empty());
    crawl.Signal(SIGKILL);
    ProcessResult killed = crawl.Wait();
    browsers.Stop();
    ASSERT_EQ(killed.exit_code, 128 + SIGKILL) << killed.err;
    killed_browsers = browsers.Seen();
    stored_before = StoredPaths(files.db, server);
    ASSERT_LT(stored_before.size(), pages.size());
  }
  std::vector<std::string> left = testing::WaitForNoBrowser(
      killed_browsers, getpid(), files.profile_marker, milliseconds(5000));
  EXPECT_TRUE(left.empty())
      << left.size() << " outlived crawlbox, first " << left[0];
  // The killed run's profile directory, holding Chromium's own temporary
  // files too.
  ASSERT_EQ(files.Leftovers().size(), 1u) << files.Leftovers()[1];
  const std::string stale = files.Leftovers()[0];
  EXPECT_TRUE(stale.starts_with("crawlbox-render-")) << stale;

  ProcessResult rerun =
      testing::RunProcess(files.Argv(), files.Env(), /*timeout_ms=*/120'000);
  ASSERT_EQ(rerun.exit_code, 0) << rerun.err;
  EXPECT_EQ(e2e::StoredSpaRecords(files.db),
            e2e::ExpectedSpaRecords(server, pages));
  EXPECT_EQ(e2e::CountDb(files.db, "SELECT count(*) FROM pages"), kSlowPages);
  EXPECT_EQ(e2e::CountDb(files.db,
                         "SELECT count(*) FROM frontier WHERE state != "
                         "'done'"),
            0);
  EXPECT_EQ(e2e::CountDb(files.db, "SELECT count(*) FROM crawls"), 2);
  for (const std::string& page : stored_before)
    EXPECT_EQ(server.Hits(page), 1) << page << " was stored before the kill";

  EXPECT_TRUE(files.Leftovers().empty())
      << files.Leftovers()[0] << " (stale: " << stale << ")";
  left = testing::WaitForNoBrowser({}, getpid(), files.profile_marker,
                                   milliseconds(3000));
  EXPECT_TRUE(left.empty()) << left.size() << " left, first " << left[0];
}

}  // namespace
}  // namespace crawlbox
