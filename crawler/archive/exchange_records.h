// The WARC records of one fetched exchange: a `response` record with the
// bytes as received and a `request` record (WARC-Concurrent-To the response)
// with the bytes as sent, Cookie and Authorization values redacted. Built in
// the parse node, prepared (compressed) there, written by the store node.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "crawler/archive/warc_record.h"
#include "crawler/fetch/request.h"

namespace crawlbox::crawler {

// What a redacted header value is replaced with in request records.
inline constexpr const char* kRedacted = "[redacted by crawlbox]";

// The request and response records of `response` (its wire capture must be
// set: fetch.archive), prepared at zlib `level`; empty without a capture.
// The response record carries WARC-Target-URI (the URL requested),
// WARC-Date (the capture's start), WARC-IP-Address, WARC-Block-Digest,
// WARC-Payload-Digest (of the entity as sent, de-chunked), WARC-Protocol: h2
// for HTTP/2, and WARC-Truncated: length when the body was cut at
// fetch.max_body_bytes. The body is digested and compressed where the
// Response holds it, never copied: `response` need only stay valid during
// the call. The prepared response record's `capture` holds what a later
// revisit record refers to (CaptureOf).
std::vector<PreparedRecord> ExchangeRecords(const Response& response,
                                            int level);

// The records themselves, before preparing (for tests and the export): the
// same fields, with the body copied into the response record's block.
std::vector<WarcRecord> ExchangeWarcRecords(const Response& response);

// The request and response records of `response` with the response's block
// holding only the HTTP head: its body is *entity, where the Response (or its
// wire capture) holds it, and the digests already cover it. Prepare the
// response with PrepareRecord(record, level, *entity). Empty without a
// capture.
std::vector<WarcRecord> ExchangeHeads(const Response& response,
                                      std::string_view* entity);

// The request record alone (the first of ExchangeWarcRecords), dated `date`
// and WARC-Concurrent-To `concurrent_to`: the id of the record that holds
// the answer (a response or revisit record). `response.wire` must be set.
WarcRecord RequestWarcRecord(const Response& response, const std::string& date,
                             const std::string& concurrent_to);

}  // namespace crawlbox::crawler
