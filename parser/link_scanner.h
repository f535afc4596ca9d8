// A link scan without a DOM: the hrefs of <a> and <area> start tags and the
// first <base href>, found by an HTML tokenizer that skips comments, doctypes
// and the raw text of <script>, <style>, <textarea>, <title> and friends, and
// decodes character references in attribute values. An order of magnitude
// cheaper than a gumbo tree, for pages where no rule needs one.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace crawlbox::parser {

struct ScannedLinks {
  std::vector<std::string>
      hrefs;  // in document order, character references decoded
  std::optional<std::string>
      base_href;  // href of the first <base> that has one
};

// Tokenizes `html` (any bytes; never fails) and collects its links.
// Thread-safe.
ScannedLinks ScanLinks(std::string_view html);

// Decodes the character references of an attribute value as the HTML tokenizer
// does: numeric
// (&#38; &#x26;) and named ones with a semicolon; the legacy ones without (&amp
// &lt &gt &quot &nbsp ...) only when not followed by an alphanumeric or '='.
// Exposed for tests.
std::string DecodeAttributeValue(std::string_view value);

}  // namespace crawlbox::parser
