// Typed, located reads of toml++ tables that collect problems (see
// toml_reader.h).
#include "config/toml_reader.h"

#include <climits>
#include <utility>

namespace crawlbox::config {

namespace {

// Longest text quoted in a problem, in bytes; longer text is cut at a character
// boundary.
constexpr size_t kMaxQuoted = 60;

std::string RangeText(int64_t min, int64_t max, int64_t type_max) {
  if (max == type_max) return "an integer >= " + std::to_string(min);
  return "an integer in " + std::to_string(min) + ".." + std::to_string(max);
}

}  // namespace

SourceLocation ProblemList::At(const toml::source_region& region) const {
  return SourceLocation{file_, static_cast<int>(region.begin.line),
                        static_cast<int>(region.begin.column)};
}

void ProblemList::Add(SourceLocation where, std::string key,
                      std::string expected, std::string got) {
  out_->push_back(JobProblem{std::move(where), std::move(key),
                             std::move(expected), std::move(got)});
}

std::string TypeName(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a floating-point number";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::date:
      return "a date";
    case toml::node_type::time:
      return "a time";
    case toml::node_type::date_time:
      return "a date-time";
    case toml::node_type::none:
      break;
  }
  return "nothing";
}

std::string Quote(std::string_view text) {
  bool cut = false;
  if (text.size() > kMaxQuoted) {
    size_t end = kMaxQuoted;
    // Back up over UTF-8 continuation bytes so that no character is split.
    while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80)
      --end;
    text = text.substr(0, end);
    cut = true;
  }
  std::string out = "'";
  for (char c : text) {
    switch (c) {
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\0':
        out += "\\0";
        break;
      default:
        out += c;
    }
  }
  out += cut ? "...'" : "'";
  return out;
}

std::string JoinNames(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& name : names) {
    if (!out.empty()) out += ", ";
    out += name;
  }
  return out;
}

