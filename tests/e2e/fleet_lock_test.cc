// One master per job, end to end with a real redis-server and crawlbox
// processes: a second master refused with one line while the first runs;
// --take-over stopping the old master within a second and the crawl still
// exact (and refused for another job's database).
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "crawler/fleet/worker_session.h"
#include "tests/e2e/crawl_support.h"
#include "tests/e2e/fleet_support.h"
#include "tests/support/subprocess.h"

namespace crawlbox {
namespace {

using crawler::Hostname;
using e2e::ExpectSameAsLocalRun;
using e2e::ExpectWorkersDone;
using e2e::MakeFleet;
using e2e::WaitForPages;
using std::chrono::milliseconds;
using testing::BuiltProgram;
using testing::ProcessResult;

constexpr const char* kPoliteness = "per_host_concurrency = 16\ndelay_ms = 0\n";

size_t Lines(const std::string& text) {
  return static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
}

size_t Occurrences(const std::string& text, const std::string& part) {
  size_t n = 0;
  for (size_t at = text.find(part); at != std::string::npos;
       at = text.find(part, at + 1)) {
    ++n;
  }
  return n;
}

TEST(FleetLockTest, ASecondMasterIsRefusedWithOneLineWhileTheFirstRuns) {
  // 300 pages of 30 ms for one worker of 4 transfers: about 2.5 s of crawl.
  auto f = MakeFleet(300, milliseconds(30), kPoliteness);
  CRAWLBOX_SKIP_WITHOUT_REDIS(f);
  f->StartWorkers(1, 4);
  auto first = f->StartMaster(f->redis->Url());
  ASSERT_TRUE(WaitForPages(f->db, 20, std::chrono::seconds(30)));
  // On another database and on the first one's: refused the same way, before
  // either is touched.
  const std::string other_db = f->dir.File("second.db");
  for (const std::string& db : {other_db, f->db}) {
    ProcessResult second =
        testing::RunProcess({BuiltProgram("crawlbox"), "master", f->job, "--db",
                             db, "--redis", f->redis->Url(), "-q"},
                            {}, 30'000);
    EXPECT_EQ(second.exit_code, 1) << second.err;
    EXPECT_EQ(Lines(second.err), 1u) << second.err;
    EXPECT_NE(second.err.find("job 'dist' is run by the master on host " +
                              Hostname() + " (pid " +
                              std::to_string(first->pid()) + ","),
              std::string::npos)
        << second.err;
    EXPECT_NE(second.err.find("--take-over"), std::string::npos);
  }
  EXPECT_FALSE(std::filesystem::exists(other_db));

  ProcessResult m = first->Wait(60'000);
  ASSERT_EQ(m.exit_code, 0) << "the first master was not disturbed\n" << m.err;
  ExpectWorkersDone(*f);
  ExpectSameAsLocalRun(*f);
  // The lock left with the first master: the next one starts at once (and
  // finds nothing left to crawl).
  ProcessResult next =
      testing::RunProcess({BuiltProgram("crawlbox"), "master", f->job, "--db",
                           f->db, "--redis", f->redis->Url(), "-q"},
                          {}, 30'000);
  EXPECT_EQ(next.exit_code, 0) << next.err;
  EXPECT_NE(next.err.find("finished: 0 pages"), std::string::npos) << next.err;
}

TEST(FleetLockTest,
     TakeOverStopsTheOldMasterOnItsNextRenewalAndTheCrawlIsExact) {
  // 3 workers × 4 transfers, 30 ms a page: the crawl takes about 5 s.
  auto f = MakeFleet(2000, milliseconds(30), kPoliteness);
  CRAWLBOX_SKIP_WITHOUT_REDIS(f);
  f->StartWorkers(3, 4);
  auto old = f->StartMaster(f->redis->Url());
  ASSERT_TRUE(WaitForPages(f->db, 300, std::chrono::seconds(30)));

  // --take-over with a database of another job, or with a new one: refused,
  // and the old master goes on.
  const std::string other_db = f->dir.File("other.db");
  e2e::CrawlText("[job]\nname = \"other\"\nstart_urls = [\"" +
                     f->site->Url("/site/0.html") +
                     "\"]\n[limits]\nmax_pages = 1\n",
                 other_db);
  for (const auto& [db, why] :
       {std::pair<std::string, std::string>{other_db, "of job 'other'"},
        {f->dir.File("new.db"), "no crawl of job 'dist'"}}) {
    ProcessResult refused = testing::RunProcess(
        {BuiltProgram("crawlbox"), "master", f->job, "--db", db, "--redis",
         f->redis->Url(), "--take-over", "-q"},
        {}, 30'000);
    EXPECT_EQ(refused.exit_code, 1) << refused.err;
    EXPECT_EQ(Lines(refused.err), 1u) << refused.err;
    EXPECT_NE(refused.err.find(why), std::string::npos) << refused.err;
  }

  const int64_t before = e2e::CountDb(f->db, "SELECT count(*) FROM pages");
  const auto start = std::chrono::steady_clock::now();
  auto newer = f->StartMaster(f->redis->Url(), {"--take-over"});
  ProcessResult o = old->Wait(15'000);
  const double stopped_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  EXPECT_EQ(o.exit_code, 1) << o.err;
  EXPECT_EQ(Occurrences(o.err, "taken over"), 1u) << o.err;
  EXPECT_NE(
      o.err.find("job 'dist' was taken over by the master on host " +
                 Hostname() + " (pid " + std::to_string(newer->pid()) + ","),
      std::string::npos)
      << o.err;
  // Renewals come every second; the new master's start adds its load time.
  EXPECT_LT(stopped_s, 4.0) << o.err;
  std::printf("old master stopped %.2f s after the take-over began\n",
              stopped_s);

  ProcessResult n = newer->Wait(60'000);
  ASSERT_EQ(n.exit_code, 0) << n.err;
  EXPECT_LT(before, 2000) << "the take-over came too late to test anything";
  ExpectWorkersDone(*f);
  ExpectSameAsLocalRun(*f);
}

}  // namespace
}  // namespace crawlbox
