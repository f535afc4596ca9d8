// Scanner: the lexical layer of the JSONPath parser. It holds the cursor over
// the query text, reads tokens (member names, integers, string and number
// literals) and records the first error with its column. Private to parser/.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "config/status.h"

namespace crawlbox::parser::jsonpath {

inline bool IsBlank(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}
inline bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Decodes one UTF-8 code point at text[at]; returns its length in bytes, or 0
// for an invalid sequence (overlong, surrogate, truncated, > U+10FFFF).
size_t DecodeUtf8(std::string_view text, size_t at, uint32_t* cp);

// Each Parse* method reads one token at the cursor, advancing past it and
// returning true, or records an error and returns false (the cursor is then
// meaningless: the parse is over).
class Scanner {
 public:
  explicit Scanner(std::string_view text) : text_(text) {}

  // The recorded error; *column (if not null) gets its 1-based column.
  config::Status TakeError(int* column) {
    if (column != nullptr) *column = error_column_;
    return std::move(error_);
  }

 protected:
  char Peek(size_t ahead = 0) const {
    return pos_ + ahead < text_.size() ? text_[pos_ + ahead] : '\0';
  }
  bool AtEnd() const { return pos_ >= text_.size(); }
  void SkipBlank() {
    while (!AtEnd() && IsBlank(text_[pos_])) ++pos_;
  }

  // Records "expected <expected>, found <what is at `at`> at column N of
  // "<text>"", the column counted in characters, and returns false.
  bool Fail(size_t at, std::string_view expected);
  bool Expected(std::string_view expected) { return Fail(pos_, expected); }

  // member-name-shorthand: name-first *(name-first / DIGIT), where
  // name-first is ALPHA, "_" or any non-ASCII character.
  bool AtNameFirst() const;
  void ParseShorthand(std::string* name);

  // int = "0" / (["-"] DIGIT1 *DIGIT), within ±(2^53-1) (I-JSON).
  bool AtIntStart() const { return Peek() == '-' || IsDigit(Peek()); }
  bool ParseInt(int64_t* value);

  // A '...' or "..." literal, unescaped into *out (UTF-8).
  bool ParseString(std::string* out);

  // number = (int / "-0") ["." 1*DIGIT] [("e" / "E") ["-" / "+"] 1*DIGIT];
  // an integer when it has neither fraction nor exponent and fits int64.
  bool ParseNumber(nlohmann::json* out);

  std::string_view text_;
  size_t pos_ = 0;

 private:
  static std::string Printable(std::string_view s);
  bool ParseHex4(uint32_t* cp);

  config::Status error_;
  int error_column_ = 0;
};

}  // namespace crawlbox::parser::jsonpath
