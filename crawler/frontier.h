// Frontier: the in-memory side of the crawl's URL queue. The durable truth
// (every URL seen and its state) lives in SQLite via storage::Store; the
// Frontier holds a bounded window of the queued URLs (the oldest ones, by
// frontier id), hands them to the Fetcher in FIFO order (breadth-first by
// discovery), enforces the page budget and the bound on work in flight, and
// knows exactly when the crawl is over. URLs beyond the window stay only in
// SQLite and are loaded back as the window drains, so a frontier of millions
// costs no memory.
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

// Thread-safe: the fetcher thread takes requests, the store node completes and
// refills them, the engine waits on it.
class Frontier : public RequestSource {
 public:
  // `page_budget`: requests it may still hand out (< 0 = unlimited).
  // `max_outstanding`: requests handed out but not yet completed, at most — the
  // bound on responses in the pipeline. `window`: queued URLs kept in memory at
  // most.
  Frontier(int64_t page_budget, int max_outstanding, size_t window);

  // Starts the window: `urls` are the oldest queued URLs in the database
  // (ascending ids) and `more_in_db` how many queued ones follow them there.
  void Start(std::vector<storage::QueuedUrl> urls, int64_t more_in_db);

  // RequestSource: the next URL, or nullopt when none is queued, the budget is
  // spent, too much is in flight, or the frontier is closed. Counts the request
  // as outstanding.
  std::optional<Request> NextRequest() override;

  // `count` outstanding requests are finished (stored); `discovered` are the
  // new URLs their pages added (ascending ids). Adding before releasing makes
  // Idle() exact: it never sees a gap between a page being done and its links
  // being queued. URLs that do not fit the window are only counted: they wait
  // in the database.
  void Complete(size_t count, std::vector<storage::QueuedUrl> discovered);

  // What to load from the database to top the window up, if anything: queued
  // URLs with ids above `after_id`, at most `limit`.
  struct RefillRequest {
    int64_t after_id;
    size_t limit;
  };
  std::optional<RefillRequest> RefillWanted() const;
  // Adds what was loaded for `request` (ascending ids).
  void Refill(const RefillRequest& request,
              std::vector<storage::QueuedUrl> urls);

  // Stops handing out requests (graceful shutdown). Outstanding ones still
  // complete.
  void Close();

  // True when nothing is outstanding and nothing more will be handed out
  // (nothing queued in memory or in the database, budget spent, or closed).
  bool Idle() const;

  // Waits until Idle() or the timeout; returns Idle().
  bool WaitIdle(std::chrono::milliseconds timeout);

  // Queued URLs, in memory and in the database.
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
  size_t window_;
  int64_t in_db_ = 0;    // queued URLs not in the window
  int64_t last_id_ = 0;  // highest id ever put in the window
  size_t outstanding_ = 0;
  int64_t handed_out_ = 0;
  bool closed_ = false;
};

}  // namespace crawlbox::crawler
