// The single writer: schema setup, crawl runs, frontier rows, and batched page
// commits.
#include "storage/store.h"

#include <cctype>
#include <string>
#include <utility>

#include "storage/schema.h"

namespace crawlbox::storage {

using config::Result;
using config::Status;

namespace {

// Quotes an SQL identifier ("a""b"); rule and field names are validated by
// config/, this keeps the view DDL safe regardless.
std::string QuoteIdent(std::string_view name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

std::string QuoteLiteral(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') out += '\'';
    out += c;
  }
  out += '\'';
  return out;
}

// Runs a statement to completion, resetting it afterwards so it can be reused.
Status StepDone(Statement& stmt, sqlite3* db, std::string_view context) {
  int rc = sqlite3_step(stmt.get());
  Status status = SqliteStatus(rc, db, context);
  stmt.Reset();
  return status;
}

// Rolls back unless Commit() was called; keeps every error path of a batch
// atomic.
class Transaction {
 public:
  explicit Transaction(sqlite3* db) : db_(db) {}
  ~Transaction() {
    if (open_) Exec(db_, "ROLLBACK").ok();
  }
  Status Begin() {
    Status s = Exec(db_, "BEGIN IMMEDIATE");
    open_ = s.ok();
    return s;
  }
  Status Commit() {
    Status s = Exec(db_, "COMMIT");
    if (s.ok()) open_ = false;
    return s;
  }

 private:
  sqlite3* db_;
  bool open_ = false;
};

}  // namespace

Result<std::unique_ptr<Store>> Store::Open(const std::string& path) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(
      path.c_str(), &db,
      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
      nullptr);
  if (rc != SQLITE_OK) {
    Status s = SqliteStatus(rc, db, "opening database " + path);
    sqlite3_close(db);
    return s;
  }
  std::unique_ptr<Store> store(new Store(db));
  Status s = store->Init();
  if (!s.ok()) return s;
  return store;
}

Store::~Store() {
  insert_url_ = Statement();
  insert_page_ = Statement();
  insert_item_ = Statement();
  mark_url_ = Statement();
  delete_items_ = Statement();
  load_queued_ = Statement();
  mark_retry_ = Statement();
  mark_blocked_ = Statement();
  sqlite3_close(db_);
}

