// SQLite error translation and statement lifetime.
#include "storage/sqlite_util.h"

#include <filesystem>
#include <utility>

namespace crawlbox::storage {

using config::Status;

Status SqliteStatus(int rc, sqlite3* db, std::string_view context) {
  if (rc == SQLITE_OK || rc == SQLITE_ROW || rc == SQLITE_DONE)
    return Status::Ok();
  std::string msg(context);
  msg += ": ";
  msg += db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return Status::Unavailable(std::move(msg));
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return Status::Corruption(std::move(msg));
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
    case SQLITE_FULL:
    case SQLITE_READONLY:
    case SQLITE_PERM:
      return Status::IOError(std::move(msg));
    case SQLITE_NOTFOUND:
      return Status::NotFound(std::move(msg));
    default:
      return Status::InvalidArgument(std::move(msg));
  }
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

Statement::Statement(Statement&& other) noexcept
    : stmt_(std::exchange(other.stmt_, nullptr)) {}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    sqlite3_finalize(stmt_);
    stmt_ = std::exchange(other.stmt_, nullptr);
  }
  return *this;
}

config::Result<Statement> Statement::Prepare(sqlite3* db, std::string_view sql,
                                             std::string_view* tail) {
  sqlite3_stmt* stmt = nullptr;
  const char* rest = nullptr;
  int rc = sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()),
                              &stmt, &rest);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(stmt);
    return SqliteStatus(rc, db, "preparing SQL");
  }
  if (tail != nullptr)
    *tail = sql.substr(static_cast<size_t>(rest - sql.data()));
  return Statement(stmt);
}

void Statement::Reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

void Statement::Bind(int index, int64_t value) {
  sqlite3_bind_int64(stmt_, index, value);
}
void Statement::Bind(int index, double value) {
  sqlite3_bind_double(stmt_, index, value);
}
void Statement::Bind(int index, std::string_view value) {
  sqlite3_bind_text(stmt_, index, value.data(), static_cast<int>(value.size()),
                    SQLITE_TRANSIENT);
}
void Statement::BindStatic(int index, std::string_view value) {
  sqlite3_bind_text(stmt_, index, value.data(), static_cast<int>(value.size()),
                    SQLITE_STATIC);
}
void Statement::BindBlob(int index, std::string_view bytes) {
  sqlite3_bind_blob64(stmt_, index, bytes.data(), bytes.size(),
                      SQLITE_TRANSIENT);
}

void Statement::BindNull(int index) { sqlite3_bind_null(stmt_, index); }

std::string ColumnText(sqlite3_stmt* stmt, int i) {
  const void* data = sqlite3_column_blob(stmt, i);
  if (data == nullptr) return std::string();
  return std::string(static_cast<const char*>(data),
                     static_cast<size_t>(sqlite3_column_bytes(stmt, i)));
}

Status Exec(sqlite3* db, const char* sql) {
  char* err = nullptr;
  int rc = sqlite3_exec(db, sql, nullptr, nullptr, &err);
  if (rc == SQLITE_OK) return Status::Ok();
  std::string msg = err != nullptr ? err : sqlite3_errstr(rc);
  sqlite3_free(err);
  return SqliteStatus(rc, nullptr, msg);
}

Status StepDone(Statement& stmt, sqlite3* db, std::string_view context) {
  int rc = sqlite3_step(stmt.get());
  Status status = SqliteStatus(rc, db, context);
  stmt.Reset();
  return status;
}

Status StepDone(Statement& stmt, sqlite3* db, std::string_view what,
                std::string_view subject) {
  int rc = sqlite3_step(stmt.get());
  Status status = Status::Ok();
  if (rc != SQLITE_OK && rc != SQLITE_ROW && rc != SQLITE_DONE) {
    std::string context(what);
    context += subject;
    status = SqliteStatus(rc, db, context);
  }
  stmt.Reset();
  return status;
}

Transaction::~Transaction() {
  if (open_) Exec(db_, "ROLLBACK").ok();
}

Status Transaction::Begin() {
  Status s = Exec(db_, "BEGIN IMMEDIATE");
  open_ = s.ok();
  return s;
}

Status Transaction::Commit() {
  Status s = Exec(db_, "COMMIT");
  if (s.ok()) open_ = false;
  return s;
}

Status OpenReadOnly(const std::string& path, sqlite3** db) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    return Status::NotFound("database " + path + " does not exist");
  }
  *db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), db,
                           SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    Status s = SqliteStatus(rc, *db, "opening database " + path);
    sqlite3_close(*db);
    *db = nullptr;
    return s;
  }
  return Status::Ok();
}

}  // namespace crawlbox::storage
