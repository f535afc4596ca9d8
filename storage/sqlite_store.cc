// SqliteStore, the single writer: opening, schema setup and migration, the
// per-rule views, crawl runs and frontier inserts. Batched page commits are in
// sqlite_store_commit.cc, whole-database operations in
// sqlite_store_incremental.cc.
#include "storage/sqlite_store.h"

#include <time.h>

#include <cctype>
#include <cstdio>
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

const char* SqlType(config::FieldType type) {
  switch (type) {
    case config::FieldType::kInt:
      return "INTEGER";
    case config::FieldType::kReal:
      return "REAL";
    case config::FieldType::kText:
    case config::FieldType::kJson:
      break;
  }
  return "TEXT";
}

// Brings tables of an older schema up to date: CREATE TABLE IF NOT EXISTS
// leaves existing tables as they were.
Status AddMissingColumns(sqlite3* db) {
  for (const AddedColumn& added : kAddedColumns) {
    auto info = Statement::Prepare(
        db, std::string("SELECT 1 FROM pragma_table_info('") + added.table +
                "') WHERE name = '" + added.column + "'");
    if (!info.ok()) return info.status();
    if (sqlite3_step(info->get()) == SQLITE_ROW) continue;
    Status s =
        Exec(db, (std::string("ALTER TABLE ") + added.table + " ADD COLUMN " +
                  added.column + " " + added.declaration)
                     .c_str());
    if (!s.ok()) return s;
  }
  return Status::Ok();
}

// Gives a frontier of schema 5 or older the identity of version 6 (see
// kFrontierV5Columns), keeping every row and its id, in one transaction. A
// no-op when the frontier has it already.
Status RebuildFrontier(sqlite3* db) {
  auto info = Statement::Prepare(
      db, "SELECT 1 FROM pragma_table_info('frontier') WHERE name = 'method'");
  if (!info.ok()) return info.status();
  if (sqlite3_step(info->get()) == SQLITE_ROW) return Status::Ok();
  // The index goes first: renamed with its table it would keep its name and
  // stop kSchemaSql from creating it on the new one.
  const std::string copy =
      std::string(
          "BEGIN IMMEDIATE; DROP INDEX IF EXISTS frontier_host_queued; "
          "ALTER TABLE frontier RENAME TO frontier_v5; ") +
      kSchemaSql + "INSERT INTO frontier (" + kFrontierV5Columns + ") SELECT " +
      kFrontierV5Columns + " FROM frontier_v5; DROP TABLE frontier_v5; COMMIT;";
  Status s = Exec(db, copy.c_str());
  if (!s.ok()) {
    (void)Exec(db, "ROLLBACK");
    return s;
  }
  return Status::Ok();
}

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
  auto store = std::make_unique<SqliteStore>(db, path);
  Status s = store->Init();
  if (!s.ok()) return s;
  return std::unique_ptr<Store>(std::move(store));
}

SqliteStore::~SqliteStore() {
  // Statements first: sqlite3_close refuses a connection with unfinalized
  // statements and would leave the file open.
  insert_url_ = Statement();
  insert_page_ = Statement();
  insert_item_ = Statement();
  mark_url_ = Statement();
  delete_items_ = Statement();
  mark_retry_ = Statement();
  mark_blocked_ = Statement();
  find_page_ = Statement();
  find_hop_ = Statement();
  find_canonical_ = Statement();
  drop_duplicate_items_ = Statement();
  touch_page_ = Statement();
  insert_body_ = Statement();
  insert_warc_ = Statement();
  count_dropped_ = Statement();
  sqlite3_close(db_);
}

