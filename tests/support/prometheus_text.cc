// Follows the format description in Prometheus' docs ("Exposition formats",
// text-based format): line-oriented, '#' lines are HELP, TYPE or comments.
#include "tests/support/prometheus_text.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <set>
#include <utility>

namespace crawlbox::testing {

namespace {

using config::Result;
using config::Status;

bool IsNameStart(char c, bool colon) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
         (colon && c == ':');
}
bool IsNameChar(char c, bool colon) {
  return IsNameStart(c, colon) || (c >= '0' && c <= '9');
}

// Reads a name at *pos; empty when there is none.
std::string ReadName(std::string_view line, size_t* pos, bool colon) {
  size_t start = *pos;
  if (start >= line.size() || !IsNameStart(line[start], colon)) return "";
  size_t end = start + 1;
  while (end < line.size() && IsNameChar(line[end], colon)) ++end;
  *pos = end;
  return std::string(line.substr(start, end - start));
}

bool ParseValue(std::string_view text, double* out) {
  if (text == "NaN") {
    *out = std::nan("");
    return true;
  }
  if (text == "+Inf" || text == "Inf") {
    *out = HUGE_VAL;
    return true;
  }
  if (text == "-Inf") {
    *out = -HUGE_VAL;
    return true;
  }
  if (text.empty()) return false;
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || c == '.' || c == 'e' || c == 'E' ||
          c == '+' || c == '-')) {
      return false;
    }
  }
  const std::string s(text);
  char* end = nullptr;
  errno = 0;
  *out = std::strtod(s.c_str(), &end);
  return end == s.c_str() + s.size() && errno == 0;
}

bool IsInteger(std::string_view text) {
  if (!text.empty() && text.front() == '-') text.remove_prefix(1);
  if (text.empty()) return false;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

}  // namespace

