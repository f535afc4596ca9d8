// JsonPath: a compiled RFC 9535 JSONPath query over nlohmann::json; and
// JsonCondition: an RFC 9535 logical expression evaluated against a document
// (pagination stop conditions such as `$.has_more == false`).
#pragma once

#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "config/status.h"

namespace crawlbox::parser {

namespace jsonpath {
struct Query;
struct Expr;
}  // namespace jsonpath

// A JSONPath query such as "$.items[?@.price < 10].url", compiled once and
// run against many documents.
//
// The whole of RFC 9535: `$`; `.name`, `.*`, `['name']` and `["name"]` (JSON
// escapes, \uXXXX surrogate pairs); indexes `[n]` (negative from the end);
// slices `[start:end:step]` (negative steps too); `[*]`; several selectors
// `[a,b]`; descendants `..name`, `..*`, `..[...]`; filters `[?...]` with `@`
// and `$` queries, ==, !=, <, <=, >, >=, &&, ||, !, parentheses, existence
// tests, literals, and the functions length(), count(), match(), search() and
// value(), type-checked when parsed. match()/search() take I-Regexp (RFC 9485)
// patterns (`^` and `$` act as anchors, as
// the Compliance Test Suite expects); a pattern that is not one makes them
// false. Indexes and slice bounds must lie within ±(2^53-1); filters,
// parentheses and function arguments may nest kMaxNestingDepth deep.
//
// Select() walks the document with explicit stacks, so any nesting depth of
// the document is safe.
//
// Thread-safety: immutable after Parse(); concurrent const use from many
// threads is safe. Copying is cheap: copies share the compiled form.
class JsonPath {
 public:
  static constexpr int kMaxNestingDepth = 64;

  // A query that selects nothing, with empty text(). For members that are
  // assigned later.
  JsonPath();

  // Compiles `text`, which must be a whole query: no whitespace before `$` or
  // after the last segment. On failure returns InvalidArgument whose message
  // says what was expected, what was found and the 1-based column (in
  // characters), e.g.
  //   expected a member name or "*" after ".", found "[" at column 3 of "$.[x]"
  // and, when error_column is not null, stores that column in *error_column
  // (untouched on success). The caller adds where the query came from
  // (file:line, key) and may turn the column into file:line:col.
  static config::Result<JsonPath> Parse(std::string_view text,
                                        int* error_column = nullptr);

  // Replaces the contents of *out with the nodelist the query selects from
  // `root` (the query argument), in RFC 9535 order; a member may appear more
  // than once (e.g. "$['a','a']"). Members of one object come in nlohmann's
  // (sorted key) order, which the RFC leaves open. The pointers point into
  // `root` and stay valid while it is neither modified nor destroyed. Never
  // throws; on an internal failure (out of memory) *out is left empty.
  void Select(const nlohmann::json& root,
              std::vector<const nlohmann::json*>* out) const;

  // The text this query was parsed from.
  const std::string& text() const;

 private:
  struct Compiled;
  explicit JsonPath(std::shared_ptr<const Compiled> compiled);
  std::shared_ptr<const Compiled> compiled_;
};

// A logical expression of RFC 9535's filter grammar whose queries start at
// `$`, the document: `$.has_more == false`, `!$.next`,
// `length($.items) == 0`, `$.page >= $.pages`, `count($.items[*]) < 10`.
// `@` is allowed only inside a filter selector of a query. Whitespace around
// the expression is ignored. Comparisons follow RFC 9535 §2.3.5.2.2: a query
// that selects nothing compares equal only to another that selects nothing,
// numbers compare by value (1 == 1.0), and < between different types is false.
//
// Thread-safety: immutable after Parse(); concurrent const use is safe.
// Copying is cheap.
class JsonCondition {
 public:
  // A condition that is always false, with empty text().
  JsonCondition();

  // Compiles `text`. Failures as JsonPath::Parse, e.g.
  //   expected a singular query (names and indexes only) in a comparison,
  //   found "$" at column 1 of "$.items[*] == 1"
  static config::Result<JsonCondition> Parse(std::string_view text,
                                             int* error_column = nullptr);

  // Whether the condition holds for `root`. Never throws; false on an
  // internal failure (out of memory).
  bool Evaluate(const nlohmann::json& root) const;

  // The text this condition was parsed from.
  const std::string& text() const;

 private:
  struct Compiled;
  explicit JsonCondition(std::shared_ptr<const Compiled> compiled);
  std::shared_ptr<const Compiled> compiled_;
};

}  // namespace crawlbox::parser
