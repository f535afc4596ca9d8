// Percent-encode sets and percent-decoding of the WHATWG URL Standard.
#include "parser/url_encoding.h"

namespace crawlbox::parser {

namespace {

// The sets as the standard lists them; evaluated at compile time into kSets.
constexpr bool InSet(unsigned char byte, PercentEncodeSet set) {
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

constexpr PercentEncodeSet kAllSets[] = {
    PercentEncodeSet::kC0Control, PercentEncodeSet::kFragment,
    PercentEncodeSet::kQuery,     PercentEncodeSet::kSpecialQuery,
    PercentEncodeSet::kPath,      PercentEncodeSet::kUserinfo,
};

// Per byte, one bit per set (bit i for the set whose value is i): URL parsing
// asks this for every byte of every link, so it is one load.
struct SetTable {
  unsigned char bits[256] = {};
  constexpr SetTable() {
    for (int byte = 0; byte < 256; ++byte) {
      for (PercentEncodeSet set : kAllSets) {
        if (InSet(static_cast<unsigned char>(byte), set)) {
          bits[byte] |= static_cast<unsigned char>(1 << static_cast<int>(set));
        }
      }
    }
  }
};
constexpr SetTable kSets;

constexpr char kHex[] = "0123456789ABCDEF";

}  // namespace

bool InPercentEncodeSet(unsigned char byte, PercentEncodeSet set) {
  return (kSets.bits[byte] >> static_cast<int>(set)) & 1;
}

void AppendPercentEncoded(unsigned char byte, PercentEncodeSet set,
                          std::string* out) {
  if (!InPercentEncodeSet(byte, set)) {
    out->push_back(static_cast<char>(byte));
    return;
  }
  const char escape[3] = {'%', kHex[byte >> 4], kHex[byte & 0xF]};
  out->append(escape, 3);
}

void AppendPercentEncoded(std::string_view bytes, PercentEncodeSet set,
                          std::string* out) {
  const unsigned char mask =
      static_cast<unsigned char>(1 << static_cast<int>(set));
  size_t i = 0;
  while (i < bytes.size()) {
    // Most bytes of a URL need no escape: copy them a run at a time.
    size_t run_end = i;
    while (run_end < bytes.size() &&
           (kSets.bits[static_cast<unsigned char>(bytes[run_end])] & mask) ==
               0) {
      ++run_end;
    }
    out->append(bytes.data() + i, run_end - i);
    if (run_end == bytes.size()) break;
    const auto byte = static_cast<unsigned char>(bytes[run_end]);
    const char escape[3] = {'%', kHex[byte >> 4], kHex[byte & 0xF]};
    out->append(escape, 3);
    i = run_end + 1;
  }
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
