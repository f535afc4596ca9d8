// With fetch.archive the Fetcher asks libcurl not to decode bodies (so the
// archive gets them as sent) and accepts only gzip and deflate, which zlib
// decodes here for the parser; br and zstd would need two more libraries.
#include "crawler/fetch/wire_capture.h"

#include <curl/curl.h>
#include <strings.h>

#include <algorithm>

#include "config/compression.h"

namespace crawlbox::crawler {

void CaptureSent(WireCapture* wire, int kind, std::string_view data) {
  if (kind == CURLINFO_HEADER_OUT) {
    // A new request (a retried connection, or an auth round): its head
    // replaces the last one's, and its body follows it.
    wire->request_head.assign(data);
    wire->request_body.clear();
    // HTTP/2 requests are shown as "GET /path HTTP/2": archived as HTTP/1.1.
    const size_t eol = wire->request_head.find("\r\n");
    const std::string_view first =
        std::string_view(wire->request_head).substr(0, eol);
    if (first.ends_with(" HTTP/2")) {
      wire->request_head.replace(first.size() - 6, 6, "HTTP/1.1");
      wire->protocol = "h2";
    }
  } else if (kind == CURLINFO_DATA_OUT) {
    wire->request_body.append(data);
  }
}

void CaptureReceivedHeader(WireCapture* wire, std::string_view line) {
  if (line.starts_with("HTTP/")) {
    wire->response_head.clear();
    if (line.starts_with("HTTP/2 ") || line.starts_with("HTTP/2.0 ")) {
      wire->protocol = "h2";
      wire->response_head.append("HTTP/1.1");
      line.remove_prefix(line.find(' '));
    }
    wire->response_head.append(line);
    if (!wire->response_head.ends_with("\r\n")) {
      // HTTP/2 status lines have no reason phrase; keep the CRLF form.
      while (!wire->response_head.empty() &&
             (wire->response_head.back() == '\n' ||
              wire->response_head.back() == '\r'))
        wire->response_head.pop_back();
      wire->response_head.append("\r\n");
    }
    return;
  }
  if (line.size() >= 18 &&
      strncasecmp(line.data(), "transfer-encoding:", 18) == 0)
    return;
  if (line == "\r\n" || line == "\n") {
    wire->response_head.append("\r\n");
    return;
  }
  wire->response_head.append(line);
  if (!line.ends_with("\r\n")) {
    if (line.ends_with("\n")) wire->response_head.pop_back();
    wire->response_head.append("\r\n");
  }
}

namespace {

// Whether a Content-Encoding value is `name` (case-insensitive).
bool IsEncoding(std::string_view value, std::string_view name) {
  return value.size() == name.size() &&
         strncasecmp(value.data(), name.data(), name.size()) == 0;
}

// The body decoded as `encoding` says (gzip or deflate) into at most
// `max_bytes`. False when it does not decode (*error says why) or would
// exceed max_bytes (*too_large, with *body cut at max_bytes).
bool DecodeBody(std::string_view encoding, std::string_view wire_body,
                int64_t max_bytes, std::string* body, bool* too_large,
                std::string* error) {
  const bool gzip =
      IsEncoding(encoding, "gzip") || IsEncoding(encoding, "x-gzip");
  config::Inflated inflated = config::Inflate(
      wire_body, static_cast<size_t>(std::max<int64_t>(max_bytes, 0)),
      /*raw_fallback=*/!gzip);
  *body = std::move(inflated.data);
  *too_large = inflated.too_large;
  if (inflated.cut && !inflated.too_large)
    *error = std::string("the ") + (gzip ? "gzip" : "deflate") +
             " body does not decode";
  return !inflated.cut;
}

std::string_view ContentEncoding(
    const std::vector<std::pair<std::string, std::string>>& headers) {
  for (const auto& [name, value] : headers) {
    if (name.size() == 16 &&
        strncasecmp(name.c_str(), "content-encoding", 16) == 0)
      return value;
  }
  return {};
}

}  // namespace

void DecodeArchivedBody(WireCapture* wire, int64_t max_body_bytes,
                        bool truncate_large_bodies, Response* r) {
  const std::string_view encoding = ContentEncoding(r->headers);
  if (!IsEncoding(encoding, "gzip") && !IsEncoding(encoding, "x-gzip") &&
      !IsEncoding(encoding, "deflate"))
    return;
  std::string decoded, error;
  bool too_large = false;
  const bool ok = DecodeBody(encoding, r->body, max_body_bytes, &decoded,
                             &too_large, &error);
  if ((!ok && !too_large) || (too_large && !truncate_large_bodies)) {
    r->error = too_large ? FetchError::kTooLarge : FetchError::kDecode;
    r->error_detail =
        too_large ? "the decoded body exceeds fetch.max_body_bytes" : error;
    r->status = 0;
    r->body.clear();
    return;
  }
  r->truncated = r->truncated || too_large;
  if (wire != nullptr) {
    wire->wire_body = std::move(r->body);
    wire->body_is_wire = false;
  }
  r->body = std::move(decoded);
}

}  // namespace crawlbox::crawler
