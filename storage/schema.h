// The SQL schema of a crawlbox database, in one place so the writer and the
// docs agree.
#pragma once

namespace crawlbox::storage {

// Version stored in `PRAGMA user_version`; bumped with every incompatible
// change.
inline constexpr int kSchemaVersion = 3;

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
  stats       TEXT
);
CREATE TABLE IF NOT EXISTS frontier (
  id              INTEGER PRIMARY KEY,
  url             TEXT NOT NULL UNIQUE,
  host            TEXT NOT NULL,
  depth           INTEGER NOT NULL,
  state           TEXT NOT NULL DEFAULT 'queued',
  attempts        INTEGER NOT NULL DEFAULT 0,
  reason          TEXT,
  discovered_from INTEGER,
  added_at        TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
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
  change        TEXT
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
CREATE TABLE IF NOT EXISTS dropped_items (
  rule        TEXT PRIMARY KEY,
  count       INTEGER NOT NULL,
  example_url TEXT NOT NULL
);
)sql";

}  // namespace crawlbox::storage
