// Parsed: what the parse stage makes of one response — records (Items) and
// links to follow.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <variant>
#include <vector>

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

// Records a rule found but dropped because a `required` field was empty.
struct DroppedItems {
  std::string rule;
  int64_t count = 0;
};

struct Parsed {
  std::vector<Item> items;
  std::vector<DroppedItems> dropped;  // per rule, rules with drops only
  std::vector<Link> links;  // unique within the page, in document order
  int bad_links = 0;        // hrefs that did not resolve to a valid http(s) URL
  bool parsed_html = false;  // whether a DOM was built for this page
  // The encoding the body was converted from, or "" when it was UTF-8 already.
  std::string encoding;
  bool encoding_errors = false;  // invalid bytes were replaced by U+FFFD
};

}  // namespace crawlbox::parser
