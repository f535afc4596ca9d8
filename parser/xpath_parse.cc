// XPath 1.0 parsing: a recursive-descent parser from tokens
// (parser/xpath_tokenize.h) into xpath_internal::Expr, with static types.
#include <charconv>
#include <cstdio>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "parser/xpath.h"
#include "parser/xpath_ast.h"
#include "parser/xpath_tokenize.h"

namespace crawlbox::parser::xpath_internal {
namespace {

using config::Status;

std::string LowerAscii(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// Text for an error line, with control characters escaped to keep it one line.
std::string Printable(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    char buf[8];
    bool control = c < 0x20 || c == 0x7F;
    std::snprintf(buf, sizeof(buf), control ? "\\x%02X" : "%c", c);
    out += buf;
  }
  return out;
}

constexpr std::pair<std::string_view, Axis> kAxes[] = {
    {"ancestor", Axis::kAncestor},
    {"ancestor-or-self", Axis::kAncestorOrSelf},
    {"attribute", Axis::kAttribute},
    {"child", Axis::kChild},
    {"descendant", Axis::kDescendant},
    {"descendant-or-self", Axis::kDescendantOrSelf},
    {"following", Axis::kFollowing},
    {"following-sibling", Axis::kFollowingSibling},
    {"namespace", Axis::kNamespace},
    {"parent", Axis::kParent},
    {"preceding", Axis::kPreceding},
    {"preceding-sibling", Axis::kPrecedingSibling},
    {"self", Axis::kSelf},
};

constexpr std::pair<std::string_view, NodeTest> kNodeTypes[] = {
    {"comment", NodeTest::kComment},
    {"text", NodeTest::kText},
    {"processing-instruction", NodeTest::kProcessingInstruction},
    {"node", NodeTest::kNode},
};

bool IsNodeType(std::string_view name) {
  for (const auto& entry : kNodeTypes) {
    if (entry.first == name) return true;
  }
  return false;
}

// Whether a predicate's value may depend on the context position or size.
bool UsesPosition(const Expr& expr) {
  if (expr.kind == ExprKind::kCall && (expr.function == Function::kPosition ||
                                       expr.function == Function::kLast)) {
    return true;
  }
  for (const Expr& e : expr.operands) {
    if (UsesPosition(e)) return true;
  }
  // Predicates of inner steps and filters have their own context, so they
  // cannot see this one's position: no need to look inside them.
  return false;
}

Step AnyNodeStep(Axis axis) {
  Step step;
  step.axis = axis;
  step.test = NodeTest::kNode;
  return step;
}

// Each Parse* function returns false after recording the first error.
class Parser {
 public:
  explicit Parser(std::string_view text)
      : text_(text), tokens_(Tokenize(text)) {}

  Status Parse(Expr* out) {
    if (!ParseOr(out)) return error_;
    if (Peek().tok != Tok::kEnd) {
      Expected("an operator or the end of the expression");
      return error_;
    }
    return Status::Ok();
  }

 private:
  const Token& Peek(size_t ahead = 0) const {
    size_t i = std::min(next_ + ahead, tokens_.size() - 1);
    return tokens_[i];
  }
  bool Consume(Tok tok) {
    if (Peek().tok != tok) return false;
    ++next_;
    return true;
  }

  // Records "expected <expected>, found <token> at column N of "<text>"".
  bool Fail(const Token& at, std::string_view expected) {
    std::string found = "the end of the expression";
    if (at.tok == Tok::kBad && (at.text[0] == '"' || at.text[0] == '\'')) {
      found = "an unterminated literal";
    } else if (at.tok != Tok::kEnd) {
      found = "\"" + Printable(at.text) + "\"";
    }
    size_t column = 1;  // in characters: UTF-8 continuation bytes don't count
    for (size_t i = 0; i < at.pos && i < text_.size(); ++i) {
      if ((static_cast<unsigned char>(text_[i]) & 0xC0) != 0x80) ++column;
    }
    error_ = Status::InvalidArgument("expected " + std::string(expected) +
                                     ", found " + found + " at column " +
                                     std::to_string(column) + " of \"" +
                                     Printable(text_) + "\"");
    return false;
  }
  bool Expected(std::string_view expected) { return Fail(Peek(), expected); }