Status Store::Init() {
  sqlite3_busy_timeout(db_, 5000);
  // A 4 MB page cache: the writer touches the frontier's insert points and the
  // pages/items tails; more cache buys little and shows in RSS when a crawl
  // discovers millions of URLs.
  // WAL lets readers (query, serve, other tools) run while the crawl writes;
  // synchronous=NORMAL keeps every committed transaction across a process crash
  // (only an OS crash may lose the last ones), at a fraction of FULL's fsyncs.
  Status s = Exec(db_,
                  "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                  "PRAGMA temp_store=MEMORY; PRAGMA cache_size=-4000;");
  if (!s.ok()) return s;

  Statement version_stmt;
  {
    auto v = Statement::Prepare(db_, "PRAGMA user_version");
    if (!v.ok()) return v.status();
    version_stmt = std::move(v).value();
  }
  int version = 0;
  if (sqlite3_step(version_stmt.get()) == SQLITE_ROW) {
    version = sqlite3_column_int(version_stmt.get(), 0);
  }
  version_stmt = Statement();
  if (version > kSchemaVersion) {
    return Status::Corruption("database schema version " +
                              std::to_string(version) +
                              " is newer than this crawlbox understands (" +
                              std::to_string(kSchemaVersion) + ")");
  }
  s = Exec(db_, kSchemaSql);
  if (!s.ok()) return s;
  s = Exec(db_,
           ("PRAGMA user_version=" + std::to_string(kSchemaVersion)).c_str());
  if (!s.ok()) return s;

  struct {
    Statement* stmt;
    const char* sql;
  } statements[] = {
      {&insert_url_,
       "INSERT INTO frontier (url, host, depth, discovered_from) VALUES (?1, "
       "?2, ?3, ?4) "
       "ON CONFLICT(url) DO NOTHING"},
      {&insert_page_,
       "INSERT INTO pages (url_id, url, final_url, status, content_type, "
       "bytes, total_ms, "
       "ttfb_ms, error, crawl_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, "
       "?10) "
       "ON CONFLICT(url_id) DO UPDATE SET final_url = excluded.final_url, "
       "status = excluded.status, content_type = excluded.content_type, bytes "
       "= excluded.bytes, "
       "total_ms = excluded.total_ms, ttfb_ms = excluded.ttfb_ms, error = "
       "excluded.error, "
       "crawl_id = excluded.crawl_id, fetched_at = excluded.fetched_at "
       "RETURNING id"},
      {&insert_item_,
       "INSERT INTO items (rule, page_id, url, record, crawl_id) VALUES (?1, "
       "?2, ?3, ?4, ?5)"},
      {&delete_items_, "DELETE FROM items WHERE page_id = ?1"},
      // The partial index frontier_host_queued makes this a range scan however
      // large the frontier.
      {&load_queued_,
       "SELECT id, url, depth, attempts FROM frontier WHERE state = 'queued' "
       "AND host = ?1 AND id > ?2 ORDER BY id LIMIT ?3"},
      {&mark_retry_,
       "UPDATE frontier SET attempts = attempts + 1, reason = ?2 WHERE id = "
       "?1"},
      {&mark_blocked_,
       "UPDATE frontier SET state = 'blocked', reason = ?2 WHERE id = ?1"},
      {&mark_url_,
       "UPDATE frontier SET state = ?2, attempts = attempts + 1, reason = ?3 "
       "WHERE id = ?1"},
  };
  for (auto& [stmt, sql] : statements) {
    auto prepared = Statement::Prepare(db_, sql);
    if (!prepared.ok()) return prepared.status();
    *stmt = std::move(prepared).value();
  }
  return Status::Ok();
}

Status Store::EnsureViews(const config::Job& job) {
  Transaction txn(db_);
  Status s = txn.Begin();
  if (!s.ok()) return s;
  for (const config::Rule& rule : job.rules) {
    std::string sql = "DROP VIEW IF EXISTS " + QuoteIdent(rule.name) +
                      ";\nCREATE VIEW " + QuoteIdent(rule.name) + " AS SELECT ";
    std::vector<std::string> names;
    for (const config::Field& field : rule.fields) {
      names.push_back(field.name);
      sql += "json_extract(record, " + QuoteLiteral("$." + field.name) +
             ") AS " + QuoteIdent(field.name) + ", ";
    }
    auto taken = [&](std::string_view meta) {
      for (const auto& n : names) {
        if (n == meta) return true;
      }
      return false;
    };
    // Metadata columns come last and give way to a field of the same name.
    if (!taken("_url")) sql += "url AS _url, ";
    if (!taken("_crawl_id")) sql += "crawl_id AS _crawl_id, ";
    if (!taken("_item_id")) sql += "id AS _item_id, ";
    sql.resize(sql.size() - 2);
    sql += " FROM items WHERE rule = " + QuoteLiteral(rule.name) + ";";
    s = Exec(db_, sql.c_str());
    if (!s.ok()) {
      return Status::InvalidArgument("creating view for rule '" + rule.name +
                                     "': " + s.message());
    }
  }
  return txn.Commit();
}

Result<int64_t> Store::BeginCrawl(const config::Job& job) {
  auto stmt = Statement::Prepare(
      db_,
      "INSERT INTO crawls (job_name, job_file, job_text) VALUES (?1, ?2, ?3)");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, job.name);
  stmt->Bind(2, job.file);
  stmt->Bind(3, job.text);
  Status s =
      SqliteStatus(sqlite3_step(stmt->get()), db_, "recording crawl start");
  if (!s.ok()) return s;
  return static_cast<int64_t>(sqlite3_last_insert_rowid(db_));
}

