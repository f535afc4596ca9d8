// StoreStage: the owner's end of a crawl run — outcomes of fetched requests
// wait in a queue for the store node, which writes them to SQLite in batched
// transactions and feeds what they discovered back to the Frontier; robots.txt
// and sitemap outcomes go to the Frontier directly. The local Engine and the
// distributed Master both end in it, so a page is stored the same way whoever
// fetched it.
#pragma once

#include <oneapi/tbb/concurrent_queue.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "config/status.h"
#include "crawler/counters.h"
#include "crawler/frontier.h"
#include "crawler/page_processor.h"
#include "crawler/request.h"
#include "crawler/seen_urls.h"
#include "storage/store.h"

namespace crawlbox::crawler {

// Accept() and Robots() are thread-safe; Drain() and Refill() must be called by
// one thread at a time (the store node). Everything passed in must outlive it.
class StoreStage {
 public:
  StoreStage(storage::Store* store, int64_t crawl_id, Frontier* frontier,
             const PageProcessor& processor, Counters* counters);
  StoreStage(const StoreStage&) = delete;
  StoreStage& operator=(const StoreStage&) = delete;

  // The outcome of `request` (a page or a sitemap): queued for the next
  // Drain(). `nested_sitemaps` (a sitemap index's entries) go to the Frontier
  // at once.
  void Accept(const Request& request, ProcessedPage page,
              const std::vector<std::string>& nested_sitemaps = {});

  // A robots.txt response of `response.request.host`: interpreted
  // (PageProcessor::ProcessRobots) and handed to the Frontier.
  void Robots(const Response& response);

  // The store node: commits what Accept() queued, blocked URLs the Frontier
  // holds, in batches, and releases them in the Frontier only after their new
  // links are queued there. Returns when nothing is left to store. A database
  // error makes the stage fatal (see fatal()) and closes the Frontier.
  // `after_batch` (may be empty) runs after each batch is released: the moment
  // the Frontier may have requests again.
  void Drain(const std::function<void()>& after_batch = {});

  // Loads what the Frontier wants from the database into its windows. Fails
  // when the database cannot be read.
  config::Status Refill();

  // True once storing failed: the run cannot go on. Thread-safe.
  bool fatal() const { return fatal_.load(); }
  config::Status fatal_status() const;
  // Marks the run failed (a stage that cannot go on) and closes the Frontier.
  void SetFatal(const config::Status& status);

  // Pages stored this run (retries, blocked URLs and sitemaps not counted), of
  // which transport failures; their items and body bytes.
  int64_t pages() const { return pages_.load(); }
  int64_t failed() const { return failed_.load(); }
  int64_t items() const { return items_.load(); }
  int64_t bytes() const { return bytes_.load(); }

 private:
  storage::Store* store_;
  const int64_t crawl_id_;
  Frontier* frontier_;
  const PageProcessor& processor_;
  Counters* counters_;
  oneapi::tbb::concurrent_queue<ProcessedPage> ready_;
  SeenUrls seen_;  // Drain() only
  std::atomic<bool> fatal_{false};
  mutable std::mutex fatal_mu_;
  config::Status fatal_status_;
  std::atomic<int64_t> pages_{0}, failed_{0}, items_{0}, bytes_{0};
};

}  // namespace crawlbox::crawler
