// Start URLs, their ranges and files, and seed requests with their bodies.
#include "config/seed_loader.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <sstream>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

namespace crawlbox::config {

namespace {

constexpr const char* kTemplateExpected =
    "a URL whose braces are ranges {1..50} or doubled {{ }} for a literal "
    "brace";

struct Range {
  int64_t from = 0;
  int64_t to = 0;
  int64_t step = 1;
  size_t width = 0;  // zero-padded width, 0 = none
};

// The text of one literal piece or range of a template.
struct Piece {
  std::string literal;
  bool is_range = false;
  Range range;
};

bool ParseInt(std::string_view text, int64_t* out) {
  if (text.empty()) return false;
  auto [end, ec] =
      std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && end == text.data() + text.size();
}

// "1..50", "01..50", "100..0..10" → *range.
bool ParseRange(std::string_view text, Range* range) {
  size_t dots = text.find("..");
  if (dots == std::string_view::npos) return false;
  std::string_view from = text.substr(0, dots);
  std::string_view rest = text.substr(dots + 2);
  std::string_view step;
  if (size_t more = rest.find(".."); more != std::string_view::npos) {
    step = rest.substr(more + 2);
    rest = rest.substr(0, more);
  }
  if (!ParseInt(from, &range->from) || !ParseInt(rest, &range->to))
    return false;
  if (!step.empty() && (!ParseInt(step, &range->step) || range->step <= 0))
    return false;
  std::string_view digits = from.starts_with('-') ? from.substr(1) : from;
  if (digits.size() > 1 && digits[0] == '0') range->width = from.size();
  return true;
}

std::string FormatNumber(int64_t n, size_t width) {
  std::string digits = std::to_string(n < 0 ? -n : n);
  std::string out = n < 0 ? "-" : "";
  size_t have = digits.size() + out.size();
  if (width > have) out.append(width - have, '0');
  return out + digits;
}

void AppendForm(std::string_view text, std::string* out) {
  static const char kHex[] = "0123456789ABCDEF";
  for (unsigned char c : text) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
        (c >= '0' && c <= '9') || c == '*' || c == '-' || c == '.' ||
        c == '_') {
      *out += static_cast<char>(c);
    } else if (c == ' ') {
      *out += '+';
    } else {
      *out += '%';
      *out += kHex[c >> 4];
      *out += kHex[c & 15];
    }
  }
}

void AppendJsonString(std::string_view text, std::string* out) {
  static const char kHex[] = "0123456789abcdef";
  *out += '"';
  for (unsigned char c : text) {
    if (c == '"' || c == '\\') {
      *out += '\\';
      *out += static_cast<char>(c);
    } else if (c < 0x20) {
      *out += "\\u00";
      *out += kHex[c >> 4];
      *out += kHex[c & 15];
    } else {
      *out += static_cast<char>(c);
    }
  }
  *out += '"';
}

// The entries of `table` in the order the file wrote them: toml++ keeps a
// table as a std::map, sorted by key, but a form's fields and a JSON body's
// keys are sent as written.
std::vector<std::pair<const toml::key*, const toml::node*>> InFileOrder(
    const toml::table& table) {
  std::vector<std::pair<const toml::key*, const toml::node*>> entries;
  for (const auto& [key, value] : table) entries.emplace_back(&key, &value);
  std::stable_sort(
      entries.begin(), entries.end(), [](const auto& a, const auto& b) {
        const toml::source_position& x = a.first->source().begin;
        const toml::source_position& y = b.first->source().begin;
        return x.line != y.line ? x.line < y.line : x.column < y.column;
      });
  return entries;
}

// The text of a scalar TOML value as a form or header value; false for
// arrays and tables.
bool ScalarText(const toml::node& node, std::string* out) {
  if (auto s = node.as_string()) {
    *out = s->get();
  } else if (auto i = node.as_integer()) {
    *out = std::to_string(i->get());
  } else if (auto f = node.as_floating_point()) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.17g", f->get());
    *out = buffer;
  } else if (auto b = node.as_boolean()) {
    *out = b->get() ? "true" : "false";
  } else if (node.is_date() || node.is_time() || node.is_date_time()) {
    std::ostringstream text;
    node.visit([&](const auto& v) { text << v; });
    *out = text.str();
  } else {
    return false;
  }
  return true;
}

// A TOML value as JSON: tables are objects (keys in file order), dates are
// strings.
void AppendJson(const toml::node& node, std::string* out) {
  if (auto table = node.as_table()) {
    *out += '{';
    bool first = true;
    for (const auto& [key, value] : InFileOrder(*table)) {
      if (!first) *out += ',';
      first = false;
      AppendJsonString(key->str(), out);
      *out += ':';
      AppendJson(*value, out);
    }
    *out += '}';
  } else if (auto array = node.as_array()) {
    *out += '[';
    for (size_t i = 0; i < array->size(); ++i) {
      if (i > 0) *out += ',';
      AppendJson((*array)[i], out);
    }
    *out += ']';
  } else if (auto s = node.as_string()) {
    AppendJsonString(s->get(), out);
  } else if (node.is_integer() || node.is_floating_point() ||
             node.is_boolean()) {
    std::string text;
    ScalarText(node, &text);
    *out += text;
  } else {
    std::string text;
    ScalarText(node, &text);
    AppendJsonString(text, out);
  }
}

