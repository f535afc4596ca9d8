// A recursive-descent parser for RFC 9535 JSONPath queries and logical
// expressions, following the RFC's ABNF and its well-typedness rules (§2.4.3).
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "parser/json_path_ast.h"
#include "parser/json_path_scan.h"

namespace crawlbox::parser::jsonpath {
namespace {

using config::Status;
using ExprPtr = std::unique_ptr<Expr>;

Type ResultType(Function f) {
  return f == Function::kMatch || f == Function::kSearch ? Type::kLogical
                                                         : Type::kValue;
}
const char* FunctionName(Function f) {
  switch (f) {
    case Function::kLength:
      return "length";
    case Function::kCount:
      return "count";
    case Function::kMatch:
      return "match";
    case Function::kSearch:
      return "search";
    case Function::kValue:
      return "value";
  }
  return "";
}

// The grammar on top of Scanner's tokens. Every recursive path goes through
// ParseOr, which bounds the depth.
class Parser : private Scanner {
 public:
  explicit Parser(std::string_view text) : Scanner(text) {}

  bool ParseWholeQuery(Query* out) {
    if (Peek() != '$') return Expected("\"$\" at the start of the query");
    ++pos_;
    if (!ParseSegments(out)) return false;
    if (!AtEnd()) return Expected("\".\", \"[\" or the end of the query");
    return true;
  }

  bool ParseWholeLogical(ExprPtr* out) {
    SkipBlank();
    if (!ParseOr(out) || !ToLogical(out)) return false;
    SkipBlank();
    if (!AtEnd()) return Expected("an operator or the end of the condition");
    return true;
  }

  using Scanner::TakeError;

 private:
  // *(S segment): whitespace is allowed before each segment only, so it is
  // given back when no segment follows.
  bool ParseSegments(Query* query) {
    for (;;) {
      size_t before = pos_;
      SkipBlank();
      if (Peek() == '[') {
        Segment segment;
        if (!ParseBracketed(&segment)) return false;
        query->segments.push_back(std::move(segment));
      } else if (Peek() == '.') {
        Segment segment;
        if (!ParseDotted(&segment)) return false;
        query->segments.push_back(std::move(segment));
      } else {
        pos_ = before;
        return true;
      }
    }
  }

  bool ParseDotted(Segment* segment) {
    ++pos_;  // '.'
    const char* expected = "a member name or \"*\" after \".\"";
    if (Peek() == '.') {
      ++pos_;
      segment->descendant = true;
      if (Peek() == '[') return ParseBracketed(segment);
      expected = "a member name, \"*\" or \"[\" after \"..\"";
    }
    Selector selector;
    if (Peek() == '*') {
      ++pos_;
      selector.kind = Selector::Kind::kWildcard;
    } else if (AtNameFirst()) {
      selector.kind = Selector::Kind::kName;
      ParseShorthand(&selector.name);
    } else {
      return Expected(expected);
    }
    segment->selectors.push_back(std::move(selector));
    return true;
  }

  bool ParseBracketed(Segment* segment) {
    ++pos_;  // '['
    size_t before = pos_;
    SkipBlank();
    // The ABNF's singular-query segments ("[" name-selector "]") have no room
    // for blank space: `@[ 'a' ]` selects like `@['a']` but is not singular.
    segment->padded = pos_ != before;
    for (;;) {
      Selector selector;
      if (!ParseSelector(&selector)) return false;
      segment->selectors.push_back(std::move(selector));
      before = pos_;
      SkipBlank();
      segment->padded = segment->padded || pos_ != before;
      if (Peek() == ']') {
        ++pos_;
        return true;
      }
      if (Peek() != ',') return Expected("\",\" or \"]\" after a selector");
      ++pos_;
      SkipBlank();
    }
  }

  bool ParseSelector(Selector* selector) {
    char c = Peek();
    if (c == '\'' || c == '"') {
      selector->kind = Selector::Kind::kName;
      return ParseString(&selector->name);
    }
    if (c == '*') {
      ++pos_;
      selector->kind = Selector::Kind::kWildcard;
      return true;
    }
    if (c == '?') {
      ++pos_;
      SkipBlank();
      selector->kind = Selector::Kind::kFilter;
      ++filter_depth_;
      bool ok = ParseOr(&selector->filter) && ToLogical(&selector->filter);
      --filter_depth_;
      return ok;
    }
    if (c == '-' || IsDigit(c) || c == ':') return ParseIndexOrSlice(selector);
    return Expected(
        "a selector (a quoted name, \"*\", an index, a slice or \"?\")");
  }

