// Redis lost mid-crawl, end to end (real redis-server, master and workers of
// the real binary): killed with SIGKILL and restarted on its port, with AOF
// on and with persistence off, the crawl completes exactly as a local run
// does; gone for longer than --redis-timeout-s, master and workers give up
// with one line, the database stays consistent and a rerun finishes the
// crawl.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "tests/e2e/fleet_support.h"

namespace crawlbox {
namespace {

using e2e::CountDb;
using e2e::ExpectSameAsLocalRun;
using e2e::ExpectWorkersDone;
using e2e::MakeFleet;
using e2e::WaitForPages;
using std::chrono::milliseconds;
using testing::ProcessResult;

constexpr const char* kPoliteness = "per_host_concurrency = 16\ndelay_ms = 0\n";
constexpr int kPages = 600;
// 2 workers × 4 transfers, 40 ms a page: about 3 s of crawl, so that Redis
// dies in its middle.
constexpr milliseconds kLatency{40};

size_t Count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos;
       at = text.find(what, at + what.size())) {
    ++n;
  }
  return n;
}

// The lines of `text` that hold `what`.
std::string Lines(const std::string& text, const std::string& what) {
  std::string out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    const std::string line = text.substr(start, end - start);
    if (line.find(what) != std::string::npos) out += line + "\n";
    start = end + 1;
  }
  return out;
}

// Each process logs one line as the outage starts and one as it ends, and
// never the password.
void ExpectOneOutageLogged(const std::string& err, const std::string& who) {
  EXPECT_EQ(Count(err, "; reconnecting (giving up after 300 s)"), 1u)
      << who << ":\n"
      << err;
  EXPECT_EQ(Count(err, " is back after "), 1u) << who << ":\n" << err;
  EXPECT_EQ(err.find(e2e::kFleetPassword), std::string::npos) << err;
}

