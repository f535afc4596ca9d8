// Small RAII and error helpers over the sqlite3 C API, shared by the writer and
// the reader.
#pragma once

#include <sqlite3.h>

#include <string>
#include <string_view>

#include "config/status.h"

namespace crawlbox::storage {

// Translates a SQLite result code into a Status, with `context` (what we were
// doing) and the connection's own message when `db` is given.
// SQLITE_OK/ROW/DONE map to OK.
config::Status SqliteStatus(int rc, sqlite3* db, std::string_view context);

// A prepared statement, finalized on destruction. Not thread-safe (neither is
// its connection).
class Statement {
 public:
  Statement() = default;
  ~Statement();
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  // Compiles the first statement of `sql`; *tail (if given) receives what
  // follows it.
  static config::Result<Statement> Prepare(sqlite3* db, std::string_view sql,
                                           std::string_view* tail = nullptr);

  sqlite3_stmt* get() const { return stmt_; }
  // Resets and clears bindings so the statement can run again.
  void Reset();

  void Bind(int index, int64_t value);
  void Bind(int index, double value);
  // Text is bound SQLITE_TRANSIENT: SQLite copies it, the view need not outlive
  // the call.
  void Bind(int index, std::string_view value);
  // Text bound SQLITE_STATIC, without SQLite's copy (an allocation and a
  // memcpy a value): `value` must stay valid and unchanged until the
  // statement is reset, as it does for the store's writes, which bind, step
  // and reset in one function.
  void BindStatic(int index, std::string_view value);
  // Bytes as a BLOB (copied, like text).
  void BindBlob(int index, std::string_view bytes);
  void BindNull(int index);

 private:
  explicit Statement(sqlite3_stmt* stmt) : stmt_(stmt) {}
  sqlite3_stmt* stmt_ = nullptr;
};

// Column `i` of the current row as text (or the bytes of a BLOB); "" for NULL.
std::string ColumnText(sqlite3_stmt* stmt, int i);

// Runs SQL that returns no rows (may hold several statements).
config::Status Exec(sqlite3* db, const char* sql);

// Opens an existing database file read-only (another connection may write
// it: WAL). On success *db is the caller's to sqlite3_close. NotFound when the
// file does not exist (SQLITE_OPEN_READONLY would not create it, but would not
// say so plainly either); the translated SQLite error otherwise.
config::Status OpenReadOnly(const std::string& path, sqlite3** db);

// Runs a statement to completion, resetting it afterwards so it can be reused.
config::Status StepDone(Statement& stmt, sqlite3* db, std::string_view context);

// The same, with the error's context in two parts (e.g. "storing page " and
// the URL), joined only when there is an error: the store runs several
// statements a page, and a message built for each would be an allocation
// each.
config::Status StepDone(Statement& stmt, sqlite3* db, std::string_view what,
                        std::string_view subject);

// A write transaction (BEGIN IMMEDIATE) rolled back unless Commit() was
// called, so every error path of a batch leaves the database as it was.
class Transaction {
 public:
  explicit Transaction(sqlite3* db) : db_(db) {}
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  config::Status Begin();
  config::Status Commit();

 private:
  sqlite3* db_;
  bool open_ = false;
};

}  // namespace crawlbox::storage
