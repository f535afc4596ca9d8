// Dispatcher: the Master's FetchStage. It hands the Frontier's requests to the
// fleet as Tasks on a Redis stream read by a consumer group, turns the
// workers' results into the outcomes a local parse node would produce (each
// task answered once: duplicates and results of older epochs are dropped), and
// claims back the tasks of a worker that missed its heartbeats at once, and
// those a silent worker has held longer than the lease (the backstop). It
// rides out Redis outages: once Redis is back it opens a new epoch and
// publishes the job and every outstanding task again, whatever Redis kept.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "crawler/engine/fetch_stage.h"
#include "crawler/engine/render_policy.h"
#include "crawler/fleet/fleet.h"
#include "crawler/fleet/heartbeats.h"
#include "crawler/fleet/master_lock.h"
#include "crawler/fleet/redis_client.h"
#include "crawler/fleet/redis_outage.h"
#include "crawler/fleet/wire.h"

namespace crawlbox::crawler {

struct DispatcherOptions {
  RedisAddress redis;
  std::string job_name;
  // A task unanswered this long (its worker silent: dead, stuck or cut off)
  // is handed out again.
  std::chrono::milliseconds lease{30'000};
  // A worker whose heartbeat (every kHeartbeatInterval) has not changed for
  // this many intervals is declared lost: its tasks are claimed back at once,
  // and results it still sends for them are dropped.
  int heartbeat_misses = 3;
  // A task handed out this many times without an answer is given up: its page
  // is stored as failed with reason "worker_lost".
  int max_deliveries = 5;
  // The master's lock (not owned; null: no fencing). Once it is another
  // master's, the dispatcher stops at once and touches Redis no more: it
  // trims no result and acknowledges no task of a newer epoch.
  MasterLock* lock = nullptr;
  // Redis away this long ends the run (the store's fatal error, one line
  // saying so); shorter outages are ridden out.
  std::chrono::milliseconds redis_timeout = kDefaultRedisTimeout;
  // The master's database, where each new epoch is recorded before it is
  // used (storage/fleet_epochs.h); "" records none (tests of the dispatcher
  // alone).
  std::string database;
  // Publishes the job under `epoch` on `redis` with fresh, empty streams and
  // their consumer groups; the master's (required for recovery). Unavailable
  // when Redis is lost again.
  std::function<config::Status(RedisClient* redis, int64_t epoch)> publish;
};

// The Engine drives it through FetchStage; fleet() may be called from any
// thread.
class Dispatcher : public FetchStage {
 public:
  explicit Dispatcher(DispatcherOptions options);
  ~Dispatcher() override;

  // The master run's epoch, whose streams are fresh: set before Start().
  void set_epoch(int64_t epoch) { epoch_ = epoch; }

  // Connects to Redis and starts the dispatch thread.
  config::Status Start(const StageContext& context) override;
  void Wakeup() override;
  void Stop() override;

  // The fleet now: workers (from their heartbeats, at most a second old) and
  // the task counts.
  FleetStatus fleet() const;
  // After Stop(): the run ended while Redis was away (it gave up).
  bool redis_lost() const { return outage_.active(); }

  // A control set fetch.concurrency (each worker's, whatever its
  // --concurrency) or changed the limits: forwarded to every worker, those
  // that join later included, through the job hash's `live` field, which
  // workers read with each heartbeat. Any thread.
  void SetConcurrency(int concurrency) override;
  void SetLimits(const config::Limits& limits) override;

 private:
  struct Outstanding {
    Request request;
    int deliveries = 1;  // handed out (first time and claimed back)
    // Answers to earlier deliveries are dropped: they were claimed back from
    // a worker declared lost, which is told its tasks went to others.
    int min_delivery = 1;
  };

  // The stream a request goes on: the render stream for a page the job
  // renders, else the task stream.
  const std::string& StreamOf(const Request& request) const;

  void Loop();
  // Each step returns a non-OK Status only when Redis is gone.
  config::Status Dispatch(std::chrono::milliseconds* wait);
  config::Status ReadResults(std::chrono::milliseconds block);
  config::Status Reclaim();
  config::Status ReclaimFrom(const std::string& stream, int64_t* reclaimed);
  // Claims back what worker `id` holds (XPENDING for its entries, XCLAIM).
  config::Status ReclaimLost(const std::string& id, int64_t* reclaimed);
  // Hands the claimed `entries` (XCLAIM's reply) out again as fresh entries
  // of `stream`; `lost`: they come from a worker declared lost.
  config::Status Requeue(const std::string& stream, const RedisReply& entries,
                         bool lost, int64_t* reclaimed);
  config::Status ReadWorkers();
  void Apply(TaskResult result);
  // False once the job is another master's, checked against Redis now (a
  // newer epoch showed up in a stream).
  bool StillOurs();
  // Rides out the outage that `cause` (a lost connection) began: waits for
  // Redis, then Republish(). OK when the work goes on or Stop() was called
  // meanwhile; else the give-up, the take-over or a database error.
  config::Status Recover(config::Status cause);
  // Opens a new epoch (the lock's, recorded in the database first), publishes
  // the job under it and hands every outstanding task out again: the results
  // of the old epoch, in Redis or in flight, are dropped as stale. Says what
  // it did in *done.
  config::Status Republish(std::string* done);
  void GiveUp(Outstanding task);
  // Writes live_ to the job hash when a control changed it, and every few
  // seconds while it holds anything (a restarted Redis may have lost it).
  config::Status PublishLive();

  const DispatcherOptions options_;
  const FleetKeys keys_;
  std::atomic<int64_t> epoch_{0};  // read by fleet() on any thread
  std::unique_ptr<StageContext> context_;
  std::unique_ptr<RenderPolicy> render_;
  bool renders_ = false;                // the job renders some pages
  std::unique_ptr<RedisClient> redis_;  // the dispatch thread's only
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> wake_{false};
  bool fenced_ = false;  // stopped because the job was taken over
  RedisOutage outage_;

  // Dispatch thread only.
  std::unordered_map<int64_t, Outstanding> outstanding_;
  int64_t next_task_ = 1;
  std::string last_result_ = "0-0";
  WorkerWatch watch_;

  mutable std::mutex mu_;  // guards the status below
  std::vector<WorkerStatus> workers_;
  int64_t pending_ = 0, dispatched_ = 0, reclaimed_ = 0, reclaimed_lost_ = 0,
          duplicates_ = 0, results_ = 0;
  double redis_rtt_s_ = 0;
  std::map<std::string, int64_t> live_;  // dotted key → value
  std::atomic<bool> live_changed_{false};
  std::chrono::steady_clock::time_point next_live_{};  // dispatch thread
};

}  // namespace crawlbox::crawler
