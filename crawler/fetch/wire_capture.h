// Internal to the fetch room: filling a WireCapture from libcurl's callbacks,
// and decoding a body the Fetcher received undecoded for the archive.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "crawler/fetch/request.h"

namespace crawlbox::crawler {

// libcurl's CURLOPT_DEBUGFUNCTION hands over what it sends; `kind` is its
// curl_infotype. Keeps the request's head (CURLINFO_HEADER_OUT) and body
// (CURLINFO_DATA_OUT) of the latest request in *wire.
void CaptureSent(WireCapture* wire, int kind, std::string_view data);

// One header line as libcurl's header callback passes it (CRLF included). A
// status line starts the head again (an interim 1xx, or a redirect's next
// response); Transfer-Encoding is left out, since the body is kept
// de-chunked. HTTP/2's status line is written as HTTP/1.1.
void CaptureReceivedHeader(WireCapture* wire, std::string_view line);

// With fetch.archive libcurl hands a body over as sent: decodes r->body by
// the response's Content-Encoding (gzip, x-gzip or deflate; another is left
// as it is) for the parser, keeping what was sent in wire->wire_body (wire may
// be null: the login step's exchanges are not archived). A body that does not
// decode fails kDecode; one that decodes past `max_body_bytes` fails
// kTooLarge, or is cut there and marked truncated when
// `truncate_large_bodies`.
void DecodeArchivedBody(WireCapture* wire, int64_t max_body_bytes,
                        bool truncate_large_bodies, Response* r);

}  // namespace crawlbox::crawler