Status Store::FinishCrawl(int64_t crawl_id, std::string_view state,
                          std::string_view stats_json) {
  auto stmt = Statement::Prepare(
      db_,
      "UPDATE crawls SET state = ?2, stats = ?3, "
      "finished_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ?1");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, crawl_id);
  stmt->Bind(2, state);
  stmt->Bind(3, stats_json);
  return SqliteStatus(sqlite3_step(stmt->get()), db_, "recording crawl end");
}

Status Store::InsertUrl(const NewUrl& url, std::vector<QueuedUrl>* added) {
  insert_url_.Bind(1, url.url);
  insert_url_.Bind(2, url.host);
  insert_url_.Bind(3, static_cast<int64_t>(url.depth));
  if (url.discovered_from > 0) {
    insert_url_.Bind(4, url.discovered_from);
  } else {
    insert_url_.BindNull(4);
  }
  Status s = StepDone(insert_url_, db_, "adding URL to frontier");
  if (!s.ok()) return s;
  if (sqlite3_changes(db_) > 0) {
    added->push_back(QueuedUrl{sqlite3_last_insert_rowid(db_), url.url,
                               url.host, url.depth, 0});
  }
  return Status::Ok();
}

Status Store::AddUrls(std::span<const NewUrl> urls,
                      std::vector<QueuedUrl>* added) {
  Transaction txn(db_);
  Status s = txn.Begin();
  if (!s.ok()) return s;
  size_t before = added->size();
  for (const NewUrl& url : urls) {
    s = InsertUrl(url, added);
    if (!s.ok()) {
      added->resize(before);
      return s;
    }
  }
  s = txn.Commit();
  if (!s.ok()) added->resize(before);
  return s;
}

Status Store::LoadQueued(std::string_view host, int64_t after_id, size_t limit,
                         std::vector<QueuedUrl>* out) {
  load_queued_.Bind(1, host);
  load_queued_.Bind(2, after_id);
  load_queued_.Bind(3, static_cast<int64_t>(limit));
  sqlite3_stmt* st = load_queued_.get();
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    out->push_back(
        QueuedUrl{sqlite3_column_int64(st, 0),
                  reinterpret_cast<const char*>(sqlite3_column_text(st, 1)),
                  std::string(host), sqlite3_column_int(st, 2),
                  sqlite3_column_int(st, 3)});
  }
  load_queued_.Reset();
  return SqliteStatus(rc, db_, "loading queued URLs");
}

namespace {

// Runs a "SELECT host, count(*) ... GROUP BY host" query into *out.
Status CountByHost(sqlite3* db, const char* sql, std::string_view context,
                   std::vector<std::pair<std::string, int64_t>>* out) {
  auto stmt = Statement::Prepare(db, sql);
  if (!stmt.ok()) return stmt.status();
  int rc;
  while ((rc = sqlite3_step(stmt->get())) == SQLITE_ROW) {
    out->emplace_back(
        reinterpret_cast<const char*>(sqlite3_column_text(stmt->get(), 0)),
        sqlite3_column_int64(stmt->get(), 1));
  }
  return SqliteStatus(rc, db, context);
}

}  // namespace

Status Store::CountQueuedByHost(
    std::vector<std::pair<std::string, int64_t>>* out) {
  return CountByHost(db_,
                     "SELECT host, count(*) FROM frontier WHERE state = "
                     "'queued' GROUP BY host",
                     "counting queued URLs per host", out);
}

Status Store::CountFetchedByHost(
    std::vector<std::pair<std::string, int64_t>>* out) {
  return CountByHost(db_,
                     "SELECT host, count(*) FROM frontier WHERE state != "
                     "'queued' GROUP BY host",
                     "counting fetched pages per host", out);
}

Result<int64_t> Store::CountQueued() {
  auto stmt = Statement::Prepare(
      db_, "SELECT count(*) FROM frontier WHERE state = 'queued'");
  if (!stmt.ok()) return stmt.status();
  int rc = sqlite3_step(stmt->get());
  if (rc != SQLITE_ROW) return SqliteStatus(rc, db_, "counting queued URLs");
  return static_cast<int64_t>(sqlite3_column_int64(stmt->get(), 0));
}

