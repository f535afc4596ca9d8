// XPath 1.0 evaluation: the axes as iterative walks over gumbo's parent and
// child pointers, location steps with predicates, and the operators.
#include <gumbo.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "parser/dom.h"
#include "parser/xpath_ast.h"

namespace crawlbox::parser::xpath_internal {
namespace {

using UpCache = std::unordered_map<const GumboNode*, const GumboNode*>;

const GumboNode* ChildAt(const GumboVector& children, size_t i) {
  return static_cast<const GumboNode*>(children.data[i]);
}

// gumbo maintains index_within_parent through its tree surgery; the check
// keeps a stale index from sending a walk astray (as parser/dom.cc does).
size_t IndexInParent(const GumboNode* node, const GumboVector& siblings) {
  size_t i = node->index_within_parent;
  if (i < siblings.length && ChildAt(siblings, i) == node) return i;
  for (i = 0; i < siblings.length; ++i) {
    if (ChildAt(siblings, i) == node) return i;
  }
  return siblings.length;
}

// The sibling `delta` (+1 or -1) places away, or nullptr.
const GumboNode* Sibling(const GumboNode* node, int delta) {
  const GumboVector* siblings = Children(node->parent);
  if (siblings == nullptr) return nullptr;
  size_t i = IndexInParent(node, *siblings);
  if (i == siblings->length) return nullptr;
  if (delta < 0) return i > 0 ? ChildAt(*siblings, i - 1) : nullptr;
  return i + 1 < siblings->length ? ChildAt(*siblings, i + 1) : nullptr;
}

const GumboNode* FirstChild(const GumboNode* node) {
  const GumboVector* children = Children(node);
  return children != nullptr && children->length > 0 ? ChildAt(*children, 0)
                                                     : nullptr;
}

const GumboNode* LastChild(const GumboNode* node) {
  const GumboVector* children = Children(node);
  return children != nullptr && children->length > 0
             ? ChildAt(*children, children->length - 1)
             : nullptr;
}

// The nearest ancestor-or-self of `node` that has a sibling in direction
// `delta`, or nullptr. `cache` remembers the answer for every node passed on
// the way up, so many calls on one deep page cost linear time in all, not the
// depth each.
const GumboNode* UpToSibling(const GumboNode* node, int delta, UpCache* cache) {
  std::vector<const GumboNode*> path;
  const GumboNode* found = nullptr;
  for (const GumboNode* n = node; n != nullptr; n = n->parent) {
    if (auto it = cache->find(n); it != cache->end()) {
      found = it->second;
      break;
    }
    path.push_back(n);
    if (Sibling(n, delta) != nullptr) {
      found = n;
      break;
    }
  }
  for (const GumboNode* n : path) cache->emplace(n, found);
  return found;
}

// The first node after `node`'s subtree in document order, or nullptr.
const GumboNode* NextSkippingSubtree(const GumboNode* node, UpCache* cache) {
  const GumboNode* n = UpToSibling(node, +1, cache);
  return n != nullptr ? Sibling(n, +1) : nullptr;
}

// Pre-order successor of `node` within the subtree of `root`.
const GumboNode* NextInSubtree(const GumboNode* node, const GumboNode* root) {
  if (const GumboNode* child = FirstChild(node)) return child;
  for (const GumboNode* n = node; n != root && n != nullptr; n = n->parent) {
    if (const GumboNode* next = Sibling(n, +1)) return next;
  }
  return nullptr;
}

const GumboNode* DeepestLast(const GumboNode* node) {
  while (const GumboNode* last = LastChild(node)) node = last;
  return node;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i] >= 'A' && a[i] <= 'Z' ? a[i] - 'A' + 'a' : a[i];
    char y = b[i] >= 'A' && b[i] <= 'Z' ? b[i] - 'A' + 'a' : b[i];
    if (x != y) return false;
  }
  return true;
}

