// One master per job, and workers run as services, end to end with a real
// redis-server and crawlbox processes: a second master refused with one line
// while the first runs; --take-over stopping the old master within a second
// and the crawl still exact (and refused for another job's database); a
// --forever worker serving two jobs one after the other, then stopped by
// SIGTERM with exit 0.
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

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// Waits until the file at `path` contains `part`.
bool WaitForText(const std::string& path, const std::string& part,
                 std::chrono::seconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (ReadFile(path).find(part) != std::string::npos) return true;
    std::this_thread::sleep_for(milliseconds(50));
  }
  return false;
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

TEST(FleetLockTest, AForeverWorkerServesTwoJobsOneAfterTheOtherThenStops) {
  auto f = MakeFleet(200, milliseconds(0), kPoliteness);
  CRAWLBOX_SKIP_WITHOUT_REDIS(f);
  f->StartWorkers(1, 8, {"--forever"});
  const std::string worker_err = f->workers[0]->err_path();

  ProcessResult m1 = f->StartMaster(f->redis->Url())->Wait(60'000);
  ASSERT_EQ(m1.exit_code, 0) << m1.err;
  EXPECT_NE(m1.err.find("finished: 200 pages"), std::string::npos) << m1.err;
  ExpectSameAsLocalRun(*f);
  EXPECT_TRUE(
      WaitForText(worker_err, "job 'dist' is over: ", std::chrono::seconds(10)))
      << ReadFile(worker_err);

  // Another job, its own database, published by a second master once the
  // first is gone: the same worker, still running, does it all.
  f->job = f->dir.File("job2.toml");
  f->db = f->dir.File("dist2.db");
  f->WriteJob(f->job, "dist2", kPoliteness);
  ProcessResult m2 = f->StartMaster(f->redis->Url())->Wait(60'000);
  ASSERT_EQ(m2.exit_code, 0) << m2.err;
  EXPECT_NE(m2.err.find("finished: 200 pages"), std::string::npos) << m2.err;
  ExpectSameAsLocalRun(*f);
  EXPECT_TRUE(WaitForText(worker_err,
                          "job 'dist2' is over: ", std::chrono::seconds(10)))
      << ReadFile(worker_err);

  f->workers[0]->Signal(SIGTERM);
  ProcessResult w = f->workers[0]->Wait(10'000);
  EXPECT_EQ(w.exit_code, 0) << w.err;
  EXPECT_NE(w.err.find("job 'dist' is over: 201 pages"), std::string::npos)
      << "200 pages and robots.txt\n"
      << w.err;
  EXPECT_NE(w.err.find("job 'dist2' is over: 201 pages"), std::string::npos)
      << w.err;
  // stderr is a file here: log lines only, no progress line redrawn with
  // carriage returns or terminal escapes.
  EXPECT_EQ(w.err.find('\r'), std::string::npos) << w.err;
  EXPECT_EQ(w.err.find('\x1b'), std::string::npos) << w.err;
  std::istringstream lines(w.err);
  for (std::string line; std::getline(lines, line);) {
    EXPECT_TRUE(line.starts_with("info worker: ") ||
                line.starts_with("crawlbox worker: "))
        << line;
  }
}

}  // namespace
}  // namespace crawlbox
