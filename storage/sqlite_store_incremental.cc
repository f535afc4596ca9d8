// The Store's whole-database operations for incremental crawling: the latest
// run (resume and job-change checks), starting over, re-crawl requeueing,
// change counts and atomic re-extraction (SqliteStore).
#include <sqlite3.h>

#include <string>
#include <utility>

#include "storage/schema.h"
#include "storage/sqlite_store.h"

namespace crawlbox::storage {

using config::Result;
using config::Status;

Result<std::optional<CrawlRun>> SqliteStore::LastCrawl() {
  auto stmt = Statement::Prepare(
      db_, std::string(kSelectCrawlRun) + "ORDER BY id DESC LIMIT 1");
  if (!stmt.ok()) return stmt.status();
  sqlite3_stmt* st = stmt->get();
  int rc = sqlite3_step(st);
  if (rc == SQLITE_DONE) return std::optional<CrawlRun>();
  if (rc != SQLITE_ROW) return SqliteStatus(rc, db_, "reading the last crawl");
  CrawlRun run;
  run.id = sqlite3_column_int64(st, 0);
  run.job_name = ColumnText(st, 1);
  run.job_file = ColumnText(st, 2);
  run.job_text = ColumnText(st, 3);
  run.state = ColumnText(st, 4);
  run.started_at = ColumnText(st, 5);
  run.finished_at = ColumnText(st, 6);
  run.started_unix = sqlite3_column_double(st, 7);
  run.elapsed_s = sqlite3_column_double(st, 8);
  run.stats_json = ColumnText(st, 9);
  return std::optional<CrawlRun>(std::move(run));
}

Status SqliteStore::Reset() {
  Transaction txn(db_);
  Status s = txn.Begin();
  if (!s.ok()) return s;
  s = Exec(db_,
           "DELETE FROM items; DELETE FROM bodies; DELETE FROM pages; "
           "DELETE FROM dropped_items; DELETE FROM frontier; "
           "DELETE FROM controls;");
  if (!s.ok()) return s;
  return txn.Commit();
}

Result<int64_t> SqliteStore::RequeueAll() {
  Transaction txn(db_);
  Status s = txn.Begin();
  if (!s.ok()) return s;
  s = Exec(db_,
           "UPDATE frontier SET state = 'queued', attempts = 0, reason = NULL "
           "WHERE state != 'queued'");
  if (!s.ok()) return s;
  const int64_t requeued = sqlite3_changes64(db_);
  s = txn.Commit();
  if (!s.ok()) return s;
  return requeued;
}

Result<ChangeCounts> SqliteStore::CountChanges(int64_t crawl_id) {
  // Sums over one scan rather than GROUP BY: grouping sorts every row of the
  // run first, and with temp_store=MEMORY that sorter held a million-page
  // run's rows in memory (tens of MB at the end of a crawl).
  auto stmt = Statement::Prepare(
      db_,
      "SELECT coalesce(sum(change = 'new'), 0), "
      "coalesce(sum(change = 'changed'), 0), "
      "coalesce(sum(change = 'unchanged'), 0), "
      "coalesce(sum(change = 'gone'), 0) FROM pages WHERE crawl_id = ?1");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, crawl_id);
  ChangeCounts counts;
  int rc = sqlite3_step(stmt->get());
  if (rc == SQLITE_ROW) {
    counts.new_pages = sqlite3_column_int64(stmt->get(), 0);
    counts.changed = sqlite3_column_int64(stmt->get(), 1);
    counts.unchanged = sqlite3_column_int64(stmt->get(), 2);
    counts.gone = sqlite3_column_int64(stmt->get(), 3);
    rc = sqlite3_step(stmt->get());
  }
  Status s = SqliteStatus(rc, db_, "counting changed pages");
  if (!s.ok()) return s;
  return counts;
}

Status SqliteStore::ReplaceItems(
    const std::function<Status(const StoredPage&, Reextracted*)>& extract,
    int64_t* pages) {
  *pages = 0;
  Transaction txn(db_);
  Status s = txn.Begin();
  if (!s.ok()) return s;
  s = Exec(db_, "DELETE FROM dropped_items");
  if (!s.ok()) return s;
  auto select = Statement::Prepare(
      db_,
      "SELECT p.id, p.url, p.final_url, p.content_type, p.crawl_id, "
      "b.data, b.encoding, p.status FROM pages p JOIN bodies b ON b.page_id = "
      "p.id "
      "ORDER BY p.id");
  if (!select.ok()) return select.status();
  sqlite3_stmt* st = select->get();
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    StoredPage page;
    page.page_id = sqlite3_column_int64(st, 0);
    page.url = ColumnText(st, 1);
    page.final_url = ColumnText(st, 2);
    page.content_type = ColumnText(st, 3);
    const int64_t crawl_id = sqlite3_column_int64(st, 4);
    page.body = ColumnText(st, 5);
    page.body_encoding = ColumnText(st, 6);
    page.status = sqlite3_column_int(st, 7);
    Reextracted out;
    s = extract(page, &out);
    if (!s.ok()) return s;
    delete_items_.Bind(1, page.page_id);
    s = StepDone(delete_items_, db_, "replacing items of ", page.url);
    if (!s.ok()) return s;
    // The items keep the crawl run of the fetch they come from.
    s = InsertItems(page.page_id, crawl_id, page.url, out.items);
    if (!s.ok()) return s;
    s = CountDropped(page.url, out.dropped);
    if (!s.ok()) return s;
    ++*pages;
  }
  s = SqliteStatus(rc, db_, "reading stored bodies");
  if (!s.ok()) return s;
  return txn.Commit();
}

}  // namespace crawlbox::storage
