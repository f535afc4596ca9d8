// Workers noticed by their heartbeats, end to end (real redis-server, master
// and workers of the real binary): a worker killed with SIGKILL costs the
// crawl seconds, not the 30 s lease; a worker stopped (SIGSTOP) past its
// missed heartbeats is declared lost, and when it comes back it re-registers
// under a new id while the results it still sends for its old tasks are
// dropped. The master's /metrics carries the fleet meanwhile.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "crawler/fleet/redis_client.h"
#include "tests/e2e/fleet_support.h"
#include "tests/support/prometheus_text.h"

namespace crawlbox {
namespace {

using e2e::ExpectSameAsLocalRun;
using e2e::ExpectWorkersDone;
using e2e::FleetApi;
using e2e::MakeFleet;
using e2e::StatusPort;
using e2e::SummaryNumber;
using e2e::WaitForPages;
using std::chrono::milliseconds;
using std::chrono::steady_clock;
using testing::ProcessResult;

constexpr const char* kPoliteness = "per_host_concurrency = 16\ndelay_ms = 0\n";

// The master's /metrics, parsed strictly; empty when the page is gone (the
// crawl ended) or does not parse (a failure).
std::vector<testing::PromFamily> Metrics(int port) {
  httplib::Client client("127.0.0.1", port);
  auto res = client.Get("/metrics");
  if (!res || res->status != 200) return {};
  auto families = testing::ParsePrometheusText(res->body);
  EXPECT_TRUE(families.ok()) << families.status().ToString();
  return families.ok() ? *families : std::vector<testing::PromFamily>{};
}

// The value of the sample of family `name` whose label `label` is `value`
// (any sample when `label` is empty), or -1.
double Sample(const std::vector<testing::PromFamily>& families,
              const std::string& name, const std::string& label = "",
              const std::string& value = "") {
  const testing::PromFamily* family = testing::FindFamily(families, name);
  if (family == nullptr) return -1;
  for (const testing::PromSample& s : family->samples) {
    if (label.empty() ||
        (s.labels.count(label) > 0 && s.labels.at(label) == value))
      return s.value;
  }
  return -1;
}

// The counters the master stored with its run.
nlohmann::json StoredCounters(const std::string& db) {
  auto stats = e2e::QueryDb(db, "SELECT coalesce(stats, '') FROM crawls");
  if (stats.rows.size() != 1) return nlohmann::json::object();
  const auto* text = std::get_if<std::string>(&stats.rows[0][0]);
  return text == nullptr ? nlohmann::json::object()
                         : nlohmann::json::parse(*text, nullptr, false);
}

// One crawl of `pages` pages (30 ms each) by a master with the default lease
// (30 s) and 3 workers of 8 transfers (16 at once to the one host: two
// workers can carry the crawl); with `kill`, worker 0 is killed with SIGKILL
// once 300 pages are stored. Returns the master's wall time in seconds.
double TimedCrawl(int pages, bool kill, std::unique_ptr<e2e::Fleet>* out) {
  auto f = MakeFleet(pages, milliseconds(30), kPoliteness);
  if (f == nullptr) return -1;
  f->StartWorkers(3, 8);
  const auto start = steady_clock::now();
  auto master = f->StartMaster(f->redis->Url(), {});
  if (kill) {
    EXPECT_TRUE(WaitForPages(f->db, 300, std::chrono::seconds(30)));
    f->workers[0]->Signal(SIGKILL);
    EXPECT_EQ(f->workers[0]->Wait(5'000).exit_code, 128 + SIGKILL);
    EXPECT_LT(e2e::CountDb(f->db, "SELECT count(*) FROM pages"), pages)
        << "the kill came too late to test anything";
  }
  ProcessResult m = master->Wait(90'000);
  const double seconds =
      std::chrono::duration<double>(steady_clock::now() - start).count();
  EXPECT_EQ(m.exit_code, 0) << m.err;
  EXPECT_NE(m.err.find("finished: " + std::to_string(pages) + " pages"),
            std::string::npos)
      << m.err;
  if (kill) {
    const std::string id = "-" + std::to_string(f->workers[0]->pid());
    EXPECT_NE(m.err.find(id + " missed 3 heartbeats (3000 ms): declared lost"),
              std::string::npos)
        << m.err;
    EXPECT_GT(SummaryNumber(m.err, "claimed back"), 0) << m.err;
    // The finished job leaves no set of lost workers behind in Redis.
    auto address = crawler::ParseRedisUrl(f->redis->Url());
    EXPECT_TRUE(address.ok());
    if (address.ok()) {
      auto client = crawler::RedisClient::Connect(*address);
      EXPECT_TRUE(client.ok());
      if (client.ok()) {
        auto exists = (*client)->Command({"EXISTS", "crawlbox:dist:lost"});
        EXPECT_TRUE(exists.ok() && exists->integer == 0);
      }
    }
  }
  ExpectWorkersDone(*f, kill ? 1 : 0);
  *out = std::move(f);
  return seconds;
}

TEST(FleetHeartbeatTest, AWorkerKilledMidCrawlCostsSecondsNotTheLease) {
  std::unique_ptr<e2e::Fleet> calm, killed;
  const double calm_s = TimedCrawl(1500, false, &calm);
  CRAWLBOX_SKIP_WITHOUT_REDIS(calm);
  const double killed_s = TimedCrawl(1500, true, &killed);
  ASSERT_NE(killed, nullptr);
  std::printf("1500 pages: %.2f s without a kill, %.2f s with one\n", calm_s,
              killed_s);
  EXPECT_LT(killed_s - calm_s, 5.0)
      << "the dead worker's tasks waited for more than its heartbeats";
  ExpectSameAsLocalRun(*killed);
}

TEST(FleetHeartbeatTest,
     AWorkerBackFromTheDeadReRegistersAndItsLateResultsDrop) {
  // One worker: while it is stopped nothing else answers its tasks, so what
  // it sends when it comes back is late for certain.
  auto f = MakeFleet(1000, milliseconds(20), kPoliteness);
  CRAWLBOX_SKIP_WITHOUT_REDIS(f);
  f->StartWorkers(1, 8);
  auto master = f->StartMaster(f->redis->Url(), {});
  const int port = StatusPort(*f);
  ASSERT_NE(port, 0) << "the master serves its status page";
  // Stopped once a heartbeat has reported 100 pages sent.
  bool busy = false;
  const auto busy_deadline = steady_clock::now() + std::chrono::seconds(30);
  while (!busy && steady_clock::now() < busy_deadline) {
    nlohmann::json fleet = FleetApi(port);
    busy = fleet.contains("workers") && fleet["workers"].size() == 1 &&
           fleet["workers"][0]["pages"].get<int64_t>() >= 100;
    std::this_thread::sleep_for(milliseconds(20));
  }
  ASSERT_TRUE(busy);
  e2e::ChildProcess* worker = f->workers[0].get();
  const std::string old_id = "-" + std::to_string(worker->pid());
  worker->Signal(SIGSTOP);
  const auto stopped = steady_clock::now();

  // Declared lost after 3 missed heartbeats, its tasks claimed back; the
  // fleet families say so.
  std::vector<testing::PromFamily> metrics;
  const auto deadline = stopped + std::chrono::seconds(15);
  while (steady_clock::now() < deadline) {
    metrics = Metrics(port);
    if (Sample(metrics, "crawlbox_fleet_workers", "state", "lost") == 1 &&
        Sample(metrics, "crawlbox_fleet_tasks_claimed_back_total", "reason",
               "worker_lost") > 0) {
      break;
    }
    std::this_thread::sleep_for(milliseconds(50));
  }
  const double lost_after_s =
      std::chrono::duration<double>(steady_clock::now() - stopped).count();
  std::printf("declared lost %.2f s after SIGSTOP\n", lost_after_s);
  EXPECT_GE(lost_after_s, 2.0) << "not before its heartbeats were missed";
  EXPECT_LT(lost_after_s, 5.0);
  ASSERT_EQ(Sample(metrics, "crawlbox_fleet_workers", "state", "lost"), 1);
  double registered = 0;
  for (const auto& s :
       testing::FindFamily(metrics, "crawlbox_fleet_workers")->samples) {
    registered += s.value;
  }
  EXPECT_EQ(registered, 1) << "one worker in the table, in one state";
  const double stored =
      static_cast<double>(e2e::CountDb(f->db, "SELECT count(*) FROM pages"));
  EXPECT_GE(Sample(metrics, "crawlbox_fleet_tasks_handed_out_total"),
            stored + Sample(metrics, "crawlbox_fleet_tasks_pending"));
  EXPECT_GT(Sample(metrics, "crawlbox_fleet_tasks_pending"), 0);
  EXPECT_GE(Sample(metrics, "crawlbox_fleet_results_total"), stored);
  EXPECT_EQ(Sample(metrics, "crawlbox_fleet_duplicate_results_total"), 0);
  EXPECT_GT(Sample(metrics, "crawlbox_fleet_worker_pages_total"), 100);
  EXPECT_GE(Sample(metrics, "crawlbox_fleet_worker_pages_per_second"), 0);
  const double rtt = Sample(metrics, "crawlbox_fleet_redis_round_trip_seconds");
  EXPECT_GT(rtt, 0);
  EXPECT_LT(rtt, 1.0);

  // Back: it re-registers under a new id, its old entry leaves the table.
  worker->Signal(SIGCONT);
  bool back = false;
  const auto back_deadline = steady_clock::now() + std::chrono::seconds(10);
  while (!back && steady_clock::now() < back_deadline) {
    nlohmann::json fleet = FleetApi(port);
    if (!fleet.is_object() || !fleet.contains("workers")) break;  // finished
    for (const auto& w : fleet["workers"]) {
      back = back || (w["id"].get<std::string>().ends_with(old_id + ".2") &&
                      w["state"] == "working" && fleet["workers"].size() == 1);
    }
    std::this_thread::sleep_for(milliseconds(50));
  }
  EXPECT_TRUE(back) << "the worker works on under a new id, alone in the table";

  ProcessResult m = master->Wait(60'000);
  ASSERT_EQ(m.exit_code, 0) << m.err;
  ProcessResult w = worker->Wait(15'000);
  EXPECT_EQ(w.exit_code, 0) << w.err;
  EXPECT_NE(w.err.find(old_id + " lost (it missed its heartbeats)"),
            std::string::npos)
      << w.err;
  EXPECT_NE(w.err.find("re-registering as "), std::string::npos) << w.err;
  const nlohmann::json counters = StoredCounters(f->db);
  EXPECT_EQ(counters.value("master/workers_lost", int64_t{-1}), 1) << counters;
  EXPECT_GT(counters.value("master/late_results", int64_t{-1}), 0)
      << "the answers to its old tasks came back, and were dropped\n"
      << counters;
  EXPECT_GE(SummaryNumber(m.err, "duplicate results"),
            counters.value("master/late_results", int64_t{0}))
      << m.err;
  ExpectSameAsLocalRun(*f);
}

}  // namespace
}  // namespace crawlbox
