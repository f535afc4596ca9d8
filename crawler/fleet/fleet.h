// The Redis layout of a distributed job, shared by Master and Worker, and the
// fleet's state as the master's status page shows it.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace crawlbox::crawler {

// Keys of job `name` (all under "crawlbox:<name>:"):
//   job      hash: text (the job file), file, env (JSON of the ${VARS} the
//            job names, as the master expanded them), epoch, lease_ms, state
//            (running | stopped | finished | failed), master (host:pid)
//   epoch    integer, the highest epoch a master of the job opened (each
//            master's own comes from its database, storage/fleet_epochs.h;
//            this keeps masters of different databases apart)
//   tasks    stream of Tasks ("t" = JSON), read by consumer group `workers`
//   render   stream of the Tasks whose page is rendered (the job's
//            RenderPolicy wants it), same group: read only by workers that
//            can run Chromium, since a group cannot take a task back from a
//            consumer that could not do it
//   results  stream of TaskResults ("r" = JSON), read by the master alone
//   workers  hash: worker id → WorkerStatus JSON (heartbeats)
//   lost     set of the worker ids the master declared lost: such a worker
//            that comes back re-registers under a new id
//   master   string with a TTL: the lock of the master running the job
//            (master_lock.h)
// and "crawlbox:jobs", the set of job names a master has published.
struct FleetKeys {
  explicit FleetKeys(const std::string& name)
      : job("crawlbox:" + name + ":job"),
        epoch("crawlbox:" + name + ":epoch"),
        tasks("crawlbox:" + name + ":tasks"),
        render("crawlbox:" + name + ":render"),
        results("crawlbox:" + name + ":results"),
        workers("crawlbox:" + name + ":workers"),
        lost("crawlbox:" + name + ":lost"),
        master("crawlbox:" + name + ":master") {}
  static constexpr const char* kJobs = "crawlbox:jobs";
  static constexpr const char* kGroup = "workers";
  std::string job, epoch, tasks, render, results, workers, lost, master;
};

// How often a worker sends its heartbeat (HSET of its WorkerStatus).
constexpr std::chrono::milliseconds kHeartbeatInterval{1000};

// One worker as its heartbeats report it.
struct WorkerStatus {
  std::string id;    // hostname-pid[.N]: also its consumer name in the group
  std::string host;  // the machine's hostname
  int64_t pid = 0;
  int concurrency = 0;       // transfers it keeps in flight at most
  int64_t in_flight = 0;     // tasks taken and not yet answered
  int64_t pages = 0;         // results sent
  double rate = 0;           // results per second lately
  int64_t last_seen_ms = 0;  // Unix time of its latest heartbeat
  // "working", "stopping", "left" (stopped cleanly); the master shows
  // "lost" for one that missed its heartbeats.
  std::string state;
  // The master's own (not on the wire): 1 for the first worker this master
  // saw, 2 for the next, ...; stable while the master runs.
  int64_t joined = 0;
};

// The fleet as the master sees it.
struct FleetStatus {
  int64_t epoch = 0;
  std::vector<WorkerStatus> workers;
  int64_t pending = 0;     // tasks handed out, no result yet
  int64_t dispatched = 0;  // tasks handed out this run (re-handed ones too)
  int64_t reclaimed = 0;   // tasks claimed back from silent workers
  int64_t duplicates = 0;  // results dropped: already answered or stale
  int64_t results = 0;     // results accepted
  // Of `reclaimed`, the tasks of workers declared lost (the rest: their lease
  // ran out).
  int64_t reclaimed_lost = 0;
  // The latest round trip to Redis (a read of the worker table); 0 before
  // the first.
  double redis_rtt_s = 0;
};

}  // namespace crawlbox::crawler
