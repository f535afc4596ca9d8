// JSON rules: compiling a rule's JSONPath queries and templates with their
// file:line:col, and running them over one parsed JSON document.
#include "parser/json_rules.h"

#include <re2/re2.h>

#include <algorithm>
#include <cassert>
#include <cstdint>
#include <exception>
#include <nlohmann/json.hpp>
#include <optional>
#include <unordered_set>
#include <utility>

#include "config/rule_reach_loader.h"
#include "parser/fields.h"
#include "parser/page_parser.h"
#include "parser/url_encoding.h"

namespace crawlbox::parser {

namespace {

constexpr const char* kQueryExpected = "an RFC 9535 JSONPath query";
constexpr const char* kConditionExpected =
    "an RFC 9535 JSONPath logical expression";
constexpr const char* kTemplateExpected =
    "a template of text, {$.path} placeholders and {{ }} for literal braces";

// Where the character at 1-based `error_column` of a query lies in the file,
// the query starting `offset` characters into a string value written at
// `where`. The value's column is that of its opening quote, hence no -1.
// Escapes and multi-line strings make this approximate.
config::SourceLocation ColumnOf(const config::SourceLocation& where,
                                size_t offset, int error_column) {
  config::SourceLocation at = where;
  if (at.line > 0 && at.column > 0 && error_column > 0)
    at.column += static_cast<int>(offset) + error_column;
  return at;
}

void CompileQuery(const std::string& text, const config::SourceLocation& where,
                  size_t offset, const std::string& key, JsonPath* out,
                  std::vector<config::JobProblem>* problems) {
  int column = 0;
  auto parsed = JsonPath::Parse(text, &column);
  if (!parsed.ok()) {
    problems->push_back({ColumnOf(where, offset, column), key, kQueryExpected,
                         parsed.status().message()});
    return;
  }
  *out = std::move(parsed).value();
}

// Appends literal template text, "{{" and "}}" made single braces.
void AppendLiteral(std::string_view text, JsonTemplate* out) {
  if (text.empty()) return;
  JsonTemplate::Piece piece;
  for (size_t i = 0; i < text.size(); ++i) {
    piece.text += text[i];
    if ((text[i] == '{' || text[i] == '}') && i + 1 < text.size() &&
        text[i + 1] == text[i]) {
      ++i;
    }
  }
  out->pieces.push_back(std::move(piece));
}

// Whether the '{' at `pos` is the second of an escaped "{{": the run of
// braces before it, back to `from`, is odd.
bool EscapedBrace(std::string_view text, size_t from, size_t pos) {
  size_t run = 0;
  while (pos > from && text[pos - 1] == '{') {
    --pos;
    ++run;
  }
  return run % 2 == 1;
}

void CompileTemplate(const std::string& text,
                     const config::SourceLocation& where,
                     const std::string& key, JsonTemplate* out,
                     std::vector<config::JobProblem>* problems) {
  std::vector<std::string> paths;
  std::string error;
  // The loader rejects bad templates already; a Job built by hand is
  // checked here too rather than misread.
  if (!config::ParseJsonTemplate(text, &paths, &error)) {
    problems->push_back({where, key, kTemplateExpected, error});
    return;
  }
  // ParseJsonTemplate gives the queries, not where they are: each is found
  // again as "{query}" in order, skipping lookalikes inside "{{...}}".
  size_t cursor = 0;
  for (const std::string& path : paths) {
    const std::string needle = "{" + path + "}";
    size_t pos = text.find(needle, cursor);
    while (pos != std::string::npos && EscapedBrace(text, cursor, pos))
      pos = text.find(needle, pos + 1);
    assert(pos != std::string::npos);
    if (pos == std::string::npos) return;
    AppendLiteral(std::string_view(text).substr(cursor, pos - cursor), out);
    JsonTemplate::Piece piece;
    piece.is_query = true;
    piece.at_start = pos == 0;
    CompileQuery(path, where, pos + 1, key, &piece.query, problems);
    out->pieces.push_back(std::move(piece));
    cursor = pos + needle.size();
  }
  AppendLiteral(std::string_view(text).substr(cursor), out);
}

// JSON text of a node. The parser let only valid UTF-8 in, so the replace
// handler never acts; it keeps dump() from throwing all the same.
std::string Dump(const nlohmann::json& node) {
  return node.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// A scalar as text goes into a record or a template: a string as is, a
// number or boolean as its JSON text; nullopt for null, objects and arrays.
std::optional<std::string> ScalarText(const nlohmann::json& node) {
  if (node.is_string()) return node.get_ref<const std::string&>();
  if (node.is_number() || node.is_boolean()) return Dump(node);
  return std::nullopt;
}

bool IsUnreserved(unsigned char c) {
  return IsAsciiAlpha(c) || IsAsciiDigit(c) || c == '-' || c == '.' ||
         c == '_' || c == '~';
}

void AppendComponentEncoded(std::string_view value, std::string* out) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (char ch : value) {
    const auto c = static_cast<unsigned char>(ch);
    if (IsUnreserved(c)) {
      *out += ch;
    } else {
      *out += '%';
      *out += kHex[c >> 4];
      *out += kHex[c & 0xF];
    }
  }
}

bool HasHeader(const std::vector<std::string>& headers, std::string_view name) {
  for (const std::string& header : headers) {
    const size_t colon = header.find(':');
    if (colon != std::string::npos &&
        AsciiEqualsNoCase(TrimSpace(std::string_view(header).substr(0, colon)),
                          name)) {
      return true;
    }
  }
  return false;
}

// Runs the JSON rules of one page over its parsed document.
class JsonRunner {
 public:
  JsonRunner(const JsonPage& page, const nlohmann::json& doc, Parsed* out)
      : page_(page), doc_(doc), out_(out) {
    for (const Link& link : out->links) seen_links_.insert(link.url);
  }

