// A link scan without a DOM: the hrefs of <a> and <area> start tags (with
// whether their rel says nofollow), the first <base href>, the <meta> and
// <link rel="canonical"> elements that carry crawler directives, and on
// request the page's nesting depth and a copy flattened to a bounded depth;
// found by an HTML tokenizer that skips comments, doctypes and the raw text of
// <script>, <style>, <textarea>, <title> and friends, and decodes character
// references in attribute values. An order of magnitude cheaper than a gumbo
// tree, for pages where no rule needs one.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace crawlbox::parser {

// A <meta> element with a content attribute and a name or http-equiv
// attribute, values with character references decoded.
struct ScannedMeta {
  std::string name;        // as written ("" when absent)
  std::string http_equiv;  // as written ("" when absent)
  std::string content;
};

struct ScanOptions {
  // When > 0, the scan also tracks how deeply elements nest (void elements,
  // the end tags a parser implies for <p>, <li>, <td>, <option> and friends,
  // and self-closing tags inside <svg>/<math> taken into account) and makes
  // ScannedLinks::flattened, a copy of the page in which no element nests
  // deeper than this: a start tag beyond the bound becomes an overflow
  // element that first ends the overflow element it would nest in (an end tag
  // is inserted, and its own end tag later left out), so that overflow
  // elements are siblings under the element at the bound, as Blink attaches
  // elements past its depth limit. Text and attributes are all kept. <a>,
  // <area> and raw-text elements (<script>, <style>, ...) are never made
  // overflow elements, so links and script text keep their meaning.
  int max_depth = 0;
};

struct ScannedLinks {
  std::vector<std::string>
      hrefs;  // in document order, character references decoded
  // Parallel to hrefs: the element's rel attribute holds "nofollow".
  std::vector<bool> nofollow;
  std::optional<std::string>
      base_href;  // href of the first <base> that has one
  // <meta> elements with a name or http-equiv and a content, in order.
  std::vector<ScannedMeta> metas;
  // hrefs of <link> elements whose rel holds "canonical", in order, decoded.
  std::vector<std::string> canonical_hrefs;
  // Start tags seen (every element the page writes).
  int64_t elements = 0;
  // With ScanOptions::max_depth: the start tags beyond the bound (overflow
  // elements), and the flattened copy of the input; "" when there were none.
  int64_t flattened_tags = 0;
  std::string flattened;
};

// Tokenizes `html` (any bytes; never fails) and collects its links and
// directives. Linear in the size of `html` whatever its nesting. Thread-safe.
ScannedLinks ScanLinks(std::string_view html, const ScanOptions& options = {});

// Decodes the character references of an attribute value as the HTML tokenizer
// does: numeric
// (&#38; &#x26;) and named ones with a semicolon; the legacy ones without (&amp
// &lt &gt &quot &nbsp ...) only when not followed by an alphanumeric or '='.
// Exposed for tests.
std::string DecodeAttributeValue(std::string_view value);

}  // namespace crawlbox::parser
