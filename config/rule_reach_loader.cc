// A rule's JSON, XPath, form and logged-out keys.
#include "config/rule_reach_loader.h"

#include <string>
#include <utility>
#include <vector>

namespace crawlbox::config {

namespace {

constexpr const char* kJsonTemplateExpected =
    "a template of text, {$.path} placeholders and {{ }} for literal braces";

JsonQuery ReadQuery(TableReader* reader, std::string_view key) {
  JsonQuery query;
  reader->ReadString(key, /*non_empty=*/true, &query.text, &query.where);
  return query;
}

void ReadHeaders(ProblemList* problems, TableReader* reader,
                 std::vector<std::string>* out) {
  const toml::node* node = reader->Find("headers");
  if (node == nullptr) return;
  const toml::table* table = node->as_table();
  if (table == nullptr) {
    problems->Add(problems->At(*node), reader->PathOf("headers"),
                  "a table of header names and values", TypeName(*node));
    return;
  }
  for (const auto& [name, value] : *table) {
    const auto* text = value.as_string();
    if (text == nullptr ||
        text->get().find_first_of("\r\n") != std::string::npos) {
      problems->Add(problems->At(value),
                    reader->PathOf("headers") + "." + std::string(name.str()),
                    "a header value on one line (string)", TypeName(value));
      continue;
    }
    out->push_back(std::string(name.str()) + ": " + text->get());
  }
}

void CheckTemplate(ProblemList* problems, const std::string& text,
                   const SourceLocation& where, const std::string& key) {
  std::vector<std::string> paths;
  std::string error;
  if (!ParseJsonTemplate(text, &paths, &error))
    problems->Add(where, key, kJsonTemplateExpected, error);
}

void LoadNextRequest(ProblemList* problems, const toml::node& node,
                     const std::string& path, Rule* rule) {
  NextRequest next;
  if (const auto* url = node.as_string()) {
    next.url = url->get();
    next.url_where = problems->At(node);
  } else if (const toml::table* table = node.as_table()) {
    TableReader reader(problems, table, path, problems->At(node));
    reader.CheckKnownKeys({"url", "until", "method", "headers", "body"});
    if (reader.Require("url", kJsonTemplateExpected))
      reader.ReadString("url", /*non_empty=*/true, &next.url, &next.url_where);
    next.until = ReadQuery(&reader, "until");
    std::string method;
    SourceLocation method_where;
    if (reader.ReadString("method", /*non_empty=*/true, &method,
                          &method_where)) {
      for (char& c : method) {
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
      }
      if (method.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ") ==
          std::string::npos) {
        next.method = method;
      } else {
        problems->Add(method_where, reader.PathOf("method"),
                      "an HTTP method of letters", Quote(method));
      }
    }
    ReadHeaders(problems, &reader, &next.headers);
    if (reader.ReadString("body", /*non_empty=*/false, &next.body,
                          &next.body_where)) {
      CheckTemplate(problems, next.body, next.body_where,
                    reader.PathOf("body"));
      if (reader.Find("method") == nullptr) next.method = "POST";
    }
  } else {
    problems->Add(problems->At(node), path,
                  "a URL template or a table { url, until, method, headers, "
                  "body }",
                  TypeName(node));
    return;
  }
  if (!next.url.empty())
    CheckTemplate(problems, next.url, next.url_where, path + ".url");
  rule->next_request = std::move(next);
}

void LoadFormFollow(ProblemList* problems, const toml::node& node,
                    const std::string& path, Rule* rule) {
  FormFollow form;
  form.where = problems->At(node);
  if (const auto* select = node.as_string()) {
    form.select = select->get();
  } else if (const toml::table* table = node.as_table()) {
    TableReader reader(problems, table, path, form.where);
    reader.CheckKnownKeys({"select", "fields", "submit"});
    if (reader.Require("select", "a CSS selector of the form"))
      reader.ReadString("select", /*non_empty=*/true, &form.select,
                        &form.where);
    reader.ReadString("submit", /*non_empty=*/true, &form.submit);
    if (const toml::node* fields = reader.Find("fields")) {
      if (const toml::table* t = fields->as_table()) {
        for (const auto& [name, value] : *t) {
          std::string text;
          if (const auto* s = value.as_string()) {
            text = s->get();
          } else if (const auto* i = value.as_integer()) {
            text = std::to_string(i->get());
          } else {
            problems->Add(
                problems->At(value),
                reader.PathOf("fields") + "." + std::string(name.str()),
                "a string or integer", TypeName(value));
            continue;
          }
          if (!ExpandEnvironment(
                  problems,
                  reader.PathOf("fields") + "." + std::string(name.str()),
                  problems->At(value), &text))
            continue;
          form.fields.emplace_back(std::string(name.str()), std::move(text));
        }
      } else {
        problems->Add(problems->At(*fields), reader.PathOf("fields"),
                      "a table of field names and values", TypeName(*fields));
      }
    }
  } else {
    problems->Add(form.where, path,
                  "a CSS selector of a form or a table { select, fields, "
                  "submit }",
                  TypeName(node));
    return;
  }
  rule->follow_forms.push_back(std::move(form));
}

}  // namespace

bool ParseJsonTemplate(std::string_view text, std::vector<std::string>* paths,
                       std::string* error) {
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if ((c == '{' || c == '}') && i + 1 < text.size() && text[i + 1] == c) {
      ++i;
      continue;
    }
    if (c == '}') {
      *error = "a lone '}' at column " + std::to_string(i + 1) + " of " +
               Quote(text);
      return false;
    }
    if (c != '{') continue;
    // The placeholder ends at the first '}' outside a quoted string of the
    // query: "{$['a}b']}" holds one.
    size_t j = i + 1;
    char quote = 0;
    for (; j < text.size(); ++j) {
      if (quote != 0) {
        if (text[j] == '\\') {
          ++j;
        } else if (text[j] == quote) {
          quote = 0;
        }
      } else if (text[j] == '\'' || text[j] == '"') {
        quote = text[j];
      } else if (text[j] == '}') {
        break;
      }
    }
    if (j >= text.size()) {
      *error = "an unclosed '{' at column " + std::to_string(i + 1) + " of " +
               Quote(text);
      return false;
    }
    std::string_view query = text.substr(i + 1, j - i - 1);
    if (!query.starts_with('$')) {
      *error = "'{" + std::string(query) + "}' at column " +
               std::to_string(i + 1) +
               " (a placeholder is a JSONPath query "
               "starting with $)";
      return false;
    }
    paths->emplace_back(query);
    i = j;
  }
  return true;
}

