// Internal to parser/charset: UTF-8 validation and repair, and the decoders
// crawlbox implements itself (UTF-16, windows-1252, x-user-defined) and the
// one that goes through glibc iconv. All of them append to a caller's string
// and never fail: bytes that are invalid become U+FFFD.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "parser/charset_labels.h"

namespace crawlbox::parser {

// U+FFFD REPLACEMENT CHARACTER in UTF-8.
inline constexpr std::string_view kReplacementUtf8 = "\xEF\xBF\xBD";

// How a byte string fares as UTF-8.
enum class Utf8Check {
  kValid,
  kTruncatedAtEnd,  // valid, except that it ends inside a multi-byte sequence
  kInvalid,         // an ill-formed sequence somewhere before the end
};
Utf8Check CheckUtf8(std::string_view text);

// True when every byte is below 0x80.
bool IsAscii(std::string_view text);

// Appends code point `cp` (at most U+10FFFF, not a surrogate) as UTF-8.
void AppendUtf8(char32_t cp, std::string* out);

// As AppendUtf8 for a code point from a character reference (&#NN;): NUL,
// surrogates and values beyond U+10FFFF become U+FFFD, as HTML and XML
// decoders do.
void AppendReferencedChar(char32_t cp, std::string* out);

// Each function below appends the decoding of `bytes` to `*out` and returns
// true when some bytes were invalid and replaced by U+FFFD. Thread-safe.

// The WHATWG UTF-8 decoder: one U+FFFD per maximal ill-formed subpart.
bool DecodeUtf8(std::string_view bytes, std::string* out);
// The WHATWG UTF-16 decoder: an unpaired surrogate or a lone last byte gives
// U+FFFD.
bool DecodeUtf16(std::string_view bytes, bool big_endian, std::string* out);
// windows-1252 per the WHATWG index: every byte decodes (0x81, 0x8D, 0x8F,
// 0x90 and 0x9D to the C1 controls of the same value), so this returns false.
bool DecodeWindows1252(std::string_view bytes, std::string* out);
// x-user-defined: 0x00-0x7F as ASCII, 0x80-0xFF as U+F780-U+F7FF.
bool DecodeXUserDefined(std::string_view bytes, std::string* out);
// Through glibc iconv from `charset.iconv_name` (precondition: decoder is
// kIconv). Uses one iconv_t opened and closed within the call. An invalid
// sequence gives one U+FFFD and decoding resumes where the standard's decoder
// would (after the lead byte, or after the pair when the second byte is not
// ASCII); a sequence cut off at the end gives one U+FFFD. Should glibc lack
// the converter (a system without gconv modules), ASCII bytes are kept and
// every other byte becomes U+FFFD.
bool DecodeWithIconv(const CharsetInfo& charset, std::string_view bytes,
                     std::string* out);

}  // namespace crawlbox::parser