  // Joins operands of one precedence level; `ops` lists this level's
  // operators.
  template <typename Next>
  bool ParseChain(Expr* out, std::initializer_list<std::pair<Tok, Op>> ops,
                  Type type, Next next) {
    Expr first;
    if (!(this->*next)(&first)) return false;
    Expr chain;
    while (true) {
      const Token& token = Peek();
      const Op* op = nullptr;
      for (const auto& entry : ops) {
        if (entry.first == token.tok) op = &entry.second;
      }
      if (op == nullptr) break;
      if (chain.operands.empty()) chain.operands.push_back(std::move(first));
      ++next_;
      Expr operand;
      if (!(this->*next)(&operand)) return false;
      if (*op == Op::kUnion && (chain.operands.back().type != Type::kNodeSet ||
                                operand.type != Type::kNodeSet)) {
        return Fail(token, "node-sets on both sides of \"|\"");
      }
      chain.ops.push_back(*op);
      chain.operands.push_back(std::move(operand));
    }
    if (chain.operands.empty()) {
      *out = std::move(first);
    } else {
      chain.kind = ExprKind::kChain;
      chain.type = type;
      *out = std::move(chain);
    }
    return true;
  }

  bool ParseOr(Expr* out) {
    if (++depth_ > XPath::kMaxNesting) {
      return Expected("at most " + std::to_string(XPath::kMaxNesting) +
                      " levels of nested parentheses, predicates and "
                      "function arguments");
    }
    bool ok = ParseChain(out, {{Tok::kOr, Op::kOr}}, Type::kBoolean,
                         &Parser::ParseAnd);
    --depth_;
    return ok;
  }
  bool ParseAnd(Expr* out) {
    return ParseChain(out, {{Tok::kAnd, Op::kAnd}}, Type::kBoolean,
                      &Parser::ParseEquality);
  }
  bool ParseEquality(Expr* out) {
    return ParseChain(out, {{Tok::kEq, Op::kEq}, {Tok::kNe, Op::kNe}},
                      Type::kBoolean, &Parser::ParseRelational);
  }
  bool ParseRelational(Expr* out) {
    return ParseChain(out,
                      {{Tok::kLt, Op::kLt},
                       {Tok::kLe, Op::kLe},
                       {Tok::kGt, Op::kGt},
                       {Tok::kGe, Op::kGe}},
                      Type::kBoolean, &Parser::ParseAdditive);
  }
  bool ParseAdditive(Expr* out) {
    return ParseChain(out, {{Tok::kPlus, Op::kAdd}, {Tok::kMinus, Op::kSub}},
                      Type::kNumber, &Parser::ParseMultiplicative);
  }
  bool ParseMultiplicative(Expr* out) {
    return ParseChain(out,
                      {{Tok::kMultiply, Op::kMul},
                       {Tok::kDiv, Op::kDiv},
                       {Tok::kMod, Op::kMod}},
                      Type::kNumber, &Parser::ParseUnary);
  }
  bool ParseUnary(Expr* out) {
    int negations = 0;
    while (Consume(Tok::kMinus)) ++negations;
    if (negations == 0) return ParseUnion(out);
    Expr operand;
    if (!ParseUnion(&operand)) return false;
    out->kind = ExprKind::kNegate;
    out->type = Type::kNumber;
    out->negations = negations;
    out->operands.push_back(std::move(operand));
    return true;
  }
  bool ParseUnion(Expr* out) {
    return ParseChain(out, {{Tok::kPipe, Op::kUnion}}, Type::kNodeSet,
                      &Parser::ParsePath);
  }

  bool StartsFilter() const {
    switch (Peek().tok) {
      case Tok::kLeftParen:
      case Tok::kLiteral:
      case Tok::kNumber:
      case Tok::kDollar:
        return true;
      case Tok::kName:
        return Peek(1).tok == Tok::kLeftParen && !IsNodeType(Peek().text);
      default:
        return false;
    }
  }
  bool StartsStep() const {
    switch (Peek().tok) {
      case Tok::kDot:
      case Tok::kDotDot:
      case Tok::kAt:
      case Tok::kStar:
      case Tok::kName:
        return true;
      default:
        return false;
    }
  }