// Whether `node` passes the step's node test; the principal node type is the
// attribute for the attribute axis and the element otherwise.
bool PassesTest(const Step& step, const XPathNode& node) {
  if (node.attribute != nullptr) {
    if (step.test == NodeTest::kNode) return true;
    if (step.axis != Axis::kAttribute) return false;
    if (step.test == NodeTest::kAnyName) return true;
    return step.test == NodeTest::kName &&
           EqualsIgnoreCase(node.attribute->name, step.name);
  }
  switch (step.test) {
    case NodeTest::kNode:
      return true;
    case NodeTest::kText:
      return IsTextNode(node.node);
    case NodeTest::kComment:
      return node.node->type == GUMBO_NODE_COMMENT;
    case NodeTest::kProcessingInstruction:
      return false;
    case NodeTest::kAnyName:
      return IsElement(node.node);
    case NodeTest::kName:
      return IsElement(node.node) &&
             EqualsIgnoreCase(TagName(node.node), step.name);
  }
  return false;
}

// Calls emit(XPathNode) for each node on `axis` from `context`, nearest first
// (reverse axes in reverse document order), until emit returns false. Every
// walk is a loop over parent and sibling pointers: no recursion.
template <typename Emit>
void WalkAxis(Axis axis, const XPathNode& context, UpCache* next_cache,
              UpCache* previous_cache, Emit&& emit) {
  const GumboNode* node = context.node;
  const bool on_attribute = context.attribute != nullptr;
  switch (axis) {
    case Axis::kSelf:
      emit(context);
      return;
    case Axis::kChild:
      if (on_attribute) return;
      for (const GumboNode* c = FirstChild(node); c; c = Sibling(c, +1)) {
        if (!emit(XPathNode{c})) return;
      }
      return;
    case Axis::kDescendantOrSelf:
      if (!emit(context) || on_attribute) return;
      [[fallthrough]];
    case Axis::kDescendant:
      if (on_attribute) return;
      for (const GumboNode* d = NextInSubtree(node, node); d;
           d = NextInSubtree(d, node)) {
        if (!emit(XPathNode{d})) return;
      }
      return;
    case Axis::kParent:
      if (on_attribute) {
        emit(XPathNode{node});
      } else if (node->parent != nullptr) {
        emit(XPathNode{node->parent});
      }
      return;
    case Axis::kAncestorOrSelf:
      if (!emit(context)) return;
      [[fallthrough]];
    case Axis::kAncestor: {
      const GumboNode* a = on_attribute ? node : node->parent;
      for (; a != nullptr; a = a->parent) {
        if (!emit(XPathNode{a})) return;
      }
      return;
    }
    case Axis::kFollowingSibling:
    case Axis::kPrecedingSibling: {
      if (on_attribute) return;
      int delta = axis == Axis::kFollowingSibling ? +1 : -1;
      for (const GumboNode* s = Sibling(node, delta); s;
           s = Sibling(s, delta)) {
        if (!emit(XPathNode{s})) return;
      }
      return;
    }
    case Axis::kFollowing: {
      // An attribute precedes its element's children.
      const GumboNode* f = on_attribute ? NextInSubtree(node, nullptr)
                                        : NextSkippingSubtree(node, next_cache);
      for (; f != nullptr; f = NextInSubtree(f, nullptr)) {
        if (!emit(XPathNode{f})) return;
      }
      return;
    }
    case Axis::kPreceding: {
      // Reverse document order, leaving out ancestors: each earlier sibling's
      // subtree from its deepest last node backwards, then the parent's.
      for (const GumboNode* n = UpToSibling(node, -1, previous_cache);
           n != nullptr; n = UpToSibling(n->parent, -1, previous_cache)) {
        for (const GumboNode* s = Sibling(n, -1); s; s = Sibling(s, -1)) {
          const GumboNode* p = DeepestLast(s);
          while (true) {
            if (!emit(XPathNode{p})) return;
            if (p == s) break;
            const GumboNode* previous = Sibling(p, -1);
            p = previous != nullptr ? DeepestLast(previous) : p->parent;
          }
        }
      }
      return;
    }
    case Axis::kAttribute: {
      if (on_attribute || !IsElement(node)) return;
      const GumboVector& attributes = node->v.element.attributes;
      for (size_t i = 0; i < attributes.length; ++i) {
        auto* a = static_cast<const GumboAttribute*>(attributes.data[i]);
        if (!emit(XPathNode{node, a})) return;
      }
      return;
    }
    case Axis::kNamespace:
      return;
  }
}

struct NodeHash {
  size_t operator()(const XPathNode& n) const {
    return std::hash<const void*>()(n.node) * 31 +
           std::hash<const void*>()(n.attribute);
  }
};