  void Run(const JsonRule& rule) {
    if (rule.has_records && page_.want_items) Records(rule);
    if (page_.url == nullptr) return;
    Follow(rule);
    if (rule.has_next) Next(rule);
  }

 private:
  void Records(const JsonRule& rule) {
    const config::Rule& config_rule = *rule.rule;
    std::vector<const nlohmann::json*> records;
    rule.records.Select(doc_, &records);
    const auto max_items =
        static_cast<size_t>(page_.parser->max_records_per_page());
    for (size_t r = 0; r < records.size(); ++r) {
      if (out_->items.size() >= max_items) {
        AddCut(out_, "records", static_cast<int64_t>(records.size() - r));
        break;
      }
      Item item;
      item.rule = config_rule.name;
      for (size_t f = 0; f < config_rule.fields.size(); ++f) {
        const config::Field& field = config_rule.fields[f];
        item.fields.emplace_back(field.name,
                                 FieldOf(field, rule.fields[f], *records[r]));
      }
      AddItem(config_rule, std::move(item), out_);
    }
  }

  FieldValue FieldOf(const config::Field& field, const JsonPath& query,
                     const nlohmann::json& record) {
    query.Select(record, &nodes_);
    if (nodes_.empty()) return ApplyField(field, "", false);
    const nlohmann::json& node = *nodes_.front();
    // A json field keeps the value as JSON, null and quoted strings included.
    if (field.type == config::FieldType::kJson)
      return ApplyField(field, Dump(node), true);
    if (node.is_null()) return ApplyField(field, "", false);
    if (node.is_string())
      return ApplyField(field, node.get_ref<const std::string&>(), true);
    return ApplyField(field, Dump(node), true);
  }

