// Plain structs that cross the storage boundary: the rows the Store writes
// and the readers return, and what one fetched page produced (PageOutcome).
// storage/ owns these so it needs nothing from parser/ or crawler/.
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "storage/outcome.h"

namespace crawlbox::storage {

// What makes a frontier entry a request rather than a plain GET of its URL.
// The entry's identity (dedup) is URL + method + body_key. Opaque to
// storage/: crawler/ builds and reads these (crawler/fetch/request.h).
struct RequestParts {
  std::string method = "GET";  // uppercase HTTP method
  // A digest of the body, "" when there is none; part of the identity.
  std::string body_key;
  // Headers and body, encoded by crawler/ (frontier.request); empty for a
  // plain GET.
  std::string encoded;
};

// A response record of the WARC archive as a revisit record refers to it
// (WARC 1.1 §6.7). All empty for other records, and when none is known.
struct WarcCapture {
  std::string record_id;       // WARC-Record-ID, "<urn:uuid:…>"
  std::string date;            // WARC-Date
  std::string payload_digest;  // WARC-Payload-Digest, "sha1:…"
};

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
  // Redirect hops already taken to reach this URL (0 unless it is the target
  // of a redirect or refresh); fetch.max_redirects bounds it.
  int redirects = 0;
  RequestParts request;
  // The latest response record that archived the stored 2xx page as it is
  // stored ([store] warc); a re-crawl's unchanged answer refers to it.
  WarcCapture last_capture;
};

// How a URL entered the frontier, stored as frontier.via (ViaName). With
// discovered_from it lets a query walk a redirect chain back to its start.
enum class Via { kLink, kSeed, kSitemap, kRedirect, kRefresh, kCanonical };

constexpr const char* ViaName(Via via) {
  switch (via) {
    case Via::kLink:
      return "link";
    case Via::kSeed:
      return "seed";
    case Via::kSitemap:
      return "sitemap";
    case Via::kRedirect:
      return "redirect";
    case Via::kRefresh:
      return "refresh";
    case Via::kCanonical:
      return "canonical";
  }
  return "link";
}

// A link or request to add to the frontier. Inserted only if no entry of the
// same URL, method and body_key is there yet.
struct NewUrl {
  std::string url;   // normalized (parser::NormalizeForCrawl)
  std::string host;  // lowercase host, for per-host queries
  int depth = 0;
  // Frontier id of the page it was found on; 0 for seeds.
  int64_t discovered_from = 0;
  Via via = Via::kLink;
  // Redirect hops taken to reach it (see QueuedUrl::redirects).
  int redirects = 0;
  RequestParts request;
  // The latest response record that archived the stored 2xx page as it is
  // stored ([store] warc); a re-crawl's unchanged answer refers to it.
  WarcCapture last_capture;
};

// The row of `pages` one fetch of a frontier URL produces.
struct PageRow {
  int64_t url_id = 0;  // frontier id
  std::string url;
  std::string final_url;  // after redirects the fetcher followed
  int status = 0;         // HTTP status; 0 when no response arrived
  std::string content_type;
  int64_t bytes = 0;    // body bytes after decoding
  double total_ms = 0;  // whole transfer
  double ttfb_ms = 0;   // until the first response byte
  // A note on a Stored page ("truncated"), or empty. A Failed, Retry or
  // Blocked fate carries its reason itself; the store writes that reason
  // instead of this one.
  std::string error;
  std::string etag;           // ETag response header, for re-crawls
  std::string last_modified;  // Last-Modified response header, for re-crawls
  // Hash of the body (hex), to tell a changed page from an unchanged one when
  // the server sends no validators.
  std::string body_hash;
  // The body compressed (`body_encoding`, e.g. "zlib") when the job stores
  // bodies; empty otherwise. Opaque to storage/.
  std::string body;
  std::string body_encoding;
  // The page's robots directives for this crawler, from its meta tags and
  // X-Robots-Tag ("noindex", "nofollow", "noindex,nofollow"), or empty.
  std::string robots;
  // The canonical URL the page names (normalized), or empty.
  std::string canonical;
  // The bounds the page hit, as "what:count" joined by spaces
  // ("dom_depth:199489 links:90000"), or empty.
  std::string cuts;
  // Loaded in headless Chromium (pages.rendered), and the milliseconds from
  // navigation to the DOM read (pages.render_ms).
  bool rendered = false;
  double render_ms = 0;
  // scope.follow_canonical: this page's items give way to those of its
  // canonical page (when that is a different URL and stored with a 2xx), and
  // a 2xx page removes the items of pages that name it canonical.
  bool follow_canonical = false;
};

