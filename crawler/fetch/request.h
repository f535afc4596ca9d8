// Request and Response: what the Frontier hands the Fetcher and what the
// Fetcher hands the parse stage. A transport failure (no response) and an HTTP
// status are kept apart.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace crawlbox::crawler {

// A response record of the WARC archive as a revisit record refers to it
// (WARC 1.1 §6.7); record_id is empty when none is known.
struct CaptureRef {
  std::string record_id;       // WARC-Record-ID, "<urn:uuid:…>"
  std::string date;            // WARC-Date
  std::string payload_digest;  // WARC-Payload-Digest, "sha1:…"
};

// One URL to fetch, as the frontier knows it.
struct Request {
  int64_t url_id = 0;  // frontier row id
  std::string url;     // normalized absolute http(s) URL
  std::string host;    // lowercase host: the unit of politeness
  int depth = 0;       // link hops from a seed
  int attempts = 0;    // tries already made (this one not included)
  // Redirect hops taken to reach this URL; a 3xx answer whose hop would
  // exceed fetch.max_redirects ends the chain.
  int redirects = 0;
  // Validators of the stored page (re-crawl): sent as If-None-Match /
  // If-Modified-Since so an unchanged page answers 304.
  std::string etag;
  std::string last_modified;
  // The stored page's last archived response (re-crawl with [store] warc):
  // an answer that it is unchanged (304, or the same payload digest) is
  // archived as a revisit record referring to it.
  CaptureRef last_capture;
  // A page of the crawl, or the robots.txt or a sitemap of `host` (those have
  // url_id 0: they are not frontier rows).
  enum class Kind { kPage, kRobots, kSitemap };
  Kind kind = Kind::kPage;
  // Opaque to the Fetcher and Frontier, carried into the Response: a Worker
  // finds the task a response answers by it.
  uint64_t tag = 0;
  // What a request other than a plain GET carries (frontier.method and
  // frontier.request): the uppercase method, extra "Name: value" headers
  // (sent after the job's fetch.headers, replacing one of the same name) and
  // the body.
  std::string method = "GET";
  std::vector<std::string> headers;
  std::string body;

  bool IsPlainGet() const {
    return method == "GET" && headers.empty() && body.empty();
  }
};

// frontier.body_key of a body: "" for none, else a digest of it (BodyHash).
// With the URL and the method it is a request's identity.
std::string RequestBodyKey(std::string_view body);

// frontier.request: `headers` and `body` in one string, "" when both are
// empty. The encoding is HTTP's own tail of a message: each header line
// ending in CRLF, an empty line, then the body bytes.
std::string EncodeRequestExtras(const std::vector<std::string>& headers,
                                std::string_view body);
// The inverse of EncodeRequestExtras. A string without the empty line (not
// written by it) is taken as headers only.
void DecodeRequestExtras(std::string_view encoded,
                         std::vector<std::string>* headers, std::string* body);

// RFC 9110's safe methods (GET, HEAD, OPTIONS, TRACE): a failure after one
// was sent can be retried without the server having acted twice. Others are
// retried only when nothing reached the server, unless
// retry.unsafe_methods.
bool IsSafeMethod(std::string_view method);

// Why a transfer produced no usable response. Names (FetchErrorName) are
// stable: they appear in the database (`pages.error`), counters
// (`fetch/error/<name>`) and logs.
enum class FetchError {
  kNone,
  kDns,        // host name did not resolve
  kConnect,    // TCP connection refused or unreachable
  kTls,        // TLS handshake or certificate failure
  kTimeout,    // connect or total timeout expired
  kTooLarge,   // body exceeded fetch.max_body_bytes
  kReset,      // connection closed or reset before the response was complete
  kTruncated,  // fewer body bytes than Content-Length announced
  kTooManyRedirects,  // more than fetch.max_redirects
  kBadUrl,            // curl rejected the URL or its scheme
  kDecode,            // Content-Encoding could not be decoded
  kProtocol,          // the server's reply was not valid HTTP
  kAborted,           // stopped by the crawler (shutdown)
  kRenderTimeout,     // headless Chromium did not finish the page in time
  kRenderCrash,       // the browser or the page's tab died while rendering
  kOther,             // anything else; error_detail says what
};

