// Element rules by XPath: compiling a rule's record XPath and its fields'
// css and xpath, and taking records and field values from the page's DOM.
#include <cstdlib>
#include <string>

#include "parser/fields.h"
#include "parser/page_parser.h"

namespace crawlbox::parser {

namespace {

// Where an expression's error is: Parse messages end in "at column N of ...",
// 1-based within the expression, and `where` is the opening quote of the TOML
// string, so column N of the text sits at where.column + N. Multi-line and
// escaped strings make this approximate, which is still better than the
// start of the value.
config::SourceLocation ErrorLocation(config::SourceLocation where,
                                     const std::string& message) {
  const std::string marker = "at column ";
  size_t at = message.rfind(marker);
  if (at == std::string::npos || where.line == 0) return where;
  int column = std::atoi(message.c_str() + at + marker.size());
  if (column > 0) where.column += column;
  return where;
}

}  // namespace

void PageParser::CompileElementRule(size_t index, CompiledRule* compiled,
                                    std::vector<config::JobProblem>* problems) {
  const config::Rule& rule = *compiled->rule;
  if (rule.select.empty() && rule.xpath.empty()) return;
  const std::string key = "rules[" + std::to_string(index) + "]";
  if (!rule.xpath.empty()) {
    auto xpath = XPath::Parse(rule.xpath);
    if (!xpath.ok()) {
      problems->push_back(
          {ErrorLocation(rule.xpath_where, xpath.status().message()),
           key + ".xpath", "an XPath 1.0 expression",
           xpath.status().message()});
    } else if (!xpath->IsNodeSetExpression()) {
      // A number or string has no elements to be records; refusing it at
      // load time beats a rule that silently finds nothing.
      problems->push_back({rule.xpath_where, key + ".xpath",
                           "an XPath expression that selects nodes",
                           "'" + rule.xpath + "', which gives a value"});
    } else {
      compiled->xpath = std::move(xpath).value();
    }
  }
  for (const config::Field& field : rule.fields) {
    const std::string field_key = key + ".fields." + field.name;
    std::unique_ptr<Selector> css;
    if (!field.css.empty()) {
      auto parsed = Selector::Parse(field.css);
      if (!parsed.ok()) {
        problems->push_back({field.where, field_key + ".css", "a CSS selector",
                             parsed.status().message()});
      } else {
        css = std::make_unique<Selector>(std::move(parsed).value());
      }
    }
    compiled->field_css.push_back(std::move(css));
    std::optional<XPath> xpath;
    if (!field.xpath.empty()) {
      auto parsed = XPath::Parse(field.xpath);
      if (!parsed.ok()) {
        problems->push_back(
            {ErrorLocation(field.where, parsed.status().message()),
             field_key + ".xpath", "an XPath 1.0 expression",
             parsed.status().message()});
      } else {
        xpath = std::move(parsed).value();
      }
    }
    compiled->field_xpath.push_back(std::move(xpath));
  }
}

void PageParser::ExtractXPath(const CompiledRule& compiled, const Document& doc,
                              Parsed* out) const {
  std::vector<XPathNode> nodes;
  // The document node is the context, so "/html/body//li" and "//li" both
  // work as they do in lxml.
  compiled.xpath->SelectNodes(doc.document(), &nodes);
  std::vector<const GumboNode*> records;
  for (const XPathNode& node : nodes) {
    // Text, attribute and comment nodes have no fields to take.
    if (node.attribute == nullptr && IsElement(node.node))
      records.push_back(node.node);
  }
  ExtractElements(compiled, records, out);
}

FieldValue PageParser::ElementField(const CompiledRule& compiled, size_t f,
                                    const GumboNode* record,
                                    std::vector<const GumboNode*>* matches) {
  const config::Field& field = compiled.rule->fields[f];
  const GumboNode* element = record;
  if (compiled.field_xpath[f]) {
    const XPath& xpath = *compiled.field_xpath[f];
    if (field.attr.empty()) {
      std::vector<XPathNode> nodes;
      // string() of an empty node-set is "", which a missing value also is;
      // only a node-set that selects nothing is reported as absent.
      if (xpath.IsNodeSetExpression()) {
        xpath.SelectNodes(record, &nodes);
        if (nodes.empty()) return ApplyField(field, "", false);
        return ApplyField(field, XPathStringValue(nodes.front()), true);
      }
      return ApplyField(field, xpath.EvaluateString(record), true);
    }
    std::vector<XPathNode> nodes;
    xpath.SelectNodes(record, &nodes);
    element = nullptr;
    for (const XPathNode& node : nodes) {
      if (node.attribute == nullptr && IsElement(node.node)) {
        element = node.node;
        break;
      }
    }
  } else if (compiled.field_css[f] != nullptr) {
    compiled.field_css[f]->Select(record, matches);
    // Select includes the record itself; a field names something inside.
    element = nullptr;
    for (const GumboNode* m : *matches) {
      if (m != record) {
        element = m;
        break;
      }
    }
  }
  if (element == nullptr) return ApplyField(field, "", false);
  if (!field.attr.empty()) {
    const char* value = Attribute(element, field.attr);
    return ApplyField(field, value != nullptr ? value : "", value != nullptr);
  }
  return ApplyField(field, TextContent(element), true);
}

}  // namespace crawlbox::parser