  // [start S] ":" S [end S] [":" [S step]], or a lone index.
  bool ParseIndexOrSlice(Selector* selector) {
    std::optional<int64_t> first;
    if (AtIntStart()) {
      int64_t v = 0;
      if (!ParseInt(&v)) return false;
      first = v;
    }
    size_t after_first = pos_;
    SkipBlank();
    if (Peek() != ':') {
      pos_ = after_first;
      selector->kind = Selector::Kind::kIndex;
      selector->index = *first;  // the caller saw a digit or '-' or ':'
      return true;
    }
    ++pos_;
    selector->kind = Selector::Kind::kSlice;
    selector->start = first;
    SkipBlank();
    int64_t v = 0;
    if (AtIntStart()) {
      if (!ParseInt(&v)) return false;
      selector->end = v;
      SkipBlank();
    }
    if (Peek() == ':') {
      ++pos_;
      SkipBlank();
      if (AtIntStart()) {
        if (!ParseInt(&v)) return false;
        selector->step = v;
      }
    }
    return true;
  }

  // Nesting guard for ParseOr, the only recursive entry point.
  struct DepthGuard {
    explicit DepthGuard(int* depth) : depth(depth) { ++*depth; }
    ~DepthGuard() { --*depth; }
    int* depth;
  };

  static ExprPtr NewExpr(Expr::Kind kind, size_t at) {
    auto e = std::make_unique<Expr>();
    e->kind = kind;
    e->at = at;
    return e;
  }

  // logical-or-expr; returns a bare comparable when there is no operator, so
  // function arguments can be typed by their caller.
  bool ParseOr(ExprPtr* out) {
    DepthGuard guard(&depth_);
    if (depth_ > kMaxNestingDepth) {
      return Expected("at most 64 nested filters, parentheses or functions");
    }
    return ParseChain("||", Expr::Kind::kOr, out);
  }

  bool ParseChain(std::string_view op, Expr::Kind kind, ExprPtr* out) {
    size_t start = pos_;
    ExprPtr first;
    bool ok = kind == Expr::Kind::kOr
                  ? ParseChain("&&", Expr::Kind::kAnd, &first)
                  : ParseBasic(&first);
    if (!ok) return false;
    std::vector<ExprPtr> operands;
    operands.push_back(std::move(first));
    for (;;) {
      size_t before = pos_;
      SkipBlank();
      if (text_.substr(pos_, 2) != op) {
        pos_ = before;
        break;
      }
      pos_ += 2;
      SkipBlank();
      ExprPtr next;
      ok = kind == Expr::Kind::kOr ? ParseChain("&&", Expr::Kind::kAnd, &next)
                                   : ParseBasic(&next);
      if (!ok) return false;
      operands.push_back(std::move(next));
    }
    if (operands.size() == 1) {
      *out = std::move(operands[0]);
      return true;
    }
    for (ExprPtr& operand : operands) {
      if (!ToLogical(&operand)) return false;
    }
    *out = NewExpr(kind, start);
    (*out)->operands = std::move(operands);
    return true;
  }

  // Turns a bare query into an existence test and checks that a function is
  // logical (§2.4.3: a test-expr is a query or a LogicalType/NodesType
  // function); a literal is never logical.
  bool ToLogical(ExprPtr* e) {
    switch ((*e)->kind) {
      case Expr::Kind::kLiteral:
        return Fail((*e)->at, "a query, a comparison or a logical function");
      case Expr::Kind::kQuery:
      case Expr::Kind::kFunction: {
        bool query = (*e)->kind == Expr::Kind::kQuery;
        if (!query && ResultType((*e)->function) != Type::kLogical) {
          return Fail((*e)->at, std::string("a comparison after ") +
                                    FunctionName((*e)->function) +
                                    "(), whose value is not a logical result");
        }
        ExprPtr test =
            NewExpr(query ? Expr::Kind::kExists : Expr::Kind::kTest, (*e)->at);
        test->operands.push_back(std::move(*e));
        *e = std::move(test);
        return true;
      }
      default:
        return true;
    }
  }

