// Revisit records (WARC 1.1 §6.7): a re-crawl's answer that a page has not
// changed, archived as its HTTP head only, referring to the response record
// that holds the payload, so that an unchanged payload is stored once.
#pragma once

#include <vector>

#include "crawler/archive/warc_record.h"
#include "crawler/fetch/request.h"
#include "storage/rows.h"

namespace crawlbox::crawler {

// WARC-Profile of a revisit for a 304 answer to a conditional request, and
// of one for an answer whose payload digest equals the earlier capture's.
inline constexpr const char* kRevisitNotModified =
    "http://netpreserve.org/warc/1.1/revisit/server-not-modified";
inline constexpr const char* kRevisitIdenticalDigest =
    "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest";

// What a later revisit record refers to: the WARC-Record-ID, WARC-Date and
// WARC-Payload-Digest of `record` (a response record; fields it lacks are
// empty).
storage::WarcCapture CaptureOf(const WarcRecord& record);

// The request and revisit records of `response` (its wire capture must be
// set) when its request names the page's last capture
// (Request::last_capture) and the answer says the page is unchanged: a 304
// (profile server-not-modified), or a body not cut at fetch.max_body_bytes
// whose payload digest (of the entity as sent, de-chunked) equals the
// capture's (identical-payload-digest). The revisit's block is the status
// line and headers as received, without the payload; it carries
// WARC-Refers-To (the capture's record id), WARC-Refers-To-Target-URI (the
// URL requested: the capture is of the same frontier row),
// WARC-Refers-To-Date and the capture's WARC-Payload-Digest. The request
// record is ExchangeWarcRecords' own, WARC-Concurrent-To the revisit.
// Empty when the answer is to be archived as a response (ExchangeRecords).
std::vector<WarcRecord> RevisitWarcRecords(const Response& response);

// RevisitWarcRecords prepared at zlib `level` (1..9).
std::vector<PreparedRecord> RevisitRecords(const Response& response, int level);

}  // namespace crawlbox::crawler