void LoadRuleReach(ProblemList* problems, TableReader* reader, Rule* rule) {
  reader->ReadBool("json", &rule->json);
  reader->ReadBool("render", &rule->render);
  reader->ReadString("wait_for", /*non_empty=*/true, &rule->wait_for);
  rule->records = ReadQuery(reader, "records");
  reader->ReadString("xpath", /*non_empty=*/true, &rule->xpath,
                     &rule->xpath_where);
  std::vector<LocatedString> follow_json;
  reader->ReadStringArray("follow_json", /*non_empty=*/false, &follow_json);
  for (LocatedString& query : follow_json)
    rule->follow_json.push_back({std::move(query.value), query.where});
  if (const toml::node* next = reader->Find("next_request"))
    LoadNextRequest(problems, *next, reader->PathOf("next_request"), rule);
  if (const toml::node* forms = reader->Find("follow_forms")) {
    if (const toml::array* array = forms->as_array()) {
      for (size_t i = 0; i < array->size(); ++i) {
        LoadFormFollow(
            problems, (*array)[i],
            reader->PathOf("follow_forms") + "[" + std::to_string(i) + "]",
            rule);
      }
    } else {
      LoadFormFollow(problems, *forms, reader->PathOf("follow_forms"), rule);
    }
  }
  if (const toml::node* marker = reader->Find("logged_out")) {
    const std::string path = reader->PathOf("logged_out");
    const toml::table* table = marker->as_table();
    if (table == nullptr) {
      problems->Add(problems->At(*marker), path,
                    "a table { css = \"...\" } or { pattern = \"...\" }",
                    TypeName(*marker));
      return;
    }
    TableReader marker_reader(problems, table, path, problems->At(*marker));
    marker_reader.CheckKnownKeys({"css", "pattern"});
    marker_reader.ReadString("css", /*non_empty=*/true, &rule->logged_out.css,
                             &rule->logged_out.where);
    SourceLocation pattern_where;
    rule->logged_out.pattern =
        marker_reader.ReadRegex("pattern", /*dot_nl=*/true, &pattern_where);
    if (rule->logged_out.css.empty()) rule->logged_out.where = pattern_where;
    const bool has_css = marker_reader.Find("css") != nullptr;
    if (has_css == (marker_reader.Find("pattern") != nullptr)) {
      problems->Add(problems->At(*marker), path, "one of css and pattern",
                    has_css ? "both" : "neither");
    }
  }
}

}  // namespace crawlbox::config