Result<int64_t> Store::CountFetched() {
  auto stmt = Statement::Prepare(
      db_, "SELECT count(*) FROM frontier WHERE state != 'queued'");
  if (!stmt.ok()) return stmt.status();
  int rc = sqlite3_step(stmt->get());
  if (rc != SQLITE_ROW) return SqliteStatus(rc, db_, "counting fetched pages");
  return static_cast<int64_t>(sqlite3_column_int64(stmt->get(), 0));
}

Status Store::CommitPages(int64_t crawl_id, std::span<const PageResult> batch,
                          std::vector<QueuedUrl>* added) {
  Transaction txn(db_);
  Status s = txn.Begin();
  if (!s.ok()) return s;
  size_t before = added->size();
  auto fail = [&](Status st) {
    added->resize(before);
    return st;
  };
  for (const PageResult& result : batch) {
    const PageRecord& page = result.page;
    if (result.links_only) {
      for (const NewUrl& link : result.links) {
        s = InsertUrl(link, added);
        if (!s.ok()) return fail(s);
      }
      continue;
    }
    if (result.blocked) {
      mark_blocked_.Bind(1, page.url_id);
      mark_blocked_.Bind(2, page.error);
      s = StepDone(mark_blocked_, db_, "recording a blocked URL " + page.url);
      if (!s.ok()) return fail(s);
      continue;
    }
    if (result.retry) {
      mark_retry_.Bind(1, page.url_id);
      mark_retry_.Bind(2, page.error);
      s = StepDone(mark_retry_, db_, "recording a retry of " + page.url);
      if (!s.ok()) return fail(s);
      continue;
    }
    insert_page_.Bind(1, page.url_id);
    insert_page_.Bind(2, page.url);
    insert_page_.Bind(3, page.final_url);
    if (page.status > 0) {
      insert_page_.Bind(4, static_cast<int64_t>(page.status));
    } else {
      insert_page_.BindNull(4);
    }
    insert_page_.Bind(5, page.content_type);
    insert_page_.Bind(6, page.bytes);
    insert_page_.Bind(7, page.total_ms);
    insert_page_.Bind(8, page.ttfb_ms);
    if (page.error.empty()) {
      insert_page_.BindNull(9);
    } else {
      insert_page_.Bind(9, page.error);
    }
    insert_page_.Bind(10, crawl_id);
    int rc = sqlite3_step(insert_page_.get());
    if (rc != SQLITE_ROW) {
      Status st = SqliteStatus(rc, db_, "storing page " + page.url);
      insert_page_.Reset();
      return fail(st);
    }
    int64_t page_id = sqlite3_column_int64(insert_page_.get(), 0);
    insert_page_.Reset();

    // A page fetched again (re-crawl, or a retry after a crash) replaces its
    // records.
    delete_items_.Bind(1, page_id);
    s = StepDone(delete_items_, db_, "replacing items of " + page.url);
    if (!s.ok()) return fail(s);
    for (const ItemRecord& item : result.items) {
      insert_item_.Bind(1, item.rule);
      insert_item_.Bind(2, page_id);
      insert_item_.Bind(3, page.url);
      insert_item_.Bind(4, item.json);
      insert_item_.Bind(5, crawl_id);
      s = StepDone(insert_item_, db_, "storing item of " + page.url);
      if (!s.ok()) return fail(s);
    }
    for (const NewUrl& link : result.links) {
      s = InsertUrl(link, added);
      if (!s.ok()) return fail(s);
    }
    mark_url_.Bind(1, page.url_id);
    mark_url_.Bind(2, std::string_view(result.failed ? "failed" : "done"));
    if (page.error.empty()) {
      mark_url_.BindNull(3);
    } else {
      mark_url_.Bind(3, page.error);
    }
    s = StepDone(mark_url_, db_, "updating frontier for " + page.url);
    if (!s.ok()) return fail(s);
  }
  s = txn.Commit();
  if (!s.ok()) return fail(s);
  return Status::Ok();
}

}  // namespace crawlbox::storage
