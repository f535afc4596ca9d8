// StatusSource: the interface through which the status server reads the live
// numbers of a crawl running in this process. web/ declares it; crawler/
// implements it (crawler/engine_status.h), so web/ never sees the engine.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace crawlbox::web {

// The run's totals at one moment.
struct LiveTotals {
  std::string job;       // the job's name
  int64_t crawl_id = 0;  // 0 until the run has registered in the database
  // "starting" (before the crawl began), "running", "stopping" (a stop signal
  // arrived: pages in flight finish), or the end state of the run:
  // "finished", "stopped", "failed".
  std::string state;
  int64_t pages = 0;      // pages stored by this run
  int64_t failed = 0;     // of which failed (the frontier row is 'failed')
  int64_t items = 0;      // items stored by this run
  int64_t bytes = 0;      // body bytes of the stored pages
  int64_t queued = 0;     // frontier URLs waiting (database, memory, retries)
  int64_t in_flight = 0;  // handed to the fetcher or the pipeline, not stored
  double elapsed_s = 0;   // since the run started
  // Pages the run may still hand out under limits.max_pages; -1 = no limit.
  int64_t page_budget = -1;
  // The job's limits (0 = none), for the ETA.
  int64_t max_pages = 0;
  int64_t max_bytes = 0;
  int64_t max_duration_s = 0;
};

// One host as the scheduler sees it.
struct HostRow {
  std::string host;
  int64_t in_flight = 0;  // transfers running now
  int64_t queued = 0;     // URLs waiting (window, database, retries)
  // Its politeness window (politeness.group_by): the address it shares with
  // the other hosts there, else the host itself; "" while its address is
  // being looked up or from the database alone.
  std::string group;
  int64_t group_hosts = 0;      // hosts sharing the window
  int64_t group_in_flight = 0;  // transfers running to the whole group
  // The current gap between request starts (adaptive), the group's.
  int64_t delay_ms = 0;
  // robots.txt: "off" (not obeyed), "pending" (not fetched yet), "fetching",
  // "retrying" (unavailable, will be tried again), "ok", "unavailable" (gave
  // up: the host's URLs are blocked).
  std::string robots;
  // Fetches finished this run (robots.txt and sitemaps included), and of them
  // those without a response or with a status >= 400. From the database alone:
  // done + failed URLs, and the failed ones.
  int64_t fetched = 0;
  int64_t errors = 0;
};

// One worker of a distributed crawl, as its heartbeats report it.
struct WorkerRow {
  std::string id;    // hostname-pid
  std::string host;  // its machine
  // "working", "stopping", "left" (stopped cleanly) or "lost" (silent for
  // seconds: dead, stuck or cut off; its tasks are claimed back).
  std::string state;
  int64_t in_flight = 0;   // tasks it holds
  int64_t pages = 0;       // results it sent
  double pages_per_s = 0;  // lately
  double seen_s_ago = 0;   // since its last heartbeat
  // 1 for the first worker the master saw, 2 for the next, ...: /metrics
  // labels the first ones by id and sums the rest.
  int64_t joined = 0;
};

// The fleet of a distributed crawl, as its master sees it.
struct FleetData {
  bool distributed = false;  // false: a local run (everything else empty)
  int64_t epoch = 0;         // the master run (each start begins a new one)
  int64_t pending = 0;       // tasks handed out, no result yet
  int64_t dispatched = 0;    // tasks handed out (claimed-back ones again)
  int64_t reclaimed = 0;     // tasks claimed back from silent workers
  int64_t duplicates = 0;    // results dropped: answered already, or stale
  // Of `reclaimed`, the tasks of workers declared lost (the rest: their lease
  // ran out).
  int64_t reclaimed_lost = 0;
  int64_t results = 0;     // results accepted
  double redis_rtt_s = 0;  // the latest round trip to Redis; 0 = none yet
  std::vector<WorkerRow> workers;
};

// Implementations are thread-safe: the server calls them from its worker
// threads while the crawl runs, and after it has ended (the final numbers).
class StatusSource {
 public:
  virtual ~StatusSource() = default;

  virtual LiveTotals Totals() const = 0;
  // Every host the run has seen, in any order.
  virtual std::vector<HostRow> Hosts() const = 0;
  // The run's counters by slash path ("fetch/status/200",
  // "fetch/error/timeout", "fetch/bytes", ...).
  virtual std::map<std::string, int64_t> Counters() const = 0;
  // The fleet, when the crawl is distributed (a master).
  virtual FleetData Fleet() const { return {}; }
};

}  // namespace crawlbox::web
