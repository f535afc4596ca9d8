// Document: an owning wrapper of a gumbo HTML5 parse, plus small read-only
// helpers on gumbo nodes (tag name, attribute, text content, an iterative
// document-order walk).
#pragma once

#include <gumbo.h>

#include <memory>
#include <string>
#include <string_view>
#include <type_traits>

namespace crawlbox::parser {

// The tree of one HTML page. Parsing never fails: like a browser, gumbo turns
// any bytes into a tree (unclosed tags are closed, stray end tags dropped,
// <html>/<head>/<body> inserted).
//
// Ownership and lifetime: Parse() copies the input, so the caller's buffer may
// die right after it returns. Every GumboNode* (and every char* inside one,
// e.g. attribute values and the original_* string pieces) obtained from a
// Document is owned by it and stays valid until the Document is destroyed or
// moved-into; moving a Document keeps the nodes valid (they now belong to the
// new object).
//
// Freeing does not recurse: gumbo's own gumbo_destroy_output() recurses once
// per nesting level and overflows the stack on a page nested a few 100k levels
// deep, so the Document records every allocation gumbo makes and frees the list
// instead.
//
// Cost: gumbo's tree construction is linear for most pages but quadratic in the
// nesting depth of some elements (100k nested <div> take about 30 s); callers
// bound the body size.
//
// Thread-safety: a Document is immutable after Parse(); concurrent const use is
// safe. Move-only.
class Document {
 public:
  // Parses `html` (treated as UTF-8; invalid bytes become U+FFFD). Never fails.
  // Bytes past 4 GiB (gumbo's limit) are ignored. The tag names of elements
  // gumbo does not know (custom elements, most SVG elements) are lowercased in
  // the Document's copy of the input, which is what original_tag points to.
  static Document Parse(std::string_view html);

  Document(Document&& other) noexcept;
  Document& operator=(Document&& other) noexcept;
  Document(const Document&) = delete;
  Document& operator=(const Document&) = delete;
  ~Document();

  // The <html> element (gumbo always creates one). nullptr only for a
  // moved-from Document.
  const GumboNode* root() const;
  // The GUMBO_NODE_DOCUMENT node above root(); its children may also hold
  // top-level comments. nullptr only for a moved-from Document.
  const GumboNode* document() const;
  // The Document's own copy of the input; valid as long as the Document.
  std::string_view html() const;

 private:
  struct State;
  explicit Document(std::unique_ptr<State> state);

  std::unique_ptr<State> state_;
};

// All helpers below accept any node pointer, including nullptr, and never fail.
// They treat GUMBO_NODE_TEMPLATE like an element, and the contents of a
// <template> as its children (as gumbo stores them), unlike a browser, which
// keeps them in a separate fragment.

// True for GUMBO_NODE_ELEMENT and GUMBO_NODE_TEMPLATE nodes.
bool IsElement(const GumboNode* node);

// The lowercase tag name of an element ("div", "my-widget", "clippath"); "" for
// other nodes. Points into static gumbo data or into the owning Document's
// buffer: valid as long as the Document. An element of an unknown tag that
// gumbo created itself (it has no source text) has the name "".
std::string_view TagName(const GumboNode* node);

// The value of attribute `name` (ASCII case-insensitive; entities already
// decoded), or nullptr when `node` is not an element or has no such attribute.
// Owned by the Document.
const char* Attribute(const GumboNode* node, std::string_view name);

// Like DOM textContent: the concatenated text of every text, CDATA and
// whitespace node below `node`, in document order, with comments left out.
// <script> and <style> text is included. For a text, CDATA, whitespace or
// comment node, its own text. Iterative, so any depth is fine.
std::string TextContent(const GumboNode* node);

// The parent when it is an element; nullptr for <html>, whose parent is the
// document node.
const GumboNode* ParentElement(const GumboNode* node);
// The nearest element before / after `node` among its parent's children (text,
// comment and whitespace nodes are skipped), or nullptr.
const GumboNode* PreviousElementSibling(const GumboNode* node);
const GumboNode* NextElementSibling(const GumboNode* node);

// The element that follows `node` in a pre-order (document-order) walk of the
// subtree under `root`, or nullptr when the walk is over. `node` must be `root`
// or lie below it. Constant extra memory: it follows parent pointers instead of
// keeping a stack.
const GumboNode* NextElement(const GumboNode* node, const GumboNode* root);

// Calls visit(const GumboNode* element) for `root` (when it is an element) and
// for every element below it, in document order. Iterative: a page nested 100k
// levels deep costs no stack. When `visit` returns bool, returning false stops
// the walk. `root` may be a document node.
template <typename Visit>
void ForEachElement(const GumboNode* root, Visit&& visit) {
  if (root == nullptr) return;
  const GumboNode* node = IsElement(root) ? root : NextElement(root, root);
  for (; node != nullptr; node = NextElement(node, root)) {
    if constexpr (std::is_same_v<std::invoke_result_t<Visit&, const GumboNode*>,
                                 bool>) {
      if (!visit(node)) return;
    } else {
      visit(node);
    }
  }
}

}  // namespace crawlbox::parser
