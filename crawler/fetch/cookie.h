// Cookie: one cookie of the Fetcher's jar, as the Renderer hands it to the
// browser so rendered pages carry the [login] session. Cookies are secrets:
// never log them, never store them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace crawlbox::crawler {

struct Cookie {
  std::string name;
  std::string value;
  // The host it was set by (host_only), or the domain it covers with its
  // subdomains, without a leading dot.
  std::string domain;
  bool host_only = true;
  std::string path = "/";
  bool secure = false;
  bool http_only = false;
  // Seconds since the epoch; 0 = a session cookie.
  int64_t expires = 0;
};

// One line of libcurl's cookie list (CURLINFO_COOKIELIST, the Netscape
// format: domain, subdomains TRUE/FALSE, path, secure TRUE/FALSE, expiry,
// name, value, tab-separated; "#HttpOnly_" before the domain of an HttpOnly
// cookie). nullopt for a line that is not one.
std::optional<Cookie> ParseCookieLine(std::string_view line);

}  // namespace crawlbox::crawler