Result<std::vector<PromFamily>> ParsePrometheusText(std::string_view text) {
  std::vector<PromFamily> families;
  std::map<std::string, size_t> index;  // family name → position
  std::set<std::string> finished;       // families whose samples ended
  std::set<std::string> seen_samples;
  std::set<std::string> helped, typed;
  std::string current;  // family of the latest sample or TYPE line
  if (!text.empty() && text.back() != '\n') {
    return Status::InvalidArgument("the text does not end with a newline");
  }
  int number = 0;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    std::string_view line = text.substr(start, end - start);
    start = end + 1;
    ++number;
    auto fail = [&](const std::string& what) {
      return Status::InvalidArgument("line " + std::to_string(number) + ": " +
                                     what + ": " + std::string(line));
    };
    auto family_of = [&](const std::string& name) -> PromFamily& {
      auto it = index.find(name);
      if (it == index.end()) {
        index[name] = families.size();
        families.push_back(PromFamily{name, "untyped", "", {}});
        return families.back();
      }
      return families[it->second];
    };
    if (line.empty()) continue;
    if (line.front() == '#') {
      size_t pos = 1;
      while (pos < line.size() && line[pos] == ' ') ++pos;
      std::string_view rest = line.substr(pos);
      const bool help = rest.substr(0, 5) == "HELP ";
      const bool type = rest.substr(0, 5) == "TYPE ";
      if (!help && !type) continue;  // a comment
      pos += 5;
      while (pos < line.size() && line[pos] == ' ') ++pos;
      std::string name = ReadName(line, &pos, true);
      if (name.empty()) return fail("bad metric name");
      if (pos < line.size() && line[pos] != ' ') return fail("bad metric name");
      std::string_view value =
          pos < line.size() ? line.substr(pos + 1) : std::string_view();
      if (finished.count(name)) {
        return fail("HELP or TYPE after the family's samples ended");
      }
      PromFamily& family = family_of(name);
      if (help) {
        if (!helped.insert(name).second) return fail("second HELP");
        std::string unescaped;
        for (size_t i = 0; i < value.size(); ++i) {
          if (value[i] == '\\' && i + 1 < value.size()) {
            char n = value[++i];
            if (n == 'n') {
              unescaped += '\n';
            } else if (n == '\\') {
              unescaped += '\\';
            } else {
              return fail("bad escape in HELP");
            }
          } else {
            unescaped += value[i];
          }
        }
        family.help = unescaped;
      } else {
        static const std::set<std::string> kTypes = {
            "counter", "gauge", "histogram", "summary", "untyped"};
        if (!kTypes.count(std::string(value))) return fail("bad TYPE");
        if (!family.samples.empty()) return fail("TYPE after samples");
        if (!typed.insert(name).second) return fail("second TYPE");
        family.type = std::string(value);
      }
      if (!current.empty() && current != name) finished.insert(current);
      current = name;
      continue;
    }
    // A sample line.
    size_t pos = 0;
    PromSample sample;
    sample.name = ReadName(line, &pos, true);
    if (sample.name.empty()) return fail("bad metric name");
    if (pos < line.size() && line[pos] == '{') {
      ++pos;
      while (true) {
        while (pos < line.size() && line[pos] == ' ') ++pos;
        if (pos < line.size() && line[pos] == '}') {
          ++pos;
          break;
        }
        std::string label = ReadName(line, &pos, false);
        if (label.empty()) return fail("bad label name");
        if (label.rfind("__", 0) == 0) return fail("reserved label name");
        if (pos + 1 >= line.size() || line[pos] != '=' || line[pos + 1] != '"')
          return fail("expected =\" after a label name");
        pos += 2;
        std::string value;
        bool closed = false;
        while (pos < line.size()) {
          char c = line[pos++];
          if (c == '"') {
            closed = true;
            break;
          }
          if (c == '\\') {
            if (pos >= line.size()) return fail("bad escape");
            char n = line[pos++];
            if (n == 'n') {
              value += '\n';
            } else if (n == '\\' || n == '"') {
              value += n;
            } else {
              return fail("bad escape in a label value");
            }
          } else {
            value += c;
          }
        }
        if (!closed) return fail("unterminated label value");
        if (!sample.labels.emplace(label, value).second)
          return fail("repeated label " + label);
        if (pos < line.size() && line[pos] == ',') {
          ++pos;
        } else if (pos < line.size() && line[pos] == '}') {
          ++pos;
          break;
        } else {
          return fail("expected , or } after a label");
        }
      }
    }
    if (pos >= line.size() || line[pos] != ' ') return fail("expected a value");
    std::string_view rest = line.substr(pos + 1);
    size_t space = rest.find(' ');
    if (!ParseValue(rest.substr(0, space), &sample.value))
      return fail("bad value");
    if (space != std::string_view::npos && !IsInteger(rest.substr(space + 1)))
      return fail("bad timestamp");

    // Counter and gauge samples carry their family's name; histogram and
    // summary samples add a suffix.
    std::string family_name = sample.name;
    for (const char* suffix : {"_bucket", "_sum", "_count"}) {
      const std::string s(suffix);
      if (family_name.size() > s.size() &&
          family_name.compare(family_name.size() - s.size(), s.size(), s) ==
              0) {
        std::string base = family_name.substr(0, family_name.size() - s.size());
        auto it = index.find(base);
        if (it != index.end() && (families[it->second].type == "histogram" ||
                                  families[it->second].type == "summary")) {
          family_name = base;
        }
      }
    }
    if (finished.count(family_name)) return fail("family's samples are split");
    if (!current.empty() && current != family_name) finished.insert(current);
    current = family_name;
    PromFamily& family = family_of(family_name);
    std::string key = sample.name + "{";
    for (const auto& [k, v] : sample.labels) key += k + "=" + v + ",";
    key += "}";
    if (!seen_samples.insert(key).second) return fail("repeated sample");
    if (family.type == "counter" && sample.value < 0)
      return fail("negative counter");
    family.samples.push_back(std::move(sample));
  }
  return families;
}

const PromFamily* FindFamily(const std::vector<PromFamily>& families,
                             std::string_view name) {
  for (const PromFamily& f : families) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

}  // namespace crawlbox::testing
