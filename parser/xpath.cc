// XPath: the public entry points, string-values and the XPath 1.0 type
// conversions (string(), number(), boolean()).
#include "parser/xpath.h"

#include <gumbo.h>

#include <charconv>
#include <cmath>
#include <string>
#include <utility>

#include "parser/dom.h"
#include "parser/xpath_ast.h"

namespace crawlbox::parser {

using xpath_internal::Context;
using xpath_internal::Evaluator;
using xpath_internal::Expr;
using xpath_internal::Type;
using xpath_internal::Value;

std::string XPathStringValue(const XPathNode& node) {
  if (node.attribute != nullptr) return node.attribute->value;
  if (node.node == nullptr) return "";
  // TextContent gives a text or comment node its own text, and an element or
  // the document the text below it without comments: XPath's string-value.
  return TextContent(node.node);
}

namespace xpath_internal {

Value BooleanValue(bool b) {
  Value v;
  v.type = Type::kBoolean;
  v.boolean = b;
  return v;
}

Value NumberValue(double n) {
  Value v;
  v.type = Type::kNumber;
  v.number = n;
  return v;
}

Value StringValue(std::string s) {
  Value v;
  v.type = Type::kString;
  v.string = std::move(s);
  return v;
}

std::string ToString(const Value& value) {
  switch (value.type) {
    case Type::kNodeSet:
      return value.nodes.empty() ? "" : XPathStringValue(value.nodes[0]);
    case Type::kBoolean:
      return value.boolean ? "true" : "false";
    case Type::kNumber:
      return NumberToString(value.number);
    case Type::kString:
      return value.string;
  }
  return "";
}

double ToNumber(const Value& value) {
  switch (value.type) {
    case Type::kBoolean:
      return value.boolean ? 1 : 0;
    case Type::kNumber:
      return value.number;
    case Type::kString:
      return StringToNumber(value.string);
    case Type::kNodeSet:
      return StringToNumber(ToString(value));
  }
  return NAN;
}

bool ToBoolean(const Value& value) {
  switch (value.type) {
    case Type::kBoolean:
      return value.boolean;
    case Type::kNumber:
      return value.number != 0 && !std::isnan(value.number);
    case Type::kString:
      return !value.string.empty();
    case Type::kNodeSet:
      return !value.nodes.empty();
  }
  return false;
}

// XPath's Number: optional whitespace, an optional "-", digits with an
// optional fraction, optional whitespace. No "+", exponent, "Infinity" or
// hex, unlike strtod; anything else is NaN. from_chars ignores the locale.
double StringToNumber(std::string_view s) {
  auto space = [](char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
  };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  size_t i = !s.empty() && s[0] == '-' ? 1 : 0;
  size_t digits = 0;
  bool dot = false;
  for (; i < s.size(); ++i) {
    if (s[i] >= '0' && s[i] <= '9') {
      ++digits;
    } else if (s[i] == '.' && !dot) {
      dot = true;
    } else {
      return NAN;
    }
  }
  if (digits == 0) return NAN;
  double n = 0;
  std::from_chars_result r = std::from_chars(s.data(), s.data() + s.size(), n,
                                             std::chars_format::fixed);
  if (r.ec == std::errc::result_out_of_range)
    return s[0] == '-' ? -HUGE_VAL : HUGE_VAL;
  return r.ec == std::errc() ? n : NAN;
}

std::string NumberToString(double n) {
  if (std::isnan(n)) return "NaN";
  if (std::isinf(n)) return n > 0 ? "Infinity" : "-Infinity";
  if (n == 0) return "0";  // also -0
  // Fixed notation with the fewest digits that read back as the same double:
  // XPath 1.0 forbids exponents, and integers print without ".0".
  char buffer[400];
  std::to_chars_result r = std::to_chars(buffer, buffer + sizeof(buffer), n,
                                         std::chars_format::fixed);
  return std::string(buffer, r.ptr);
}

}  // namespace xpath_internal

struct XPath::Compiled {
  std::string text;
  Expr expr;
};

XPath::XPath() = default;

XPath::XPath(std::shared_ptr<const Compiled> compiled)
    : compiled_(std::move(compiled)) {}

config::Result<XPath> XPath::Parse(std::string_view text) {
  config::Result<Expr> expr = xpath_internal::ParseExpression(text);
  if (!expr.ok()) return expr.status();
  auto compiled = std::make_shared<Compiled>();
  compiled->text = std::string(text);
  compiled->expr = std::move(expr).value();
  return XPath(std::move(compiled));
}

void XPath::SelectNodes(const GumboNode* context,
                        std::vector<XPathNode>* out) const {
  out->clear();
  if (compiled_ == nullptr || context == nullptr ||
      compiled_->expr.type != Type::kNodeSet) {
    return;
  }
  Evaluator evaluator(context);
  Value value =
      evaluator.Evaluate(compiled_->expr, Context{XPathNode{context}});
  *out = std::move(value.nodes);
}

std::string XPath::EvaluateString(const GumboNode* context) const {
  if (compiled_ == nullptr || context == nullptr) return "";
  Evaluator evaluator(context);
  return xpath_internal::ToString(
      evaluator.Evaluate(compiled_->expr, Context{XPathNode{context}}));
}

bool XPath::IsNodeSetExpression() const {
  return compiled_ != nullptr && compiled_->expr.type == Type::kNodeSet;
}

const std::string& XPath::text() const {
  static const std::string kEmpty;
  return compiled_ != nullptr ? compiled_->text : kEmpty;
}

}  // namespace crawlbox::parser
