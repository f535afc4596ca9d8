// RateHistory: pages and bytes stored per time step over one crawl run, the
// data of the status page's chart and of its recent rates.
#pragma once

#include <cstdint>
#include <map>
#include <vector>

#include "storage/summary.h"

namespace crawlbox::web {

// One step of the chart: the rates over [t_s, t_s + step).
struct RatePoint {
  double t_s = 0;  // seconds since the run started
  double pages_per_s = 0;
  double bytes_per_s = 0;
};

// Not thread-safe (the collector guards it). Memory is bounded: when the run
// spans more than kMaxBuckets steps, the step doubles and neighbours merge.
class RateHistory {
 public:
  static constexpr size_t kMaxBuckets = 4096;

  // Starts over for run `crawl_id`, which started at `started_unix`.
  void Reset(int64_t crawl_id, double started_unix);
  int64_t crawl_id() const { return crawl_id_; }
  // The highest page id added so far (0 before any): where to read on from.
  int64_t last_page_id() const { return last_page_id_; }
  void set_last_page_id(int64_t id) { last_page_id_ = id; }

  // Adds per-second page counts (any order; repeated seconds add up).
  void Add(const std::vector<storage::SecondCount>& seconds);

  // Rates per step from the run's start until `end_unix` (steps without pages
  // are zeros), merged into at most `max_points` points.
  std::vector<RatePoint> Points(double end_unix, size_t max_points) const;

  // Pages and bytes per second over the `window_s` seconds before `end_unix`
  // (shorter when the run is younger).
  double PagesPerSecond(double end_unix, double window_s) const;
  double BytesPerSecond(double end_unix, double window_s) const;

 private:
  struct Bucket {
    int64_t pages = 0;
    int64_t bytes = 0;
  };
  // Sums over buckets that start in [from_unix, end_unix).
  Bucket SumBetween(double from_unix, double end_unix) const;

  int64_t crawl_id_ = 0;
  double started_unix_ = 0;
  int64_t last_page_id_ = 0;
  int64_t step_s_ = 1;
  // Key: step index since the run started (second / step_s_).
  std::map<int64_t, Bucket> buckets_;
};

}  // namespace crawlbox::web
