// Internal to parser/charset: the WHATWG Encoding Standard's encodings and
// labels, and how crawlbox decodes each one (its own decoder or a glibc iconv
// converter).
#pragma once

#include <string_view>

namespace crawlbox::parser {

// The decoder an encoding uses.
enum class CharsetDecoder {
  kUtf8,
  kUtf16Le,
  kUtf16Be,
  kWindows1252,   // own table: glibc's CP1252 rejects 0x81 0x8D 0x8F 0x90
                  // 0x9D, which the standard maps to C1 controls
  kXUserDefined,  // 0x80-0xFF → U+F780-U+F7FF
  kReplacement,   // a non-empty body → one U+FFFD
  kIconv,         // glibc iconv, from `iconv_name`
};

// The byte structure of a multi-byte encoding, for resynchronising after an
// invalid sequence the way the standard's decoders do.
enum class CharsetLeadBytes {
  kSingleByte,  // every byte stands alone
  kGb18030,     // lead 0x81-0xFE; 2 or 4 bytes
  kBig5,        // lead 0x81-0xFE
  kShiftJis,    // lead 0x81-0x9F, 0xE0-0xFC
  kEucJp,       // lead 0x8E, 0x8F, 0xA1-0xFE
  kEucKr,       // lead 0x81-0xFE
  kStateful,    // ISO-2022-JP: escape sequences switch modes
};

// One encoding of the standard. Instances are static: pointers to them stay
// valid for the life of the program.
struct CharsetInfo {
  std::string_view name;  // canonical WHATWG name, e.g. "Shift_JIS"
  CharsetDecoder decoder;
  const char* iconv_name;  // glibc name for kIconv, e.g. "CP932"; else nullptr
  CharsetLeadBytes lead_bytes;
  // True when bytes 0x00-0x7F always decode to themselves (ISO-2022-JP: except
  // ESC, SO and SI; see IsAlreadyUtf8).
  bool ascii_compatible;
};

// The encoding a label names (ASCII case-insensitive, surrounding ASCII
// whitespace ignored), or nullptr when the label is unknown. Thread-safe.
const CharsetInfo* FindCharset(std::string_view label);

// The encodings the sniffing algorithm falls back to.
const CharsetInfo& Utf8Charset();
const CharsetInfo& Windows1252Charset();

}  // namespace crawlbox::parser
