// The estimated time until a crawl ends, when its limits make that knowable.
// Shared by the status page and the terminal progress line.
#pragma once

#include <cstdint>
#include <optional>

namespace crawlbox::web {

struct EtaInput {
  double elapsed_s = 0;    // since the run started
  double pages_per_s = 0;  // the recent rate
  double bytes_per_s = 0;
  // Pages still to fetch under limits.max_pages; -1 when no page limit applies.
  int64_t remaining_pages = -1;
  int64_t bytes = 0;           // fetched by the run so far
  int64_t max_bytes = 0;       // limits.max_bytes; 0 = none
  int64_t max_duration_s = 0;  // limits.max_duration_s; 0 = none
};

// Seconds until the first limit that applies is reached (pages at the current
// rate, bytes at the current rate, the run's time limit), or nullopt when no
// limit bounds the run or the rate a bound needs is still 0. Never negative.
std::optional<double> EstimateEta(const EtaInput& in);

}  // namespace crawlbox::web
