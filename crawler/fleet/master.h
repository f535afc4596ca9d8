// Master: a job's crawl with a fleet of workers doing the fetching. It owns
// the database and the Frontier exactly as a local run does (the same Engine),
// publishes the job to Redis under the epoch of its MasterLock, hands requests
// out through the Dispatcher, and tells the workers when the job is over.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "config/job.h"
#include "config/status.h"
#include "crawler/engine/engine.h"
#include "crawler/fleet/dispatcher.h"
#include "crawler/fleet/fleet.h"
#include "crawler/fleet/master_lock.h"
#include "crawler/fleet/redis_client.h"
#include "parser/page_parser.h"
#include "storage/store.h"

namespace crawlbox::crawler {

struct MasterOptions {
  RedisAddress redis;
  // A task unanswered this long is handed out again (its worker is presumed
  // dead). Workers renew the lease of tasks they are working on; a dead
  // worker is usually noticed sooner by its missed heartbeats.
  std::chrono::milliseconds lease{30'000};
  // A worker that misses this many heartbeats (one per kHeartbeatInterval) is
  // declared lost and its tasks handed out again at once; the lease stays as
  // the backstop.
  int heartbeat_misses = 3;
  // Tasks handed out and not yet stored, at most; 0 = max(256, 8 ×
  // fetch.concurrency), enough for several workers of the job's concurrency.
  int max_outstanding = 0;
  // The job's lock, taken before the database was opened (not owned; must
  // outlive the master; required): its epoch is the run's first, recorded in
  // the database before it is published.
  MasterLock* lock = nullptr;
  // Redis away this long fails the run (--redis-timeout-s); a shorter outage
  // is ridden out: the job and its outstanding tasks are published again
  // under a new epoch once Redis is back.
  std::chrono::milliseconds redis_timeout = kDefaultRedisTimeout;
  // Signals and the progress callback, as for a local run (its stage and
  // max_outstanding are the master's).
  EngineOptions engine;
};

// Single use: construct, Run() once. fleet() may be called from any thread.
class Master {
 public:
  // `job`, `parser` and `store` must outlive the master.
  Master(const config::Job& job, const parser::PageParser& parser,
         storage::Store* store, MasterOptions options);
  ~Master();

  // Connects to Redis (Unavailable when it cannot be reached, InvalidArgument
  // when it refuses the credentials), records the lock's epoch in the
  // database and publishes the job under it (the previous run's tasks and
  // results are dropped; what it did not store is still queued in the
  // database), runs the crawl, and when it finished marks the job over so
  // that workers exit. A crawl stopped by a signal leaves the job published:
  // workers wait for the next master. When another master takes the job
  // over, the crawl stops at once, Redis is left to the new master, and the
  // result is Unavailable with one line naming it. Redis away longer than
  // redis_timeout: Unavailable with one line saying so (the database is
  // consistent; a rerun resumes).
  config::Result<RunSnapshot> Run();

  // The fleet now; empty before Run() has connected.
  FleetStatus fleet() const { return dispatcher_->fleet(); }
  // The crawl run (its counters include the workers'), for the status page;
  // valid for the master's lifetime.
  const Engine& engine() const { return *engine_; }

 private:
  // The HSET of the job hash (fleet.h) under `epoch` in `state`.
  std::vector<std::string> JobHash(int64_t epoch,
                                   const std::string& state) const;
  // Publishes the job under `epoch`: fresh streams with their groups, the
  // job hash in `state`.
  config::Status Publish(RedisClient* redis, int64_t epoch,
                         const std::string& state) const;

  const config::Job& job_;
  const std::string database_;
  MasterOptions options_;
  std::unique_ptr<Dispatcher> dispatcher_;
  std::unique_ptr<Engine> engine_;
};

}  // namespace crawlbox::crawler
