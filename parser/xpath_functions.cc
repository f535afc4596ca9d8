// The XPath 1.0 core function library (spec section 4). Strings are UTF-8 and
// counted in code points, as XPath counts characters.
#include <gumbo.h>

#include <cmath>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "parser/dom.h"
#include "parser/xpath_ast.h"

namespace crawlbox::parser::xpath_internal {
namespace {

constexpr FunctionInfo kFunctions[] = {
    {"last", Function::kLast, 0, 0, Type::kNumber},
    {"position", Function::kPosition, 0, 0, Type::kNumber},
    {"count", Function::kCount, 1, 1, Type::kNumber},
    {"id", Function::kId, 1, 1, Type::kNodeSet},
    {"local-name", Function::kLocalName, 0, 1, Type::kString},
    {"name", Function::kName, 0, 1, Type::kString},
    {"namespace-uri", Function::kNamespaceUri, 0, 1, Type::kString},
    {"string", Function::kString, 0, 1, Type::kString},
    {"concat", Function::kConcat, 2, -1, Type::kString},
    {"starts-with", Function::kStartsWith, 2, 2, Type::kBoolean},
    {"contains", Function::kContains, 2, 2, Type::kBoolean},
    {"substring-before", Function::kSubstringBefore, 2, 2, Type::kString},
    {"substring-after", Function::kSubstringAfter, 2, 2, Type::kString},
    {"substring", Function::kSubstring, 2, 3, Type::kString},
    {"string-length", Function::kStringLength, 0, 1, Type::kNumber},
    {"normalize-space", Function::kNormalizeSpace, 0, 1, Type::kString},
    {"translate", Function::kTranslate, 3, 3, Type::kString},
    {"boolean", Function::kBoolean, 1, 1, Type::kBoolean},
    {"not", Function::kNot, 1, 1, Type::kBoolean},
    {"true", Function::kTrue, 0, 0, Type::kBoolean},
    {"false", Function::kFalse, 0, 0, Type::kBoolean},
    {"lang", Function::kLang, 1, 1, Type::kBoolean},
    {"number", Function::kNumber, 0, 1, Type::kNumber},
    {"sum", Function::kSum, 1, 1, Type::kNumber},
    {"floor", Function::kFloor, 1, 1, Type::kNumber},
    {"ceiling", Function::kCeiling, 1, 1, Type::kNumber},
    {"round", Function::kRound, 1, 1, Type::kNumber},
};

bool IsXmlSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

// Byte offsets of the characters (code points) of `s`, plus s.size().
std::vector<size_t> CharStarts(std::string_view s) {
  std::vector<size_t> starts;
  for (size_t i = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) starts.push_back(i);
  }
  starts.push_back(s.size());
  return starts;
}

std::string NormalizeSpace(std::string_view s) {
  std::string out;
  bool pending_space = false;
  for (char c : s) {
    if (IsXmlSpace(c)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out.push_back(' ');
    pending_space = false;
    out.push_back(c);
  }
  return out;
}

std::string Translate(std::string_view s, std::string_view from,
                      std::string_view to) {
  std::vector<size_t> from_at = CharStarts(from);
  std::vector<size_t> to_at = CharStarts(to);
  std::vector<size_t> s_at = CharStarts(s);
  std::string out;
  for (size_t i = 0; i + 1 < s_at.size(); ++i) {
    std::string_view c = s.substr(s_at[i], s_at[i + 1] - s_at[i]);
    size_t k = 0;  // the first occurrence in `from` decides
    while (k + 1 < from_at.size() &&
           from.substr(from_at[k], from_at[k + 1] - from_at[k]) != c) {
      ++k;
    }
    if (k + 1 == from_at.size()) {
      out += c;
    } else if (k + 1 < to_at.size()) {
      out += to.substr(to_at[k], to_at[k + 1] - to_at[k]);
    }
  }
  return out;
}

// XPath round(): half up, keeping -0 for [-0.5, -0].
double Round(double x) {
  if (std::isnan(x) || std::isinf(x) || std::floor(x) == x) return x;
  if (x < 0 && x >= -0.5) return -0.0;
  return std::floor(x + 0.5);
}

std::string Substring(std::string_view s, double start, double length,
                      bool has_length) {
  std::vector<size_t> at = CharStarts(s);
  const double first = Round(start);
  const double end = has_length ? first + Round(length) : INFINITY;
  std::string out;
  for (size_t i = 0; i + 1 < at.size(); ++i) {
    double p = static_cast<double>(i + 1);
    // Comparisons with NaN are false, which the spec's examples rely on.
    if (p >= first && p < end) out += s.substr(at[i], at[i + 1] - at[i]);
  }
  return out;
}

std::string_view AttributeLocalName(const GumboAttribute* attribute) {
  std::string_view name = attribute->name;
  size_t colon = name.find(':');
  return attribute->attr_namespace != GUMBO_ATTR_NAMESPACE_NONE &&
                 colon != std::string_view::npos
             ? name.substr(colon + 1)
             : name;
}

std::string NamespaceUri(const XPathNode& node) {
  if (node.attribute != nullptr) {
    switch (node.attribute->attr_namespace) {
      case GUMBO_ATTR_NAMESPACE_XLINK:
        return "http://www.w3.org/1999/xlink";
      case GUMBO_ATTR_NAMESPACE_XML:
        return "http://www.w3.org/XML/1998/namespace";
      case GUMBO_ATTR_NAMESPACE_XMLNS:
        return "http://www.w3.org/2000/xmlns/";
      default:
        return "";
    }
  }
  if (!IsElement(node.node)) return "";
  switch (node.node->v.element.tag_namespace) {
    case GUMBO_NAMESPACE_SVG:
      return "http://www.w3.org/2000/svg";
    case GUMBO_NAMESPACE_MATHML:
      return "http://www.w3.org/1998/Math/MathML";
    default:
      return "";  // HTML elements: no namespace, as lxml.html has them
  }
}

// lang(): the language of the nearest ancestor-or-self element declaring
// one, matched case-insensitively with an optional "-subtag" suffix.
bool Lang(const XPathNode& context, std::string_view wanted) {
  for (const GumboNode* n = context.node; n != nullptr; n = n->parent) {
    const char* lang = Attribute(n, "xml:lang");
    if (lang == nullptr) lang = Attribute(n, "lang");
    if (lang == nullptr) continue;
    std::string_view value = lang;
    if (value.size() < wanted.size()) return false;
    for (size_t i = 0; i < wanted.size(); ++i) {
      if ((value[i] | 0x20) != (wanted[i] | 0x20)) return false;
    }
    return value.size() == wanted.size() || value[wanted.size()] == '-';
  }
  return false;
}

// id(): elements whose id attribute is one of the whitespace-separated
// tokens, in document order.
Value Id(const Value& argument, const GumboNode* root) {
  std::unordered_set<std::string> tokens;
  auto add_tokens = [&tokens](std::string_view s) {
    for (size_t i = 0; i < s.size();) {
      while (i < s.size() && IsXmlSpace(s[i])) ++i;
      size_t start = i;
      while (i < s.size() && !IsXmlSpace(s[i])) ++i;
      if (i > start) tokens.emplace(s.substr(start, i - start));
    }
  };
  if (argument.type == Type::kNodeSet) {
    for (const XPathNode& n : argument.nodes) add_tokens(XPathStringValue(n));
  } else {
    add_tokens(ToString(argument));
  }
  Value result;
  result.type = Type::kNodeSet;
  if (tokens.empty()) return result;
  ForEachElement(root, [&](const GumboNode* element) {
    const char* id = Attribute(element, "id");
    if (id != nullptr && tokens.count(id) > 0) {
      result.nodes.push_back(XPathNode{element});
    }
  });
  return result;
}

}  // namespace

const FunctionInfo* FindFunction(std::string_view name) {
  for (const FunctionInfo& info : kFunctions) {
    if (info.name == name) return &info;
  }
  return nullptr;
}

Value CallFunction(const Expr& call, const Context& context,
                   Evaluator* evaluator) {
  std::vector<Value> args;
  args.reserve(call.operands.size());
  for (const Expr& operand : call.operands) {
    args.push_back(evaluator->Evaluate(operand, context));
  }
  // The string and number functions default to the context node.
  auto string_arg = [&](size_t i) {
    return i < args.size() ? ToString(args[i]) : XPathStringValue(context.node);
  };
  // The name functions take the first node of their argument in document
  // order, or the context node; an empty node-set gives "".
  const XPathNode* named = &context.node;
  if (!args.empty() && args[0].type == Type::kNodeSet) {
    named = args[0].nodes.empty() ? nullptr : &args[0].nodes[0];
  }
  switch (call.function) {
    case Function::kLast:
      return NumberValue(static_cast<double>(context.size));
    case Function::kPosition:
      return NumberValue(static_cast<double>(context.position));
    case Function::kCount:
      return NumberValue(static_cast<double>(args[0].nodes.size()));
    case Function::kId:
      return Id(args[0], evaluator->root());
    case Function::kLocalName:
    case Function::kName: {
      if (named == nullptr) return StringValue("");
      if (named->attribute != nullptr) {
        return StringValue(
            std::string(call.function == Function::kName
                            ? named->attribute->name
                            : AttributeLocalName(named->attribute)));
      }
      return StringValue(std::string(TagName(named->node)));
    }
    case Function::kNamespaceUri:
      return StringValue(named == nullptr ? "" : NamespaceUri(*named));
    case Function::kString:
      return StringValue(string_arg(0));
    case Function::kConcat: {
      std::string out;
      for (const Value& v : args) out += ToString(v);
      return StringValue(std::move(out));
    }
    case Function::kStartsWith:
      return BooleanValue(
          std::string_view(string_arg(0)).substr(0, string_arg(1).size()) ==
          string_arg(1));
    case Function::kContains:
      return BooleanValue(string_arg(0).find(string_arg(1)) !=
                          std::string::npos);
    case Function::kSubstringBefore:
    case Function::kSubstringAfter: {
      std::string s = string_arg(0);
      std::string needle = string_arg(1);
      size_t at = s.find(needle);
      if (at == std::string::npos) return StringValue("");
      return StringValue(call.function == Function::kSubstringBefore
                             ? s.substr(0, at)
                             : s.substr(at + needle.size()));
    }
    case Function::kSubstring:
      return StringValue(Substring(string_arg(0), ToNumber(args[1]),
                                   args.size() > 2 ? ToNumber(args[2]) : 0,
                                   args.size() > 2));
    case Function::kStringLength:
      return NumberValue(
          static_cast<double>(CharStarts(string_arg(0)).size() - 1));
    case Function::kNormalizeSpace:
      return StringValue(NormalizeSpace(string_arg(0)));
    case Function::kTranslate:
      return StringValue(
          Translate(string_arg(0), string_arg(1), string_arg(2)));
    case Function::kBoolean:
      return BooleanValue(ToBoolean(args[0]));
    case Function::kNot:
      return BooleanValue(!ToBoolean(args[0]));
    case Function::kTrue:
      return BooleanValue(true);
    case Function::kFalse:
      return BooleanValue(false);
    case Function::kLang:
      return BooleanValue(Lang(context.node, string_arg(0)));
    case Function::kNumber:
      return NumberValue(args.empty()
                             ? StringToNumber(XPathStringValue(context.node))
                             : ToNumber(args[0]));
    case Function::kSum: {
      double sum = 0;
      for (const XPathNode& n : args[0].nodes) {
        sum += StringToNumber(XPathStringValue(n));
      }
      return NumberValue(sum);
    }
    case Function::kFloor:
      return NumberValue(std::floor(ToNumber(args[0])));
    case Function::kCeiling:
      return NumberValue(std::ceil(ToNumber(args[0])));
    case Function::kRound:
      return NumberValue(Round(ToNumber(args[0])));
  }
  return Value{};
}

}  // namespace crawlbox::parser::xpath_internal
