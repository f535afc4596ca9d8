// Percent-encode sets and percent-decoding of the WHATWG URL Standard.
#include "parser/url_encoding.h"

namespace crawlbox::parser {

bool InPercentEncodeSet(unsigned char byte, PercentEncodeSet set) {
  if (byte < 0x20 || byte > 0x7E) return true;
  switch (set) {
    case PercentEncodeSet::kC0Control:
      return false;
    case PercentEncodeSet::kFragment:
      return byte == ' ' || byte == '"' || byte == '<' || byte == '>' ||
             byte == '`';
    case PercentEncodeSet::kQuery:
    case PercentEncodeSet::kSpecialQuery:
    case PercentEncodeSet::kPath:
    case PercentEncodeSet::kUserinfo:
      break;
  }
  if (byte == ' ' || byte == '"' || byte == '#' || byte == '<' || byte == '>')
    return true;
  switch (set) {
    case PercentEncodeSet::kQuery:
      return false;
    case PercentEncodeSet::kSpecialQuery:
      return byte == '\'';
    default:
      break;
  }
  if (byte == '?' || byte == '^' || byte == '`' || byte == '{' || byte == '}')
    return true;
  if (set == PercentEncodeSet::kPath) return false;
  return byte == '/' || byte == ':' || byte == ';' || byte == '=' ||
         byte == '@' || byte == '[' || byte == '\\' || byte == ']' ||
         byte == '|';
}

void AppendPercentEncoded(unsigned char byte, PercentEncodeSet set,
                          std::string* out) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  if (!InPercentEncodeSet(byte, set)) {
    out->push_back(static_cast<char>(byte));
    return;
  }
  out->push_back('%');
  out->push_back(kHex[byte >> 4]);
  out->push_back(kHex[byte & 0xF]);
}

void AppendPercentEncoded(std::string_view bytes, PercentEncodeSet set,
                          std::string* out) {
  for (char c : bytes)
    AppendPercentEncoded(static_cast<unsigned char>(c), set, out);
}

std::string PercentDecode(std::string_view input) {
  std::string out;
  out.reserve(input.size());
  for (size_t i = 0; i < input.size(); ++i) {
    if (input[i] == '%' && i + 2 < input.size() &&
        IsAsciiHexDigit(input[i + 1]) && IsAsciiHexDigit(input[i + 2])) {
      out.push_back(static_cast<char>(HexDigitValue(input[i + 1]) * 16 +
                                      HexDigitValue(input[i + 2])));
      i += 2;
    } else {
      out.push_back(input[i]);
    }
  }
  return out;
}

}  // namespace crawlbox::parser
