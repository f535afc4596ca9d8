// The SQL schema of a crawlbox database, in one place so the writer and the
// docs agree, with the statements that more than one file runs or whose plan
// depends on an index defined here. Private to storage/ (and its tests).
#pragma once

namespace crawlbox::storage {

// Version stored in `PRAGMA user_version`; bumped with every incompatible
// change.
inline constexpr int kSchemaVersion = 10;

// Columns added to tables of an older schema (ALTER TABLE ... ADD COLUMN), as
// {table, column, declaration}; kSchemaSql creates them in a new database.
struct AddedColumn {
  const char* table;
  const char* column;
  const char* declaration;
};
inline constexpr AddedColumn kAddedColumns[] = {
    {"pages", "etag", "TEXT"},
    {"pages", "last_modified", "TEXT"},
    {"pages", "body_hash", "TEXT"},
    {"pages", "change", "TEXT"},
    // Version 4: a Redirected page's target.
    {"pages", "location", "TEXT"},
    // Version 5: how a frontier URL was found, and the redirect hops that led
    // to it.
    {"frontier", "via", "TEXT NOT NULL DEFAULT 'link'"},
    {"frontier", "redirects", "INTEGER NOT NULL DEFAULT 0"},
    // Version 5 too: what the page says to crawlers, and the bounds it hit.
    {"pages", "robots", "TEXT"},
    {"pages", "canonical", "TEXT"},
    {"pages", "cuts", "TEXT"},
    // Version 7: a page loaded in headless Chromium, and how long that took.
    {"pages", "rendered", "INTEGER NOT NULL DEFAULT 0"},
    {"pages", "render_ms", "REAL"},
    // Version 9: what a re-crawl's revisit record refers to, of each response
    // record that stored a page (WARC 1.1 §6.7).
    {"warc_records", "record_id", "TEXT"},
    {"warc_records", "warc_date", "TEXT"},
    {"warc_records", "payload_digest", "TEXT"},
    {"warc_records", "body_hash", "TEXT"},
    // Version 10: where the running crawl's status server listens (for
    // `crawlbox ctl DB`); NULL once the run has ended. The controls table
    // is new in 10 too (created by kSchemaSql).
    {"crawls", "status_url", "TEXT"},
};

// Idempotent DDL for a fresh or current database.
inline constexpr const char* kSchemaSql = R"sql(
CREATE TABLE IF NOT EXISTS crawls (
  id          INTEGER PRIMARY KEY,
  job_name    TEXT NOT NULL,
  job_file    TEXT NOT NULL,
  job_text    TEXT NOT NULL,
  started_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  finished_at TEXT,
  state       TEXT NOT NULL DEFAULT 'running',
  stats       TEXT,
  status_url  TEXT
);
CREATE TABLE IF NOT EXISTS frontier (
  id              INTEGER PRIMARY KEY,
  url             TEXT NOT NULL,
  host            TEXT NOT NULL,
  depth           INTEGER NOT NULL,
  state           TEXT NOT NULL DEFAULT 'queued',
  attempts        INTEGER NOT NULL DEFAULT 0,
  reason          TEXT,
  discovered_from INTEGER,
  via             TEXT NOT NULL DEFAULT 'link',
  redirects       INTEGER NOT NULL DEFAULT 0,
  added_at        TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  method          TEXT NOT NULL DEFAULT 'GET',
  body_key        TEXT NOT NULL DEFAULT '',
  request         BLOB,
  UNIQUE (url, method, body_key)
);
DROP INDEX IF EXISTS frontier_queued;
CREATE INDEX IF NOT EXISTS frontier_host_queued ON frontier(host, id) WHERE state = 'queued';
CREATE TABLE IF NOT EXISTS pages (
  id           INTEGER PRIMARY KEY,
  url_id       INTEGER NOT NULL UNIQUE,
  url          TEXT NOT NULL,
  final_url    TEXT,
  status       INTEGER,
  content_type TEXT,
  bytes        INTEGER,
  total_ms     REAL,
  ttfb_ms      REAL,
  error        TEXT,
  crawl_id     INTEGER,
  fetched_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  etag          TEXT,
  last_modified TEXT,
  body_hash     TEXT,
  change        TEXT,
  location      TEXT,
  robots        TEXT,
  canonical     TEXT,
  cuts          TEXT,
  rendered      INTEGER NOT NULL DEFAULT 0,
  render_ms     REAL
);
CREATE TABLE IF NOT EXISTS items (
  id         INTEGER PRIMARY KEY,
  rule       TEXT NOT NULL,
  page_id    INTEGER NOT NULL,
  url        TEXT NOT NULL,
  record     TEXT NOT NULL,
  crawl_id   INTEGER,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX IF NOT EXISTS items_rule ON items(rule);
CREATE INDEX IF NOT EXISTS items_page ON items(page_id);
CREATE TABLE IF NOT EXISTS bodies (
  page_id  INTEGER PRIMARY KEY,
  encoding TEXT NOT NULL,
  data     BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS warc_records (
  id       INTEGER PRIMARY KEY,
  url_id   INTEGER NOT NULL,
  crawl_id INTEGER,
  type     TEXT NOT NULL,
  file     TEXT NOT NULL,
  offset   INTEGER NOT NULL,
  length   INTEGER NOT NULL,
  record_id      TEXT,
  warc_date      TEXT,
  payload_digest TEXT,
  body_hash      TEXT
);
CREATE INDEX IF NOT EXISTS warc_records_url ON warc_records(url_id);
CREATE TABLE IF NOT EXISTS controls (
  id       INTEGER PRIMARY KEY,
  at       TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  crawl_id INTEGER,
  who      TEXT NOT NULL,
  what     TEXT NOT NULL,
  applied  INTEGER NOT NULL,
  message  TEXT
);
CREATE TABLE IF NOT EXISTS fleet_epochs (
  epoch INTEGER PRIMARY KEY,
  at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  cause TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS dropped_items (
  rule        TEXT PRIMARY KEY,
  count       INTEGER NOT NULL,
  example_url TEXT NOT NULL
);
)sql";

// Version 6 made a frontier row a request (method, URL, body) rather than a
// URL: its identity became UNIQUE (url, method, body_key), and SQLite cannot
// change a table's constraints in place, so an older frontier is copied into
// a new table (RebuildFrontier in sqlite_store.cc). These are the columns the
// copy keeps.
inline constexpr const char* kFrontierV5Columns =
    "id, url, host, depth, state, attempts, reason, discovered_from, via, "
    "redirects, added_at";

// DDL over columns an older database gains only in AddMissingColumns, so it
// runs after that.
inline constexpr const char* kLateSchemaSql = R"sql(
CREATE INDEX IF NOT EXISTS pages_canonical ON pages(canonical)
  WHERE canonical IS NOT NULL AND canonical <> url;
)sql";

// The frontier's next window of one host: queued URLs of host ?1 with an id
// above ?2, in id order, at most ?3, with the validators of a stored 2xx page
// (a re-crawl asks "has it changed?" only of pages worth keeping) and the
// latest response record that archived the page as it is stored (same
// body_hash: a run without WARC in between may have stored a newer body), to
// which a revisit record refers. It relies on frontier_host_queued above: a
// range scan of that partial index, in index order (no sort), whatever the
// size of the frontier, and on warc_records_url for the record;
// QueueReaderTest checks the plan.
inline constexpr const char* kLoadQueuedSql =
    "SELECT f.id, f.url, f.depth, f.attempts, p.etag, p.last_modified, "
    "f.redirects, f.method, f.body_key, f.request, w.record_id, w.warc_date, "
    "w.payload_digest "
    "FROM frontier f LEFT JOIN pages p ON p.url_id = f.id "
    "AND p.status BETWEEN 200 AND 299 "
    "LEFT JOIN warc_records w ON w.id = (SELECT max(id) FROM warc_records "
    "WHERE url_id = p.url_id AND body_hash = p.body_hash) "
    "WHERE f.state = 'queued' "
    "AND f.host = ?1 AND f.id > ?2 ORDER BY f.id LIMIT ?3";

// One row of `crawls` as a CrawlRun, in field order: id, job_name, job_file,
// job_text, state, started_at, finished_at ("" while running), started_unix,
// elapsed_s, stats_json ("" before the end). Append "WHERE ..." or
// "ORDER BY ...". julianday() keeps the milliseconds the times are stored
// with.
inline constexpr const char* kSelectCrawlRun =
    "SELECT id, job_name, job_file, job_text, state, started_at, "
    "coalesce(finished_at, ''), "
    "(julianday(started_at) - 2440587.5) * 86400.0, "
    "(julianday(coalesce(finished_at, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))) "
    "- julianday(started_at)) * 86400.0, coalesce(stats, '') FROM crawls ";

}  // namespace crawlbox::storage