  bool ParsePath(Expr* out) {
    out->kind = ExprKind::kPath;
    out->type = Type::kNodeSet;
    if (StartsFilter()) {
      const Token& start = Peek();
      Expr primary;
      if (!ParsePrimary(&primary)) return false;
      if (Peek().tok != Tok::kLeftBracket && Peek().tok != Tok::kSlash &&
          Peek().tok != Tok::kDoubleSlash) {
        *out = std::move(primary);
        return true;
      }
      if (primary.type != Type::kNodeSet) {
        return Fail(start, "a node-set before a predicate or \"/\"");
      }
      out->operands.push_back(std::move(primary));
      if (!ParsePredicates(&out->predicates)) return false;
      if (Peek().tok != Tok::kSlash && Peek().tok != Tok::kDoubleSlash) {
        return true;
      }
    } else if (Peek().tok == Tok::kSlash || Peek().tok == Tok::kDoubleSlash) {
      out->absolute = true;
      if (Peek().tok == Tok::kSlash) {
        ++next_;
        if (!StartsStep()) return true;  // "/" alone: the root
        return ParseRelative(out);
      }
    } else if (!StartsStep()) {
      return Expected("an expression");
    } else {
      return ParseRelative(out);
    }
    // At a "/" or "//" that continues the path.
    return ParseSlashAndRelative(out);
  }

  bool ParseSlashAndRelative(Expr* out) {
    if (Consume(Tok::kDoubleSlash)) {
      out->steps.push_back(AnyNodeStep(Axis::kDescendantOrSelf));
      if (!StartsStep()) return Expected("a node test after \"//\"");
    } else if (Consume(Tok::kSlash)) {
      if (!StartsStep()) return Expected("a node test after \"/\"");
    }
    return ParseRelative(out);
  }

  // Steps separated by "/" or "//"; at a step.
  bool ParseRelative(Expr* out) {
    while (true) {
      Step step;
      if (!ParseStep(&step)) return false;
      AppendStep(std::move(step), &out->steps);
      if (Peek().tok != Tok::kSlash && Peek().tok != Tok::kDoubleSlash) {
        return true;
      }
      bool double_slash = Peek().tok == Tok::kDoubleSlash;
      ++next_;
      if (double_slash) {
        out->steps.push_back(AnyNodeStep(Axis::kDescendantOrSelf));
      }
      if (!StartsStep()) {
        return Expected(double_slash ? "a node test after \"//\""
                                     : "a node test after \"/\"");
      }
    }
  }

  // `//x[p]` is descendant-or-self::node()/child::x[p]; when no predicate can
  // see the position, that is descendant::x[p], which walks the subtree once
  // instead of listing every node first.
  static void AppendStep(Step step, std::vector<Step>* steps) {
    if (!steps->empty() && step.axis == Axis::kChild &&
        steps->back().axis == Axis::kDescendantOrSelf &&
        steps->back().test == NodeTest::kNode &&
        steps->back().predicates.empty()) {
      bool positional = false;
      for (const Expr& p : step.predicates) positional |= p.positional;
      if (!positional) {
        step.axis = Axis::kDescendant;
        steps->back() = std::move(step);
        return;
      }
    }
    steps->push_back(std::move(step));
  }

  bool ParseStep(Step* step) {
    if (Consume(Tok::kDot)) {
      *step = AnyNodeStep(Axis::kSelf);
      return true;
    }
    if (Consume(Tok::kDotDot)) {
      *step = AnyNodeStep(Axis::kParent);
      return true;
    }
    step->axis = Axis::kChild;
    if (Consume(Tok::kAt)) {
      step->axis = Axis::kAttribute;
    } else if (Peek().tok == Tok::kName && Peek(1).tok == Tok::kColonColon) {
      bool known = false;
      for (const auto& [name, axis] : kAxes) {
        if (name == Peek().text) {
          step->axis = axis;
          known = true;
        }
      }
      if (!known) return Expected("an axis name");
      next_ += 2;
    }
    if (!ParseNodeTest(step)) return false;
    return ParsePredicates(&step->predicates);
  }