// How a page fetched by a re-crawl compares with the stored one.
enum class PageChange {
  kNew,        // no page of this URL was stored before
  kChanged,    // stored before; the body differs: items replaced
  kUnchanged,  // 304 Not Modified or the same body: items kept
  kGone,       // stored with a 2xx before; now 404/410: items removed
};

// Items a rule dropped from one page because a `required` field was empty.
struct DroppedItems {
  std::string rule;
  int64_t count = 0;
};

// One extracted item, already serialized as a JSON object: a row of `items`.
struct ItemRow {
  std::string rule;
  std::string json;
};

// A WARC record compressed before the file it goes to is known
// (crawler/archive prepares them in the parse node; the store node's writer
// finishes and appends them before the page's transaction). Opaque here.
struct ArchiveMember {
  std::string type;      // WARC-Type
  std::string deflated;  // the record less its first line, raw deflate
  uint32_t crc = 0;      // CRC-32 of the bytes deflated
  uint64_t size = 0;     // their count
  // CDXJ "surt timestamp" and JSON members when an index lists the record.
  std::string index_key;
  std::string index_fields;
  // Of a response record: what a later revisit record refers to.
  WarcCapture capture;
};

// Where the store node wrote one record: a row of `warc_records`.
struct ArchiveLocation {
  std::string type;  // WARC-Type
  std::string file;  // the .warc.gz file's name, in the job's WARC folder
  int64_t offset = 0;
  int64_t length = 0;   // of its gzip member
  WarcCapture capture;  // of a response record (ArchiveMember::capture)
};

// Everything one request produced; stored in one transaction with the others
// of its batch. `fate` says which of the other fields are stored (see
// outcome.h).
struct PageOutcome {
  PageRow page;
  std::vector<ItemRow> items;
  std::vector<NewUrl> links;
  std::vector<DroppedItems> dropped;  // per rule, for the example URL
  Fate fate;                          // Stored unless set
  // The exchange's WARC records ([store] warc), and where the store node
  // wrote them (rows of warc_records, whatever the fate).
  std::vector<ArchiveMember> archive;
  std::vector<ArchiveLocation> archived;
};

// Pages a crawl run stored, by how they compare with what was stored before.
struct ChangeCounts {
  int64_t new_pages = 0;
  int64_t changed = 0;
  int64_t unchanged = 0;
  int64_t gone = 0;
};

// One row of `crawls`: a crawl run, with its times also as numbers.
struct CrawlRun {
  int64_t id = 0;
  std::string job_name;
  std::string job_file;  // the job file's path as the run was given it
  std::string job_text;  // the job file as the run read it
  // "running" (also a run that was killed: it never finished), "finished",
  // "stopped" or "failed".
  std::string state;
  std::string started_at;   // ISO 8601 UTC, as stored
  std::string finished_at;  // "" while the run has not ended
  double started_unix = 0;  // started_at in seconds since the epoch
  // Seconds from started_at to finished_at, or to now while running.
  double elapsed_s = 0;
  std::string stats_json;  // the run's counters as stored at its end; "" before
};

// One command given to a running crawl (storage table `controls`): the status
// page's or `crawlbox ctl`'s pause, resume, stop, set, seed, pause_host or
// resume_host.
struct ControlRecord {
  int64_t id = 0;        // set when read back
  std::string at;        // ISO 8601 UTC; set by the database when written
  int64_t crawl_id = 0;  // the run it was given to
  std::string who;   // how it was let in: "token", "loopback"; never the token
  std::string what;  // the command as a JSON object
  bool applied = false;  // false: refused (bad value, no crawl), see message
  std::string message;   // why it was refused, or ""
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
  std::vector<ItemRow> items;
  std::vector<DroppedItems> dropped;
};

// A cell of a query result.
using Value = std::variant<std::monostate, int64_t, double, std::string>;

// The rows of a query, in memory.
struct QueryResult {
  std::vector<std::string> columns;
  std::vector<std::vector<Value>> rows;
};

}  // namespace crawlbox::storage
