// The status page: its HTML, stylesheet and script, embedded in the binary
// (no CDN, no build step). The script builds every element from API data with
// textContent and createElement, never from HTML text, so nothing a crawled
// page holds can become markup or script.
#pragma once

#include <string>
#include <string_view>

namespace crawlbox::web {

// The HTML document. `asset_query` ("" or "?token=<percent-encoded>") is
// appended to the stylesheet and script URLs, so that a server requiring a
// token serves them too; it must hold only URL-safe characters.
std::string PageHtml(std::string_view asset_query);
// /app.css and /app.js.
std::string_view PageCss();
std::string_view PageJs();

}  // namespace crawlbox::web
