// The controls table and the running crawl's status server address: what a
// running crawl was told, in order, so a restarted run can apply it again.
#include <utility>

#include "storage/sqlite_store.h"

namespace crawlbox::storage {

using config::Result;
using config::Status;

Status SqliteStore::SetStatusUrl(int64_t crawl_id, std::string_view url) {
  auto stmt = Statement::Prepare(
      db_, "UPDATE crawls SET status_url = ?2 WHERE id = ?1");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, crawl_id);
  if (!url.empty()) stmt->Bind(2, url);  // unbound: NULL
  return SqliteStatus(sqlite3_step(stmt->get()), db_,
                      "writing the status server's address");
}

Status SqliteStore::RecordControl(const ControlRecord& record) {
  auto stmt = Statement::Prepare(
      db_,
      "INSERT INTO controls (crawl_id, who, what, applied, message) "
      "VALUES (?1, ?2, ?3, ?4, ?5)");
  if (!stmt.ok()) return stmt.status();
  if (record.crawl_id > 0) stmt->Bind(1, record.crawl_id);
  stmt->Bind(2, record.who);
  stmt->Bind(3, record.what);
  stmt->Bind(4, int64_t{record.applied ? 1 : 0});
  if (!record.message.empty()) stmt->Bind(5, record.message);
  return SqliteStatus(sqlite3_step(stmt->get()), db_, "recording a control");
}

Result<std::vector<ControlRecord>> SqliteStore::LoadControls() {
  auto stmt = Statement::Prepare(
      db_,
      "SELECT id, at, coalesce(crawl_id, 0), who, what, applied, "
      "coalesce(message, '') FROM controls ORDER BY id");
  if (!stmt.ok()) return stmt.status();
  std::vector<ControlRecord> out;
  sqlite3_stmt* st = stmt->get();
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    ControlRecord r;
    r.id = sqlite3_column_int64(st, 0);
    r.at = ColumnText(st, 1);
    r.crawl_id = sqlite3_column_int64(st, 2);
    r.who = ColumnText(st, 3);
    r.what = ColumnText(st, 4);
    r.applied = sqlite3_column_int(st, 5) != 0;
    r.message = ColumnText(st, 6);
    out.push_back(std::move(r));
  }
  Status s = SqliteStatus(rc, db_, "reading the controls");
  if (!s.ok()) return s;
  return out;
}

}  // namespace crawlbox::storage
