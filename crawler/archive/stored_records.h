// WARC records rebuilt from what a database stored of a page ([store]
// bodies), for `crawlbox export-warc`: databases crawled before WARC was on.
// They are not the bytes as received, and say so in their warcinfo record.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "crawler/archive/warc_record.h"

namespace crawlbox::crawler {

// What a pages row (and its bodies row) holds of one response.
struct StoredResponse {
  std::string url;  // the URL requested (pages.url)
  int status = 0;
  std::string content_type;
  std::string etag;
  std::string last_modified;
  std::string location;    // a redirect's target
  std::string stored_at;   // pages.fetched_at, e.g. "2026-12-07T10:00:00.123Z"
  std::string body;        // decoded, as the parser saw it
  bool truncated = false;  // cut at fetch.max_body_bytes
};

// The warcinfo `description` of files of such records.
inline constexpr const char* kReconstructedDescription =
    "reconstructed from stored pages by crawlbox export-warc; bodies are "
    "decoded, headers partial (Content-Type, Content-Length, ETag, "
    "Last-Modified, Location): not the bytes as received";

// A `response` record for `page`: an HTTP/1.1 message with its status and a
// standard reason phrase, the stored headers that are set, Content-Length of
// the body, and the body; WARC-Target-URI, WARC-Date (stored_at, or now when
// empty), WARC-Block-Digest, WARC-Payload-Digest and, for a truncated body,
// WARC-Truncated: length. No request record goes with it: what was sent is
// not stored.
WarcRecord StoredResponseRecord(const StoredResponse& page);

// The fields of an export's warcinfo record: software, format, conformsTo,
// isPartOf (`job_name`) and the description above.
std::vector<std::pair<std::string, std::string>> ExportWarcinfo(
    const std::string& job_name);

}  // namespace crawlbox::crawler