Status SqliteStore::Init() {
  sqlite3_busy_timeout(db_, 5000);
  // A 1.5 MB page cache: the writer touches the frontier's insert points and
  // the pages/items tails, and the OS page cache serves the rest; on the
  // realistic 50,000-page bench crawl 4 MB cost 1.7 to 2.6 MB more peak RSS
  // at the same CPU.
  // WAL lets readers (query, serve, other tools) run while the crawl writes;
  // synchronous=NORMAL keeps every committed transaction across a process crash
  // (only an OS crash may lose the last ones), at a fraction of FULL's fsyncs.
  Status s = Exec(db_,
                  "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                  "PRAGMA temp_store=MEMORY; PRAGMA cache_size=-1500;");
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
  if (version > 0 && version < kSchemaVersion) {
    s = AddMissingColumns(db_);
    if (!s.ok()) return s;
    s = RebuildFrontier(db_);
    if (!s.ok()) return s;
  }
  s = Exec(db_, kLateSchemaSql);
  if (!s.ok()) return s;
  s = Exec(db_,
           ("PRAGMA user_version=" + std::to_string(kSchemaVersion)).c_str());
  if (!s.ok()) return s;

  struct {
    Statement* stmt;
    const char* sql;
  } statements[] = {
      {&insert_url_,
       "INSERT INTO frontier (url, host, depth, discovered_from, via, "
       "redirects, method, body_key, request, added_at) "
       "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) "
       "ON CONFLICT(url, method, body_key) DO NOTHING"},
      {&insert_page_,
       "INSERT INTO pages (url_id, url, final_url, status, content_type, "
       "bytes, total_ms, ttfb_ms, error, crawl_id, etag, last_modified, "
       "body_hash, change, location, robots, canonical, cuts, rendered, "
       "render_ms, fetched_at) "
       "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, "
       "?15, ?16, ?17, ?18, ?19, ?20, ?21) "
       "ON CONFLICT(url_id) DO UPDATE SET final_url = excluded.final_url, "
       "status = excluded.status, content_type = excluded.content_type, "
       "bytes = excluded.bytes, total_ms = excluded.total_ms, "
       "ttfb_ms = excluded.ttfb_ms, error = excluded.error, "
       "crawl_id = excluded.crawl_id, fetched_at = excluded.fetched_at, "
       "etag = excluded.etag, last_modified = excluded.last_modified, "
       "body_hash = excluded.body_hash, change = excluded.change, "
       "location = excluded.location, robots = excluded.robots, "
       "canonical = excluded.canonical, cuts = excluded.cuts, "
       "rendered = excluded.rendered, render_ms = excluded.render_ms"},
      {&find_canonical_,
       "SELECT 1 FROM frontier f JOIN pages p ON p.url_id = f.id "
       "WHERE f.url = ?1 AND p.status BETWEEN 200 AND 299"},
      // Uses pages_canonical (kLateSchemaSql): only pages that name another
      // URL are in it.
      {&drop_duplicate_items_,
       "DELETE FROM items WHERE page_id IN (SELECT id FROM pages "
       "WHERE canonical = ?1 AND canonical <> url)"},
      {&find_page_,
       "SELECT id, status, body_hash, location FROM pages WHERE url_id = ?1"},
      {&find_hop_,
       "SELECT url, coalesce(discovered_from, 0), via FROM frontier "
       "WHERE id = ?1"},
      // A 304 (or an identical body): the page was seen by this run, nothing
      // else about it changed.
      {&touch_page_,
       "UPDATE pages SET crawl_id = ?2, change = 'unchanged', total_ms = ?3, "
       "ttfb_ms = ?4, fetched_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') "
       "WHERE id = ?1"},
      {&insert_body_,
       "INSERT INTO bodies (page_id, encoding, data) VALUES (?1, ?2, ?3) "
       "ON CONFLICT(page_id) DO UPDATE SET encoding = excluded.encoding, "
       "data = excluded.data"},
      {&insert_warc_,
       "INSERT INTO warc_records (url_id, crawl_id, type, file, offset, "
       "length, record_id, warc_date, payload_digest, body_hash) "
       "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"},
      {&count_dropped_,
       "INSERT INTO dropped_items (rule, count, example_url) VALUES (?1, ?2, "
       "?3) ON CONFLICT(rule) DO UPDATE SET count = count + excluded.count"},
      {&insert_item_,
       "INSERT INTO items (rule, page_id, url, record, crawl_id, created_at) "
       "VALUES (?1, ?2, ?3, ?4, ?5, ?6)"},
      {&delete_items_, "DELETE FROM items WHERE page_id = ?1"},
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

Status SqliteStore::EnsureViews(const config::Job& job) {
  Transaction txn(db_);
  Status s = txn.Begin();
  if (!s.ok()) return s;
  for (const config::Rule& rule : job.rules) {
    std::string sql = "DROP VIEW IF EXISTS " + QuoteIdent(rule.name) +
                      ";\nCREATE VIEW " + QuoteIdent(rule.name) + " AS SELECT ";
    std::vector<std::string> names;
    for (const config::Field& field : rule.fields) {
      names.push_back(field.name);
      // SQLite views carry no declared column types; the CAST gives every
      // value the field's storage class (typeof), whatever the JSON held.
      sql += "CAST(json_extract(record, " + QuoteLiteral("$." + field.name) +
             ") AS " + SqlType(field.type) + ") AS " + QuoteIdent(field.name) +
             ", ";
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

Result<int64_t> SqliteStore::BeginCrawl(const config::Job& job) {
  auto stmt = Statement::Prepare(
      db_,
      "INSERT INTO crawls (job_name, job_file, job_text) VALUES (?1, ?2, ?3)");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, job.name);
  stmt->Bind(2, job.file);
  stmt->Bind(3, job.text);
  Status s =
      SqliteStatus(sqlite3_step(stmt->get()), db_, "writing crawl start");
  if (!s.ok()) return s;
  return static_cast<int64_t>(sqlite3_last_insert_rowid(db_));
}

Status SqliteStore::FinishCrawl(int64_t crawl_id, std::string_view state,
                                std::string_view stats_json) {
  auto stmt = Statement::Prepare(
      db_,
      "UPDATE crawls SET state = ?2, stats = ?3, status_url = NULL, "
      "finished_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ?1");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, crawl_id);
  stmt->Bind(2, state);
  stmt->Bind(3, stats_json);
  return SqliteStatus(sqlite3_step(stmt->get()), db_, "writing crawl end");
}

std::string_view SqliteStore::NowText() {
  // As SQLite's unix VFS reads 'now': the real-time clock, truncated to the
  // millisecond.
  timespec now{};
  clock_gettime(CLOCK_REALTIME, &now);
  const int64_t ms = static_cast<int64_t>(now.tv_sec) * 1000 +
                     static_cast<int64_t>(now.tv_nsec) / 1000000;
  if (ms != now_ms_) {
    now_ms_ = ms;
    const time_t seconds = static_cast<time_t>(ms / 1000);
    tm utc{};
    gmtime_r(&seconds, &utc);
    std::snprintf(now_text_, sizeof(now_text_),
                  "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900,
                  utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min,
                  utc.tm_sec, static_cast<int>(ms % 1000));
  }
  return now_text_;
}

Status SqliteStore::InsertUrl(const NewUrl& url,
                              std::vector<QueuedUrl>* added) {
  insert_url_.BindStatic(1, url.url);
  insert_url_.BindStatic(2, url.host);
  insert_url_.Bind(3, static_cast<int64_t>(url.depth));
  if (url.discovered_from > 0) {
    insert_url_.Bind(4, url.discovered_from);
  } else {
    insert_url_.BindNull(4);
  }
  insert_url_.BindStatic(5, std::string_view(ViaName(url.via)));
  insert_url_.Bind(6, static_cast<int64_t>(url.redirects));
  insert_url_.BindStatic(7, url.request.method);
  insert_url_.BindStatic(8, url.request.body_key);
  if (url.request.encoded.empty()) {
    insert_url_.BindNull(9);
  } else {
    insert_url_.BindBlob(9, url.request.encoded);
  }
  insert_url_.BindStatic(10, NowText());
  Status s = StepDone(insert_url_, db_, "adding URL to frontier");
  if (!s.ok()) return s;
  if (sqlite3_changes(db_) > 0) {
    QueuedUrl queued;
    queued.id = sqlite3_last_insert_rowid(db_);
    queued.url = url.url;
    queued.host = url.host;
    queued.depth = url.depth;
    queued.redirects = url.redirects;
    queued.request = url.request;
    added->push_back(std::move(queued));
  }
  return Status::Ok();
}

Status SqliteStore::AddUrls(std::span<const NewUrl> urls,
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

}  // namespace crawlbox::storage
