// Item → JSON text, byte for byte what nlohmann-json's ordered_json dump
// (compact, UTF-8 kept, invalid UTF-8 replaced) gives, written directly: a
// record's fields are few and mostly short text, and building the
// ordered_json tree cost ~12,000 instructions a record (1.3% of a crawl of a
// site of listing pages). The tree is still built where the direct form
// would have to repeat nlohmann's less common rules: a field name twice (the
// first position keeps the last value) and text that is not valid UTF-8 (its
// replacement rules).
#include "crawler/engine/item_json.h"

#include <charconv>
#include <nlohmann/json.hpp>

#include "parser/charset_decode.h"

namespace crawlbox::crawler {

namespace {

std::string ItemToJsonTree(const parser::Item& item) {
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  for (const auto& [name, value] : item.fields) {
    std::visit(
        [&](const auto& v) {
          using T = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<T, std::monostate>) {
            j[name] = nullptr;
          } else {
            j[name] = v;
          }
        },
        value);
  }
  return j.dump(-1, ' ', false,
                nlohmann::ordered_json::error_handler_t::replace);
}

// Appends `text` (valid UTF-8) as a JSON string with nlohmann's escapes:
// the short forms where JSON has them, \u00xx (lowercase) for the other
// control bytes, everything else as it is.
void AppendJsonString(std::string_view text, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out->push_back('"');
  size_t run = 0;  // text[run, i) is appended as it is
  for (size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out->append(text.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\b':
        out->append("\\b");
        break;
      case '\f':
        out->append("\\f");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      default: {
        const char escape[6] = {'\\', 'u',          '0',
                                '0',  kHex[c >> 4], kHex[c & 0xF]};
        out->append(escape, sizeof(escape));
      }
    }
  }
  out->append(text.data() + run, text.size() - run);
  out->push_back('"');
}

bool IsValidUtf8(std::string_view text) {
  return parser::CheckUtf8(text) == parser::Utf8Check::kValid;
}

}  // namespace

std::string ItemToJson(const parser::Item& item) {
  const auto& fields = item.fields;
  for (size_t f = 0; f < fields.size(); ++f) {
    if (!IsValidUtf8(fields[f].first)) return ItemToJsonTree(item);
    if (const auto* text = std::get_if<std::string>(&fields[f].second)) {
      if (!IsValidUtf8(*text)) return ItemToJsonTree(item);
    }
    for (size_t g = 0; g < f; ++g) {
      if (fields[g].first == fields[f].first) return ItemToJsonTree(item);
    }
  }
  std::string out;
  out.push_back('{');
  for (size_t f = 0; f < fields.size(); ++f) {
    if (f > 0) out.push_back(',');
    AppendJsonString(fields[f].first, &out);
    out.push_back(':');
    const parser::FieldValue& value = fields[f].second;
    if (const auto* text = std::get_if<std::string>(&value)) {
      AppendJsonString(*text, &out);
    } else if (const auto* number = std::get_if<int64_t>(&value)) {
      char digits[24];
      out.append(digits,
                 std::to_chars(digits, digits + sizeof(digits), *number).ptr);
    } else if (const auto* real = std::get_if<double>(&value)) {
      // nlohmann's shortest round-trip form ("9.0", "1e+20", null for NaN).
      out += nlohmann::ordered_json(*real).dump();
    } else {
      out.append("null");
    }
  }
  out.push_back('}');
  return out;
}

}  // namespace crawlbox::crawler