bool Compare(Op op, double a, double b) {
  switch (op) {
    case Op::kEq:
      return a == b;
    case Op::kNe:
      return a != b;
    case Op::kLt:
      return a < b;
    case Op::kLe:
      return a <= b;
    case Op::kGt:
      return a > b;
    default:
      return a >= b;
  }
}

// The operator with its operands swapped: a < b is b > a.
Op Mirror(Op op) {
  switch (op) {
    case Op::kLt:
      return Op::kGt;
    case Op::kLe:
      return Op::kGe;
    case Op::kGt:
      return Op::kLt;
    case Op::kGe:
      return Op::kLe;
    default:
      return op;
  }
}

// XPath 1.0 section 3.4 for a node-set on the left.
bool CompareNodeSet(Op op, const std::vector<XPathNode>& nodes,
                    const Value& other) {
  const bool equality = op == Op::kEq || op == Op::kNe;
  if (other.type == Type::kBoolean) {
    if (equality) return (op == Op::kEq) == (!nodes.empty() == other.boolean);
    return Compare(op, nodes.empty() ? 0 : 1, other.boolean ? 1 : 0);
  }
  if (other.type == Type::kNodeSet) {
    if (nodes.empty() || other.nodes.empty()) return false;
    if (equality) {
      std::unordered_set<std::string> right;
      for (const XPathNode& n : other.nodes) right.insert(XPathStringValue(n));
      for (const XPathNode& n : nodes) {
        std::string s = XPathStringValue(n);
        if (op == Op::kEq ? right.count(s) > 0
                          : right.size() > 1 || right.count(s) == 0) {
          return true;
        }
      }
      return false;
    }
    std::vector<double> right;
    for (const XPathNode& n : other.nodes) {
      right.push_back(StringToNumber(XPathStringValue(n)));
    }
    for (const XPathNode& n : nodes) {
      double a = StringToNumber(XPathStringValue(n));
      for (double b : right) {
        if (Compare(op, a, b)) return true;
      }
    }
    return false;
  }
  for (const XPathNode& n : nodes) {
    std::string s = XPathStringValue(n);
    bool hit = other.type == Type::kString && equality
                   ? (s == other.string) == (op == Op::kEq)
                   : Compare(op, StringToNumber(s), ToNumber(other));
    if (hit) return true;
  }
  return false;
}

bool CompareValues(Op op, const Value& a, const Value& b) {
  if (a.type == Type::kNodeSet) return CompareNodeSet(op, a.nodes, b);
  if (b.type == Type::kNodeSet) return CompareNodeSet(Mirror(op), b.nodes, a);
  if (op == Op::kEq || op == Op::kNe) {
    bool equal;
    if (a.type == Type::kBoolean || b.type == Type::kBoolean) {
      equal = ToBoolean(a) == ToBoolean(b);
    } else if (a.type == Type::kNumber || b.type == Type::kNumber) {
      return Compare(op, ToNumber(a), ToNumber(b));  // NaN != NaN
    } else {
      equal = a.string == b.string;
    }
    return equal == (op == Op::kEq);
  }
  return Compare(op, ToNumber(a), ToNumber(b));
}

}  // namespace

bool IsReverseAxis(Axis axis) {
  return axis == Axis::kAncestor || axis == Axis::kAncestorOrSelf ||
         axis == Axis::kPreceding || axis == Axis::kPrecedingSibling;
}

const GumboVector* Children(const GumboNode* node) {
  if (node == nullptr) return nullptr;
  switch (node->type) {
    case GUMBO_NODE_DOCUMENT:
      return &node->v.document.children;
    case GUMBO_NODE_ELEMENT:
    case GUMBO_NODE_TEMPLATE:
      return &node->v.element.children;
    default:
      return nullptr;
  }
}

bool IsTextNode(const GumboNode* node) {
  return node != nullptr &&
         (node->type == GUMBO_NODE_TEXT || node->type == GUMBO_NODE_CDATA ||
          node->type == GUMBO_NODE_WHITESPACE);
}

Evaluator::Evaluator(const GumboNode* context) {
  root_ = context;
  while (root_ != nullptr && root_->parent != nullptr) root_ = root_->parent;
}