  bool ParseParen(ExprPtr* out) {
    ++pos_;  // '('
    SkipBlank();
    if (!ParseOr(out) || !ToLogical(out)) return false;
    SkipBlank();
    if (Peek() != ')') return Expected("\")\"");
    ++pos_;
    return true;
  }

  // basic-expr: paren-expr / comparison-expr / test-expr, the last two
  // possibly a bare comparable for ParseOr's callers to type.
  bool ParseBasic(ExprPtr* out) {
    size_t start = pos_;
    if (Peek() == '!') {
      ++pos_;
      SkipBlank();
      ExprPtr inner;
      if (Peek() == '(') {
        if (!ParseParen(&inner)) return false;
      } else {
        if (Peek() != '$' && Peek() != '@' &&
            !(Peek() >= 'a' && Peek() <= 'z')) {
          return Expected("\"(\", a query or a function after \"!\"");
        }
        if (!ParseComparable(&inner)) return false;
        if (!ToLogical(&inner)) return false;
      }
      *out = NewExpr(Expr::Kind::kNot, start);
      (*out)->operands.push_back(std::move(inner));
      return true;
    }
    if (Peek() == '(') return ParseParen(out);
    ExprPtr lhs;
    if (!ParseComparable(&lhs)) return false;
    size_t before = pos_;
    SkipBlank();
    CompareOp op;
    if (!ParseCompareOp(&op)) {
      pos_ = before;
      *out = std::move(lhs);
      return true;
    }
    SkipBlank();
    ExprPtr rhs;
    if (!ParseComparable(&rhs)) return false;
    if (!CheckComparable(*lhs) || !CheckComparable(*rhs)) return false;
    *out = NewExpr(Expr::Kind::kCompare, start);
    (*out)->op = op;
    (*out)->operands.push_back(std::move(lhs));
    (*out)->operands.push_back(std::move(rhs));
    return true;
  }

  bool ParseCompareOp(CompareOp* op) {
    std::string_view two = text_.substr(pos_, 2);
    if (two == "==")
      *op = CompareOp::kEq;
    else if (two == "!=")
      *op = CompareOp::kNe;
    else if (two == "<=")
      *op = CompareOp::kLe;
    else if (two == ">=")
      *op = CompareOp::kGe;
    else if (Peek() == '<')
      *op = CompareOp::kLt;
    else if (Peek() == '>')
      *op = CompareOp::kGt;
    else
      return false;
    pos_ += (*op == CompareOp::kLt || *op == CompareOp::kGt) ? 1 : 2;
    return true;
  }

  // A comparable is a literal, a singular query or a ValueType function.
  bool CheckComparable(const Expr& e) {
    if (e.kind == Expr::Kind::kQuery && !e.query.IsSingular()) {
      return Fail(e.at,
                  "a singular query (names and indexes only) in a "
                  "comparison");
    }
    if (e.kind == Expr::Kind::kFunction &&
        ResultType(e.function) != Type::kValue) {
      return Fail(e.at, std::string("a value in a comparison, not the "
                                    "logical result of ") +
                            FunctionName(e.function) + "()");
    }
    return true;
  }

  // literal / query / function-expr.
  bool ParseComparable(ExprPtr* out) {
    size_t start = pos_;
    char c = Peek();
    if (c == '$' || c == '@') {
      if (c == '@' && filter_depth_ == 0) {
        return Expected("a query starting at \"$\" (\"@\" only in filters)");
      }
      ++pos_;
      *out = NewExpr(Expr::Kind::kQuery, start);
      (*out)->query.relative = c == '@';
      return ParseSegments(&(*out)->query);
    }
    if (c == '\'' || c == '"') {
      std::string s;
      if (!ParseString(&s)) return false;
      *out = NewExpr(Expr::Kind::kLiteral, start);
      (*out)->literal = std::move(s);
      return true;
    }
    if (c == '-' || IsDigit(c)) {
      *out = NewExpr(Expr::Kind::kLiteral, start);
      return ParseNumber(&(*out)->literal);
    }
    if (c >= 'a' && c <= 'z') {
      size_t end = pos_;
      while (end < text_.size() && ((text_[end] >= 'a' && text_[end] <= 'z') ||
                                    IsDigit(text_[end]) || text_[end] == '_')) {
        ++end;
      }
      std::string_view word = text_.substr(pos_, end - pos_);
      if (end < text_.size() && text_[end] == '(') {
        return ParseFunction(word, out);
      }
      *out = NewExpr(Expr::Kind::kLiteral, start);
      if (word == "true") {
        (*out)->literal = true;
      } else if (word == "false") {
        (*out)->literal = false;
      } else if (word == "null") {
        (*out)->literal = nullptr;
      } else {
        return Expected("true, false, null or a function call");
      }
      pos_ = end;
      return true;
    }
    return Expected("a query, a literal or a function call");
  }

