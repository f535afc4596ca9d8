// Frontier: the in-memory side of the crawl's URL queue. The durable truth
// (every URL seen and its state) lives in SQLite via storage::Store; the
// Frontier holds the queued URLs the store handed it, hands them to the Fetcher
// in FIFO order (breadth-first by discovery), enforces the page budget and the
// bound on work in flight, and knows exactly when the crawl is over.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <vector>

#include "crawler/fetcher.h"
#include "storage/records.h"

namespace crawlbox::crawler {

// Thread-safe: the fetcher thread takes requests, the store node completes
// them, the engine waits on it.
class Frontier : public RequestSource {
 public:
  // `page_budget`: requests it may still hand out (< 0 = unlimited).
  // `max_outstanding`: requests handed out but not yet completed, at most — the
  // bound on responses in the pipeline.
  Frontier(int64_t page_budget, int max_outstanding);

  // Queues URLs (already recorded as queued in the database).
  void Add(std::vector<storage::QueuedUrl> urls);

  // RequestSource: the next URL, or nullopt when none is queued, the budget is
  // spent, too much is in flight, or the frontier is closed. Counts the request
  // as outstanding.
  std::optional<Request> NextRequest() override;

  // `count` outstanding requests are finished (stored); `discovered` are the
  // new URLs their pages added. Adding before releasing makes Idle() exact: it
  // never sees a gap between a page being done and its links being queued.
  void Complete(size_t count, std::vector<storage::QueuedUrl> discovered);

  // Stops handing out requests (graceful shutdown). Outstanding ones still
  // complete.
  void Close();

  // True when nothing is outstanding and nothing more will be handed out (queue
  // empty, budget spent, or closed).
  bool Idle() const;

  // Waits until Idle() or the timeout; returns Idle().
  bool WaitIdle(std::chrono::milliseconds timeout);

  size_t queued() const;
  size_t outstanding() const;
  int64_t handed_out() const;

 private:
  bool IdleLocked() const;

  mutable std::mutex mu_;
  std::condition_variable changed_;
  std::deque<storage::QueuedUrl> queue_;
  int64_t page_budget_;
  int max_outstanding_;
  size_t outstanding_ = 0;
  int64_t handed_out_ = 0;
  bool closed_ = false;
};

}  // namespace crawlbox::crawler
