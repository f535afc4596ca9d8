// The rate is taken over the last ~5 s rather than since the start: a crawl
// slows down or speeds up (robots.txt first, a slow host later) and the ETA
// should follow.
#include "crawler/cli/progress_line.h"

#include <algorithm>
#include <cmath>

#include "web/eta.h"

namespace crawlbox::crawler {

namespace {

constexpr double kRateWindowS = 5;

std::string Grouped(int64_t n) {
  std::string digits = std::to_string(n < 0 ? -n : n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return n < 0 ? "-" + out : out;
}

std::string ClockText(double seconds) {
  const int64_t s = static_cast<int64_t>(std::llround(std::max(0.0, seconds)));
  char buffer[32];
  if (s >= 3600) {
    std::snprintf(buffer, sizeof buffer, "%lld:%02lld:%02lld",
                  static_cast<long long>(s / 3600),
                  static_cast<long long>(s / 60 % 60),
                  static_cast<long long>(s % 60));
  } else {
    std::snprintf(buffer, sizeof buffer, "%lld:%02lld",
                  static_cast<long long>(s / 60),
                  static_cast<long long>(s % 60));
  }
  return buffer;
}

}  // namespace

ProgressLine::ProgressLine(std::FILE* out, bool tty,
                           const config::Limits& limits)
    : out_(out), tty_(tty), limits_(limits) {}

std::string ProgressLine::Format(const RunSnapshot& p, double pages_per_s,
                                 std::optional<double> eta_s) {
  char rate[32];
  std::snprintf(rate, sizeof rate, pages_per_s >= 100 ? "%.0f/s" : "%.1f/s",
                pages_per_s);
  std::string line =
      Grouped(p.pages) + " pages, " + rate + ", " + Grouped(p.items) +
      " items, " + Grouped(static_cast<int64_t>(p.queued)) + " queued, " +
      Grouped(p.failed) + " errors, " + ClockText(p.seconds) + " elapsed";
  if (eta_s) line += ", ETA " + ClockText(*eta_s);
  return line;
}

void ProgressLine::Update(const RunSnapshot& p) {
  samples_.emplace_back(p.seconds, p.pages);
  while (samples_.size() > 2 &&
         samples_.front().first < p.seconds - kRateWindowS) {
    samples_.pop_front();
  }
  double rate = 0;
  const double span = samples_.back().first - samples_.front().first;
  if (span > 0) {
    rate =
        static_cast<double>(samples_.back().second - samples_.front().second) /
        span;
  } else if (p.seconds > 0) {
    rate = static_cast<double>(p.pages) / p.seconds;
  }
  web::EtaInput eta;
  eta.elapsed_s = p.seconds;
  eta.pages_per_s = rate;
  eta.max_duration_s = limits_.max_duration_s;
  if (limits_.max_pages > 0 && p.running && p.page_budget >= 0) {
    eta.remaining_pages = std::min(p.page_budget, p.queued) + p.in_flight;
  }
  const std::string line = Format(p, rate, web::EstimateEta(eta));
  if (tty_) {
    std::fprintf(out_, "\r\033[K%s", line.c_str());
    std::fflush(out_);
    drawn_ = true;
    return;
  }
  const Clock::time_point now = Clock::now();
  if (last_plain_ == Clock::time_point{}) {
    // The first line waits a whole interval: a short crawl prints none.
    last_plain_ = now;
    return;
  }
  if (now - last_plain_ < kPlainInterval) return;
  last_plain_ = now;
  std::fprintf(out_, "crawlbox: %s\n", line.c_str());
  std::fflush(out_);
}

void ProgressLine::Finish() {
  if (tty_ && drawn_) std::fprintf(out_, "\n");
  drawn_ = false;
}

}  // namespace crawlbox::crawler
