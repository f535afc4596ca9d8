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

const char* SqlType(config::FieldType type) {
  switch (type) {
    case config::FieldType::kInt:
      return "INTEGER";
    case config::FieldType::kReal:
      return "REAL";
    case config::FieldType::kText:
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
  find_page_ = Statement();
  touch_page_ = Statement();
  insert_body_ = Statement();
  count_dropped_ = Statement();
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
  if (version > 0 && version < kSchemaVersion) {
    s = AddMissingColumns(db_);
    if (!s.ok()) return s;
  }
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
       "ttfb_ms, error, crawl_id, etag, last_modified, body_hash, change) "
       "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14) "
       "ON CONFLICT(url_id) DO UPDATE SET final_url = excluded.final_url, "
       "status = excluded.status, content_type = excluded.content_type, bytes "
       "= excluded.bytes, "
       "total_ms = excluded.total_ms, ttfb_ms = excluded.ttfb_ms, error = "
       "excluded.error, "
       "crawl_id = excluded.crawl_id, fetched_at = excluded.fetched_at, "
       "etag = excluded.etag, last_modified = excluded.last_modified, "
       "body_hash = excluded.body_hash, change = excluded.change "
       "RETURNING id"},
      {&find_page_,
       "SELECT id, status, body_hash FROM pages WHERE url_id = ?1"},
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
      {&count_dropped_,
       "INSERT INTO dropped_items (rule, count, example_url) VALUES (?1, ?2, "
       "?3) ON CONFLICT(rule) DO UPDATE SET count = count + excluded.count"},
      {&insert_item_,
       "INSERT INTO items (rule, page_id, url, record, crawl_id) VALUES (?1, "
       "?2, ?3, ?4, ?5)"},
      {&delete_items_, "DELETE FROM items WHERE page_id = ?1"},
      // The partial index frontier_host_queued makes this a range scan however
      // large the frontier.
      // Validators come from a stored 2xx page only: a re-crawl asks "has it
      // changed?" of pages that had something worth keeping.
      {&load_queued_,
       "SELECT f.id, f.url, f.depth, f.attempts, p.etag, p.last_modified "
       "FROM frontier f LEFT JOIN pages p ON p.url_id = f.id "
       "AND p.status BETWEEN 200 AND 299 WHERE f.state = 'queued' "
       "AND f.host = ?1 AND f.id > ?2 ORDER BY f.id LIMIT ?3"},
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
    QueuedUrl url{sqlite3_column_int64(st, 0), ColumnText(st, 1),
                  std::string(host), sqlite3_column_int(st, 2),
                  sqlite3_column_int(st, 3)};
    url.etag = ColumnText(st, 4);
    url.last_modified = ColumnText(st, 5);
    out->push_back(std::move(url));
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

namespace {

bool IsSuccess(int status) { return status >= 200 && status < 300; }

// A re-fetch may replace a stored good page only with an answer that says
// something about the page: content, a redirect, or that it is gone.
bool CanReplaceGoodPage(const PageResult& result) {
  const int status = result.page.status;
  return !result.failed && status > 0 &&
         (status < 400 || status == 404 || status == 410);
}

}  // namespace

Status Store::MarkUrl(const PageRecord& page, bool failed) {
  mark_url_.Bind(1, page.url_id);
  mark_url_.Bind(2, std::string_view(failed ? "failed" : "done"));
  if (page.error.empty()) {
    mark_url_.BindNull(3);
  } else {
    mark_url_.Bind(3, page.error);
  }
  return StepDone(mark_url_, db_, "updating frontier for " + page.url);
}

Status Store::InsertItems(int64_t page_id, int64_t crawl_id,
                          std::string_view url,
                          const std::vector<ItemRecord>& items) {
  for (const ItemRecord& item : items) {
    insert_item_.Bind(1, item.rule);
    insert_item_.Bind(2, page_id);
    insert_item_.Bind(3, url);
    insert_item_.Bind(4, item.json);
    insert_item_.Bind(5, crawl_id);
    Status s =
        StepDone(insert_item_, db_, "storing item of " + std::string(url));
    if (!s.ok()) return s;
  }
  return Status::Ok();
}

Status Store::CountDropped(std::string_view url,
                           const std::vector<DroppedRecords>& dropped) {
  for (const DroppedRecords& d : dropped) {
    count_dropped_.Bind(1, d.rule);
    count_dropped_.Bind(2, d.count);
    count_dropped_.Bind(3, url);
    Status s = StepDone(count_dropped_, db_, "counting dropped records");
    if (!s.ok()) return s;
  }
  return Status::Ok();
}

Status Store::CommitPage(int64_t crawl_id, const PageResult& result,
                         std::vector<QueuedUrl>* added) {
  const PageRecord& page = result.page;
  // What this URL's stored page was before, if any.
  int64_t previous_id = 0;
  int previous_status = 0;
  std::string previous_hash;
  find_page_.Bind(1, page.url_id);
  int rc = sqlite3_step(find_page_.get());
  if (rc == SQLITE_ROW) {
    previous_id = sqlite3_column_int64(find_page_.get(), 0);
    previous_status = sqlite3_column_int(find_page_.get(), 1);
    previous_hash = ColumnText(find_page_.get(), 2);
  }
  find_page_.Reset();
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
    return SqliteStatus(rc, db_, "looking up the stored page " + page.url);
  }

  const bool same_body =
      previous_id != 0 && !result.failed && !page.body_hash.empty() &&
      page.body_hash == previous_hash && page.status == previous_status;
  if (previous_id != 0 && (result.not_modified || same_body)) {
    touch_page_.Bind(1, previous_id);
    touch_page_.Bind(2, crawl_id);
    touch_page_.Bind(3, page.total_ms);
    touch_page_.Bind(4, page.ttfb_ms);
    Status s = StepDone(touch_page_, db_, "recording unchanged " + page.url);
    if (!s.ok()) return s;
    for (const NewUrl& link : result.links) {
      s = InsertUrl(link, added);
      if (!s.ok()) return s;
    }
    return MarkUrl(page, false);
  }
  if (previous_id != 0 && IsSuccess(previous_status) &&
      !CanReplaceGoodPage(result)) {
    return MarkUrl(page, result.failed);
  }

  std::string_view change = "new";
  if (previous_id != 0) {
    change =
        IsSuccess(previous_status) && (page.status == 404 || page.status == 410)
            ? "gone"
            : "changed";
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
  auto bind_optional = [&](int index, const std::string& value) {
    if (value.empty()) {
      insert_page_.BindNull(index);
    } else {
      insert_page_.Bind(index, value);
    }
  };
  bind_optional(9, page.error);
  insert_page_.Bind(10, crawl_id);
  bind_optional(11, page.etag);
  bind_optional(12, page.last_modified);
  bind_optional(13, page.body_hash);
  insert_page_.Bind(14, change);
  rc = sqlite3_step(insert_page_.get());
  if (rc != SQLITE_ROW) {
    Status st = SqliteStatus(rc, db_, "storing page " + page.url);
    insert_page_.Reset();
    return st;
  }
  const int64_t page_id = sqlite3_column_int64(insert_page_.get(), 0);
  insert_page_.Reset();

  if (!page.body.empty()) {
    insert_body_.Bind(1, page_id);
    insert_body_.Bind(2, page.body_encoding);
    insert_body_.BindBlob(3, page.body);
    Status s = StepDone(insert_body_, db_, "storing body of " + page.url);
    if (!s.ok()) return s;
  }
  // A page fetched again (re-crawl, or a retry after a crash) replaces its
  // records.
  delete_items_.Bind(1, page_id);
  Status s = StepDone(delete_items_, db_, "replacing items of " + page.url);
  if (!s.ok()) return s;
  s = InsertItems(page_id, crawl_id, page.url, result.items);
  if (!s.ok()) return s;
  s = CountDropped(page.url, result.dropped);
  if (!s.ok()) return s;
  for (const NewUrl& link : result.links) {
    s = InsertUrl(link, added);
    if (!s.ok()) return s;
  }
  return MarkUrl(page, result.failed);
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
    s = CommitPage(crawl_id, result, added);
    if (!s.ok()) return fail(s);
  }
  s = txn.Commit();
  if (!s.ok()) return fail(s);
  return Status::Ok();
}

}  // namespace crawlbox::storage