// Adds the template's expansions as seeds of `method` etc.; problems at
// `where` for `key`.
void AddExpanded(ProblemList* problems, std::string text,
                 const SourceLocation& where, const std::string& key,
                 const Seed& prototype, std::vector<Seed>* seeds) {
  if (!ExpandEnvironment(problems, key, where, &text, /*escape_braces=*/true))
    return;
  std::vector<std::string> urls;
  std::string error;
  if (!ExpandTemplate(text, kMaxSeeds - std::min(kMaxSeeds, seeds->size()),
                      &urls, &error)) {
    problems->Add(where, key, kTemplateExpected, error);
    return;
  }
  for (std::string& url : urls) {
    Seed seed = prototype;
    seed.url = std::move(url);
    seed.where = where;
    seed.key = key;
    seeds->push_back(std::move(seed));
  }
}

// start_urls_from: a text file of URLs, one per line; blank lines and lines
// starting with '#' are skipped. Each line is a template, as start_urls are.
void LoadUrlFile(ProblemList* problems, const std::string& path,
                 const SourceLocation& where, const std::string& key,
                 std::vector<Seed>* seeds) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) {
    problems->Add(where, key, "a readable file of URLs, one per line",
                  Quote(path) + ": " + std::generic_category().message(errno));
    return;
  }
  std::string text;
  char buffer[64 * 1024];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, file)) > 0)
    text.append(buffer, n);
  std::fclose(file);
  int line = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    std::string_view row(text.data() + pos, end - pos);
    pos = end + 1;
    ++line;
    while (!row.empty() &&
           (row.back() == '\r' || row.back() == ' ' || row.back() == '\t'))
      row.remove_suffix(1);
    while (!row.empty() && (row.front() == ' ' || row.front() == '\t'))
      row.remove_prefix(1);
    if (row.empty() || row.front() == '#') continue;
    AddExpanded(problems, std::string(row), SourceLocation{path, line, 1}, key,
                Seed{}, seeds);
    if (seeds->size() >= kMaxSeeds) return;
  }
}

// One [[job.requests]] table → seeds (its URL may hold ranges).
void LoadRequest(ProblemList* problems, const toml::table& table,
                 const std::string& path, std::vector<Seed>* seeds) {
  TableReader reader(problems, &table, path, problems->At(table));
  reader.CheckKnownKeys(
      {"url", "method", "headers", "form", "json", "body", "content_type"});
  Seed prototype;
  std::string method;
  SourceLocation method_where;
  if (reader.ReadString("method", /*non_empty=*/true, &method, &method_where)) {
    bool token = true;
    for (char& c : method) {
      if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
      if (!(c >= 'A' && c <= 'Z')) token = false;
    }
    if (token) {
      prototype.method = method;
    } else {
      problems->Add(method_where, reader.PathOf("method"),
                    "an HTTP method of letters (GET, POST, PUT, ...)",
                    Quote(method));
    }
  }
  if (const toml::node* headers = reader.Find("headers")) {
    if (const toml::table* t = headers->as_table()) {
      for (const auto& [key, node] : InFileOrder(*t)) {
        const toml::key& name = *key;
        const toml::node& value = *node;
        std::string text;
        if (!ScalarText(value, &text) ||
            text.find_first_of("\r\n") != std::string::npos) {
          problems->Add(
              problems->At(value),
              reader.PathOf("headers") + "." + std::string(name.str()),
              "a header value on one line", TypeName(value));
          continue;
        }
        prototype.headers.push_back(std::string(name.str()) + ": " + text);
      }
    } else {
      problems->Add(problems->At(*headers), reader.PathOf("headers"),
                    "a table of header names and values", TypeName(*headers));
    }
  }
  int bodies = 0;
  std::string content_type;
  if (const toml::node* form = reader.Find("form")) {
    ++bodies;
    if (const toml::table* t = form->as_table()) {
      for (const auto& [key, node] : InFileOrder(*t)) {
        const toml::key& name = *key;
        const toml::node& value = *node;
        auto add = [&](const toml::node& v) {
          std::string text;
          if (!ScalarText(v, &text)) {
            problems->Add(problems->At(v),
                          reader.PathOf("form") + "." + std::string(name.str()),
                          "a string, number or boolean (or an array of them)",
                          TypeName(v));
            return;
          }
          if (!prototype.body.empty()) prototype.body += '&';
          AppendForm(name.str(), &prototype.body);
          prototype.body += '=';
          AppendForm(text, &prototype.body);
        };
        if (const toml::array* values = value.as_array()) {
          for (const toml::node& v : *values) add(v);
        } else {
          add(value);
        }
      }
      content_type = "application/x-www-form-urlencoded";
    } else {
      problems->Add(problems->At(*form), reader.PathOf("form"),
                    "a table of form fields", TypeName(*form));
    }
  }
  if (const toml::node* json = reader.Find("json")) {
    ++bodies;
    AppendJson(*json, &prototype.body);
    content_type = "application/json";
  }
  std::string body;
  if (reader.ReadString("body", /*non_empty=*/false, &body)) {
    ++bodies;
    prototype.body = std::move(body);
    content_type = "text/plain; charset=utf-8";
  }
  if (bodies > 1) {
    problems->Add(problems->At(table), path,
                  "at most one of form, json and body", "more than one");
  }
  std::string given_type;
  if (reader.ReadString("content_type", /*non_empty=*/true, &given_type))
    content_type = given_type;
  if (bodies > 0 && !content_type.empty())
    prototype.headers.push_back("Content-Type: " + content_type);
  if (bodies > 0 && prototype.method == "GET" &&
      reader.Find("method") == nullptr)
    prototype.method = "POST";
  std::string url;
  SourceLocation url_where;
  if (reader.Require("url", "an absolute http or https URL") &&
      reader.ReadString("url", /*non_empty=*/true, &url, &url_where)) {
    AddExpanded(problems, std::move(url), url_where, reader.PathOf("url"),
                prototype, seeds);
  }
}

}  // namespace

