// Buckets are keyed by step index from the second the run started in, so a
// bucket never straddles two steps and merging keeps sums exact.
#include "web/rate_history.h"

#include <algorithm>
#include <cmath>

namespace crawlbox::web {

void RateHistory::Reset(int64_t crawl_id, double started_unix) {
  crawl_id_ = crawl_id;
  started_unix_ = std::floor(started_unix);
  last_page_id_ = 0;
  step_s_ = 1;
  buckets_.clear();
}

void RateHistory::Add(const std::vector<storage::SecondCount>& seconds) {
  for (const storage::SecondCount& s : seconds) {
    // A commit stamped before the run's own start (clock step) counts as its
    // first second.
    const int64_t offset =
        std::max<int64_t>(0, s.unix_s - static_cast<int64_t>(started_unix_));
    Bucket& b = buckets_[offset / step_s_];
    b.pages += s.pages;
    b.bytes += s.bytes;
  }
  while (buckets_.size() > kMaxBuckets) {
    std::map<int64_t, Bucket> merged;
    for (const auto& [index, b] : buckets_) {
      Bucket& m = merged[index / 2];
      m.pages += b.pages;
      m.bytes += b.bytes;
    }
    buckets_ = std::move(merged);
    step_s_ *= 2;
  }
}

std::vector<RatePoint> RateHistory::Points(double end_unix,
                                           size_t max_points) const {
  std::vector<RatePoint> out;
  if (crawl_id_ == 0 || max_points == 0) return out;
  const double span = std::max(1.0, end_unix - started_unix_);
  const int64_t steps = static_cast<int64_t>(std::ceil(span / step_s_));
  const int64_t group =
      std::max<int64_t>(1, (steps + static_cast<int64_t>(max_points) - 1) /
                               static_cast<int64_t>(max_points));
  auto it = buckets_.begin();
  for (int64_t first = 0; first < steps; first += group) {
    const int64_t last = std::min(steps, first + group);  // exclusive
    Bucket sum;
    while (it != buckets_.end() && it->first < last) {
      if (it->first >= first) {
        sum.pages += it->second.pages;
        sum.bytes += it->second.bytes;
      }
      ++it;
    }
    const double t0 = static_cast<double>(first * step_s_);
    // The last group ends now, not at a step boundary.
    const double covered =
        std::max(1.0, std::min(static_cast<double>(last * step_s_), span) - t0);
    out.push_back(RatePoint{t0, static_cast<double>(sum.pages) / covered,
                            static_cast<double>(sum.bytes) / covered});
  }
  return out;
}

RateHistory::Bucket RateHistory::SumBetween(double from_unix,
                                            double end_unix) const {
  Bucket sum;
  for (const auto& [index, b] : buckets_) {
    const double start = started_unix_ + static_cast<double>(index * step_s_);
    if (start >= from_unix && start < end_unix) {
      sum.pages += b.pages;
      sum.bytes += b.bytes;
    }
  }
  return sum;
}

double RateHistory::PagesPerSecond(double end_unix, double window_s) const {
  // Coarse steps need a wider window, or it holds one bucket or none.
  window_s = std::max(window_s, 3.0 * static_cast<double>(step_s_));
  const double span = std::min(window_s, end_unix - started_unix_);
  if (span <= 0) return 0;
  return static_cast<double>(SumBetween(end_unix - span, end_unix).pages) /
         std::max(1.0, span);
}

double RateHistory::BytesPerSecond(double end_unix, double window_s) const {
  // Coarse steps need a wider window, or it holds one bucket or none.
  window_s = std::max(window_s, 3.0 * static_cast<double>(step_s_));
  const double span = std::min(window_s, end_unix - started_unix_);
  if (span <= 0) return 0;
  return static_cast<double>(SumBetween(end_unix - span, end_unix).bytes) /
         std::max(1.0, span);
}

}  // namespace crawlbox::web
