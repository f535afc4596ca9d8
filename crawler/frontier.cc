// A FIFO window over the queued URLs, with a page budget and a bound on
// outstanding work.
#include "crawler/frontier.h"

#include <algorithm>
#include <utility>

namespace crawlbox::crawler {

Frontier::Frontier(int64_t page_budget, int max_outstanding, size_t window)
    : page_budget_(page_budget),
      max_outstanding_(max_outstanding),
      window_(window) {}

void Frontier::Start(std::vector<storage::QueuedUrl> urls, int64_t more_in_db) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& u : urls) {
    last_id_ = std::max(last_id_, u.id);
    queue_.push_back(std::move(u));
  }
  in_db_ = more_in_db;
  changed_.notify_all();
}

std::optional<Request> Frontier::NextRequest() {
  std::lock_guard<std::mutex> lock(mu_);
  if (closed_ || queue_.empty() || page_budget_ == 0 ||
      outstanding_ >= static_cast<size_t>(max_outstanding_)) {
    return std::nullopt;
  }
  storage::QueuedUrl next = std::move(queue_.front());
  queue_.pop_front();
  if (page_budget_ > 0) --page_budget_;
  ++outstanding_;
  ++handed_out_;
  return Request{next.id, std::move(next.url), next.depth};
}

void Frontier::Complete(size_t count,
                        std::vector<storage::QueuedUrl> discovered) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& u : discovered) {
    // Once anything waits in the database, newer URLs wait behind it: FIFO.
    if (in_db_ == 0 && queue_.size() < window_) {
      last_id_ = std::max(last_id_, u.id);
      queue_.push_back(std::move(u));
    } else {
      ++in_db_;
    }
  }
  outstanding_ -= count;
  changed_.notify_all();
}

std::optional<Frontier::RefillRequest> Frontier::RefillWanted() const {
  std::lock_guard<std::mutex> lock(mu_);
  if (closed_ || in_db_ == 0 || queue_.size() > window_ / 2)
    return std::nullopt;
  return RefillRequest{last_id_, window_ - queue_.size()};
}

void Frontier::Refill(const RefillRequest& request,
                      std::vector<storage::QueuedUrl> urls) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& u : urls) {
    last_id_ = std::max(last_id_, u.id);
    queue_.push_back(std::move(u));
  }
  in_db_ -= static_cast<int64_t>(urls.size());
  // Fewer rows than asked means the database holds no more: trust it.
  if (urls.size() < request.limit || in_db_ < 0) in_db_ = 0;
  changed_.notify_all();
}

void Frontier::Close() {
  std::lock_guard<std::mutex> lock(mu_);
  closed_ = true;
  changed_.notify_all();
}

bool Frontier::IdleLocked() const {
  bool nothing_more =
      closed_ || (queue_.empty() && in_db_ == 0) || page_budget_ == 0;
  return outstanding_ == 0 && nothing_more;
}

bool Frontier::Idle() const {
  std::lock_guard<std::mutex> lock(mu_);
  return IdleLocked();
}

bool Frontier::WaitIdle(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  return changed_.wait_for(lock, timeout, [this] { return IdleLocked(); });
}

size_t Frontier::queued() const {
  std::lock_guard<std::mutex> lock(mu_);
  return queue_.size() + static_cast<size_t>(in_db_);
}

size_t Frontier::outstanding() const {
  std::lock_guard<std::mutex> lock(mu_);
  return outstanding_;
}

int64_t Frontier::handed_out() const {
  std::lock_guard<std::mutex> lock(mu_);
  return handed_out_;
}

}  // namespace crawlbox::crawler
