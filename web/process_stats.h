// The memory and CPU time of this process, read from /proc/self (Linux).
#pragma once

#include <cstdint>

namespace crawlbox::web {

struct ProcessStats {
  int64_t rss_bytes = 0;   // resident memory now
  double cpu_seconds = 0;  // user + system CPU time since the process began
  int64_t threads = 0;
  // CPU use over the last second or more, in percent of one core (200 = two
  // cores busy); 0 until two readings a second apart exist.
  double cpu_percent = 0;
};

// Reads the numbers of this process. Fields it cannot read stay 0 (not Linux,
// /proc not mounted): the status page shows what it can rather than failing.
// Not thread-safe: keeps the previous reading for cpu_percent.
class ProcessSampler {
 public:
  ProcessStats Sample();

 private:
  double last_cpu_seconds_ = -1;
  double last_wall_seconds_ = 0;
  double last_percent_ = 0;
};

}  // namespace crawlbox::web
