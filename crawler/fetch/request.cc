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
