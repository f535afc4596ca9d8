// Sitemaps (https://www.sitemaps.org/protocol.html): XML urlset and
// sitemapindex documents and plain-text URL lists, gzip-compressed or not,
// parsed into the URLs they list. Pure: no network.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace crawlbox::parser {

// What one sitemap lists. A plain value.
struct SitemapContents {
  // The <loc> values of <urlset><url>, or the lines of a plain-text sitemap,
  // in document order: entity references decoded, CDATA unwrapped, XML
  // whitespace trimmed, empty values dropped. Otherwise as written: relative,
  // non-http(s) or invalid URLs are the caller's to resolve and filter.
  std::vector<std::string> urls;
  // The <loc> values of <sitemapindex><sitemap>: nested sitemaps to fetch.
  std::vector<std::string> sitemaps;
  // The sitemap was not read to its end: the body or its gunzipped form hit
  // `max_bytes`, more than `max_urls` URLs were listed, or the input itself
  // is cut short (a gzip stream that ends early or is corrupt partway, an XML
  // document that ends before its root element closes). What was read before
  // the cut is still returned.
  bool truncated = false;
  // "" when the body is a sitemap (possibly listing nothing), otherwise why
  // nothing could be read: "empty body", "bad gzip" (gzip magic bytes but not
  // one byte could be inflated) or "not a sitemap" (an XML root other than
  // urlset/sitemapindex, e.g. an HTML page, or text without one URL line).
  // urls and sitemaps are empty when this is set.
  std::string error;
};

// The protocol's limits: 50,000 URLs and 50 MB (uncompressed) per sitemap.
inline constexpr size_t kSitemapMaxBytes = size_t{50} << 20;
inline constexpr size_t kSitemapMaxUrls = 50'000;

// Parses a sitemap body, any bytes. Never fails and never crashes: what cannot
// be understood is ignored, and `error` says when nothing at all could be
// read. Thread-safe (no shared state); `body` is only read during the call.
//
//  - gzip: a body starting with the magic bytes 1f 8b is inflated whatever
//    its Content-Type said (concatenated gzip members are joined; a body
//    gzipped twice is inflated twice). Inflation streams and stops after
//    `max_bytes` of output, so a gzip bomb costs at most about `max_bytes` of
//    memory and sets `truncated`. An uncompressed body longer than
//    `max_bytes` is cut there too.
//  - A leading UTF-8 BOM and whitespace are skipped. What then starts with '<'
//    is XML, anything else is a plain-text sitemap.
//  - XML: the root element's local name must be "urlset" or "sitemapindex".
//    Only <loc> elements that are children of <url> (urlset) or <sitemap>
//    (sitemapindex) children of the root are read, so extension elements such
//    as <image:image><image:loc> are not. Names match case-sensitively by
//    local name: any namespace prefix is accepted and xmlns is not checked.
//    Comments, processing instructions, a DOCTYPE (its entity definitions are
//    not expanded), CDATA sections and the references &amp; &lt; &gt; &quot;
//    &apos; &#NN; &#xHH; are handled; an invalid character reference becomes
//    U+FFFD and an unknown named one stays as written. Tolerant of sloppy
//    markup: an unmatched end tag is ignored, an unclosed element is closed by
//    its parent's end tag. Parsing stops when the root element closes.
//  - Plain text: one URL per line (LF, CR or CRLF), trimmed; lines that are
//    not an absolute URL ("scheme://..." with no whitespace inside) are
//    skipped.
//  - At most `max_urls` values are returned in urls and sitemaps together;
//    `truncated` is set when the sitemap lists more.
SitemapContents ParseSitemap(std::string_view body,
                             size_t max_bytes = kSitemapMaxBytes,
                             size_t max_urls = kSitemapMaxUrls);

}  // namespace crawlbox::parser
