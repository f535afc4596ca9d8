// Reader: read-only access to a crawlbox database for `query`, `export` and the
// status page. Safe to use while a crawl writes the same file (WAL snapshot
// isolation per statement).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "config/status.h"
#include "storage/rows.h"

namespace crawlbox::storage {

// One read-only SQLite connection. Not thread-safe: one thread per Reader
// (open one per thread). Each statement reads the latest committed snapshot.
class Reader {
 public:
  // Opens an existing database read-only; the caller owns the Reader. NotFound
  // if the file does not exist; IOError if it cannot be opened; Corruption if
  // it is not an SQLite database.
  static config::Result<std::unique_ptr<Reader>> Open(const std::string& path);
  ~Reader();
  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;

  // Runs one SQL statement and calls `on_row` for each row (columns first via
  // `on_columns`); the vectors passed are valid only during the call.
  // Statements that would write fail with InvalidArgument, before running.
  // Trailing statements after the first are rejected (InvalidArgument) so that
  // nothing runs half-way.
  config::Status Query(
      std::string_view sql,
      const std::function<void(const std::vector<std::string>&)>& on_columns,
      const std::function<void(const std::vector<Value>&)>& on_row);

  // Like Query, with `params` bound to ?1, ?2, ... in order (a monostate binds
  // NULL; text is copied). Values never become SQL text, so they need no
  // quoting.
  config::Status Query(
      std::string_view sql, const std::vector<Value>& params,
      const std::function<void(const std::vector<std::string>&)>& on_columns,
      const std::function<void(const std::vector<Value>&)>& on_row);

  // Convenience: collects every row in memory. Use Query for large results.
  config::Result<QueryResult> QueryAll(std::string_view sql);
  config::Result<QueryResult> QueryAll(std::string_view sql,
                                       const std::vector<Value>& params);

  // True when a view or table of that name exists.
  config::Result<bool> HasRelation(std::string_view name);

 private:
  struct Rep;  // the connection; SQLite stays out of this header
  explicit Reader(std::unique_ptr<Rep> rep);
  std::unique_ptr<Rep> rep_;
};

}  // namespace crawlbox::storage