  bool ParseFunction(std::string_view name, ExprPtr* out) {
    size_t start = pos_;
    Function f;
    std::vector<Type> params;
    if (name == "length") {
      f = Function::kLength;
      params = {Type::kValue};
    } else if (name == "count") {
      f = Function::kCount;
      params = {Type::kNodes};
    } else if (name == "match" || name == "search") {
      f = name == "match" ? Function::kMatch : Function::kSearch;
      params = {Type::kValue, Type::kValue};
    } else if (name == "value") {
      f = Function::kValue;
      params = {Type::kNodes};
    } else {
      return Expected("length, count, match, search or value as function");
    }
    pos_ += name.size() + 1;  // name and '('
    SkipBlank();
    *out = NewExpr(Expr::Kind::kFunction, start);
    (*out)->function = f;
    while (Peek() != ')') {
      if (!(*out)->operands.empty()) {
        if (Peek() != ',') return Expected("\",\" or \")\" after an argument");
        ++pos_;
        SkipBlank();
      }
      if ((*out)->operands.size() == params.size()) {
        return Expected(std::to_string(params.size()) + " argument(s) to " +
                        std::string(name) + "()");
      }
      ExprPtr arg;
      if (!ParseOr(&arg)) return false;
      if (!CheckArgument(*arg, params[(*out)->operands.size()], name)) {
        return false;
      }
      (*out)->operands.push_back(std::move(arg));
      SkipBlank();
    }
    if ((*out)->operands.size() != params.size()) {
      return Expected(std::to_string(params.size()) + " argument(s) to " +
                      std::string(name) + "()");
    }
    ++pos_;  // ')'
    const Expr& pattern = *(*out)->operands.back();
    if ((f == Function::kMatch || f == Function::kSearch) &&
        pattern.kind == Expr::Kind::kLiteral && pattern.literal.is_string()) {
      (*out)->regex_compiled = true;
      (*out)->regex =
          CompileIRegexp(pattern.literal.get_ref<const std::string&>());
    }
    return true;
  }

  // §2.4.3: a ValueType parameter takes a literal, a singular query or a
  // ValueType function; a NodesType parameter takes a query.
  bool CheckArgument(const Expr& arg, Type param, std::string_view name) {
    std::string where = " as argument of " + std::string(name) + "()";
    if (param == Type::kValue) {
      bool ok = arg.kind == Expr::Kind::kLiteral ||
                (arg.kind == Expr::Kind::kQuery && arg.query.IsSingular()) ||
                (arg.kind == Expr::Kind::kFunction &&
                 ResultType(arg.function) == Type::kValue);
      return ok ||
             Fail(arg.at, "a literal, a singular query or a value" + where);
    }
    return arg.kind == Expr::Kind::kQuery || Fail(arg.at, "a query" + where);
  }

  int depth_ = 0;
  int filter_depth_ = 0;
};

}  // namespace

bool Query::IsSingular() const {
  for (const Segment& segment : segments) {
    if (segment.descendant || segment.padded || segment.selectors.size() != 1) {
      return false;
    }
    Selector::Kind kind = segment.selectors[0].kind;
    if (kind != Selector::Kind::kName && kind != Selector::Kind::kIndex) {
      return false;
    }
  }
  return true;
}

config::Result<Query> ParseQuery(std::string_view text, int* error_column) {
  Parser parser(text);
  Query query;
  if (!parser.ParseWholeQuery(&query)) return parser.TakeError(error_column);
  return query;
}

config::Result<std::unique_ptr<Expr>> ParseLogical(std::string_view text,
                                                   int* error_column) {
  Parser parser(text);
  std::unique_ptr<Expr> expr;
  if (!parser.ParseWholeLogical(&expr)) return parser.TakeError(error_column);
  return expr;
}

}  // namespace crawlbox::parser::jsonpath