// Kills Redis once 150 pages are stored, keeps it down for `down`, restarts
// it on its port: the crawl must finish exact, master and workers exit 0, and
// no worker is declared lost for heartbeats it could not send meanwhile.
void CrawlThroughARedisRestart(e2e::Fleet& f, milliseconds down) {
  f.StartWorkers(2, 4);
  auto master = f.StartMaster(f.redis->Url());
  ASSERT_TRUE(WaitForPages(f.db, 150, std::chrono::seconds(30)));
  f.redis->Kill();
  const int64_t stored = CountDb(f.db, "SELECT count(*) FROM pages");
  EXPECT_LT(stored, kPages) << "the kill came too late to test anything";
  std::this_thread::sleep_for(down);
  ASSERT_TRUE(f.redis->Restart().ok());

  ProcessResult m = master->Wait(90'000);
  EXPECT_EQ(m.exit_code, 0) << m.err;
  EXPECT_NE(m.err.find("finished: " + std::to_string(kPages) + " pages"),
            std::string::npos)
      << m.err;
  ExpectOneOutageLogged(m.err, "master");
  std::printf("Redis killed at %lld of %d pages; the master said:\n%s\n",
              static_cast<long long>(stored), kPages,
              Lines(m.err, "Redis").c_str());
  EXPECT_NE(m.err.find("published again under epoch"), std::string::npos)
      << m.err;
  EXPECT_EQ(m.err.find("declared lost"), std::string::npos) << m.err;
  for (auto& worker : f.workers) {
    ProcessResult w = worker->Wait(15'000);
    EXPECT_EQ(w.exit_code, 0) << w.err;
    ExpectOneOutageLogged(w.err, "worker");
  }
  ExpectSameAsLocalRun(f);
  // The master's epochs, in its database: the start's, then one more for
  // the recovery.
  EXPECT_EQ(e2e::Rows(f.db, "SELECT cause FROM fleet_epochs"),
            (std::vector<std::string>{"redis|", "start|"}));
}

TEST(FleetRedisTest, RedisKilledAndRestartedWithAofMidCrawlIsRiddenOutExactly) {
  auto f = MakeFleet(
      kPages, kLatency, kPoliteness, "",
      {"--appendonly", "yes", "--appendfsync", "everysec", "--save", ""});
  CRAWLBOX_SKIP_WITHOUT_REDIS(f);
  // Down longer than the workers' 3 missed heartbeats.
  CrawlThroughARedisRestart(*f, milliseconds(3500));
}

TEST(FleetRedisTest,
     RedisKilledAndRestartedWithoutPersistenceMidCrawlIsRiddenOutExactly) {
  auto f = MakeFleet(kPages, kLatency, kPoliteness, "",
                     {"--save", "", "--appendonly", "no"});
  CRAWLBOX_SKIP_WITHOUT_REDIS(f);
  CrawlThroughARedisRestart(*f, milliseconds(1000));
}

TEST(FleetRedisTest, RedisGoneLongerThanTheTimeoutStopsTheFleetAndARerunEnds) {
  auto f = MakeFleet(kPages, kLatency, kPoliteness);
  CRAWLBOX_SKIP_WITHOUT_REDIS(f);
  f->StartWorkers(1, 4, {"--redis-timeout-s", "2"});
  auto master = f->StartMaster(
      f->redis->Url(), {"--lease-ms", "2000", "--redis-timeout-s", "2"});
  ASSERT_TRUE(WaitForPages(f->db, 100, std::chrono::seconds(30)));
  const auto killed = std::chrono::steady_clock::now();
  f->redis->Kill();

  const std::string gave_up =
      " has been unreachable for 2 s (--redis-timeout-s): giving up";
  ProcessResult m = master->Wait(30'000);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - killed)
          .count();
  EXPECT_EQ(m.exit_code, 1) << m.err;
  EXPECT_EQ(Count(m.err, gave_up), 1u) << m.err;
  EXPECT_NE(m.err.find("crawlbox master: Redis at redis://***@127.0.0.1:"),
            std::string::npos)
      << m.err;
  EXPECT_EQ(m.err.find(e2e::kFleetPassword), std::string::npos) << m.err;
  EXPECT_GE(seconds, 2.0);
  EXPECT_LT(seconds, 15.0);
  ProcessResult w = f->workers[0]->Wait(30'000);
  EXPECT_EQ(w.exit_code, 1) << w.err;
  EXPECT_EQ(Count(w.err, gave_up), 1u) << w.err;
  std::printf("gave up %.1f s after the kill; the master said:\n%s", seconds,
              m.err.c_str());

  // Consistent: every stored page is a frontier row done, the run failed.
  const int64_t stored = CountDb(f->db, "SELECT count(*) FROM pages");
  EXPECT_LT(stored, kPages);
  EXPECT_EQ(
      CountDb(f->db, "SELECT count(*) FROM frontier WHERE state = 'done'"),
      stored);
  EXPECT_EQ(e2e::Rows(f->db, "SELECT state FROM crawls"),
            std::vector<std::string>{"failed|"});
  EXPECT_EQ(e2e::Rows(f->db, "PRAGMA integrity_check"),
            std::vector<std::string>{"ok|"});
  const int64_t epoch = CountDb(f->db, "SELECT max(epoch) FROM fleet_epochs");

  // Redis back, empty (no persistence): its epoch counter starts over, the
  // master's own does not.
  ASSERT_TRUE(f->redis->Restart().ok());
  f->StartWorkers(1, 8);
  ProcessResult rerun = f->StartMaster(f->redis->Url())->Wait(90'000);
  EXPECT_EQ(rerun.exit_code, 0) << rerun.err;
  ExpectWorkersDone(*f, 1);
  EXPECT_GT(CountDb(f->db, "SELECT max(epoch) FROM fleet_epochs"), epoch);
  ExpectSameAsLocalRun(*f);
}

}  // namespace
}  // namespace crawlbox
