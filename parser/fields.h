// Field transforms: how a regex match becomes a record's typed field values.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "config/job.h"
#include "parser/parsed.h"

namespace crawlbox::parser {

// Removes ASCII whitespace and the Unicode spaces common in pages (U+00A0,
// U+3000, U+2000..200B, U+FEFF) from both ends of UTF-8 text.
std::string_view TrimSpace(std::string_view text);

// Expands a field template: "{name}" is replaced by the named group's text
// (empty when the group did not participate), "{{" and "}}" are literal braces.
// `lookup` maps a group name to its text.
template <typename Lookup>
std::string ExpandTemplate(std::string_view format, const Lookup& lookup) {
  std::string out;
  for (size_t i = 0; i < format.size(); ++i) {
    char c = format[i];
    if ((c == '{' || c == '}') && i + 1 < format.size() && format[i + 1] == c) {
      out += c;
      ++i;
    } else if (c == '{') {
      size_t close = format.find('}', i);
      if (close == std::string_view::npos) {
        out.append(format.substr(i));
        break;
      }
      out += lookup(format.substr(i + 1, close - i - 1));
      i = close;
    } else {
      out += c;
    }
  }
  return out;
}

// Applies a field's transforms (trim, strip_prefix, strip_suffix, type) to its
// raw text. `present` is false when the source group did not participate in the
// match: the value is null.
FieldValue ApplyField(const config::Field& field, std::string_view raw,
                      bool present);

// Keeps `item` in out->items unless one of the rule's required fields is
// empty (null or ""); a drop is counted for the rule in out->dropped.
void AddItem(const config::Rule& rule, Item item, Parsed* out);

// Adds `count` (> 0) to the page's cut of kind `what`, one entry per kind.
void AddCut(Parsed* out, std::string_view what, int64_t count);

}  // namespace crawlbox::parser
