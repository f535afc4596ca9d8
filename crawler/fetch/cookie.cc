// libcurl's Netscape cookie lines → Cookie.
#include "crawler/fetch/cookie.h"

#include <charconv>
#include <vector>

namespace crawlbox::crawler {

std::optional<Cookie> ParseCookieLine(std::string_view line) {
  constexpr std::string_view kHttpOnly = "#HttpOnly_";
  Cookie cookie;
  if (line.starts_with(kHttpOnly)) {
    cookie.http_only = true;
    line.remove_prefix(kHttpOnly.size());
  }
  std::vector<std::string_view> fields;
  // The value is the last field and may itself be empty; it never holds a
  // tab (libcurl refuses such cookies).
  while (fields.size() < 6) {
    const size_t tab = line.find('\t');
    if (tab == std::string_view::npos) return std::nullopt;
    fields.push_back(line.substr(0, tab));
    line.remove_prefix(tab + 1);
  }
  fields.push_back(line);
  std::string_view domain = fields[0];
  if (domain.empty() || domain.front() == '#') return std::nullopt;
  if (domain.front() == '.') domain.remove_prefix(1);
  cookie.domain = std::string(domain);
  cookie.host_only = fields[1] != "TRUE";
  cookie.path = fields[2].empty() ? "/" : std::string(fields[2]);
  cookie.secure = fields[3] == "TRUE";
  const std::string_view expires = fields[4];
  if (std::from_chars(expires.data(), expires.data() + expires.size(),
                      cookie.expires)
          .ec != std::errc())
    return std::nullopt;
  cookie.name = std::string(fields[5]);
  cookie.value = std::string(fields[6]);
  if (cookie.name.empty()) return std::nullopt;
  return cookie;
}

}  // namespace crawlbox::crawler
