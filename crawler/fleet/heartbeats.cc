// Declaring workers lost from readings of their heartbeats.
#include "crawler/fleet/heartbeats.h"

#include <algorithm>

namespace crawlbox::crawler {

WorkerWatch::WorkerWatch(int misses, std::chrono::milliseconds interval)
    : misses_(std::max(1, misses)), limit_(interval * misses_) {}

std::vector<std::string> WorkerWatch::Observe(
    std::vector<WorkerStatus>* workers, Clock::time_point now,
    int64_t now_unix_ms) {
  std::vector<std::string> declared;
  std::unordered_set<std::string> present;
  for (WorkerStatus& w : *workers) {
    present.insert(w.id);
    auto [it, first] = seen_.try_emplace(w.id);
    Seen& seen = it->second;
    if (first) {
      seen.joined = next_joined_++;
      seen.last_seen_ms = w.last_seen_ms;
      seen.changed_at = now;
      seen.alive = now_unix_ms - w.last_seen_ms <= limit_.count();
    } else if (w.last_seen_ms != seen.last_seen_ms) {
      seen.last_seen_ms = w.last_seen_ms;
      seen.changed_at = now;
      seen.alive = true;
    }
    w.joined = seen.joined;
    if (declared_.count(w.id) > 0) {
      w.state = "lost";
    } else if (w.state == "left") {
      // Stopped cleanly: it gave its tasks back itself.
    } else if (!seen.alive) {
      w.state = "lost";
    } else if (now - seen.changed_at > limit_) {
      w.state = "lost";
      declared_.insert(w.id);
      declared.push_back(w.id);
    }
  }
  for (auto it = seen_.begin(); it != seen_.end();) {
    it = present.count(it->first) > 0 ? std::next(it) : seen_.erase(it);
  }
  return declared;
}

void WorkerWatch::Restart(Clock::time_point now) {
  for (auto& [id, seen] : seen_) seen.changed_at = now;
}

}  // namespace crawlbox::crawler
