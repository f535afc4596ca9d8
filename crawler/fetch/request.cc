// Names and descriptions of fetch errors; header lookup; a request's identity
// and stored extras.
#include "crawler/fetch/request.h"

#include <strings.h>

#include "crawler/fetch/body_hash.h"

namespace crawlbox::crawler {

const char* FetchErrorName(FetchError error) {
  switch (error) {
    case FetchError::kNone:
      return "none";
    case FetchError::kDns:
      return "dns";
    case FetchError::kConnect:
      return "connect";
    case FetchError::kTls:
      return "tls";
    case FetchError::kTimeout:
      return "timeout";
    case FetchError::kTooLarge:
      return "too_large";
    case FetchError::kReset:
      return "reset";
    case FetchError::kTruncated:
      return "truncated";
    case FetchError::kTooManyRedirects:
      return "too_many_redirects";
    case FetchError::kBadUrl:
      return "bad_url";
    case FetchError::kDecode:
      return "decode";
    case FetchError::kProtocol:
      return "protocol";
    case FetchError::kAborted:
      return "aborted";
    case FetchError::kRenderTimeout:
      return "render_timeout";
    case FetchError::kRenderCrash:
      return "render_crash";
    case FetchError::kOther:
      return "other";
  }
  return "other";
}

std::optional<std::string_view> Response::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (key.size() == name.size() &&
        strncasecmp(key.data(), name.data(), name.size()) == 0) {
      return std::string_view(value);
    }
  }
  return std::nullopt;
}

std::string RequestBodyKey(std::string_view body) {
  return body.empty() ? std::string() : BodyHash(body);
}

std::string EncodeRequestExtras(const std::vector<std::string>& headers,
                                std::string_view body) {
  if (headers.empty() && body.empty()) return {};
  std::string out;
  for (const std::string& header : headers) {
    out += header;
    out += "\r\n";
  }
  out += "\r\n";
  out += body;
  return out;
}

void DecodeRequestExtras(std::string_view encoded,
                         std::vector<std::string>* headers, std::string* body) {
  headers->clear();
  body->clear();
  while (!encoded.empty()) {
    const size_t end = encoded.find("\r\n");
    if (end == std::string_view::npos) {
      headers->emplace_back(encoded);
      return;
    }
    if (end == 0) {
      body->assign(encoded.substr(2));
      return;
    }
    headers->emplace_back(encoded.substr(0, end));
    encoded.remove_prefix(end + 2);
  }
}

bool IsSafeMethod(std::string_view method) {
  return method == "GET" || method == "HEAD" || method == "OPTIONS" ||
         method == "TRACE";
}

}  // namespace crawlbox::crawler