  bool ParseNodeTest(Step* step) {
    const Token& token = Peek();
    if (Consume(Tok::kStar)) {
      step->test = NodeTest::kAnyName;
      return true;
    }
    if (token.tok != Tok::kName) {
      return Expected("a node test (a name, *, text(), comment(), node())");
    }
    ++next_;
    if (Peek().tok == Tok::kLeftParen && IsNodeType(token.text)) {
      for (const auto& [name, test] : kNodeTypes) {
        if (name == token.text) step->test = test;
      }
      ++next_;
      if (step->test == NodeTest::kProcessingInstruction) {
        Consume(Tok::kLiteral);
      }
      if (!Consume(Tok::kRightParen)) return Expected("\")\"");
      return true;
    }
    std::string_view name = token.text;
    // Without namespace bindings a prefix cannot select anything more
    // specific; HTML names carry none.
    if (size_t colon = name.find(':'); colon != std::string_view::npos) {
      name = name.substr(colon + 1);
    }
    if (name == "*") {
      step->test = NodeTest::kAnyName;
    } else {
      step->test = NodeTest::kName;
      step->name = LowerAscii(name);
    }
    return true;
  }

  bool ParsePredicates(std::vector<Expr>* predicates) {
    while (Consume(Tok::kLeftBracket)) {
      Expr predicate;
      if (!ParseOr(&predicate)) return false;
      if (!Consume(Tok::kRightBracket)) return Expected("\"]\"");
      predicate.positional =
          predicate.type == Type::kNumber || UsesPosition(predicate);
      predicates->push_back(std::move(predicate));
    }
    return true;
  }

  bool ParsePrimary(Expr* out) {
    const Token& token = Peek();
    switch (token.tok) {
      case Tok::kDollar:
        return Expected("an expression (variables are unsupported)");
      case Tok::kLeftParen: {
        ++next_;
        if (!ParseOr(out)) return false;
        if (!Consume(Tok::kRightParen)) return Expected("\")\"");
        return true;
      }
      case Tok::kLiteral:
        ++next_;
        out->kind = ExprKind::kLiteral;
        out->type = Type::kString;
        out->literal = std::string(token.text.substr(1, token.text.size() - 2));
        return true;
      case Tok::kNumber: {
        ++next_;
        out->kind = ExprKind::kNumber;
        out->type = Type::kNumber;
        out->number = StringToNumber(token.text);
        return true;
      }
      default:
        return ParseCall(out);
    }
  }

  // At a name followed by "(".
  bool ParseCall(Expr* out) {
    const Token& name = Peek();
    const FunctionInfo* info = FindFunction(name.text);
    if (info == nullptr)
      return Expected("a function of the XPath 1.0 core library");
    next_ += 2;
    out->kind = ExprKind::kCall;
    out->type = info->result;
    out->function = info->function;
    if (!Consume(Tok::kRightParen)) {
      while (true) {
        const Token& start = Peek();
        Expr arg;
        if (!ParseOr(&arg)) return false;
        if (!CheckArgument(*info, out->operands.size(), arg)) {
          return Fail(start, "a node-set argument of " +
                                 std::string(info->name) + "()");
        }
        out->operands.push_back(std::move(arg));
        if (Consume(Tok::kRightParen)) break;
        if (!Consume(Tok::kComma)) return Expected("\",\" or \")\"");
      }
    }
    int count = static_cast<int>(out->operands.size());
    if (count < info->min_args ||
        (info->max_args >= 0 && count > info->max_args)) {
      std::string wanted =
          info->min_args == info->max_args ? std::to_string(info->min_args)
          : info->max_args < 0 ? "at least " + std::to_string(info->min_args)
                               : std::to_string(info->min_args) + " or " +
                                     std::to_string(info->max_args);
      next_ -= 1;  // report at the closing parenthesis
      bool ok = Expected(wanted + " argument" + (wanted == "1" ? "" : "s") +
                         " to " + std::string(info->name) + "()");
      return ok;
    }
    return true;
  }

  // count(), sum() and the name functions take node-sets; XPath 1.0 has no
  // conversion to one, and every type is known statically.
  static bool CheckArgument(const FunctionInfo& info, size_t /*index*/,
                            const Expr& arg) {
    switch (info.function) {
      case Function::kCount:
      case Function::kSum:
      case Function::kLocalName:
      case Function::kName:
      case Function::kNamespaceUri:
        return arg.type == Type::kNodeSet;
      default:
        return true;
    }
  }

  std::string_view text_;
  std::vector<Token> tokens_;
  size_t next_ = 0;
  int depth_ = 0;
  Status error_;
};

}  // namespace

config::Result<Expr> ParseExpression(std::string_view text) {
  Expr expr;
  Status status = Parser(text).Parse(&expr);
  if (!status.ok()) return status;
  return expr;
}

}  // namespace crawlbox::parser::xpath_internal
