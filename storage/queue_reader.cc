// QueueReader on a read-only SQLite connection of its own (WAL lets it read
// while the Store's connection writes).
#include "storage/queue_reader.h"

#include <sqlite3.h>

#include "storage/schema.h"
#include "storage/sqlite_util.h"

namespace crawlbox::storage {

using config::Result;
using config::Status;

namespace {

class SqliteQueueReader final : public QueueReader {
 public:
  explicit SqliteQueueReader(sqlite3* db) : db_(db) {}
  ~SqliteQueueReader() override {
    // Statements first: sqlite3_close refuses a connection with unfinalized
    // statements.
    for (Statement* stmt : {&load_queued_, &queued_by_host_, &fetched_by_host_,
                            &count_queued_, &count_fetched_}) {
      *stmt = Statement();
    }
    sqlite3_close(db_);
  }

  Status Init() {
    sqlite3_busy_timeout(db_, 5000);
    // A small cache: every call starts a new read transaction, and SQLite
    // keeps the cache across them only while the file is unchanged, which it
    // rarely is during a crawl; the OS page cache serves the rest.
    Status s = Exec(db_, "PRAGMA query_only=1; PRAGMA cache_size=-1000;");
    if (!s.ok()) return s;
    struct {
      Statement* stmt;
      const char* sql;
    } statements[] = {
        {&load_queued_, kLoadQueuedSql},
        // Both by-host counts read in host order: the first straight off the
        // frontier_host_queued index, the second sorting a full scan (it runs
        // once, when a crawl starts).
        {&queued_by_host_,
         "SELECT host, count(*) FROM frontier WHERE state = 'queued' "
         "GROUP BY host ORDER BY host"},
        {&fetched_by_host_,
         "SELECT host, count(*) FROM frontier WHERE state != 'queued' "
         "GROUP BY host ORDER BY host"},
        {&count_queued_,
         "SELECT count(*) FROM frontier WHERE state = 'queued'"},
        {&count_fetched_,
         "SELECT count(*) FROM frontier WHERE state != 'queued'"},
    };
    for (auto& [stmt, sql] : statements) {
      auto prepared = Statement::Prepare(db_, sql);
      if (!prepared.ok()) return prepared.status();
      *stmt = std::move(prepared).value();
    }
    return Status::Ok();
  }

  Status LoadQueued(std::string_view host, int64_t after_id, size_t limit,
                    std::vector<QueuedUrl>* out) override {
    load_queued_.Bind(1, host);
    load_queued_.Bind(2, after_id);
    load_queued_.Bind(3, static_cast<int64_t>(limit));
    sqlite3_stmt* st = load_queued_.get();
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
      QueuedUrl url;
      url.id = sqlite3_column_int64(st, 0);
      url.url = ColumnText(st, 1);
      url.host = std::string(host);
      url.depth = sqlite3_column_int(st, 2);
      url.attempts = sqlite3_column_int(st, 3);
      url.etag = ColumnText(st, 4);
      url.last_modified = ColumnText(st, 5);
      url.redirects = sqlite3_column_int(st, 6);
      url.request.method = ColumnText(st, 7);
      url.request.body_key = ColumnText(st, 8);
      if (sqlite3_column_type(st, 9) != SQLITE_NULL) {
        url.request.encoded.assign(
            static_cast<const char*>(sqlite3_column_blob(st, 9)),
            static_cast<size_t>(sqlite3_column_bytes(st, 9)));
      }
      url.last_capture.record_id = ColumnText(st, 10);
      url.last_capture.date = ColumnText(st, 11);
      url.last_capture.payload_digest = ColumnText(st, 12);
      out->push_back(std::move(url));
    }
    // Reset ends the statement's read transaction: the next call sees newer
    // commits, and the Store's checkpoints are not held back.
    load_queued_.Reset();
    return SqliteStatus(rc, db_, "loading queued URLs");
  }

  Status CountQueuedByHost(
      std::vector<std::pair<std::string, int64_t>>* out) override {
    return CountByHost(queued_by_host_, "counting queued URLs per host", out);
  }

  Status CountFetchedByHost(
      std::vector<std::pair<std::string, int64_t>>* out) override {
    return CountByHost(fetched_by_host_, "counting fetched URLs per host", out);
  }

  Result<int64_t> CountQueued() override {
    return Count(count_queued_, "counting queued URLs");
  }

  Result<int64_t> CountFetched() override {
    return Count(count_fetched_, "counting fetched URLs");
  }

 private:
  // Runs a "SELECT host, count(*) ... GROUP BY host" statement into *out.
  Status CountByHost(Statement& stmt, std::string_view context,
                     std::vector<std::pair<std::string, int64_t>>* out) {
    int rc;
    while ((rc = sqlite3_step(stmt.get())) == SQLITE_ROW) {
      out->emplace_back(ColumnText(stmt.get(), 0),
                        sqlite3_column_int64(stmt.get(), 1));
    }
    stmt.Reset();
    return SqliteStatus(rc, db_, context);
  }

  Result<int64_t> Count(Statement& stmt, std::string_view context) {
    const int rc = sqlite3_step(stmt.get());
    const int64_t n =
        rc == SQLITE_ROW ? sqlite3_column_int64(stmt.get(), 0) : 0;
    stmt.Reset();
    if (rc != SQLITE_ROW) return SqliteStatus(rc, db_, context);
    return n;
  }

  sqlite3* db_;
  Statement load_queued_;
  Statement queued_by_host_;
  Statement fetched_by_host_;
  Statement count_queued_;
  Statement count_fetched_;
};

// `s`, an error of opening `path`, with the path in its message. A statement
// that does not compile means the tables are missing or foreign.
Status WithPath(const std::string& path, const Status& s) {
  std::string msg = path + ": " + s.message();
  switch (s.code()) {
    case Status::Code::kNotFound:
      return Status::NotFound(std::move(msg));
    case Status::Code::kIOError:
      return Status::IOError(std::move(msg));
    case Status::Code::kCorruption:
      return Status::Corruption(std::move(msg));
    case Status::Code::kUnavailable:
      return Status::Unavailable(std::move(msg));
    case Status::Code::kOk:
    case Status::Code::kInvalidArgument:
      break;
  }
  return Status::InvalidArgument(path +
                                 " is not a crawlbox database: " + s.message());
}

}  // namespace

Result<std::unique_ptr<QueueReader>> QueueReader::Open(
    const std::string& path) {
  sqlite3* db = nullptr;
  Status opened = OpenReadOnly(path, &db);
  if (!opened.ok()) return opened;
  auto reader = std::make_unique<SqliteQueueReader>(db);
  // Preparing reads the schema, so a file that is not a crawlbox database
  // fails here rather than at the first window.
  Status s = reader->Init();
  if (!s.ok()) return WithPath(path, s);
  return std::unique_ptr<QueueReader>(std::move(reader));
}

}  // namespace crawlbox::storage