uint64_t Evaluator::OrderKey(const XPathNode& node) {
  if (order_.empty()) {
    // One walk numbers every node; cheaper than comparing ancestor chains,
    // which costs the depth per comparison.
    uint32_t next = 0;
    for (const GumboNode* n = root_; n != nullptr;
         n = NextInSubtree(n, root_)) {
      order_.emplace(n, next++);
    }
  }
  auto it = order_.find(node.node);
  uint64_t key = it != order_.end() ? uint64_t{it->second} << 32 : 0;
  if (node.attribute != nullptr) {
    // Attributes follow their element and precede its children.
    const GumboVector& attributes = node.node->v.element.attributes;
    size_t i = 0;
    while (i < attributes.length && attributes.data[i] != node.attribute) ++i;
    key += 1 + i;
  }
  // Children of an element get orders after its attributes: the shift above
  // leaves room for 2^32 - 1 attributes.
  return key;
}

void Evaluator::SortUnique(std::vector<XPathNode>* nodes) {
  if (nodes->size() <= 1) return;
  std::vector<std::pair<uint64_t, XPathNode>> keyed;
  keyed.reserve(nodes->size());
  for (const XPathNode& n : *nodes) keyed.emplace_back(OrderKey(n), n);
  std::sort(keyed.begin(), keyed.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  nodes->clear();
  for (size_t i = 0; i < keyed.size(); ++i) {
    if (i > 0 && keyed[i].first == keyed[i - 1].first &&
        keyed[i].second == keyed[i - 1].second) {
      continue;
    }
    nodes->push_back(keyed[i].second);
  }
}

void Evaluator::FilterByPredicates(const std::vector<Expr>& predicates,
                                   std::vector<XPathNode>* nodes) {
  for (const Expr& predicate : predicates) {
    if (nodes->empty()) return;
    if (predicate.kind == ExprKind::kNumber) {
      // [n]: no need to evaluate it per node.
      double n = predicate.number;
      bool valid = n >= 1 && n <= static_cast<double>(nodes->size()) &&
                   n == std::floor(n);
      XPathNode picked =
          valid ? (*nodes)[static_cast<size_t>(n) - 1] : XPathNode{};
      nodes->clear();
      if (valid) nodes->push_back(picked);
      continue;
    }
    std::vector<XPathNode> kept;
    const size_t size = nodes->size();
    for (size_t i = 0; i < size; ++i) {
      Value v = Evaluate(predicate, Context{(*nodes)[i], i + 1, size});
      bool keep = v.type == Type::kNumber
                      ? v.number == static_cast<double>(i + 1)
                      : ToBoolean(v);
      if (keep) kept.push_back((*nodes)[i]);
    }
    nodes->swap(kept);
  }
}

void Evaluator::EvaluateStep(const Step& step,
                             const std::vector<XPathNode>& contexts,
                             std::vector<XPathNode>* out) {
  out->clear();
  const bool plain = step.predicates.empty();
  const bool many = contexts.size() > 1;
  // Without predicates, a node reached from an earlier context node is not
  // worth reaching again; so every axis walk stops at such a node when the
  // rest of its walk was covered too (ancestors, following, siblings), and
  // descendant walks skip context nodes inside a subtree already walked.
  std::unordered_set<const GumboNode*> walked;
  uint64_t walked_until = 0;  // descendant axes: order key of the last walked
  bool walked_any = false;
  // With [n] first, the walk may stop at the nth node: `//x/ancestor::*[1]`
  // must not walk every ancestor of every x.
  size_t limit = SIZE_MAX;
  if (!plain && step.predicates[0].kind == ExprKind::kNumber) {
    double n = step.predicates[0].number;
    limit = n >= 1 && n < 1e9 ? static_cast<size_t>(n) : 1;
  }
  std::vector<XPathNode> candidates;
  auto walk = [&](const XPathNode& context) {
    candidates.clear();
    const bool descendant =
        step.axis == Axis::kDescendant || step.axis == Axis::kDescendantOrSelf;
    if (plain && many && descendant) {
      if (walked_any && context.attribute == nullptr &&
          OrderKey(context) <= walked_until) {
        return;
      }
    }
    const GumboNode* last = nullptr;
    const bool stop_at_walked =
        plain && many &&
        (step.axis == Axis::kAncestor || step.axis == Axis::kAncestorOrSelf ||
         step.axis == Axis::kFollowing || step.axis == Axis::kPreceding ||
         step.axis == Axis::kFollowingSibling ||
         step.axis == Axis::kPrecedingSibling);
    WalkAxis(step.axis, context, &next_cache_, &previous_cache_,
             [&](const XPathNode& n) {
               if (stop_at_walked && n.attribute == nullptr &&
                   !walked.insert(n.node).second) {
                 return false;
               }
               last = n.node;
               if (PassesTest(step, n)) candidates.push_back(n);
               return candidates.size() < limit;
             });
    if (plain && many && descendant && last != nullptr) {
      walked_until = OrderKey(XPathNode{last});
      walked_any = true;
    }
    FilterByPredicates(step.predicates, &candidates);
    if (!many && IsReverseAxis(step.axis)) {
      std::reverse(candidates.begin(), candidates.end());
    }
    out->insert(out->end(), candidates.begin(), candidates.end());
  };
  // Preceding walks from a later context node cover those from earlier ones,
  // so they go last to first; the other stop-at-walked axes first to last.
  if (step.axis == Axis::kPreceding || step.axis == Axis::kPrecedingSibling) {
    for (size_t i = contexts.size(); i-- > 0;) walk(contexts[i]);
  } else {
    for (const XPathNode& context : contexts) walk(context);
  }
  if (many) SortUnique(out);
}

std::vector<XPathNode> Evaluator::EvaluatePath(const Expr& expr,
                                               const Context& context) {
  std::vector<XPathNode> nodes;
  if (!expr.operands.empty()) {
    Value start = Evaluate(expr.operands[0], context);
    nodes = std::move(start.nodes);
    FilterByPredicates(expr.predicates, &nodes);
  } else if (expr.absolute) {
    nodes.push_back(XPathNode{root_});
  } else {
    nodes.push_back(context.node);
  }
  std::vector<XPathNode> next;
  for (const Step& step : expr.steps) {
    if (nodes.empty()) break;
    EvaluateStep(step, nodes, &next);
    nodes.swap(next);
  }
  return nodes;
}

Value Evaluator::EvaluateChain(const Expr& expr, const Context& context) {
  Value value = Evaluate(expr.operands[0], context);
  for (size_t i = 0; i < expr.ops.size(); ++i) {
    const Op op = expr.ops[i];
    const Expr& next = expr.operands[i + 1];
    if (op == Op::kOr || op == Op::kAnd) {
      bool left = ToBoolean(value);
      // Short-circuit, as XPath requires.
      if (left == (op == Op::kOr)) {
        value = BooleanValue(left);
      } else {
        value = BooleanValue(ToBoolean(Evaluate(next, context)));
      }
      continue;
    }
    Value right = Evaluate(next, context);
    switch (op) {
      case Op::kUnion:
        value.nodes.insert(value.nodes.end(), right.nodes.begin(),
                           right.nodes.end());
        SortUnique(&value.nodes);
        break;
      case Op::kAdd:
        value = NumberValue(ToNumber(value) + ToNumber(right));
        break;
      case Op::kSub:
        value = NumberValue(ToNumber(value) - ToNumber(right));
        break;
      case Op::kMul:
        value = NumberValue(ToNumber(value) * ToNumber(right));
        break;
      case Op::kDiv:
        value = NumberValue(ToNumber(value) / ToNumber(right));
        break;
      case Op::kMod:
        // Truncating, like Java's % and C's fmod.
        value = NumberValue(std::fmod(ToNumber(value), ToNumber(right)));
        break;
      default:
        value = BooleanValue(CompareValues(op, value, right));
        break;
    }
  }
  return value;
}

Value Evaluator::Evaluate(const Expr& expr, const Context& context) {
  switch (expr.kind) {
    case ExprKind::kNumber:
      return NumberValue(expr.number);
    case ExprKind::kLiteral:
      return StringValue(expr.literal);
    case ExprKind::kNegate: {
      double n = ToNumber(Evaluate(expr.operands[0], context));
      return NumberValue(expr.negations % 2 == 1 ? -n : n);
    }
    case ExprKind::kCall:
      return CallFunction(expr, context, this);
    case ExprKind::kChain:
      return EvaluateChain(expr, context);
    case ExprKind::kPath: {
      Value value;
      value.type = Type::kNodeSet;
      value.nodes = EvaluatePath(expr, context);
      return value;
    }
  }
  return Value{};
}

}  // namespace crawlbox::parser::xpath_internal
