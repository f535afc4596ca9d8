// The compiled form of an XPath expression and the pieces parsing, evaluation
// and the function library share. Private to parser/xpath*.cc.
#pragma once

#include <gumbo.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "config/status.h"
#include "parser/xpath.h"

namespace crawlbox::parser::xpath_internal {

enum class Axis {
  kChild,
  kDescendant,
  kDescendantOrSelf,
  kParent,
  kAncestor,
  kAncestorOrSelf,
  kFollowingSibling,
  kPrecedingSibling,
  kFollowing,
  kPreceding,
  kAttribute,
  kSelf,
  kNamespace,
};

// Reverse axes list nodes nearest-first, i.e. in reverse document order, and
// number predicate positions that way.
bool IsReverseAxis(Axis axis);

enum class NodeTest {
  kName,     // a name: matches the axis's principal node type with that name
  kAnyName,  // `*` or `prefix:*`
  kText,     // text()
  kComment,  // comment()
  kNode,     // node()
  kProcessingInstruction,  // processing-instruction(): gumbo keeps none
};

enum class Function {
  kLast,
  kPosition,
  kCount,
  kId,
  kLocalName,
  kName,
  kNamespaceUri,
  kString,
  kConcat,
  kStartsWith,
  kContains,
  kSubstringBefore,
  kSubstringAfter,
  kSubstring,
  kStringLength,
  kNormalizeSpace,
  kTranslate,
  kBoolean,
  kNot,
  kTrue,
  kFalse,
  kLang,
  kNumber,
  kSum,
  kFloor,
  kCeiling,
  kRound,
};

// The four XPath 1.0 value types; every expression's is known statically.
enum class Type { kNodeSet, kBoolean, kNumber, kString };

struct FunctionInfo {
  std::string_view name;
  Function function;
  int min_args;
  int max_args;  // -1: unbounded (concat)
  Type result;
};

// The core function library entry called `name`, or nullptr.
const FunctionInfo* FindFunction(std::string_view name);

enum class Op {
  kOr,
  kAnd,
  kEq,
  kNe,
  kLt,
  kLe,
  kGt,
  kGe,
  kAdd,
  kSub,
  kMul,
  kDiv,
  kMod,
  kUnion,
};

enum class ExprKind {
  kChain,    // operands[0] ops[0] operands[1] ...: one precedence level, left
             // to right, so long chains do not nest
  kNegate,   // `negations` unary minuses before operands[0]
  kNumber,   // number
  kLiteral,  // literal
  kCall,     // function(operands...)
  kPath,     // [operands[0] predicates...] or the context node or the root,
             // then steps
};

struct Expr;

struct Step {
  Axis axis = Axis::kChild;
  NodeTest test = NodeTest::kNode;
  std::string name;  // kName: ASCII-lowercased local name
  std::vector<Expr> predicates;
};

struct Expr {
  ExprKind kind = ExprKind::kNumber;
  Type type = Type::kNumber;
  std::vector<Expr> operands;
  std::vector<Op> ops;
  int negations = 0;
  double number = 0;
  std::string literal;
  Function function = Function::kTrue;
  // kPath: where the path starts. With operands, a filter expression (whose
  // `predicates` apply to it); else the root when `absolute`, else the
  // context node.
  bool absolute = false;
  std::vector<Expr> predicates;
  std::vector<Step> steps;
  // For predicates: whether the value may depend on the context position or
  // size (a number, or a call of position() or last() anywhere inside).
  bool positional = false;
};

// Compiles `text`; the error message is the one XPath::Parse() documents.
config::Result<Expr> ParseExpression(std::string_view text);

// A value during evaluation. Node-sets are in document order without
// duplicates.
struct Value {
  Type type = Type::kNodeSet;
  std::vector<XPathNode> nodes;
  bool boolean = false;
  double number = 0;
  std::string string;
};

Value BooleanValue(bool b);
Value NumberValue(double n);
Value StringValue(std::string s);

// Conversions of the XPath 1.0 functions string(), number() and boolean().
std::string ToString(const Value& value);
double ToNumber(const Value& value);
bool ToBoolean(const Value& value);
double StringToNumber(std::string_view s);
std::string NumberToString(double n);

struct Context {
  XPathNode node;
  size_t position = 1;
  size_t size = 1;
};

// Evaluates one expression over one Document. Holds per-evaluation caches (the
// document order of nodes), so one Evaluator serves one top-level evaluation.
class Evaluator {
 public:
  explicit Evaluator(const GumboNode* context);

  Value Evaluate(const Expr& expr, const Context& context);
  // The document node of the tree being evaluated.
  const GumboNode* root() const { return root_; }
  // Sorts nodes into document order and drops duplicates.
  void SortUnique(std::vector<XPathNode>* nodes);

 private:
  Value EvaluateChain(const Expr& expr, const Context& context);
  std::vector<XPathNode> EvaluatePath(const Expr& expr, const Context& context);
  void EvaluateStep(const Step& step, const std::vector<XPathNode>& contexts,
                    std::vector<XPathNode>* out);
  void FilterByPredicates(const std::vector<Expr>& predicates,
                          std::vector<XPathNode>* nodes);
  // A number that orders nodes as document order does.
  uint64_t OrderKey(const XPathNode& node);

  const GumboNode* root_ = nullptr;
  // Pre-order number of every node under root_; built on first use.
  std::unordered_map<const GumboNode*, uint32_t> order_;
  // Per node, its nearest ancestor-or-self with a next / previous sibling
  // (see UpToSibling in xpath_eval.cc), for the following and preceding axes.
  std::unordered_map<const GumboNode*, const GumboNode*> next_cache_;
  std::unordered_map<const GumboNode*, const GumboNode*> previous_cache_;
};

// Calls the function of a kCall expression.
Value CallFunction(const Expr& call, const Context& context,
                   Evaluator* evaluator);

// gumbo navigation shared by the axes and the functions.
const GumboVector* Children(const GumboNode* node);
bool IsTextNode(const GumboNode* node);

}  // namespace crawlbox::parser::xpath_internal