bool IsIdentifier(std::string_view text) {
  if (text.empty()) return false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    bool ok =
        (c >= 'a' && c <= 'z') || c == '_' || (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

std::shared_ptr<const re2::RE2> CompileRegex(ProblemList* problems,
                                             const std::string& pattern,
                                             bool dot_nl,
                                             const SourceLocation& where,
                                             const std::string& key) {
  re2::RE2::Options options;
  options.set_log_errors(false);
  options.set_dot_nl(dot_nl);
  auto re = std::make_shared<const re2::RE2>(pattern, options);
  if (!re->ok()) {
    problems->Add(where, key, "a valid RE2 regular expression", re->error());
    return nullptr;
  }
  return re;
}

TableReader::TableReader(ProblemList* problems, const toml::table* table,
                         std::string path, SourceLocation where)
    : problems_(problems),
      table_(table),
      path_(std::move(path)),
      where_(std::move(where)) {}

void TableReader::CheckKnownKeys(
    std::initializer_list<std::string_view> known) {
  if (table_ == nullptr) return;
  std::string expected = "one of";
  for (std::string_view name : known) {
    expected += expected.size() > 6 ? ", " : " ";
    expected += name;
  }
  for (auto&& [key, node] : *table_) {
    bool found = false;
    for (std::string_view name : known) found = found || key.str() == name;
    if (found) continue;
    // A key written as a table header or a dotted key may have no location of
    // its own.
    SourceLocation at = key.source().begin.line > 0
                            ? problems_->At(key.source())
                            : problems_->At(node);
    problems_->Add(std::move(at), PathOf(key.str()), expected,
                   Quote(key.str()));
  }
}

const toml::node* TableReader::Find(std::string_view key) const {
  if (table_ == nullptr) return nullptr;
  return table_->get(key);
}

std::string TableReader::PathOf(std::string_view key) const {
  if (path_.empty()) return std::string(key);
  return path_ + "." + std::string(key);
}

bool TableReader::Require(std::string_view key, std::string_view expected) {
  if (Find(key) != nullptr) return true;
  problems_->Add(where_, PathOf(key), std::string(expected),
                 "nothing (the key is missing)");
  return false;
}

bool TableReader::ReadString(std::string_view key, bool non_empty,
                             std::string* out, SourceLocation* where) {
  const toml::node* node = Find(key);
  if (node == nullptr) return false;
  const char* expected = non_empty ? "a non-empty string" : "a string";
  const auto* value = node->as_string();
  if (value == nullptr) {
    problems_->Add(problems_->At(*node), PathOf(key), expected,
                   TypeName(*node));
    return false;
  }
  if (non_empty && value->get().empty()) {
    problems_->Add(problems_->At(*node), PathOf(key), expected,
                   "an empty string");
    return false;
  }
  *out = value->get();
  if (where != nullptr) *where = problems_->At(*node);
  return true;
}

bool TableReader::ReadInt(std::string_view key, int64_t min, int64_t max,
                          int64_t* out) {
  const toml::node* node = Find(key);
  if (node == nullptr) return false;
  std::string expected = RangeText(min, max, INT64_MAX);
  const auto* value = node->as_integer();
  if (value == nullptr) {
    problems_->Add(problems_->At(*node), PathOf(key), expected,
                   TypeName(*node));
    return false;
  }
  int64_t n = value->get();
  if (n < min || n > max) {
    problems_->Add(problems_->At(*node), PathOf(key), expected,
                   std::to_string(n));
    return false;
  }
  *out = n;
  return true;
}

bool TableReader::ReadInt(std::string_view key, int min, int max, int* out) {
  const toml::node* node = Find(key);
  if (node == nullptr) return false;
  std::string expected = RangeText(min, max, INT_MAX);
  const auto* value = node->as_integer();
  if (value == nullptr) {
    problems_->Add(problems_->At(*node), PathOf(key), expected,
                   TypeName(*node));
    return false;
  }
  int64_t n = value->get();
  // Beyond what an int holds: ">= min" alone would not explain the problem.
  if (n > max) expected = RangeText(min, max, INT64_MAX);
  if (n < min || n > max) {
    problems_->Add(problems_->At(*node), PathOf(key), expected,
                   std::to_string(n));
    return false;
  }
  *out = static_cast<int>(n);
  return true;
}

bool TableReader::ReadBool(std::string_view key, bool* out) {
  const toml::node* node = Find(key);
  if (node == nullptr) return false;
  const auto* value = node->as_boolean();
  if (value == nullptr) {
    problems_->Add(problems_->At(*node), PathOf(key),
                   "a boolean (true or false)", TypeName(*node));
    return false;
  }
  *out = value->get();
  return true;
}

bool TableReader::ReadStringArray(std::string_view key, bool non_empty,
                                  std::vector<LocatedString>* out) {
  const toml::node* node = Find(key);
  if (node == nullptr) return false;
  const char* expected =
      non_empty ? "a non-empty array of strings" : "an array of strings";
  const toml::array* array = node->as_array();
  if (array == nullptr) {
    problems_->Add(problems_->At(*node), PathOf(key), expected,
                   TypeName(*node));
    return false;
  }
  if (non_empty && array->empty()) {
    problems_->Add(problems_->At(*node), PathOf(key), expected,
                   "an empty array");
  }
  for (size_t i = 0; i < array->size(); ++i) {
    const toml::node& element = (*array)[i];
    const auto* value = element.as_string();
    if (value == nullptr) {
      problems_->Add(problems_->At(element),
                     PathOf(key) + "[" + std::to_string(i) + "]", "a string",
                     TypeName(element));
      continue;
    }
    out->push_back(LocatedString{value->get(), problems_->At(element), i});
  }
  return true;
}

std::shared_ptr<const re2::RE2> TableReader::ReadRegex(std::string_view key,
                                                       bool dot_nl,
                                                       SourceLocation* where) {
  std::string pattern;
  SourceLocation at;
  if (!ReadString(key, /*non_empty=*/false, &pattern, &at)) return nullptr;
  if (where != nullptr) *where = at;
  return CompileRegex(problems_, pattern, dot_nl, at, PathOf(key));
}

std::vector<std::shared_ptr<const re2::RE2>> TableReader::ReadRegexArray(
    std::string_view key) {
  std::vector<std::shared_ptr<const re2::RE2>> compiled;
  std::vector<LocatedString> patterns;
  if (!ReadStringArray(key, /*non_empty=*/false, &patterns)) return compiled;
  for (const LocatedString& pattern : patterns) {
    std::string path = PathOf(key) + "[" + std::to_string(pattern.index) + "]";
    auto re = CompileRegex(problems_, pattern.value, /*dot_nl=*/false,
                           pattern.where, path);
    if (re != nullptr) compiled.push_back(std::move(re));
  }
  return compiled;
}

namespace {

constexpr const char* kEnvExpected =
    "${NAME} or ${NAME:-default}, NAME of letters, digits and '_' not starting "
    "with a digit";

bool IsEnvName(std::string_view name) {
  if (name.empty() || (name[0] >= '0' && name[0] <= '9')) return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '_';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

// (declared in toml_reader.h)
// Replaces ${NAME} and ${NAME:-default} in `value` from the environment, as a
// shell does: the default is used when NAME is unset or empty. Adds one problem
// per reference that cannot be expanded (an unset NAME without default, a
// malformed reference) and then leaves `value` as is.
bool ExpandEnvironment(ProblemList* problems, const std::string& key,
                       const SourceLocation& where, std::string* value,
                       bool escape_braces) {
  const std::string& in = *value;
  std::string out;
  bool ok = true;
  size_t i = 0;
  while (i < in.size()) {
    size_t start = in.find("${", i);
    if (start == std::string::npos) {
      out.append(in, i, std::string::npos);
      break;
    }
    out.append(in, i, start - i);
    if (escape_braces && start + 2 < in.size() && in[start + 2] == '{') {
      // "${{" is a '$' and a literal brace (the brace escape), not a
      // reference.
      out += "${{";
      i = start + 3;
      continue;
    }
    // The reference ends at its own '}': a default may hold braces of its
    // own ("${RANGE:-{1..5}}").
    size_t close = std::string::npos;
    for (size_t j = start + 2, depth = 0; j < in.size(); ++j) {
      if (in[j] == '{') {
        ++depth;
      } else if (in[j] == '}' && depth-- == 0) {
        close = j;
        break;
      }
    }
    if (close == std::string::npos) {
      problems->Add(where, key, kEnvExpected,
                    "an unclosed '${' in " + Quote(in));
      return false;
    }
    std::string_view body(in.data() + start + 2, close - start - 2);
    size_t separator = body.find(":-");
    bool has_default = separator != std::string_view::npos;
    std::string name(body.substr(0, separator));
    i = close + 1;
    if (!IsEnvName(name)) {
      problems->Add(where, key, kEnvExpected,
                    Quote(in.substr(start, close - start + 1)));
      ok = false;
      continue;
    }
    const char* env = std::getenv(name.c_str());
    std::string_view text;
    if (env != nullptr && (*env != '\0' || !has_default)) {
      text = env;
    } else if (has_default) {
      text = body.substr(separator + 2);
    }
    if (env != nullptr || has_default) {
      for (char c : text) {
        out += c;
        // A value from outside is literal text, never template syntax.
        if (escape_braces && (c == '{' || c == '}')) out += c;
      }
    } else {
      problems->Add(where, key,
                    "environment variable " + name +
                        " to be set, or a default: ${" + name + ":-default}",
                    name + " is not set");
      ok = false;
    }
  }
  if (ok) *value = std::move(out);
  return ok;
}

}  // namespace crawlbox::config
