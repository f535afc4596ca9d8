// SqliteStore: the Store on one read-write SQLite connection, its statements
// prepared once. Private to storage/: only storage's .cc files include it;
// everyone else sees storage/store.h.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "storage/sqlite_util.h"
#include "storage/store.h"

namespace crawlbox::storage {

class SqliteStore final : public Store {
 public:
  // Takes ownership of `db` (closed by the destructor). Call Init() before
  // anything else.
  SqliteStore(sqlite3* db, std::string path)
      : db_(db), path_(std::move(path)) {}
  ~SqliteStore() override;

  const std::string& path() const override { return path_; }

  // Sets the connection up, brings the schema up to date and prepares the
  // statements.
  config::Status Init();

  config::Status EnsureViews(const config::Job& job) override;
  config::Result<int64_t> BeginCrawl(const config::Job& job) override;
  config::Status FinishCrawl(int64_t crawl_id, std::string_view state,
                             std::string_view stats_json) override;
  config::Status AddUrls(std::span<const NewUrl> urls,
                         std::vector<QueuedUrl>* added) override;
  config::Status CommitPages(int64_t crawl_id,
                             std::span<const PageOutcome> batch,
                             std::vector<QueuedUrl>* added) override;
  config::Status SetStatusUrl(int64_t crawl_id, std::string_view url) override;
  config::Status RecordControl(const ControlRecord& record) override;
  config::Result<std::vector<ControlRecord>> LoadControls() override;
  config::Result<std::optional<CrawlRun>> LastCrawl() override;
  config::Status Reset() override;
  config::Result<int64_t> RequeueAll() override;
  config::Result<ChangeCounts> CountChanges(int64_t crawl_id) override;
  config::Status ReplaceItems(
      const std::function<config::Status(const StoredPage&, Reextracted*)>&
          extract,
      int64_t* pages) override;

 private:
  // How a fate that stores a page row wants it written
  // (sqlite_store_commit.cc).
  struct PageWrite {
    bool failed = false;        // frontier 'failed' instead of 'done'
    std::string_view error;     // pages.error and frontier.reason; "" = NULL
    bool not_modified = false;  // keep the stored row and items if any
    std::string_view location;  // pages.location; "" = NULL
    bool with_items = true;     // store the outcome's items and drops
  };

  // One outcome of a batch, by fate; CommitPages dispatches to these with
  // one std::visit.
  config::Status Commit(int64_t crawl_id, const PageOutcome& outcome,
                        const Stored& fate, std::vector<QueuedUrl>* added);
  config::Status Commit(int64_t crawl_id, const PageOutcome& outcome,
                        const NotModified& fate, std::vector<QueuedUrl>* added);
  config::Status Commit(int64_t crawl_id, const PageOutcome& outcome,
                        const Redirected& fate, std::vector<QueuedUrl>* added);
  config::Status Commit(int64_t crawl_id, const PageOutcome& outcome,
                        const Failed& fate, std::vector<QueuedUrl>* added);
  config::Status Commit(int64_t crawl_id, const PageOutcome& outcome,
                        const Retry& fate, std::vector<QueuedUrl>* added);
  config::Status Commit(int64_t crawl_id, const PageOutcome& outcome,
                        const Blocked& fate, std::vector<QueuedUrl>* added);
  config::Status Commit(int64_t crawl_id, const PageOutcome& outcome,
                        const LinksOnly& fate, std::vector<QueuedUrl>* added);

  // Stores the page row of `outcome` as `write` says, with the new/changed/
  // unchanged/gone and keep-on-failure rules of Store::CommitPages.
  config::Status WritePage(int64_t crawl_id, const PageOutcome& outcome,
                           const PageWrite& write,
                           std::vector<QueuedUrl>* added);
  // Sets *loop when `target` is the URL of frontier row `url_id` or of one of
  // the redirect hops that led to it (walking discovered_from back while the
  // rows came by a redirect or refresh).
  config::Status ClosesRedirectLoop(int64_t url_id, std::string_view target,
                                    bool* loop);
  config::Status InsertUrl(const NewUrl& url, std::vector<QueuedUrl>* added);
  config::Status InsertLinks(const std::vector<NewUrl>& links,
                             std::vector<QueuedUrl>* added);
  config::Status MarkUrl(const PageRow& page, bool failed,
                         std::string_view reason);
  config::Status InsertItems(int64_t page_id, int64_t crawl_id,
                             std::string_view url,
                             const std::vector<ItemRow>& items);
  config::Status CountDropped(std::string_view url,
                              const std::vector<DroppedItems>& dropped);

  // The time now as SQLite's strftime('%Y-%m-%dT%H:%M:%fZ', 'now') writes
  // it (UTC, whole milliseconds), for the rows' added_at, fetched_at and
  // created_at: bound, it costs a clock read a row instead of SQLite's date
  // and printf machinery; formatted again only when the millisecond changes.
  // The view is valid until the next call.
  std::string_view NowText();

  sqlite3* db_;
  const std::string path_;
  int64_t now_ms_ = -1;
  char now_text_[96] = {};  // room for any int fields: -Wformat-truncation
  Statement insert_url_;
  Statement insert_page_;
  Statement insert_item_;
  Statement mark_url_;
  Statement delete_items_;
  Statement mark_retry_;
  Statement mark_blocked_;
  Statement find_page_;
  Statement find_hop_;
  Statement find_canonical_;
  Statement drop_duplicate_items_;
  Statement touch_page_;
  Statement insert_body_;
  Statement insert_warc_;
  Statement count_dropped_;
};

}  // namespace crawlbox::storage
