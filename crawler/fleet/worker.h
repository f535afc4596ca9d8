// Worker: a stateless member of a distributed crawl. It reads the job from
// Redis, takes tasks from the job's consumer group, fetches and parses them
// with the same FetchGraph as a local run, and sends each outcome back to the
// master before acknowledging its task. Workers join and leave at any time;
// the master claims back what a dead one held.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

#include "config/status.h"
#include "crawler/fleet/redis_client.h"

namespace crawlbox::crawler {

struct WorkerOptions {
  RedisAddress redis;
  // The job to work on; empty = the one job published (an error when there
  // are several).
  std::string job;
  // Transfers in flight at most; 0 = the job's fetch.concurrency.
  int concurrency = 0;
  // Take render tasks when the job renders pages and Chromium starts; false
  // (--no-render) leaves them to other workers.
  bool render = true;
  // After a job is over, wait for the next one published on the same Redis
  // (the same job name again with --job, else any job) instead of returning.
  bool forever = false;
  // Redis away this long ends the worker (Run() fails with Unavailable);
  // shorter outages are ridden out.
  std::chrono::milliseconds redis_timeout{300'000};
  // Number of SIGINT/SIGTERM received (may be null): the first stops taking
  // tasks, releases the ones not started and finishes the rest; the second
  // aborts the transfers in flight and releases their tasks too.
  const std::atomic<int>* stop_signals = nullptr;
};

struct WorkerSummary {
  std::string job;       // the latest job worked on
  std::string id;        // hostname-pid, the consumer name
  int64_t pages = 0;     // results sent, over all jobs
  bool stopped = false;  // by a signal; otherwise the job is over
};

// Single use: construct, Run() once.
class Worker {
 public:
  explicit Worker(WorkerOptions options);

  // Connects (Unavailable when Redis cannot be reached, InvalidArgument when
  // it refuses the credentials), waits for the job to be published, and works
  // until the master marks it over (with `forever`, job after job) or a
  // signal stops it. A job file the worker cannot load is InvalidArgument.
  // It rides out Redis outages (reconnecting with backoff, one log line as
  // each starts and one as it ends); one longer than redis_timeout is
  // Unavailable, with one line saying so.
  config::Result<WorkerSummary> Run();

 private:
  WorkerOptions options_;
};

}  // namespace crawlbox::crawler