const char* FetchErrorName(FetchError error);

// Time spent in each phase of a transfer, milliseconds from its start.
struct Timings {
  double dns_ms = 0;
  double connect_ms = 0;
  double tls_ms = 0;
  double ttfb_ms = 0;
  double total_ms = 0;
};

// An exchange as it went over the wire, kept beside the decoded Response
// for a web archive (fetch.archive). HTTP/2 exchanges are written in HTTP/1.1
// syntax, with protocol "h2".
struct WireCapture {
  std::chrono::system_clock::time_point started;  // the capture's start
  std::string ip;                                 // the server's address
  std::string protocol;  // "h2" for HTTP/2, "" for HTTP/1.x
  // Request line and headers as sent, ending with the empty line; and the
  // request's body.
  std::string request_head;
  std::string request_body;
  // Status line and headers of the final response as received, ending with
  // the empty line, less Transfer-Encoding (the body is kept de-chunked).
  std::string response_head;
  // The entity as sent: still compressed when the response says
  // Content-Encoding gzip or deflate (the Response's body is decoded). Empty
  // with body_is_wire when it equals the Response's body.
  std::string wire_body;
  bool body_is_wire = true;
};

// A response the scripts of a rendered page fetched (XHR or fetch()) whose
// URL render.capture matches: a document of its own for the rules whose `url`
// matches it, whose records belong to the rendered page. Either its body was
// read (error "") or it says why not.
struct Captured {
  std::string url;           // the response's URL, after its redirects
  int status = 0;            // HTTP status
  std::string content_type;  // Content-Type header value (or Chromium's MIME)
  std::string body;          // decoded text; "" unless error is ""
  // Why the body was not kept (a stable reason, counted as
  // render/capture_failed/<error>): "http_status" (not 2xx), "not_json",
  // "too_large" (past render.capture_max_bytes), "loading_failed" (the
  // browser's load of it failed or was cancelled), "no_body" (Chromium no
  // longer held it), "timeout" (not finished within render.timeout_ms),
  // "crash" (the tab died). "" = read.
  std::string error;
  std::string error_detail;  // for the log: Chromium's message, sizes
};

// A finished transfer. When error != kNone there is no HTTP response: status is
// 0 and body holds whatever partial bytes arrived (callers should not use
// them).
struct Response {
  Request request;
  std::string final_url;  // after redirects; equals request.url when none
  int status = 0;
  std::vector<std::pair<std::string, std::string>>
      headers;               // of the final response, in order
  std::string content_type;  // Content-Type header value or ""
  std::string body;          // decoded (gzip/br/deflate undone)
  Timings timings;
  int redirects = 0;
  // The body was cut at fetch.max_body_bytes (fetch.truncate_large_bodies).
  bool truncated = false;
  FetchError error = FetchError::kNone;
  std::string error_detail;  // curl's own message when error != kNone
  // Rendered by headless Chromium (the Renderer): body is the DOM's outerHTML
  // after scripts ran, and render_ms the wall time it took.
  bool rendered = false;
  double render_ms = 0;
  // The exchange's bytes for the archive; null unless fetch.archive.
  std::shared_ptr<const WireCapture> wire;
  // Of a rendered page: the responses its scripts fetched that render.capture
  // matched, in the order they ended (their bodies together at most
  // render.capture_max_bytes). Empty otherwise.
  std::vector<Captured> captured;

  bool ok() const { return error == FetchError::kNone; }
  // Value of the first header named `name` (case-insensitive), or nullopt.
  std::optional<std::string_view> Header(std::string_view name) const;
};

// Where the Fetcher gets work. NextRequest is called on the fetcher thread
// whenever a transfer slot is free; returning nullopt means "nothing now": the
// Fetcher asks again after *wait, after Wakeup(), or after a transfer finishes,
// whichever comes first. Implementations must be thread-safe w.r.t. their other
// users.
class RequestSource {
 public:
  virtual ~RequestSource() = default;
  virtual std::optional<Request> NextRequest(
      std::chrono::milliseconds* wait) = 0;
};

}  // namespace crawlbox::crawler
