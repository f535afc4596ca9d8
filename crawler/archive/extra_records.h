// The WARC records a page may have beside its request and response: a
// `metadata` record with its outlinks ([store] warc_metadata, as Heritrix
// writes them), and for a rendered page a `conversion` record with the DOM
// its scripts built. Built in the parse node with the exchange's own records.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "crawler/archive/warc_record.h"
#include "crawler/fetch/request.h"

namespace crawlbox::crawler {

// What a page's metadata record says of it.
struct PageMetadata {
  // The links of the page its rules follow (absolute, normalized, in page
  // order), and a redirect's or refresh's target: all of them, whether the
  // job's scope, depth limit or dedup took them or not.
  std::vector<std::string> outlinks;
};

// A `metadata` record (application/warc-fields) for the page whose response
// record is `response`: WARC-Target-URI the response's, WARC-Concurrent-To
// the response, and the lines "fetchTimeMs: <ms>" (the fetch's or render's
// total time, rounded) and "outlink: <URL>" per outlink, as Heritrix's
// metadata records have them.
WarcRecord MetadataRecord(const WarcRecord& response, double fetch_ms,
                          const PageMetadata& metadata);

// A `conversion` record holding `dom` (text/html; charset=utf-8), the page's
// DOM after its scripts ran: WARC-Target-URI the response's, WARC-Refers-To
// the response (what the DOM was made from), WARC-Date now, and its block's
// digest.
WarcRecord ConversionRecord(const WarcRecord& response, std::string_view dom);

// Every record of a fetched page, prepared at zlib `level`: the exchange's
// request and response records (ExchangeWarcRecords), then a rendered page's
// conversion record, then the metadata record when `metadata` is not null.
// Empty without a wire capture.
std::vector<PreparedRecord> PageRecords(const Response& response,
                                        const PageMetadata* metadata,
                                        int level);

}  // namespace crawlbox::crawler
