// WorkerWatch (internal to the fleet room): the master's judgement of its
// workers from their heartbeats, kept apart from Redis so that it is plain
// logic: which worker is working, left or lost, and when one is declared lost.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "crawler/fleet/fleet.h"

namespace crawlbox::crawler {

// Not thread-safe: the dispatch thread alone uses it.
//
// A worker is declared lost when its heartbeat (its last_seen_ms) has not
// changed for `misses` heartbeat intervals, measured by the master's own
// steady clock from the reading that first showed the heartbeat, so clocks of
// other machines never matter. A declared worker stays lost for the master's
// lifetime, whatever it sends later: it is told to re-register, and comes back
// under another id.
class WorkerWatch {
 public:
  using Clock = std::chrono::steady_clock;

  // `misses` >= 1; `interval` is the workers' heartbeat interval.
  WorkerWatch(int misses, std::chrono::milliseconds interval);

  // Takes one reading of the worker table, made at `now` (steady) and
  // `now_unix_ms` (wall clock). Sets each worker's `state` ("lost" for one
  // declared lost, or silent since before this master first saw it) and
  // `joined`; forgets workers no longer in the table. Returns the ids declared
  // lost by this reading (each once): the caller claims back their tasks.
  //
  // A worker first seen with a heartbeat already older than the limit by the
  // wall clock (one dead before this master started, or a clock far behind)
  // is shown lost but not declared: it had no tasks of this master, and a
  // heartbeat from it later makes it working.
  std::vector<std::string> Observe(std::vector<WorkerStatus>* workers,
                                   Clock::time_point now, int64_t now_unix_ms);

  // True when `id` was declared lost.
  bool Declared(const std::string& id) const { return declared_.count(id) > 0; }
  // Every id declared lost so far.
  const std::unordered_set<std::string>& declared() const { return declared_; }

  // Starts every worker's clock again at `now`: after a Redis outage, during
  // which no heartbeat could arrive, no worker is declared lost for it.
  void Restart(Clock::time_point now);

  // How long a heartbeat may stay unchanged: misses × interval.
  std::chrono::milliseconds limit() const { return limit_; }
  int misses() const { return misses_; }

 private:
  struct Seen {
    int64_t last_seen_ms = 0;      // the heartbeat's own value
    Clock::time_point changed_at;  // when a reading first showed it
    int64_t joined = 0;
    bool alive = false;  // a fresh heartbeat was seen from it
  };

  const int misses_;
  const std::chrono::milliseconds limit_;
  std::unordered_map<std::string, Seen> seen_;
  std::unordered_set<std::string> declared_;
  int64_t next_joined_ = 1;
};

}  // namespace crawlbox::crawler
