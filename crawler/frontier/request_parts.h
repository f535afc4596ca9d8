// RequestParts: the bridge between a Request's method, headers and body and
// the frontier row that keeps them (storage::RequestParts), and the key the
// in-memory dedup set knows a frontier entry by. One place, so that the row a
// seed, a link, a form, a redirect and a retry write is the same for the same
// request.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "crawler/fetch/request.h"
#include "storage/rows.h"

namespace crawlbox::crawler {

// The stored form of a request's method ("" is GET), headers and body.
storage::RequestParts PartsOf(std::string_view method,
                              const std::vector<std::string>& headers,
                              std::string_view body);
inline storage::RequestParts PartsOf(const Request& request) {
  return PartsOf(request.method, request.headers, request.body);
}

// What SeenUrls holds for a frontier entry: its URL for a plain GET (most
// links, no copy), else URL, method and body key together. Points into
// `url` or into *scratch.
std::string_view SeenKey(const storage::NewUrl& url, std::string* scratch);

}  // namespace crawlbox::crawler