  void Follow(const JsonRule& rule) {
    const auto& patterns = rule.rule->follow;
    const auto max_links =
        static_cast<size_t>(page_.parser->max_links_per_page());
    for (const JsonPath& query : rule.follow) {
      query.Select(doc_, &nodes_);
      for (size_t i = 0; i < nodes_.size(); ++i) {
        if (out_->links.size() + out_->rel_nofollow.size() >= max_links) {
          AddCut(out_, "links", static_cast<int64_t>(nodes_.size() - i));
          break;
        }
        if (!nodes_[i]->is_string()) continue;
        std::optional<Link> link =
            Resolve(nodes_[i]->get_ref<const std::string&>());
        if (!link) continue;
        if (!patterns.empty()) {
          re2::StringPiece text(link->url);
          if (std::none_of(patterns.begin(), patterns.end(),
                           [&](const auto& pattern) {
                             return re2::RE2::PartialMatch(text, *pattern);
                           })) {
            continue;
          }
        }
        AddLink(std::move(*link));
      }
    }
  }

  void Next(const JsonRule& rule) {
    if (rule.until.Evaluate(doc_)) return;
    std::string url;
    std::string body;
    if (!Fill(rule.next_url, /*in_url=*/true, &url) ||
        !Fill(rule.next_body, /*in_url=*/false, &body)) {
      return;
    }
    std::optional<Link> target = Resolve(url);
    if (!target) return;
    const config::NextRequest& next = *rule.rule->next_request;
    if (next.method == "GET" && body.empty()) {
      // One link per rule at most, so it is not held to
      // limits.max_links_per_page: a page full of links still pages on.
      AddLink(std::move(*target));
      return;
    }
    if (page_.nofollow) {
      ++out_->nofollow_dropped;
      return;
    }
    RequestSpec spec{next.method, std::move(target->url),
                     std::move(target->host), next.headers, std::move(body)};
    if (!spec.body.empty() && !HasHeader(spec.headers, "content-type")) {
      const std::string_view start = TrimSpace(spec.body);
      spec.headers.push_back(
          start.starts_with('{') || start.starts_with('[')
              ? "Content-Type: application/json"
              : "Content-Type: application/x-www-form-urlencoded");
    }
    for (const RequestSpec& other : out_->requests) {
      if (other.method == spec.method && other.url == spec.url &&
          other.body == spec.body) {
        return;
      }
    }
    out_->requests.push_back(std::move(spec));
  }

  // Fills `tmpl` from the document; false when a placeholder has no scalar
  // value.
  bool Fill(const JsonTemplate& tmpl, bool in_url, std::string* out) {
    for (const JsonTemplate::Piece& piece : tmpl.pieces) {
      if (!piece.is_query) {
        *out += piece.text;
        continue;
      }
      piece.query.Select(doc_, &nodes_);
      if (nodes_.empty()) return false;
      std::optional<std::string> value = ScalarText(*nodes_.front());
      if (!value) return false;
      if (in_url && !piece.at_start) {
        AppendComponentEncoded(*value, out);
      } else {
        *out += *value;
      }
    }
    return true;
  }

  // `text` resolved against the page and normalized as links are; nullopt
  // (and counted as a bad link when it is no URL at all) otherwise.
  std::optional<Link> Resolve(std::string_view text) {
    auto resolved = ParseUrl(text, page_.url);
    if (!resolved.ok()) {
      ++out_->bad_links;
      return std::nullopt;
    }
    if (!resolved->IsHttp()) return std::nullopt;
    return Link{page_.parser->CrawlKey(*resolved), std::move(resolved->host)};
  }

  void AddLink(Link link) {
    if (seen_links_.insert(link.url).second)
      out_->links.push_back(std::move(link));
  }

