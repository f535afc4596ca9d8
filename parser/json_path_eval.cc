// Evaluates compiled JSONPath queries and filter expressions (RFC 9535 §2.3 to
// §2.4). Walks of the document use explicit stacks, never the call stack, so
// a deeply nested document cannot overflow it; recursion follows only the
// query's own nesting, which the parser bounds.
#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "parser/json_path_ast.h"

namespace crawlbox::parser::jsonpath {
namespace {

using nlohmann::json;

// A filter value: a node of the document, a value the expression made
// (literal, length()), or Nothing (§2.4.1).
struct Value {
  const json* ref = nullptr;
  json own;
  bool has_own = false;

  bool nothing() const { return ref == nullptr && !has_own; }
  const json& get() const { return ref != nullptr ? *ref : own; }
};

// long double holds every int64, uint64 and double exactly on the targets
// we build for, so 1 == 1.0 and 2^63 > 2^63-1 both come out right.
long double AsNumber(const json& v) {
  if (v.is_number_unsigned()) {
    return static_cast<long double>(v.get<uint64_t>());
  }
  if (v.is_number_integer()) return static_cast<long double>(v.get<int64_t>());
  return static_cast<long double>(v.get<double>());
}

// Deep equality (§2.3.5.2.2) with numbers compared by value. Iterative:
// nlohmann's operator== recurses per nesting level.
bool Equal(const json& a, const json& b) {
  std::vector<std::pair<const json*, const json*>> stack = {{&a, &b}};
  while (!stack.empty()) {
    auto [x, y] = stack.back();
    stack.pop_back();
    if (x->is_number() && y->is_number()) {
      if (AsNumber(*x) != AsNumber(*y)) return false;
      continue;
    }
    if (x->type() != y->type()) return false;
    switch (x->type()) {
      case json::value_t::array:
        if (x->size() != y->size()) return false;
        for (size_t i = 0; i < x->size(); ++i) {
          stack.emplace_back(&(*x)[i], &(*y)[i]);
        }
        break;
      case json::value_t::object:
        if (x->size() != y->size()) return false;
        for (auto it = x->begin(); it != x->end(); ++it) {
          auto other = y->find(it.key());
          if (other == y->end()) return false;
          stack.emplace_back(&it.value(), &*other);
        }
        break;
      case json::value_t::string:
        if (x->get_ref<const std::string&>() !=
            y->get_ref<const std::string&>()) {
          return false;
        }
        break;
      case json::value_t::boolean:
        if (x->get<bool>() != y->get<bool>()) return false;
        break;
      default:  // null, and binary which JSON text never produces
        break;
    }
  }
  return true;
}

bool Less(const Value& a, const Value& b) {
  if (a.nothing() || b.nothing()) return false;
  const json& x = a.get();
  const json& y = b.get();
  if (x.is_number() && y.is_number()) return AsNumber(x) < AsNumber(y);
  // std::string compares bytes as unsigned char, and UTF-8 byte order is code
  // point order, which §2.3.5.2.2 asks for.
  if (x.is_string() && y.is_string()) {
    return x.get_ref<const std::string&>() < y.get_ref<const std::string&>();
  }
  return false;
}

bool EqualValues(const Value& a, const Value& b) {
  if (a.nothing() || b.nothing()) return a.nothing() && b.nothing();
  return Equal(a.get(), b.get());
}

bool Compare(CompareOp op, const Value& a, const Value& b) {
  switch (op) {
    case CompareOp::kEq:
      return EqualValues(a, b);
    case CompareOp::kNe:
      return !EqualValues(a, b);
    case CompareOp::kLt:
      return Less(a, b);
    case CompareOp::kLe:
      return Less(a, b) || EqualValues(a, b);
    case CompareOp::kGt:
      return Less(b, a);
    case CompareOp::kGe:
      return Less(b, a) || EqualValues(a, b);
  }
  return false;
}

void Children(const json& node, std::vector<const json*>* out) {
  if (node.is_array() || node.is_object()) {
    for (const json& child : node) out->push_back(&child);
  }
}

// §2.3.4.2.2: the half-open range of a slice, walked by step.
void SelectSlice(const Selector& s, const json& array,
                 std::vector<const json*>* out) {
  const int64_t step = s.step;
  if (step == 0) return;
  const int64_t len = static_cast<int64_t>(array.size());
  auto normalize = [len](int64_t i) { return i >= 0 ? i : len + i; };
  if (step > 0) {
    int64_t start = s.start ? normalize(*s.start) : 0;
    int64_t end = s.end ? normalize(*s.end) : len;
    int64_t lower = std::min(std::max(start, int64_t{0}), len);
    int64_t upper = std::min(std::max(end, int64_t{0}), len);
    for (int64_t i = lower; i < upper; i += step) out->push_back(&array[i]);
  } else {
    int64_t start = s.start ? normalize(*s.start) : len - 1;
    int64_t end = s.end ? normalize(*s.end) : -len - 1;
    int64_t upper = std::min(std::max(start, int64_t{-1}), len - 1);
    int64_t lower = std::min(std::max(end, int64_t{-1}), len - 1);
    for (int64_t i = upper; lower < i; i += step) out->push_back(&array[i]);
  }
}

void ApplySelector(const Selector& s, const json& node, const json& root,
                   std::vector<const json*>* out) {
  switch (s.kind) {
    case Selector::Kind::kName:
      if (node.is_object()) {
        auto it = node.find(s.name);
        if (it != node.end()) out->push_back(&*it);
      }
      break;
    case Selector::Kind::kWildcard:
      Children(node, out);
      break;
    case Selector::Kind::kIndex:
      if (node.is_array()) {
        int64_t len = static_cast<int64_t>(node.size());
        int64_t i = s.index >= 0 ? s.index : len + s.index;
        if (i >= 0 && i < len) out->push_back(&node[static_cast<size_t>(i)]);
      }
      break;
    case Selector::Kind::kSlice:
      if (node.is_array()) SelectSlice(s, node, out);
      break;
    case Selector::Kind::kFilter:
      if (node.is_array() || node.is_object()) {
        for (const json& child : node) {
          if (EvaluateLogical(*s.filter, root, child)) out->push_back(&child);
        }
      }
      break;
  }
}

void ApplySegment(const Segment& segment, const json& node, const json& root,
                  std::vector<const json*>* out) {
  if (!segment.descendant) {
    for (const Selector& s : segment.selectors) {
      ApplySelector(s, node, root, out);
    }
    return;
  }
  // §2.5.2.2: the node, then its descendants, each before its own
  // descendants and arrays in order: a pre-order walk.
  std::vector<const json*> stack = {&node};
  std::vector<const json*> children;
  while (!stack.empty()) {
    const json* visit = stack.back();
    stack.pop_back();
    for (const Selector& s : segment.selectors) {
      ApplySelector(s, *visit, root, out);
    }
    children.clear();
    Children(*visit, &children);
    for (auto it = children.rbegin(); it != children.rend(); ++it) {
      if ((*it)->is_structured()) stack.push_back(*it);
    }
  }
}

Value EvaluateValue(const Expr& e, const json& root, const json& current);

size_t CountCodePoints(const std::string& s) {
  size_t n = 0;
  for (char c : s) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
  }
  return n;
}

// match() and search(): false unless both arguments are strings and the
// pattern is a valid I-Regexp (§2.4.6, §2.4.7).
bool EvaluateRegex(const Expr& e, const json& root, const json& current) {
  Value subject = EvaluateValue(*e.operands[0], root, current);
  Value pattern = EvaluateValue(*e.operands[1], root, current);
  if (subject.nothing() || pattern.nothing() || !subject.get().is_string() ||
      !pattern.get().is_string()) {
    return false;
  }
  std::shared_ptr<const RE2> regex =
      e.regex_compiled
          ? e.regex
          : CompileIRegexp(pattern.get().get_ref<const std::string&>());
  if (regex == nullptr) return false;
  const std::string& text = subject.get().get_ref<const std::string&>();
  return e.function == Function::kMatch ? RE2::FullMatch(text, *regex)
                                        : RE2::PartialMatch(text, *regex);
}

Value EvaluateValue(const Expr& e, const json& root, const json& current) {
  Value v;
  switch (e.kind) {
    case Expr::Kind::kLiteral:
      v.ref = &e.literal;
      break;
    case Expr::Kind::kQuery: {
      std::vector<const json*> nodes;
      SelectNodes(e.query, root, current, &nodes);
      if (nodes.size() == 1) v.ref = nodes[0];
      break;
    }
    case Expr::Kind::kFunction:
      switch (e.function) {
        case Function::kLength: {
          Value arg = EvaluateValue(*e.operands[0], root, current);
          if (arg.nothing()) break;
          const json& a = arg.get();
          if (a.is_string()) {
            v.own = CountCodePoints(a.get_ref<const std::string&>());
            v.has_own = true;
          } else if (a.is_array() || a.is_object()) {
            v.own = a.size();
            v.has_own = true;
          }
          break;
        }
        case Function::kCount: {
          std::vector<const json*> nodes;
          SelectNodes(e.operands[0]->query, root, current, &nodes);
          v.own = nodes.size();
          v.has_own = true;
          break;
        }
        case Function::kValue: {
          std::vector<const json*> nodes;
          SelectNodes(e.operands[0]->query, root, current, &nodes);
          if (nodes.size() == 1) v.ref = nodes[0];
          break;
        }
        case Function::kMatch:
        case Function::kSearch:
          break;  // logical: the parser keeps them out of value positions
      }
      break;
    default:
      break;
  }
  return v;
}

}  // namespace

