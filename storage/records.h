// Plain records that cross the storage boundary: what the writer stores and the
// reader returns. storage/ owns these so it needs nothing from parser/ or
// crawler/.
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

namespace crawlbox::storage {

// A URL as the frontier knows it: its row id, normalized URL, host, link depth
// from a seed, and the tries already made (retries of earlier runs included).
struct QueuedUrl {
  int64_t id = 0;
  std::string url;
  std::string host;
  int depth = 0;
  int attempts = 0;
  // Validators of the stored page, sent back by a re-crawl as If-None-Match /
  // If-Modified-Since; empty when the page was never fetched or had none.
  std::string etag;
  std::string last_modified;
};

// A link to add to the frontier. Inserted only if the URL is not there yet
// (dedup by URL).
struct NewUrl {
  std::string url;   // normalized (parser::NormalizeForCrawl)
  std::string host;  // lowercase host, for per-host queries
  int depth = 0;
  int64_t discovered_from =
      0;  // frontier id of the page it was found on; 0 for seeds
};

// The outcome of fetching one frontier URL.
struct PageRecord {
  int64_t url_id = 0;  // frontier id
  std::string url;
  std::string final_url;  // after redirects
  int status = 0;         // HTTP status; 0 when no response arrived
  std::string content_type;
  int64_t bytes = 0;    // body bytes after decoding
  double total_ms = 0;  // whole transfer
  double ttfb_ms = 0;   // until the first response byte
  std::string
      error;  // empty, or why the page failed (fetch reason or parse problem)
  std::string etag;           // ETag response header, for re-crawls
  std::string last_modified;  // Last-Modified response header, for re-crawls
  // Hash of the body (hex), to tell a changed page from an unchanged one when
  // the server sends no validators.
  std::string body_hash;
  // The body compressed (`body_encoding`, e.g. "zlib") when the job stores
  // bodies; empty otherwise. Opaque to storage/.
  std::string body;
  std::string body_encoding;
};

// How a page fetched by a re-crawl compares with the stored one.
enum class PageChange {
  kNew,        // no page of this URL was stored before
  kChanged,    // stored before; the body differs: records replaced
  kUnchanged,  // 304 Not Modified or the same body: records kept
  kGone,       // stored with a 2xx before; now 404/410: records removed
};

// Records a rule dropped from one page because a `required` field was empty.
struct DroppedRecords {
  std::string rule;
  int64_t count = 0;
};

// One extracted record, already serialized as a JSON object.
struct ItemRecord {
  std::string rule;
  std::string json;
};

// Everything one fetched page produced; stored in one transaction with the
// others of its batch.
struct PageResult {
  PageRecord page;
  std::vector<ItemRecord> items;
  std::vector<NewUrl> links;
  std::vector<DroppedRecords> dropped;  // per rule, for the example URL
  // A 304 answer: the stored page row (but fetched_at, crawl_id) and its items
  // are kept; the frontier row becomes 'done'.
  bool not_modified = false;
  bool failed = false;  // frontier state becomes 'failed' instead of 'done'
  // A try that will be retried: only the frontier row changes (attempts + 1,
  // reason = page.error); no page, items or links are stored and the URL stays
  // queued.
  bool retry = false;
  // A URL the crawl may not fetch (robots.txt): the frontier row becomes
  // 'blocked' with reason page.error; nothing else is stored.
  bool blocked = false;
  // Only `links` are stored (URLs a sitemap listed): no page row, no frontier
  // change (page.url_id is 0).
  bool links_only = false;
};

// Pages a crawl run stored, by how they compare with what was stored before.
struct ChangeCounts {
  int64_t new_pages = 0;
  int64_t changed = 0;
  int64_t unchanged = 0;
  int64_t gone = 0;
};

// The latest crawl run recorded in a database.
struct CrawlRow {
  int64_t id = 0;
  std::string job_name;
  std::string job_file;
  std::string job_text;
  std::string state;  // "running" (never finished: killed), "finished", ...
};

// A stored page with its stored body, for re-extraction.
struct StoredPage {
  int64_t page_id = 0;
  std::string url;
  std::string final_url;
  std::string content_type;
  int status = 0;
  std::string body;  // compressed, as stored
  std::string body_encoding;
};

// What re-extraction made of one stored page.
struct Reextracted {
  std::vector<ItemRecord> items;
  std::vector<DroppedRecords> dropped;
};

// A cell of a query result.
using Value = std::variant<std::monostate, int64_t, double, std::string>;

struct QueryResult {
  std::vector<std::string> columns;
  std::vector<std::vector<Value>> rows;
};

}  // namespace crawlbox::storage