  const JsonPage& page_;
  const nlohmann::json& doc_;
  Parsed* out_;
  std::unordered_set<std::string> seen_links_;
  std::vector<const nlohmann::json*> nodes_;  // reused between queries
};

}  // namespace

std::unique_ptr<JsonRule> CompileJsonRule(
    const config::Rule& rule, size_t index,
    std::vector<config::JobProblem>* problems) {
  if (!rule.json && rule.records.text.empty() && rule.follow_json.empty() &&
      !rule.next_request) {
    return nullptr;
  }
  auto out = std::make_unique<JsonRule>();
  out->rule = &rule;
  const std::string key = "rules[" + std::to_string(index) + "]";
  if (!rule.records.text.empty()) {
    out->has_records = true;
    CompileQuery(rule.records.text, rule.records.where, 0, key + ".records",
                 &out->records, problems);
    for (const config::Field& field : rule.fields) {
      out->fields.emplace_back();
      CompileQuery(field.json, field.where, 0,
                   key + ".fields." + field.name + ".json", &out->fields.back(),
                   problems);
    }
  }
  for (size_t i = 0; i < rule.follow_json.size(); ++i) {
    out->follow.emplace_back();
    CompileQuery(rule.follow_json[i].text, rule.follow_json[i].where, 0,
                 key + ".follow_json[" + std::to_string(i) + "]",
                 &out->follow.back(), problems);
  }
  if (rule.next_request) {
    const config::NextRequest& next = *rule.next_request;
    out->has_next = true;
    CompileTemplate(next.url, next.url_where, key + ".next_request.url",
                    &out->next_url, problems);
    CompileTemplate(next.body, next.body_where, key + ".next_request.body",
                    &out->next_body, problems);
    if (!next.until.text.empty()) {
      int column = 0;
      auto until = JsonCondition::Parse(next.until.text, &column);
      if (until.ok()) {
        out->until = std::move(until).value();
      } else {
        problems->push_back({ColumnOf(next.until.where, 0, column),
                             key + ".next_request.until", kConditionExpected,
                             until.status().message()});
      }
    }
  }
  return out;
}

bool IsJsonContent(std::string_view content_type) {
  std::string_view type =
      TrimSpace(content_type.substr(0, content_type.find(';')));
  constexpr std::string_view kSuffix = "+json";
  return AsciiEqualsNoCase(type, "application/json") ||
         AsciiEqualsNoCase(type, "text/json") ||
         (type.size() > kSuffix.size() &&
          AsciiEqualsNoCase(type.substr(type.size() - kSuffix.size()),
                            kSuffix));
}

bool JsonDeeperThan(std::string_view body, int max_depth) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < body.size(); ++i) {
    const char c = body[i];
    if (in_string) {
      if (c == '\\') {
        ++i;  // the escaped character, '"' or '\\' included
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    switch (c) {
      case '"':
        in_string = true;
        break;
      case '[':
      case '{':
        if (++depth > max_depth) return true;
        break;
      case ']':
      case '}':
        if (depth > 0) --depth;
        break;
      default:
        break;
    }
  }
  return false;
}

void ApplyJsonRules(std::span<const JsonRule* const> rules,
                    const JsonPage& page, std::string_view body, Parsed* out) {
  if (rules.empty()) return;
  // dump() and nlohmann's comparisons recurse on depth; the bound is what
  // keeps them off the end of the stack.
  if (JsonDeeperThan(body, page.job->parse.max_json_depth)) {
    out->unreadable = "json_depth";
    return;
  }
  const size_t items = out->items.size();
  const size_t links = out->links.size();
  const size_t requests = out->requests.size();
  try {
    nlohmann::json doc =
        nlohmann::json::parse(body.begin(), body.end(), nullptr,
                              /*allow_exceptions=*/false);
    if (doc.is_discarded()) {
      out->unreadable = "json_syntax";
      return;
    }
    JsonRunner runner(page, doc, out);
    for (const JsonRule* rule : rules) runner.Run(*rule);
  } catch (const std::exception&) {
    // Only allocation throws here. Half a page's JSON output would look
    // complete, so none of it is kept.
    out->items.resize(items);
    out->links.resize(links);
    out->requests.resize(requests);
    out->unreadable = "json_error";
  }
}

}  // namespace crawlbox::parser