void SelectNodes(const Query& query, const json& root, const json& current,
                 std::vector<const json*>* out) {
  std::vector<const json*> nodes = {query.relative ? &current : &root};
  std::vector<const json*> next;
  for (const Segment& segment : query.segments) {
    next.clear();
    for (const json* node : nodes) ApplySegment(segment, *node, root, &next);
    nodes.swap(next);
    if (nodes.empty()) break;
  }
  out->insert(out->end(), nodes.begin(), nodes.end());
}

bool EvaluateLogical(const Expr& e, const json& root, const json& current) {
  switch (e.kind) {
    case Expr::Kind::kOr:
      for (const auto& operand : e.operands) {
        if (EvaluateLogical(*operand, root, current)) return true;
      }
      return false;
    case Expr::Kind::kAnd:
      for (const auto& operand : e.operands) {
        if (!EvaluateLogical(*operand, root, current)) return false;
      }
      return true;
    case Expr::Kind::kNot:
      return !EvaluateLogical(*e.operands[0], root, current);
    case Expr::Kind::kCompare:
      return Compare(e.op, EvaluateValue(*e.operands[0], root, current),
                     EvaluateValue(*e.operands[1], root, current));
    case Expr::Kind::kExists: {
      std::vector<const json*> nodes;
      SelectNodes(e.operands[0]->query, root, current, &nodes);
      return !nodes.empty();
    }
    case Expr::Kind::kTest:
      return EvaluateRegex(*e.operands[0], root, current);
    default:
      return false;  // comparables never reach here: the parser wraps them
  }
}

}  // namespace crawlbox::parser::jsonpath