bool ExpandTemplate(std::string_view text, size_t max,
                    std::vector<std::string>* out, std::string* error) {
  std::vector<Piece> pieces(1);
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '}' || c == '{') {
      if (i + 1 < text.size() && text[i + 1] == c) {
        pieces.back().literal += c;
        ++i;
        continue;
      }
      size_t close = c == '{' ? text.find('}', i) : std::string_view::npos;
      Range range;
      if (close == std::string_view::npos ||
          !ParseRange(text.substr(i + 1, close - i - 1), &range)) {
        *error = "'" + std::string(1, c) + "' at column " +
                 std::to_string(i + 1) + " of " + Quote(text);
        return false;
      }
      Piece piece;
      piece.is_range = true;
      piece.range = range;
      pieces.push_back(std::move(piece));
      pieces.emplace_back();
      i = close;
      continue;
    }
    pieces.back().literal += c;
  }
  std::vector<std::string> results = {""};
  for (const Piece& piece : pieces) {
    if (!piece.is_range) {
      for (std::string& r : results) r += piece.literal;
      continue;
    }
    const Range& r = piece.range;
    std::vector<std::string> next;
    const int64_t dir = r.to >= r.from ? 1 : -1;
    for (const std::string& prefix : results) {
      for (int64_t n = r.from; dir > 0 ? n <= r.to : n >= r.to;
           n += dir * r.step) {
        if (next.size() >= max) {
          *error =
              "more than " + std::to_string(max) + " URLs from " + Quote(text);
          return false;
        }
        next.push_back(prefix + FormatNumber(n, r.width));
        if (dir > 0 ? n > INT64_MAX - r.step : n < INT64_MIN + r.step) break;
      }
    }
    results = std::move(next);
  }
  for (std::string& r : results) out->push_back(std::move(r));
  return true;
}

void LoadSeeds(ProblemList* problems, const TableReader& reader,
               const std::string& job_file, std::vector<Seed>* seeds) {
  // TableReader's reads are non-const: a copy shares the problem list.
  TableReader job = reader;
  const bool only_urls =
      job.Find("start_urls_from") == nullptr && job.Find("requests") == nullptr;
  if (only_urls && job.Find("start_urls") == nullptr) {
    problems->Add(job.where(), job.PathOf("start_urls"),
                  "start_urls, start_urls_from or [[job.requests]]",
                  "none of them");
    return;
  }
  std::vector<LocatedString> urls;
  if (job.ReadStringArray("start_urls", /*non_empty=*/only_urls, &urls)) {
    for (LocatedString& url : urls) {
      AddExpanded(
          problems, std::move(url.value), url.where,
          job.PathOf("start_urls") + "[" + std::to_string(url.index) + "]",
          Seed{}, seeds);
    }
  }
  std::string file;
  SourceLocation file_where;
  if (job.ReadString("start_urls_from", /*non_empty=*/true, &file,
                     &file_where) &&
      ExpandEnvironment(problems, job.PathOf("start_urls_from"), file_where,
                        &file)) {
    if (!file.starts_with('/')) {
      size_t slash = job_file.rfind('/');
      if (slash != std::string::npos)
        file = job_file.substr(0, slash + 1) + file;
    }
    LoadUrlFile(problems, file, file_where, job.PathOf("start_urls_from"),
                seeds);
  }
  if (const toml::node* node = job.Find("requests")) {
    const toml::array* array = node->as_array();
    if (array == nullptr || !array->is_homogeneous<toml::table>()) {
      problems->Add(problems->At(*node), job.PathOf("requests"),
                    "an array of tables ([[job.requests]])", TypeName(*node));
    } else {
      for (size_t i = 0; i < array->size(); ++i) {
        LoadRequest(problems, *(*array)[i].as_table(),
                    job.PathOf("requests") + "[" + std::to_string(i) + "]",
                    seeds);
      }
    }
  }
}

}  // namespace crawlbox::config
