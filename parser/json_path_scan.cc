// Scanner: the lexical layer of the JSONPath parser (json_path_parse.cc):
// the cursor, error messages with columns, names, integers, string and number
// literals.
#include "parser/json_path_scan.h"

#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>

#include "parser/charset_decode.h"

namespace crawlbox::parser::jsonpath {
namespace {

using config::Status;

// I-JSON's exact integer range (RFC 7493), required of indexes and slices.
constexpr int64_t kMaxExactInt = (int64_t{1} << 53) - 1;

bool IsAlpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
int HexValue(char c) {
  if (IsDigit(c)) return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

size_t DecodeUtf8(std::string_view text, size_t at, uint32_t* cp) {
  unsigned char c = static_cast<unsigned char>(text[at]);
  size_t length = c < 0x80             ? 1
                  : (c & 0xE0) == 0xC0 ? 2
                  : (c & 0xF0) == 0xE0 ? 3
                  : (c & 0xF8) == 0xF0 ? 4
                                       : 0;
  if (length == 0 || at + length > text.size()) return 0;
  uint32_t value = length == 1 ? c : c & (0x7F >> length);
  for (size_t i = 1; i < length; ++i) {
    unsigned char next = static_cast<unsigned char>(text[at + i]);
    if ((next & 0xC0) != 0x80) return 0;
    value = (value << 6) | (next & 0x3F);
  }
  static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (value < kMin[length] || value > 0x10FFFF ||
      (value >= 0xD800 && value <= 0xDFFF)) {
    return 0;
  }
  *cp = value;
  return length;
}

std::string Scanner::Printable(std::string_view s) {
  std::string out;
  for (char c : s) {
    unsigned char u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20 || u == 0x7F) {
      static const char kHex[] = "0123456789abcdef";
      out += "\\u00";
      out += kHex[u >> 4];
      out += kHex[u & 15];
    } else {
      out += c;
    }
  }
  return out;
}

// Records "expected <expected>, found <what is at `at`> at column N of
// "<text>"", the column counted in characters, and returns false.
bool Scanner::Fail(size_t at, std::string_view expected) {
  std::string found = "the end of the text";
  if (at < text_.size()) {
    uint32_t cp = 0;
    size_t length = DecodeUtf8(text_, at, &cp);
    found = "\"" + Printable(text_.substr(at, length ? length : 1)) + "\"";
  }
  int column = 1;
  for (size_t i = 0; i < at && i < text_.size(); ++i) {
    if ((static_cast<unsigned char>(text_[i]) & 0xC0) != 0x80) ++column;
  }
  error_column_ = column;
  error_ = Status::InvalidArgument(
      "expected " + std::string(expected) + ", found " + found + " at column " +
      std::to_string(column) + " of \"" + Printable(text_) + "\"");
  return false;
}

bool Scanner::AtNameFirst() const {
  if (AtEnd()) return false;
  char c = text_[pos_];
  if (IsAlpha(c) || c == '_') return true;
  uint32_t cp = 0;
  return static_cast<unsigned char>(c) >= 0x80 &&
         DecodeUtf8(text_, pos_, &cp) != 0;
}

// member-name-shorthand: name-first *(name-first / DIGIT).
void Scanner::ParseShorthand(std::string* name) {
  while (AtNameFirst() || IsDigit(Peek())) {
    uint32_t cp = 0;
    size_t length = DecodeUtf8(text_, pos_, &cp);
    name->append(text_.substr(pos_, length));
    pos_ += length;
  }
}

// int = "0" / (["-"] DIGIT1 *DIGIT), within ±(2^53-1).
bool Scanner::ParseInt(int64_t* value) {
  size_t start = pos_;
  bool negative = Peek() == '-';
  if (negative) ++pos_;
  if (!IsDigit(Peek())) return Expected("a digit");
  if (Peek() == '0' && (negative || IsDigit(Peek(1)))) {
    return Fail(start, "an integer without a leading zero or \"-0\"");
  }
  size_t digits = pos_;
  while (IsDigit(Peek())) ++pos_;
  if (pos_ - digits > 16) {
    return Fail(start, "an integer between -(2^53-1) and 2^53-1");
  }
  int64_t magnitude = 0;
  std::from_chars(text_.data() + digits, text_.data() + pos_, magnitude);
  if (magnitude > kMaxExactInt) {
    return Fail(start, "an integer between -(2^53-1) and 2^53-1");
  }
  *value = negative ? -magnitude : magnitude;
  return true;
}

// A single- or double-quoted string literal with JSON-like escapes; the
// other quote may appear unescaped, only the enclosing one escaped.
bool Scanner::ParseString(std::string* out) {
  char quote = text_[pos_++];
  for (;;) {
    if (AtEnd()) return Expected("a closing quote");
    char c = text_[pos_];
    if (c == quote) {
      ++pos_;
      return true;
    }
    if (static_cast<unsigned char>(c) < 0x20) {
      return Expected("a character other than a control character");
    }
    if (c != '\\') {
      uint32_t cp = 0;
      size_t length = DecodeUtf8(text_, pos_, &cp);
      if (length == 0) return Expected("valid UTF-8");
      out->append(text_.substr(pos_, length));
      pos_ += length;
      continue;
    }
    ++pos_;
    char e = Peek();
    switch (e) {
      case 'b':
        out->push_back('\b');
        break;
      case 'f':
        out->push_back('\f');
        break;
      case 'n':
        out->push_back('\n');
        break;
      case 'r':
        out->push_back('\r');
        break;
      case 't':
        out->push_back('\t');
        break;
      case '/':
        out->push_back('/');
        break;
      case '\\':
        out->push_back('\\');
        break;
      case 'u': {
        ++pos_;
        uint32_t cp = 0;
        if (!ParseHex4(&cp)) return false;
        if (cp >= 0xDC00 && cp <= 0xDFFF) {
          return Fail(pos_ - 6, "a high surrogate before a low one");
        }
        if (cp >= 0xD800 && cp <= 0xDBFF) {
          if (Peek() != '\\' || Peek(1) != 'u') {
            return Expected("\"\\u\" and a low surrogate");
          }
          pos_ += 2;
          uint32_t low = 0;
          if (!ParseHex4(&low)) return false;
          if (low < 0xDC00 || low > 0xDFFF) {
            return Fail(pos_ - 6, "a low surrogate (\\uDC00-\\uDFFF)");
          }
          cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
        }
        AppendUtf8(cp, out);
        continue;  // ParseHex4 consumed the digits
      }
      default:
        if (e != quote) {
          return Expected("an escape (b, f, n, r, t, /, \\, u or the quote)");
        }
        out->push_back(e);
    }
    ++pos_;
  }
}

bool Scanner::ParseHex4(uint32_t* cp) {
  *cp = 0;
  for (int i = 0; i < 4; ++i) {
    int v = HexValue(Peek());
    if (v < 0) return Expected("a hexadecimal digit");
    *cp = *cp * 16 + static_cast<uint32_t>(v);
    ++pos_;
  }
  return true;
}

// number = (int / "-0") [ "." 1*DIGIT ] [ ("e" / "E") ["-" / "+"] 1*DIGIT ]
bool Scanner::ParseNumber(nlohmann::json* out) {
  size_t start = pos_;
  if (Peek() == '-') ++pos_;
  if (!IsDigit(Peek())) return Expected("a digit");
  if (Peek() == '0' && IsDigit(Peek(1))) {
    return Expected("a number without a leading zero");
  }
  while (IsDigit(Peek())) ++pos_;
  bool integral = true;
  if (Peek() == '.') {
    ++pos_;
    integral = false;
    if (!IsDigit(Peek())) return Expected("a digit after \".\"");
    while (IsDigit(Peek())) ++pos_;
  }
  if (Peek() == 'e' || Peek() == 'E') {
    ++pos_;
    integral = false;
    if (Peek() == '-' || Peek() == '+') ++pos_;
    if (!IsDigit(Peek())) return Expected("a digit in the exponent");
    while (IsDigit(Peek())) ++pos_;
  }
  const char* first = text_.data() + start;
  const char* last = text_.data() + pos_;
  if (integral && std::string_view(first, last - first) != "-0") {
    int64_t i = 0;
    if (std::from_chars(first, last, i).ec == std::errc()) {
      *out = i;
      return true;
    }
  }
  double d = 0;
  auto result = std::from_chars(first, last, d);
  if (result.ec != std::errc()) return Fail(start, "a number in range");
  *out = d;
  return true;
}

}  // namespace crawlbox::parser::jsonpath
