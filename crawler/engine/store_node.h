// StoreNode: the owner's end of a crawl run (Scrapy's item pipeline) —
// outcomes of fetched requests wait in a queue for the store node, which
// writes them to SQLite in batched transactions and then tells the Frontier
// which requests ended and what they discovered. The local Engine and the
// distributed Master both end in it, so a page is stored the same way whoever
// fetched it.
#pragma once

#include <oneapi/tbb/concurrent_queue.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "config/status.h"
#include "crawler/archive/warc_writer.h"
#include "crawler/engine/counters.h"
#include "crawler/fetch/request.h"
#include "crawler/frontier/frontier.h"
#include "crawler/frontier/seen_urls.h"
#include "storage/rows.h"
#include "storage/store.h"

namespace crawlbox::crawler {

// The run's totals as the store node counts them: pages stored this run
// (retries, blocked URLs and sitemaps not counted), of which failed, and their
// items and body bytes.
struct RunTotals {
  int64_t pages = 0;
  int64_t failed = 0;
  int64_t items = 0;
  int64_t bytes = 0;
};

// The outcome that carries a robots.txt's WARC records to the store node
// (StoreNode::Accept with the robots.txt's request): written to the archive
// and listed in warc_records with url_id 0 (a robots.txt has no pages row),
// and not reported to the Frontier, which had the rules already.
storage::PageOutcome RecordsOnly(const Request& request,
                                 std::vector<storage::ArchiveMember> archive);

// Accept() is thread-safe; Drain() must be called by one thread at a time
// (the store node). Everything passed in must outlive it.
class StoreNode {
 public:
  StoreNode(storage::Store* store, int64_t crawl_id, Frontier* frontier,
            Counters* counters);
  StoreNode(const StoreNode&) = delete;
  StoreNode& operator=(const StoreNode&) = delete;

  // Where the WARC records outcomes carry are written ([store] warc), before
  // the transaction that records them: a page is stored only once its
  // records are on disk (the writer syncs each batch). Set before the first
  // Drain(); null (the default) drops them.
  void SetArchive(WarcWriter* writer) { archive_ = writer; }

  // The outcome of `request` (a page, a sitemap, or a robots.txt's
  // RecordsOnly): queued for the next Drain().
  void Accept(Request request, storage::PageOutcome outcome);

  // A write for the store node's thread, the database's single writer (a
  // control record, a control's new seeds): it runs at the next Drain(),
  // before that batch. URLs it appends to *added are queued in the Frontier
  // like discovered links. A failing write makes the node fatal.
  // Thread-safe; the function must not throw.
  using Write = std::function<config::Status(
      storage::Store* store, std::vector<storage::QueuedUrl>* added)>;
  void Post(Write write);

  // Whether a Drain() now would commit a batch worth its transaction: enough
  // outcomes wait (kMinBatch), or every request handed out is waiting here (no
  // more are coming soon), or the oldest has waited kMaxWait, or the Frontier
  // holds blocked requests. A commit per page rewrote the same B-tree pages
  // and WAL frames thousands of times a crawl. Thread-safe.
  bool Due() const;
  static constexpr size_t kMinBatch = 64;
  static constexpr std::chrono::milliseconds kMaxWait{20};

  // The store node: commits what Accept() queued and the blocked requests the
  // Frontier holds, in batches, and reports each batch to the Frontier only
  // after it is committed. Returns when nothing is left to store. A database
  // error makes the node fatal (see fatal()) and closes the Frontier.
  // `after_batch` (may be empty) runs after each batch is reported: the
  // moment the Frontier may have requests again.
  void Drain(const std::function<void()>& after_batch = {});

  // True once storing failed: the run cannot go on. Thread-safe.
  bool fatal() const { return fatal_.load(); }
  config::Status fatal_status() const;
  // Marks the run failed (a stage that cannot go on) and closes the Frontier.
  void SetFatal(const config::Status& status);

  // Thread-safe.
  RunTotals totals() const;
  int64_t bytes() const { return bytes_.load(); }

 private:
  struct Pending {
    Request request;
    storage::PageOutcome outcome;
  };

  // Runs the writes Post() queued (Drain only).
  void RunWrites();
  // Writes the batch's WARC records and syncs them; false (fatal set) when
  // the archive cannot be written.
  bool WriteArchive(std::vector<storage::PageOutcome>* batch);

  storage::Store* store_;
  WarcWriter* archive_ = nullptr;
  const int64_t crawl_id_;
  Frontier* frontier_;
  Counters* counters_;
  oneapi::tbb::concurrent_queue<Pending> ready_;
  std::atomic<int64_t> pending_{0};  // in ready_
  // When the oldest outcome in ready_ arrived (steady clock, nanoseconds).
  std::atomic<int64_t> oldest_ns_{0};
  SeenUrls seen_;                 // Drain() only
  std::vector<uint64_t> hashes_;  // Drain() only: the batch's links, hashed
  std::mutex writes_mu_;
  std::vector<Write> writes_;  // guarded by writes_mu_
  std::atomic<bool> has_writes_{false};
  std::atomic<bool> fatal_{false};
  mutable std::mutex fatal_mu_;
  config::Status fatal_status_;
  std::atomic<int64_t> pages_{0}, failed_{0}, items_{0}, bytes_{0};
};

}  // namespace crawlbox::crawler
