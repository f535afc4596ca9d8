// Read-only queries over a crawlbox database.
#include "storage/reader.h"

#include <sqlite3.h>

#include <utility>
#include <variant>

#include "storage/sqlite_util.h"

namespace crawlbox::storage {

using config::Result;
using config::Status;

struct Reader::Rep {
  explicit Rep(sqlite3* db) : db(db) {}
  ~Rep() { sqlite3_close(db); }
  Rep(const Rep&) = delete;
  Rep& operator=(const Rep&) = delete;
  sqlite3* db;
};

Reader::Reader(std::unique_ptr<Rep> rep) : rep_(std::move(rep)) {}

Reader::~Reader() = default;

Result<std::unique_ptr<Reader>> Reader::Open(const std::string& path) {
  sqlite3* db = nullptr;
  Status opened = OpenReadOnly(path, &db);
  if (!opened.ok()) return opened;
  sqlite3_busy_timeout(db, 5000);
  std::unique_ptr<Reader> reader(new Reader(std::make_unique<Rep>(db)));
  // Touch the schema now so a non-database file fails at open, not at the first
  // query.
  Status s =
      Exec(db, "PRAGMA query_only=1; SELECT count(*) FROM sqlite_master;");
  if (!s.ok())
    return Status::Corruption(
        path + " is not a readable SQLite database: " + s.message());
  return reader;
}

Status Reader::Query(
    std::string_view sql,
    const std::function<void(const std::vector<std::string>&)>& on_columns,
    const std::function<void(const std::vector<Value>&)>& on_row) {
  return Query(sql, {}, on_columns, on_row);
}

Status Reader::Query(
    std::string_view sql, const std::vector<Value>& params,
    const std::function<void(const std::vector<std::string>&)>& on_columns,
    const std::function<void(const std::vector<Value>&)>& on_row) {
  std::string_view tail;
  auto stmt = Statement::Prepare(rep_->db, sql, &tail);
  if (!stmt.ok()) return stmt.status();
  if (stmt->get() == nullptr)
    return Status::InvalidArgument("empty SQL statement");
  for (char c : tail) {
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r' && c != ';') {
      return Status::InvalidArgument(
          "only one SQL statement is allowed; found more after it");
    }
  }
  // The connection is read-only anyway; asking SQLite first makes a write
  // bad input with a reason instead of a failure at its first step.
  if (!sqlite3_stmt_readonly(stmt->get()))
    return Status::InvalidArgument(
        "the database is opened read-only, so only statements that read "
        "(SELECT, WITH ... SELECT, read-only PRAGMAs) can run; this one "
        "would write");
  for (size_t i = 0; i < params.size(); ++i) {
    const int index = static_cast<int>(i) + 1;
    if (const auto* v = std::get_if<int64_t>(&params[i])) {
      stmt->Bind(index, *v);
    } else if (const auto* d = std::get_if<double>(&params[i])) {
      stmt->Bind(index, *d);
    } else if (const auto* t = std::get_if<std::string>(&params[i])) {
      stmt->Bind(index, std::string_view(*t));
    } else {
      stmt->BindNull(index);
    }
  }
  sqlite3_stmt* st = stmt->get();
  int n = sqlite3_column_count(st);
  std::vector<std::string> columns;
  for (int i = 0; i < n; ++i) columns.emplace_back(sqlite3_column_name(st, i));
  on_columns(columns);
  std::vector<Value> row(static_cast<size_t>(n));
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    for (int i = 0; i < n; ++i) {
      switch (sqlite3_column_type(st, i)) {
        case SQLITE_INTEGER:
          row[i] = static_cast<int64_t>(sqlite3_column_int64(st, i));
          break;
        case SQLITE_FLOAT:
          row[i] = sqlite3_column_double(st, i);
          break;
        case SQLITE_NULL:
          row[i] = std::monostate{};
          break;
        default: {
          // Text and blobs alike: bytes as stored.
          const char* p = static_cast<const char*>(sqlite3_column_blob(st, i));
          row[i] =
              std::string(p != nullptr ? p : "",
                          static_cast<size_t>(sqlite3_column_bytes(st, i)));
        }
      }
    }
    on_row(row);
  }
  return SqliteStatus(rc, rep_->db, "running query");
}

Result<QueryResult> Reader::QueryAll(std::string_view sql) {
  return QueryAll(sql, {});
}

Result<QueryResult> Reader::QueryAll(std::string_view sql,
                                     const std::vector<Value>& params) {
  QueryResult result;
  Status s = Query(
      sql, params,
      [&](const std::vector<std::string>& cols) { result.columns = cols; },
      [&](const std::vector<Value>& row) { result.rows.push_back(row); });
  if (!s.ok()) return s;
  return result;
}

Result<bool> Reader::HasRelation(std::string_view name) {
  auto stmt = Statement::Prepare(rep_->db,
                                 "SELECT 1 FROM sqlite_master WHERE type IN "
                                 "('table', 'view') AND name = ?1");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, name);
  int rc = sqlite3_step(stmt->get());
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return SqliteStatus(rc, rep_->db, "looking up relation");
}

}  // namespace crawlbox::storage
