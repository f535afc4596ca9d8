// ProgressLine: the live progress of `crawlbox run` on stderr. On a terminal
// one line rewritten in place ("\r\033[K"); otherwise (a log file, a pipe) a
// plain line every few seconds.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <optional>
#include <string>
#include <utility>

#include "config/job.h"
#include "crawler/engine/engine.h"

namespace crawlbox::crawler {

// Not thread-safe: the engine calls Update() from its one thread.
class ProgressLine {
 public:
  // A plain (non-terminal) line at most this often.
  static constexpr std::chrono::seconds kPlainInterval{5};

  // `out` (not owned) receives the lines; `tty` selects the in-place line;
  // `limits` are the job's.
  ProgressLine(std::FILE* out, bool tty, const config::Limits& limits);

  // Called with the engine's snapshot about once a second.
  void Update(const RunSnapshot& snapshot);
  // Ends the in-place line so the summary starts on a line of its own.
  void Finish();

  // The text of one line, without "\r\033[K" or newline, e.g.
  // "1,234 pages, 85.2/s, 250 items, 512 queued, 3 errors, 0:14 elapsed, ETA
  // 0:32" (no ETA part when `eta_s` is nullopt). Pure.
  static std::string Format(const RunSnapshot& snapshot, double pages_per_s,
                            std::optional<double> eta_s);

 private:
  using Clock = std::chrono::steady_clock;

  std::FILE* out_;
  const bool tty_;
  const config::Limits limits_;
  bool drawn_ = false;
  Clock::time_point last_plain_{};
  // (seconds since the run began, pages) over the last few seconds, for the
  // recent rate.
  std::deque<std::pair<double, int64_t>> samples_;
};

}  // namespace crawlbox::crawler
