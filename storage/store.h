// Store: the single writer of a job's SQLite database (WAL mode). It owns the
// schema, the frontier's durable state, pages, items and the per-rule views,
// and writes fetched pages in batched transactions so the database is
// consistent after any crash.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "config/job.h"
#include "config/status.h"
#include "storage/records.h"
#include "storage/sqlite_util.h"

namespace crawlbox::storage {

// Not thread-safe: one thread (the store node) uses it at a time. Other
// processes may read the file concurrently (WAL); a second Store on the same
// file waits up to 5 s for the write lock.
class Store {
 public:
  // Opens or creates the database at `path` and brings its schema up to date.
  // Fails with IOError when the file cannot be opened or written, Corruption
  // when it is not a crawlbox database.
  static config::Result<std::unique_ptr<Store>> Open(const std::string& path);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // (Re)creates one view per rule of `job`, named after the rule, with one
  // column per field (typed as the field), then `_url` (the page), `_crawl_id`
  // and `_item_id`. Views of rules that no longer exist are left alone: their
  // items stay queryable.
  config::Status EnsureViews(const config::Job& job);

  // Records the start of a crawl run of `job`; returns its id.
  config::Result<int64_t> BeginCrawl(const config::Job& job);
  // Records the end of a run: `state` is "finished", "stopped" or "failed";
  // `stats_json` the run's counters as a JSON object.
  config::Status FinishCrawl(int64_t crawl_id, std::string_view state,
                             std::string_view stats_json);

  // Inserts URLs not yet in the frontier (seeds or resumed links) in one
  // transaction, and appends the ones that were new to *added.
  config::Status AddUrls(std::span<const NewUrl> urls,
                         std::vector<QueuedUrl>* added);

  // Appends up to `limit` frontier URLs of `host` still queued (not fetched, or
  // fetched but never committed) whose id is above `after_id`, in discovery
  // (id) order: the work a crawl resumes with, loaded a window at a time.
  config::Status LoadQueued(std::string_view host, int64_t after_id,
                            size_t limit, std::vector<QueuedUrl>* out);

  // Queued URLs per host, for the frontier to plan its windows.
  config::Status CountQueuedByHost(
      std::vector<std::pair<std::string, int64_t>>* out);

  // Number of frontier URLs still queued.
  config::Result<int64_t> CountQueued();

  // Frontier URLs whose page is stored (done or failed), per host.
  config::Status CountFetchedByHost(
      std::vector<std::pair<std::string, int64_t>>* out);

  // Number of frontier URLs whose page is stored (done or failed).
  config::Result<int64_t> CountFetched();

  // Writes a batch in one transaction: each page row, its items, its newly
  // discovered links (insert-or-ignore), and the frontier state change of the
  // fetched URL (or, for a retry, only its attempt count and reason). Appends
  // the links that were new to *added (the caller queues them). On error
  // nothing of the batch is written.
  //
  // A page fetched again replaces its row and records, and is marked new,
  // changed, unchanged or gone (pages.change) against the row it replaces. Two
  // cases keep what was stored: a 304 answer (not_modified) or an identical
  // body keeps the records (and the crawl run they came from), and a failure
  // (no response, or a status other than 2xx/3xx/404/410) of a page stored
  // with a 2xx keeps page and records: a server having a bad day must not
  // erase them. Records dropped by `required` fields are counted per rule,
  // with the first URL that dropped one.
  config::Status CommitPages(int64_t crawl_id,
                             std::span<const PageResult> batch,
                             std::vector<QueuedUrl>* added);

  // The latest crawl run, or nullopt in a new database.
  config::Result<std::optional<CrawlRow>> LastCrawl();

  // Deletes every URL, page, body and record (`run --fresh`); the history of
  // crawl runs stays.
  config::Status Reset();

  // Queues every fetched, failed or blocked URL again with no tries made
  // (`run --recrawl`); returns how many. Their stored pages stay until the
  // re-fetch replaces them, and lend their validators to the requests.
  config::Result<int64_t> RequeueAll();

  // Pages stored by crawl run `crawl_id`, by change.
  config::Result<ChangeCounts> CountChanges(int64_t crawl_id);

  // Re-extraction: in one transaction, calls `extract` for every page with a
  // stored body and replaces that page's records with what it returns, and
  // recounts dropped records from scratch. Pages without a stored body keep
  // their records. *pages counts the pages re-extracted. If `extract` fails
  // the transaction is rolled back and its Status returned: the records are
  // replaced all at once or not at all.
  config::Status ReplaceItems(
      const std::function<config::Status(const StoredPage&, Reextracted*)>&
          extract,
      int64_t* pages);

 private:
  explicit Store(sqlite3* db) : db_(db) {}
  config::Status Init();
  config::Status InsertUrl(const NewUrl& url, std::vector<QueuedUrl>* added);
  // Stores one fetched page of a batch (not a retry, block or links-only).
  config::Status CommitPage(int64_t crawl_id, const PageResult& result,
                            std::vector<QueuedUrl>* added);
  config::Status MarkUrl(const PageRecord& page, bool failed);
  config::Status InsertItems(int64_t page_id, int64_t crawl_id,
                             std::string_view url,
                             const std::vector<ItemRecord>& items);
  config::Status CountDropped(std::string_view url,
                              const std::vector<DroppedRecords>& dropped);

  sqlite3* db_;
  Statement insert_url_;
  Statement insert_page_;
  Statement insert_item_;
  Statement mark_url_;
  Statement delete_items_;
  Statement load_queued_;
  Statement mark_retry_;
  Statement mark_blocked_;
  Statement find_page_;
  Statement touch_page_;
  Statement insert_body_;
  Statement count_dropped_;
};

}  // namespace crawlbox::storage
