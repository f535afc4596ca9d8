// A request's method, headers and body as a frontier row keeps them.
#include "crawler/frontier/request_parts.h"

namespace crawlbox::crawler {

storage::RequestParts PartsOf(std::string_view method,
                              const std::vector<std::string>& headers,
                              std::string_view body) {
  storage::RequestParts parts;
  if (!method.empty()) parts.method = std::string(method);
  parts.body_key = RequestBodyKey(body);
  parts.encoded = EncodeRequestExtras(headers, body);
  return parts;
}

std::string_view SeenKey(const storage::NewUrl& url, std::string* scratch) {
  if (url.request.method == "GET" && url.request.body_key.empty())
    return url.url;
  // A newline never occurs in a normalized URL, so no plain URL can stand
  // for a request.
  *scratch = url.url;
  *scratch += '\n';
  *scratch += url.request.method;
  *scratch += ' ';
  *scratch += url.request.body_key;
  return *scratch;
}

}  // namespace crawlbox::crawler
