// JsonPath and JsonCondition: the public faces of the JSONPath parser
// (json_path_parse.cc) and evaluator (json_path_eval.cc).
#include "parser/json_path.h"

#include <exception>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>

#include "parser/json_path_ast.h"

namespace crawlbox::parser {

static_assert(JsonPath::kMaxNestingDepth == jsonpath::kMaxNestingDepth);

namespace {
const std::string& EmptyText() {
  static const std::string* const kEmpty = new std::string();
  return *kEmpty;
}
}  // namespace

struct JsonPath::Compiled {
  std::string text;
  jsonpath::Query query;
};

JsonPath::JsonPath() = default;
JsonPath::JsonPath(std::shared_ptr<const Compiled> compiled)
    : compiled_(std::move(compiled)) {}

config::Result<JsonPath> JsonPath::Parse(std::string_view text,
                                         int* error_column) {
  // Nothing below throws by design; the catch keeps std::bad_alloc (or a bug)
  // from leaving through our no-exceptions boundary.
  try {
    config::Result<jsonpath::Query> query =
        jsonpath::ParseQuery(text, error_column);
    if (!query.ok()) return query.status();
    auto compiled = std::make_shared<Compiled>();
    compiled->text = std::string(text);
    compiled->query = std::move(query).value();
    return JsonPath(std::move(compiled));
  } catch (const std::exception& e) {
    return config::Status::InvalidArgument(
        std::string("could not compile JSONPath query: ") + e.what());
  }
}

void JsonPath::Select(const nlohmann::json& root,
                      std::vector<const nlohmann::json*>* out) const {
  out->clear();
  if (compiled_ == nullptr) return;
  try {
    jsonpath::SelectNodes(compiled_->query, root, root, out);
  } catch (const std::exception&) {
    out->clear();
  }
}

const std::string& JsonPath::text() const {
  return compiled_ != nullptr ? compiled_->text : EmptyText();
}

struct JsonCondition::Compiled {
  std::string text;
  std::unique_ptr<jsonpath::Expr> expr;
};

JsonCondition::JsonCondition() = default;
JsonCondition::JsonCondition(std::shared_ptr<const Compiled> compiled)
    : compiled_(std::move(compiled)) {}

config::Result<JsonCondition> JsonCondition::Parse(std::string_view text,
                                                   int* error_column) {
  try {
    config::Result<std::unique_ptr<jsonpath::Expr>> expr =
        jsonpath::ParseLogical(text, error_column);
    if (!expr.ok()) return expr.status();
    auto compiled = std::make_shared<Compiled>();
    compiled->text = std::string(text);
    compiled->expr = std::move(expr).value();
    return JsonCondition(std::move(compiled));
  } catch (const std::exception& e) {
    return config::Status::InvalidArgument(
        std::string("could not compile JSONPath condition: ") + e.what());
  }
}

bool JsonCondition::Evaluate(const nlohmann::json& root) const {
  if (compiled_ == nullptr) return false;
  try {
    return jsonpath::EvaluateLogical(*compiled_->expr, root, root);
  } catch (const std::exception&) {
    return false;
  }
}

const std::string& JsonCondition::text() const {
  return compiled_ != nullptr ? compiled_->text : EmptyText();
}

}  // namespace crawlbox::parser
