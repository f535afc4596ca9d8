// XPath: a compiled XPath 1.0 expression and its evaluation over the gumbo
// trees of parser/dom.h, with HTML document semantics.
#pragma once

#include <gumbo.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "config/status.h"

namespace crawlbox::parser {

// A node an XPath expression can select: an element, text, comment or document
// node (`attribute` == nullptr), or one attribute of an element (`node` is the
// element, `attribute` one of its attributes). Both pointers are owned by the
// node's Document and valid as long as it.
struct XPathNode {
  const GumboNode* node = nullptr;
  const GumboAttribute* attribute = nullptr;

  bool operator==(const XPathNode&) const = default;
};

// The XPath string-value of `node`: the attribute value for an attribute; the
// text of a text or comment node; for an element or document node the
// concatenated text of every text node below it (DOM textContent; comments left
// out). "" for a null node. Iterative: any depth is fine.
std::string XPathStringValue(const XPathNode& node);

// An XPath 1.0 expression such as "//div[@class='item'][2]/a/@href" or
// "normalize-space(//h1)", compiled once and evaluated against nodes of a
// Document (parser/dom.h).
//
// Supported: all of XPath 1.0 except variables ($x is a parse error):
// location paths (absolute, relative, `//`, `.`, `..`, `@name`, `@*`); the
// axes child, descendant, descendant-or-self, parent, ancestor,
// ancestor-or-self, following-sibling, preceding-sibling, following,
// preceding, attribute, self and namespace (always empty: HTML attributes carry
// no namespace nodes); the node tests name, `*`, `prefix:*` and `prefix:name`
// (the prefix is ignored: there are no namespace bindings), text(), comment(),
// node() and processing-instruction() (never matches: gumbo keeps none);
// predicates with XPath position semantics (reverse axes count backwards, a
// number n means position() = n); filter expressions `(...)[n]`; union `|`;
// or, and, =, !=, <, <=, >, >=, +, -, *, div, mod, unary minus with the XPath
// 1.0 comparison rules for node-sets; string literals and numbers; and the
// whole core function library. Unknown functions and wrong argument counts are
// parse errors.
//
// HTML document semantics, as lxml.html and browsers do for HTML documents:
// - Name tests match element and attribute names ASCII case-insensitively
//   (gumbo lowercases HTML tag and attribute names) and ignore namespaces, so
//   //svg finds inline SVG (lxml over html5lib's tree, which puts <svg> in the
//   SVG namespace, does not); name() and local-name() return the lowercase
//   names gumbo stores. namespace-uri() is "" for HTML elements and the SVG or
//   MathML namespace for elements gumbo put there.
// - Text nodes are gumbo's text, whitespace and CDATA nodes, one XPath text
//   node each. gumbo merges adjacent character data into one node, as lxml's
//   text/tail do; comments and CDATA sections split it. One known tree
//   difference from html5lib: the whitespace just before </form> ends up
//   after the form element, merged with the text that follows it.
// - lang() reads the `lang` attribute (or `xml:lang`) of the nearest
//   ancestor-or-self element that has one (libxml2 reads only xml:lang).
// - id() selects the elements whose `id` attribute equals one of the
//   whitespace-separated tokens of its argument (libxml2 knows only IDs a DTD
//   declared, so lxml's id() finds nothing on HTML).
// tests/parser/xpath_lxml_test.cc compares all of this with lxml on real
// pages and lists each difference with its reason.
//
// Robustness: evaluation is iterative in the document's depth (a page nested
// 100,000 levels costs no stack). Recursion grows only with the expression's
// own nesting (parentheses, predicates, function arguments), which Parse()
// bounds at kMaxNesting levels; long operator chains (`a or b or ...`) do not
// nest. Steps without predicates skip nodes already reached from an earlier
// context node, so `//div//div` or `//*/ancestor::*` stay linear in the page
// size; steps with predicates cost what XPath says they cost.
//
// Thread-safety: immutable after Parse(); concurrent const use from many
// threads is safe. Copying is cheap: copies share the compiled form.
class XPath {
 public:
  // How deeply parentheses, predicates and function arguments may nest inside
  // each other; deeper is a parse error.
  static constexpr int kMaxNesting = 64;

  // An expression that selects nothing and whose string value is "", with
  // empty text(). For members that are assigned later.
  XPath();

  // Compiles `text`. On failure returns InvalidArgument whose message says what
  // was expected, what was found, and the 1-based column (in characters) of the
  // problem, e.g.
  //   expected a node test after "/", found "]" at column 7 of "//div/]"
  // The caller adds where the expression came from (file:line, key).
  static config::Result<XPath> Parse(std::string_view text);

  // Replaces the contents of *out with the expression's node-set evaluated
  // with `context` as the context node (position 1, size 1), in document
  // order, without duplicates. `context` is an element or document node of a
  // live Document (nullptr gives an empty set). An expression whose value is
  // not a node-set (a number, a string, a boolean) gives an empty set. The
  // pointers are owned by context's Document.
  void SelectNodes(const GumboNode* context, std::vector<XPathNode>* out) const;

  // The value of string(expr) from `context`: the string-value of the first
  // node of a node-set ("" when empty); a number formatted per XPath 1.0
  // ("NaN", "Infinity", "-Infinity", integers without ".0", others in plain
  // decimal notation with the fewest digits that read back exactly); "true" or
  // "false". "" for a nullptr context or a default-constructed XPath.
  std::string EvaluateString(const GumboNode* context) const;

  // True when the expression's value is a node-set, which XPath 1.0 knows
  // statically (there are no variables): location paths, unions, filter
  // expressions and id(). For load-time checks of record selectors.
  bool IsNodeSetExpression() const;

  // The text this expression was parsed from.
  const std::string& text() const;

 private:
  struct Compiled;
  explicit XPath(std::shared_ptr<const Compiled> compiled);

  std::shared_ptr<const Compiled>
      compiled_;  // nullptr for a default-constructed XPath
};

}  // namespace crawlbox::parser
