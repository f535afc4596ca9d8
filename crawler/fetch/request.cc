// Names and descriptions of fetch errors; header lookup.
#include "crawler/fetch/request.h"

#include <strings.h>

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
    case FetchError::kOther:
      return "other";
  }
  return "other";
}

const char* FetchErrorDescription(FetchError error) {
  switch (error) {
    case FetchError::kNone:
      return "The transfer completed.";
    case FetchError::kDns:
      return "The host name could not be resolved.";
    case FetchError::kConnect:
      return "The server refused or did not accept the connection.";
    case FetchError::kTls:
      return "The TLS handshake or certificate check failed.";
    case FetchError::kTimeout:
      return "The connect or transfer timeout expired.";
    case FetchError::kTooLarge:
      return "The body was larger than fetch.max_body_bytes.";
    case FetchError::kReset:
      return "The connection was closed before the response was complete.";
    case FetchError::kTruncated:
      return "The body was shorter than its Content-Length.";
    case FetchError::kTooManyRedirects:
      return "The redirect chain was longer than fetch.max_redirects.";
    case FetchError::kBadUrl:
      return "The URL or its scheme cannot be fetched.";
    case FetchError::kDecode:
      return "The Content-Encoding of the body could not be decoded.";
    case FetchError::kProtocol:
      return "The server's reply was not valid HTTP.";
    case FetchError::kAborted:
      return "The crawler stopped the transfer.";
    case FetchError::kOther:
      return "The transfer failed for another reason.";
  }
  return "The transfer failed for another reason.";
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

}  // namespace crawlbox::crawler
