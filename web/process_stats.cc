// /proc/self/stat fields 14-15 (utime, stime in clock ticks) and 20
// (num_threads); /proc/self/statm field 2 (resident pages).
#include "web/process_stats.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

namespace crawlbox::web {

namespace {

double WallSeconds() {
  return std::chrono::duration<double>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

ProcessStats ProcessSampler::Sample() {
  ProcessStats stats;
  const long page_size = sysconf(_SC_PAGESIZE);
  const long ticks = sysconf(_SC_CLK_TCK);
  {
    std::ifstream statm("/proc/self/statm");
    int64_t size = 0, resident = 0;
    if (statm >> size >> resident && page_size > 0)
      stats.rss_bytes = resident * page_size;
  }
  {
    std::ifstream stat_file("/proc/self/stat");
    std::string line;
    std::getline(stat_file, line);
    // The command name (field 2) is in parentheses and may hold spaces; the
    // fields after its closing parenthesis are space-separated numbers.
    const size_t close = line.rfind(')');
    if (close != std::string::npos && ticks > 0) {
      std::istringstream rest(line.substr(close + 1));
      std::string field;
      // Field 3 (state) is the first after the parenthesis.
      for (int index = 3; rest >> field; ++index) {
        if (index == 14)
          stats.cpu_seconds += std::strtod(field.c_str(), nullptr) / ticks;
        if (index == 15)
          stats.cpu_seconds += std::strtod(field.c_str(), nullptr) / ticks;
        if (index == 20) {
          stats.threads = std::strtoll(field.c_str(), nullptr, 10);
          break;
        }
      }
    }
  }
  // Readings closer than a second apart keep the previous percentage: over a
  // few milliseconds the tick-granular CPU time says nothing.
  const double now = WallSeconds();
  if (last_cpu_seconds_ < 0) {
    last_cpu_seconds_ = stats.cpu_seconds;
    last_wall_seconds_ = now;
  } else if (now - last_wall_seconds_ >= 1.0) {
    last_percent_ =
        std::max(0.0, 100.0 * (stats.cpu_seconds - last_cpu_seconds_) /
                          (now - last_wall_seconds_));
    last_cpu_seconds_ = stats.cpu_seconds;
    last_wall_seconds_ = now;
  }
  stats.cpu_percent = last_percent_;
  return stats;
}

}  // namespace crawlbox::web
