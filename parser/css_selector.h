// Selector: a compiled CSS selector list (the subset a crawl job needs) and its
// matching against gumbo trees.
#pragma once

#include <gumbo.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "config/status.h"

namespace crawlbox::parser {

// A CSS selector list such as "div.items > a[href$='.pdf'],
// li:nth-child(2n+1)", compiled once and matched against elements of a Document
// (parser/dom.h).
//
// Supported syntax (Selectors Level 3/4, no namespaces, no pseudo-elements):
//   type selectors (ASCII case-insensitive) and `*`; `.class` (one entry of the
//   whitespace-separated class list); `#id`; `[attr]`, `[attr=v]`, `[attr~=v]`,
//   `[attr|=v]`,
//   `[attr^=v]`, `[attr$=v]`, `[attr*=v]` with v an identifier or a '...'/"..."
//   string, an optional ` i` / ` s` flag (ASCII case-insensitive / sensitive
//   value match), attribute names case-insensitive; compound selectors
//   (`a.b#c[d]`); the combinators descendant (whitespace),
//   `>`, `+`, `~`; groups with `,`; `:first-child`, `:last-child`,
//   `:only-child`,
//   `:nth-child(An+B)`, `:nth-last-child(An+B)` (with `odd`, `even`, `3`,
//   `-n+3`, `2n + 1`) and
//   `:not(<compound>, ...)`, which may nest up to kMaxNotDepth levels. CSS
//   escapes (`\:`, `\31 `) work in identifiers and strings. Sibling positions
//   count element nodes only. Class and id values match case-sensitively (no
//   quirks mode). Anything else is rejected by Parse().
//
// Matching follows document.querySelectorAll(): combinators may look at
// ancestors and siblings outside the subtree being searched. It is iterative in
// the document's depth (recursion is bounded by the selector's length) and
// memoised per call, so a Select() costs about O(elements x compounds) even on
// hostile pages (deep nesting, 100k siblings).
//
// Thread-safety: immutable after Parse(); concurrent const use from many
// threads is safe. Copying is cheap: copies share the compiled form.
class Selector {
 public:
  // How deeply :not() may nest inside :not(); deeper is a parse error.
  static constexpr int kMaxNotDepth = 8;

  // A selector that matches nothing, with empty text(). For members that are
  // assigned later.
  Selector();

  // Compiles `text`. On failure returns InvalidArgument whose message says what
  // was expected, what was found, and the 1-based column (in characters) of the
  // problem, e.g.
  //   expected an attribute name, found "=" at column 3 of "a[=x]"
  // The caller adds where the selector came from (file:line, key).
  static config::Result<Selector> Parse(std::string_view text);

  // True if `element` matches any selector of the list. False for nullptr and
  // non-elements. `element` must belong to a live Document.
  bool Matches(const GumboNode* element) const;

  // True if `node` or any of its ancestors is an element that matches, e.g.
  // whether a link lies inside "nav.pagination". `node` may be any node (a text
  // node, an <a>), or nullptr (false).
  bool MatchesSelfOrAncestor(const GumboNode* node) const;

  // Replaces the contents of *out with every matching element among `root` and
  // its descendants, in document order, each once (even when several selectors
  // of the group match it). `root` may be a document node or any element. The
  // pointers are owned by root's Document and valid as long as it.
  void Select(const GumboNode* root, std::vector<const GumboNode*>* out) const;

  // The text this selector was parsed from.
  const std::string& text() const;

 private:
  struct Compiled;
  explicit Selector(std::shared_ptr<const Compiled> compiled);

  std::shared_ptr<const Compiled>
      compiled_;  // nullptr for a default-constructed Selector
};

}  // namespace crawlbox::parser
