// The compiled form of an RFC 9535 JSONPath query or logical expression, and
// the functions that build (json_path_parse.cc) and evaluate
// (json_path_eval.cc) it. Private to parser/: include parser/json_path.h.
#pragma once

#include <re2/re2.h>

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/status.h"

namespace crawlbox::parser::jsonpath {

struct Expr;

// One selector of a segment (RFC 9535 §2.3).
struct Selector {
  enum class Kind { kName, kWildcard, kIndex, kSlice, kFilter };
  Kind kind = Kind::kWildcard;
  std::string name;                   // kName: the member name, unescaped
  int64_t index = 0;                  // kIndex: may be negative
  std::optional<int64_t> start, end;  // kSlice: absent means the default
  int64_t step = 1;                   // kSlice
  std::unique_ptr<Expr> filter;       // kFilter: a logical expression
};

// `.name`, `[...]` (child) or `..name`, `..[...]` (descendant).
struct Segment {
  bool descendant = false;
  bool padded = false;  // blank space inside its brackets (not singular)
  std::vector<Selector> selectors;
};

// `$...` (from the root) or `@...` (from the current node of a filter).
struct Query {
  bool relative = false;
  std::vector<Segment> segments;

  // True for a singular query (§2.3.5.1): child segments of one name or index
  // selector each, so it selects at most one node.
  bool IsSingular() const;
};

enum class Function { kLength, kCount, kMatch, kSearch, kValue };
enum class CompareOp { kEq, kNe, kLt, kLe, kGt, kGe };

// The declared types of function results and parameters (§2.4.1).
enum class Type { kValue, kLogical, kNodes };

// A node of a filter expression. Comparables and function arguments are
// kLiteral, kQuery or kFunction; everything that yields true/false is one of
// the logical kinds. The parser rejects what is not well-typed, so the
// evaluator trusts the shapes below.
struct Expr {
  enum class Kind {
    kLiteral,   // literal
    kQuery,     // query: a value (singular) or a nodelist (function argument)
    kFunction,  // function, arguments in operands
    kOr,        // operands: two or more logical expressions
    kAnd,       // operands: two or more logical expressions
    kNot,       // operands[0]: a logical expression
    kCompare,   // operands[0] op operands[1], each a comparable
    kExists,    // operands[0]: a kQuery; true when it selects anything
    kTest,      // operands[0]: a kFunction with a logical result
  };
  Kind kind = Kind::kLiteral;
  size_t at = 0;  // byte offset in the text, for error messages
  nlohmann::json literal;
  Query query;
  Function function = Function::kLength;
  CompareOp op = CompareOp::kEq;
  std::vector<std::unique_ptr<Expr>> operands;
  // match()/search() with a literal pattern compile it once at parse time;
  // regex stays null when the pattern is not a valid I-Regexp.
  bool regex_compiled = false;
  std::shared_ptr<const RE2> regex;
};

// How deeply parentheses, filters and function arguments may nest; deeper is
// a parse error, which bounds the recursion of both parser and evaluator.
inline constexpr int kMaxNestingDepth = 64;

// Parses a whole RFC 9535 query (`$` and segments, no surrounding
// whitespace). On failure InvalidArgument "expected X, found Y at column N of
// "text"" and *error_column (if not null) set to N.
config::Result<Query> ParseQuery(std::string_view text, int* error_column);

// Parses a logical expression whose queries start at `$` (surrounding
// whitespace allowed). Errors as ParseQuery.
config::Result<std::unique_ptr<Expr>> ParseLogical(std::string_view text,
                                                   int* error_column);

// Appends the nodelist of `query` to *out. `current` is the node `@` stands
// for. Pointers are into root (or current).
void SelectNodes(const Query& query, const nlohmann::json& root,
                 const nlohmann::json& current,
                 std::vector<const nlohmann::json*>* out);

// The value of a logical expression at `current`.
bool EvaluateLogical(const Expr& expr, const nlohmann::json& root,
                     const nlohmann::json& current);

// Compiles an I-Regexp (RFC 9485) to RE2 (UTF-8; `.` matches anything but
// \n and \r). Null when `pattern` is not a valid I-Regexp or RE2 rejects it.
std::shared_ptr<const RE2> CompileIRegexp(std::string_view pattern);

}  // namespace crawlbox::parser::jsonpath
