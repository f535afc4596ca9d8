// Store: the single writer of a job's SQLite database (WAL mode). It owns the
// schema, the frontier's durable state, pages, items and the per-rule views,
// and writes fetched pages in batched transactions so the database is
// consistent after any crash. Reading the frontier back is QueueReader's job
// (storage/queue_reader.h); reading anything else, Reader's.
#pragma once

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
#include "storage/rows.h"

namespace crawlbox::storage {

// The contract; Open() returns the SQLite implementation. Not thread-safe: one
// thread (the store node) uses it at a time. Other connections, in this
// process or others, may read the file concurrently (WAL) and see each batch
// once its call has returned; a second Store on the same file waits up to 5 s
// for the write lock.
class Store {
 public:
  // Opens or creates the database at `path` and brings its schema up to date
  // (storage/schema.h). On success the caller owns the Store; closing it (the
  // destructor) never loses a batch whose call returned OK. Fails with IOError
  // when the file cannot be opened or written, Corruption when it is not a
  // crawlbox database or was written by a newer crawlbox.
  static config::Result<std::unique_ptr<Store>> Open(const std::string& path);

  Store() = default;
  virtual ~Store() = default;
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // The database file it writes, as given to Open(): where a QueueReader or
  // a Reader opens the same database.
  virtual const std::string& path() const = 0;

  // (Re)creates one view per rule of `job`, named after the rule, with one
  // column per field (typed as the field), then `_url` (the page), `_crawl_id`
  // and `_item_id`. Views of rules that no longer exist are left alone: their
  // items stay queryable. InvalidArgument (naming the rule) when a view
  // cannot be created.
  virtual config::Status EnsureViews(const config::Job& job) = 0;

  // Writes the start of a crawl run of `job` (state "running"); returns its
  // id.
  virtual config::Result<int64_t> BeginCrawl(const config::Job& job) = 0;
  // Writes the end of a run: `state` is "finished", "stopped" or "failed";
  // `stats_json` the run's counters as a JSON object.
  virtual config::Status FinishCrawl(int64_t crawl_id, std::string_view state,
                                     std::string_view stats_json) = 0;

  // Inserts URLs not yet in the frontier (seeds or resumed links) in one
  // transaction, and appends the ones that were new to *added (depth and
  // host as given, no attempts, no validators). On error nothing is inserted
  // and *added is as it was.
  virtual config::Status AddUrls(std::span<const NewUrl> urls,
                                 std::vector<QueuedUrl>* added) = 0;

  // Writes a batch in one transaction, each outcome as its `fate` says
  // (storage/outcome.h): page rows, their items, their newly discovered
  // links (insert-or-ignore), and the frontier state of each fetched URL.
  // Appends the links that were new to *added (the caller queues them). On
  // error nothing of the batch is written and *added is as it was.
  //
  // A page fetched again replaces its row and items, and is marked new,
  // changed, unchanged or gone (pages.change) against the row it replaces.
  // Two cases keep what was stored: a NotModified fate or an identical answer
  // (same status and body hash; for a Redirected fate, same status and
  // target) keeps the items (and the crawl run they came from); and a page
  // stored with a
  // 2xx keeps its row and items when the new answer says nothing about it (a
  // Failed fate, no response, or a status other than 2xx/3xx/404/410): a
  // server having a bad day must not erase them. A 404/410 after a 2xx is
  // 'gone' and removes the items. Items dropped by `required` fields are
  // counted per rule, with the first URL that dropped one.
  virtual config::Status CommitPages(int64_t crawl_id,
                                     std::span<const PageOutcome> batch,
                                     std::vector<QueuedUrl>* added) = 0;

  // Where run `crawl_id`'s status server answers (its URL, without a
  // token), for `crawlbox ctl DB`; "" clears it. FinishCrawl clears it too.
  virtual config::Status SetStatusUrl(int64_t crawl_id,
                                      std::string_view url) = 0;

  // Appends one command given to the running crawl (storage/controls.h).
  virtual config::Status RecordControl(const ControlRecord& record) = 0;
  // Every command recorded since the last Reset(), oldest first.
  virtual config::Result<std::vector<ControlRecord>> LoadControls() = 0;

  // The latest crawl run, or nullopt in a new database.
  virtual config::Result<std::optional<CrawlRun>> LastCrawl() = 0;

  // Deletes every URL, page, body, item and recorded control (`run
  // --fresh`: the live settings start over from the job file too); the
  // history of crawl runs stays.
  virtual config::Status Reset() = 0;

  // Queues every fetched, failed or blocked URL again with no tries made
  // (`run --recrawl`); returns how many. Their stored pages stay until the
  // re-fetch replaces them, and lend their validators to the requests.
  virtual config::Result<int64_t> RequeueAll() = 0;

  // Pages stored by crawl run `crawl_id`, by change.
  virtual config::Result<ChangeCounts> CountChanges(int64_t crawl_id) = 0;

  // Re-extraction: in one transaction, calls `extract` for every page with a
  // stored body and replaces that page's items with what it returns, and
  // recounts dropped items from scratch. Pages without a stored body keep
  // their items. *pages counts the pages re-extracted. The StoredPage passed
  // to `extract` is valid only during the call. If `extract` fails the
  // transaction is rolled back and its Status returned: the items are
  // replaced all at once or not at all.
  virtual config::Status ReplaceItems(
      const std::function<config::Status(const StoredPage&, Reextracted*)>&
          extract,
      int64_t* pages) = 0;
};

}  // namespace crawlbox::storage
