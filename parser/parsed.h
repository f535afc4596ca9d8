// Parsed: what the parse stage makes of one response — records (Items), links
// to follow, the page's instructions to crawlers (robots directives, refresh,
// canonical) and what was cut to bound the page's cost.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "parser/directives.h"

namespace crawlbox::parser {

// A field's value: null (missing group, or text that did not convert), integer,
// real or text.
using FieldValue = std::variant<std::monostate, int64_t, double, std::string>;

// One record extracted by a rule, fields in the rule's order.
struct Item {
  std::string rule;
  std::vector<std::pair<std::string, FieldValue>> fields;
};

// A link selected for following: normalized URL (the dedup key) and its
// lowercase host.
struct Link {
  std::string url;
  std::string host;
};

// A request a rule asks for beyond a plain GET of a link: a submitted form, a
// JSON API's next page with a method or body. Its identity is method + URL +
// body.
struct RequestSpec {
  std::string method = "GET";        // uppercase
  std::string url;                   // normalized as links are (the dedup key)
  std::string host;                  // lowercase
  std::vector<std::string> headers;  // "Name: value" (Content-Type of a body)
  std::string body;
};

// Records a rule found but dropped because a `required` field was empty.
struct DroppedItems {
  std::string rule;
  int64_t count = 0;
};

// A refresh the page asks for: <meta http-equiv="refresh"> or the Refresh
// header (the header wins, as in browsers).
struct Refresh {
  int64_t delay_s = 0;  // seconds; saturates at INT64_MAX
  // Where it leads: resolved against the page URL and <base href>, normalized
  // as links are (PageParser::CrawlKey), with its lowercase host. nullopt when
  // the refresh reloads the page itself (no URL, or the page's own URL) or its
  // URL is not a valid http(s) URL.
  std::optional<Link> target;
  // delay_s > fetch.max_refresh_delay_s: not to be followed.
  bool ignored = false;
};

// A bound on what one page may cost that this page hit. Never silent: the
// store records each on the page row.
struct Cut {
  // "dom_depth": elements that would nest deeper than parse.max_dom_depth
  //   were made siblings under the element at the bound (their text and
  //   attributes kept, as Blink does); count = such elements.
  // "dom_nodes": more elements than parse.max_dom_nodes, so no DOM was built
  //   (no CSS records, no follow_within links); count = elements on the page.
  // "records": records past limits.max_records_per_page were not kept;
  //   count = records not kept.
  // "links": hrefs past the point where limits.max_links_per_page links
  //   (`links` and `rel_nofollow` together) were taken were not looked at;
  //   count = hrefs not looked at.
  std::string what;
  int64_t count = 0;
};

struct Parsed {
  std::vector<Item> items;
  std::vector<DroppedItems> dropped;  // per rule, rules with drops only
  std::vector<Link> links;  // unique within the page, in document order
  // Requests with a method or body to enqueue (forms, next_request), in the
  // order found; subject to the scope and limits like links. GET requests
  // without a body are links instead.
  std::vector<RequestSpec> requests;
  // A matching rule's logged_out marker matched: the page was served to a
  // session that has ended, its records and links are not to be trusted.
  bool logged_out = false;
  // Why the page's body could not be read as its rules asked ("json_syntax",
  // "json_depth"), or "". Its records and links are then empty.
  std::string unreadable;
  int bad_links = 0;  // hrefs that did not resolve to a valid http(s) URL
  bool parsed_html = false;  // whether a DOM was built for this page
  // The encoding the body was converted from, or "" when it was UTF-8 already.
  std::string encoding;
  bool encoding_errors = false;  // invalid bytes were replaced by U+FFFD

  // Robots directives for this crawler, from <meta name="robots">, <meta
  // name="<product token of fetch.user_agent>"> and X-Robots-Tag headers (for
  // all agents or for ours). Reported whether or not they were obeyed; with
  // politeness.meta_robots they are: noindex leaves `items` (and `dropped`)
  // empty, nofollow leaves `links` empty.
  RobotsDirectives robots;
  // Links the rules would have followed, withheld because the page said
  // nofollow (politeness.meta_robots); 0 otherwise.
  int64_t nofollow_dropped = 0;
  // Links a rule would have followed that only appear with rel="nofollow" on
  // the page, not followed (politeness.nofollow_links): unique, in document
  // order. A URL also linked without rel="nofollow" is followed instead.
  std::vector<Link> rel_nofollow;
  // The page's refresh, if it asks for one that parses.
  std::optional<Refresh> refresh;
  // The canonical URL the page names (the first Link header with
  // rel="canonical", else the first <link rel="canonical">), resolved (the
  // header against the page URL, the element also against <base href>) and
  // normalized as links are, with its host. It may equal the page's own key.
  // nullopt when none names a valid http(s) URL.
  std::optional<Link> canonical;
  // The bounds this page hit, at most one entry per kind, in the order met.
  std::vector<Cut> cuts;
};

}  // namespace crawlbox::parser
