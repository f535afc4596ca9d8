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

// A cell of a query result.
using Value = std::variant<std::monostate, int64_t, double, std::string>;

struct QueryResult {
  std::vector<std::string> columns;
  std::vector<std::vector<Value>> rows;
};

}  // namespace crawlbox::storage
