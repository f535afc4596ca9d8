// PageParser's reading of a page's refresh and canonical URL, from the
// response headers and the tokenizer scan.
#include <strings.h>

#include "parser/directives.h"
#include "parser/link_scanner.h"
#include "parser/page_parser.h"

namespace crawlbox::parser {

namespace {

bool EqualsNoCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace

std::optional<Link> PageParser::ResolveTarget(std::string_view text,
                                              const Url& base) const {
  auto resolved = ParseUrl(text, &base);
  if (!resolved.ok() || !resolved->IsHttp()) return std::nullopt;
  return Link{CrawlKey(*resolved), std::move(resolved->host)};
}

void PageParser::ReadRefreshAndCanonical(
    std::span<const ResponseHeader> headers, const ScannedLinks& scanned,
    const Url& page_url, const Url& base, Parsed* out) const {
  // A Refresh header is acted on before the document exists, so it wins
  // over the page's <meta>, and resolves against the response URL only. Of
  // several, the first that parses counts, as in browsers.
  std::optional<RefreshSpec> spec;
  const Url* refresh_base = &page_url;
  for (const auto& [name, value] : headers) {
    if (EqualsNoCase(name, "refresh") && (spec = ParseRefresh(value))) break;
  }
  if (!spec) {
    refresh_base = &base;
    for (const ScannedMeta& meta : scanned.metas) {
      if (EqualsNoCase(meta.http_equiv, "refresh") &&
          (spec = ParseRefresh(meta.content))) {
        break;
      }
    }
  }
  if (spec) {
    Refresh refresh;
    refresh.delay_s = spec->delay_s;
    refresh.ignored = spec->delay_s > job_.fetch.max_refresh_delay_s;
    if (spec->url) {
      std::optional<Link> target = ResolveTarget(*spec->url, *refresh_base);
      // A refresh to the page itself is a reload, nothing to crawl.
      if (target && target->url != CrawlKey(page_url))
        refresh.target = std::move(target);
    }
    out->refresh = std::move(refresh);
  }

  for (const auto& [name, value] : headers) {
    if (!EqualsNoCase(name, "link")) continue;
    if (std::optional<std::string> href = CanonicalFromLinkHeader(value)) {
      out->canonical = ResolveTarget(*href, page_url);
      if (out->canonical) return;
    }
  }
  for (const std::string& href : scanned.canonical_hrefs) {
    out->canonical = ResolveTarget(href, base);
    if (out->canonical) return;
  }
}

}  // namespace crawlbox::parser
