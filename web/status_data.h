// The numbers the status page, the JSON API and /metrics show, gathered in
// one place by StatusCollector from the live source (if any) and the database.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "storage/summary.h"
#include "web/process_stats.h"
#include "web/rate_history.h"
#include "web/status_source.h"

namespace crawlbox::web {

using storage::Counts;

// The state of the crawl at one moment (/api/status, /metrics).
struct StatusData {
  uint64_t seq = 0;           // increases with every fresh collection
  double generated_unix = 0;  // when it was collected, seconds since the epoch
  // "live" (numbers from the crawl in this process) or "database" (from the
  // file alone: `crawlbox serve`).
  std::string source;
  std::string job;          // the job's name; "" before any crawl
  int64_t crawl_id = 0;     // the run shown; 0 when the database has none
  std::string state;        // see LiveTotals::state; "" when there is no run
  std::string started_at;   // ISO 8601 UTC; "" when unknown
  std::string finished_at;  // "" while running
  double elapsed_s = 0;
  // The run's totals (this run only; see LiveTotals).
  int64_t pages = 0;
  int64_t failed = 0;
  int64_t items = 0;
  int64_t bytes = 0;
  int64_t queued = 0;
  int64_t in_flight = 0;  // always 0 from the database alone
  // While running, over the last 10 s (or more on long runs); afterwards the
  // average over the run.
  double pages_per_s = 0;
  double bytes_per_s = 0;
  // Pages left under limits.max_pages (-1 = no page limit) and the seconds
  // until the first limit ends the run (nullopt = no limit makes it knowable).
  int64_t remaining_pages = -1;
  std::optional<double> eta_s;
  int64_t max_pages = 0;  // the job's limits; 0 = none
  int64_t max_bytes = 0;
  int64_t max_duration_s = 0;
  Counts frontier;         // database: URLs by state
  Counts status_codes;     // fetches by HTTP status ("200")
  Counts fetch_errors;     // fetches by transport error reason ("timeout")
  Counts failed_reasons;   // database: failed URLs by reason
  Counts blocked_reasons;  // database: blocked URLs by reason ("robots")
  Counts items_per_rule;   // database: items per rule, every run
  Counts counters;         // the run's counters (live, or stored at its end)
  int64_t hosts = -1;      // hosts the run has seen; -1 = unknown
  std::vector<RatePoint> history;  // the chart, from the run's start to now
  ProcessStats process;            // of this process
  FleetData fleet;  // a master's fleet (distributed = false otherwise)
};

// Per-host rows (/api/hosts).
struct HostsData {
  // True: rows come from the live scheduler (in_flight, delay and robots are
  // meaningful). False: from the database's frontier alone, where `fetched`
  // counts done + failed URLs, `errors` the failed ones, and delay_ms is -1.
  bool live = false;
  int64_t total = 0;  // hosts in all; rows holds the busiest
  std::vector<HostRow> rows;
  // The windows shared by more than one host (politeness.group_by = "ip"),
  // from every host, not only the rows shown; busiest first. Live only.
  struct Group {
    std::string group;
    int64_t hosts = 0;
    int64_t in_flight = 0;
    int64_t queued = 0;  // of all its hosts
    int64_t delay_ms = 0;
  };
  std::vector<Group> groups;
};

// Errors in detail (/api/errors).
struct ErrorsData {
  Counts status_codes;
  Counts fetch_errors;
  Counts failed_reasons;
  Counts blocked_reasons;
  std::vector<storage::FailedPage> recent;  // newest first
};

// A page of items (/api/items).
struct ItemsData {
  std::string rule;   // "" = every rule
  int64_t total = 0;  // items of that rule (or all)
  int64_t limit = 0;
  int64_t offset = 0;
  std::vector<storage::StoredItem> items;  // newest first
  Counts per_rule;
};

}  // namespace crawlbox::web
