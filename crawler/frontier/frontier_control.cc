// The Frontier's live controls: pause, per-host pause, politeness, the bound
// on work out, the page budgets and the deny patterns added while it runs.
#include <algorithm>

#include "crawler/frontier/frontier.h"
#include "crawler/frontier/frontier_state.h"

namespace crawlbox::crawler {

using std::chrono::milliseconds;

void Frontier::SetPaused(bool paused) {
  std::lock_guard<std::mutex> lock(mu_);
  paused_ = paused;
  // The fetcher polls at least every second, and the engine wakes it every
  // few milliseconds: nothing to wake here.
  NotifyIfIdle();
}

void Frontier::SetHostPaused(const std::string& name, bool paused) {
  std::lock_guard<std::mutex> lock(mu_);
  if (paused) {
    paused_hosts_.insert(name);
  } else {
    paused_hosts_.erase(name);
  }
  auto it = hosts_.find(name);
  if (it == hosts_.end()) return;
  Host& host = *it->second;
  host.paused = paused;
  // A paused host's ready entry is dropped at its turn (ReadyTime is
  // nullopt); a resumed one needs a new entry.
  Schedule(host);
  NotifyIfIdle();
}

void Frontier::SetPoliteness(milliseconds delay, int per_host_concurrency) {
  std::lock_guard<std::mutex> lock(mu_);
  settings_->delay = delay;
  settings_->per_host_concurrency = per_host_concurrency;
  const Clock::time_point now = Clock::now();
  for (auto& [key, group] : groups_) {
    UpdateBaseDelay(*group);
    // Whoever lowers the delay wants it now, not after the adaptive delay
    // has crept down 10% a page; a host that struggles raises it again.
    group->delay = group->base_delay;
    group->next_start = std::min(group->next_start, now + group->delay);
  }
  // Ready entries planned for the old delay are superseded.
  for (auto& [name, host] : hosts_) {
    host->ready_seq = 0;
    Schedule(*host);
  }
  NotifyIfIdle();
}

void Frontier::SetConcurrency(int concurrency) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!outstanding_fixed_) settings_->max_outstanding = 2 * concurrency;
}

void Frontier::SetMaxPages(int64_t max_pages) {
  std::lock_guard<std::mutex> lock(mu_);
  settings_->max_pages = max_pages;
  page_budget_ =
      max_pages > 0 ? std::max<int64_t>(0, max_pages - pages_counted_) : -1;
  for (auto& [name, host] : hosts_) Schedule(*host);
  NotifyIfIdle();
}

void Frontier::SetMaxPagesPerHost(int64_t max_pages_per_host) {
  std::lock_guard<std::mutex> lock(mu_);
  settings_->max_pages_per_host = max_pages_per_host;
  for (auto& [name, host_ptr] : hosts_) {
    Host& host = *host_ptr;
    const bool over =
        max_pages_per_host > 0 && host.fetched >= max_pages_per_host;
    if (over && !host.exhausted) {
      Exhaust(host);
    } else if (!over && host.exhausted) {
      // What it dropped is still queued in the database: the next Refill
      // (the store node's thread, which alone loads windows) reads it again,
      // after the cursor Exhaust() left.
      host.exhausted = false;
      host.in_db += host.abandoned;
      in_db_ += host.abandoned;
      abandoned_ -= host.abandoned;
      host.abandoned = 0;
      host.refill_listed = host.in_db > 0;
    }
    Schedule(host);
  }
  NotifyIfIdle();
}

void Frontier::SetLiveDeny(const LiveDeny* deny) {
  std::lock_guard<std::mutex> lock(mu_);
  live_deny_ = deny;
}

}  // namespace crawlbox::crawler
