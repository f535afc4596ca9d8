// Trimming, prefix/suffix stripping and number conversion of extracted field
// text.
#include "parser/fields.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>

namespace crawlbox::parser {

namespace {

// Length of a Unicode space encoded in UTF-8 at the start of `s`, or 0.
size_t LeadingUnicodeSpace(std::string_view s) {
  auto u = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
  if (s.size() >= 2 && u(0) == 0xC2 && u(1) == 0xA0) return 2;  // U+00A0
  if (s.size() >= 3 && u(0) == 0xE3 && u(1) == 0x80 && u(2) == 0x80)
    return 3;  // U+3000
  if (s.size() >= 3 && u(0) == 0xE2 && u(1) == 0x80 && u(2) >= 0x80 &&
      u(2) <= 0x8B) {
    return 3;  // U+2000..U+200B
  }
  if (s.size() >= 3 && u(0) == 0xEF && u(1) == 0xBB && u(2) == 0xBF)
    return 3;  // U+FEFF
  return 0;
}

size_t TrailingUnicodeSpace(std::string_view s) {
  for (size_t len : {size_t{2}, size_t{3}}) {
    if (s.size() >= len && LeadingUnicodeSpace(s.substr(s.size() - len)) == len)
      return len;
  }
  return 0;
}

bool IsAsciiSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
         c == '\v';
}

}  // namespace

std::string_view TrimSpace(std::string_view text) {
  while (!text.empty()) {
    if (IsAsciiSpace(text.front())) {
      text.remove_prefix(1);
    } else if (size_t n = LeadingUnicodeSpace(text)) {
      text.remove_prefix(n);
    } else {
      break;
    }
  }
  while (!text.empty()) {
    if (IsAsciiSpace(text.back())) {
      text.remove_suffix(1);
    } else if (size_t n = TrailingUnicodeSpace(text)) {
      text.remove_suffix(n);
    } else {
      break;
    }
  }
  return text;
}

FieldValue ApplyField(const config::Field& field, std::string_view raw,
                      bool present) {
  if (!present) return std::monostate{};
  // JSON text is kept as selected: trimming or stripping would break it.
  if (field.type == config::FieldType::kJson) return std::string(raw);
  std::string_view text = raw;
  if (field.trim) text = TrimSpace(text);
  if (!field.strip_prefix.empty() && text.starts_with(field.strip_prefix)) {
    text.remove_prefix(field.strip_prefix.size());
  }
  if (!field.strip_suffix.empty() && text.ends_with(field.strip_suffix)) {
    text.remove_suffix(field.strip_suffix.size());
  }
  if (field.trim) text = TrimSpace(text);

  switch (field.type) {
    case config::FieldType::kText:
    case config::FieldType::kJson:
      return std::string(text);
    case config::FieldType::kInt: {
      std::string s(text);
      if (s.empty()) return std::monostate{};
      char* end = nullptr;
      errno = 0;
      long long v = std::strtoll(s.c_str(), &end, 10);
      if (errno != 0 || *end != '\0') return std::monostate{};
      return static_cast<int64_t>(v);
    }
    case config::FieldType::kReal: {
      std::string s(text);
      if (s.empty()) return std::monostate{};
      char* end = nullptr;
      errno = 0;
      double v = std::strtod(s.c_str(), &end);
      if (errno != 0 || *end != '\0') return std::monostate{};
      return v;
    }
  }
  return std::monostate{};
}

namespace {

bool IsEmpty(const FieldValue& value) {
  if (std::holds_alternative<std::monostate>(value)) return true;
  const std::string* text = std::get_if<std::string>(&value);
  return text != nullptr && text->empty();
}

}  // namespace

void AddItem(const config::Rule& rule, Item item, Parsed* out) {
  for (size_t f = 0; f < rule.fields.size(); ++f) {
    if (rule.fields[f].required && IsEmpty(item.fields[f].second)) {
      auto it = std::find_if(
          out->dropped.begin(), out->dropped.end(),
          [&](const DroppedItems& d) { return d.rule == rule.name; });
      if (it == out->dropped.end()) {
        out->dropped.push_back({rule.name, 1});
      } else {
        ++it->count;
      }
      return;
    }
  }
  out->items.push_back(std::move(item));
}

void AddCut(Parsed* out, std::string_view what, int64_t count) {
  if (count <= 0) return;
  for (Cut& cut : out->cuts) {
    if (cut.what == what) {
      cut.count += count;
      return;
    }
  }
  out->cuts.push_back({std::string(what), count});
}

}  // namespace crawlbox::parser
