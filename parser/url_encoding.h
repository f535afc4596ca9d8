// Percent-encoding and percent-decoding as the WHATWG URL Standard defines them
// (§1.3), over bytes: a non-ASCII byte is always encoded, so encoding UTF-8
// text byte by byte is the spec's "UTF-8 percent-encode", and stray invalid
// UTF-8 bytes come out as their own %XX.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace crawlbox::parser {

// The standard's nested percent-encode sets; each one includes all of the ones
// before it, except that kSpecialQuery and kPath both extend kQuery.
enum class PercentEncodeSet {
  kC0Control,     // C0 controls (0x00-0x1F) and every byte above 0x7E
  kFragment,      // C0 control + space " < > `
  kQuery,         // C0 control + space " # < >
  kSpecialQuery,  // query + '   (query of http, https, ws, wss, ftp, file)
  kPath,          // query + ? ^ ` { }
  kUserinfo,      // path + / : ; = @ [ \ ] |
};

// True when `byte` must be written as %XX in a component that uses `set`.
bool InPercentEncodeSet(unsigned char byte, PercentEncodeSet set);

// Appends `byte` to `*out`, as "%XX" (uppercase hex) when it is in `set`, else
// as itself.
void AppendPercentEncoded(unsigned char byte, PercentEncodeSet set,
                          std::string* out);

// Appends every byte of `bytes` to `*out` as AppendPercentEncoded does.
void AppendPercentEncoded(std::string_view bytes, PercentEncodeSet set,
                          std::string* out);

// Returns `input` with every "%XX" (X a hex digit, either case) replaced by the
// byte it names; a '%' not followed by two hex digits is kept as is. Never
// fails.
std::string PercentDecode(std::string_view input);

// ASCII character classes the URL parser needs (locale-independent, unlike
// <cctype>).
inline bool IsAsciiAlpha(int c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
inline bool IsAsciiDigit(int c) { return c >= '0' && c <= '9'; }
inline bool IsAsciiHexDigit(int c) {
  return IsAsciiDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
inline char AsciiLower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}
// HTML names and HTTP tokens compare ASCII case-insensitively.
inline bool AsciiEqualsNoCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (AsciiLower(a[i]) != AsciiLower(b[i])) return false;
  }
  return true;
}
// WHATWG URL: "C0 control or space", stripped from both ends of an input.
inline bool IsC0ControlOrSpace(char c) {
  return static_cast<unsigned char>(c) <= 0x20;
}
// A byte of a URL scheme after its first letter (`c` may be a byte or -1, the
// parser's end of input).
inline bool IsSchemeByte(int c) {
  return IsAsciiAlpha(c) || IsAsciiDigit(c) || c == '+' || c == '-' || c == '.';
}
// Whether `s` holds an ASCII tab or newline, which the URL parser removes.
// Every href of every page is checked, so eight bytes are tested at once: a
// word none of whose bytes is below 0x0E ('\r') holds none of the three, and
// only from a word that has such a byte on is each byte looked at.
inline bool HasTabOrNewline(std::string_view s) {
  constexpr uint64_t kOnes = 0x0101010101010101ULL;
  size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t word;
    std::memcpy(&word, s.data() + i, sizeof(word));
    if (((word - kOnes * 0x0E) & ~word & (kOnes * 0x80)) != 0) break;
  }
  for (; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '\t' || c == '\n' || c == '\r') return true;
  }
  return false;
}
// The value 0-15 of a hex digit; precondition: IsAsciiHexDigit(c).
inline int HexDigitValue(int c) {
  if (c <= '9') return c - '0';
  return (c | 0x20) - 'a' + 10;
}

}  // namespace crawlbox::parser
