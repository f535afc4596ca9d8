// Character encodings of fetched pages: decides a body's encoding as browsers
// do (BOM, Content-Type charset, <meta> prescan, default) and converts the body
// to UTF-8, so that everything extracted from it is valid UTF-8.
#pragma once

#include <string>
#include <string_view>

namespace crawlbox::parser {

// A body converted to UTF-8, and how its encoding was decided.
struct Decoded {
  // The body as valid UTF-8, without its byte order mark. Bytes that are not
  // valid in `encoding` are replaced by U+FFFD.
  std::string utf8;
  // The canonical WHATWG name of the encoding used (see CanonicalEncoding),
  // e.g. "UTF-8", "GBK", "gb18030", "Big5", "Shift_JIS", "windows-1252".
  std::string encoding;
  // How the encoding was decided: "bom", "header" (the charset parameter of
  // the Content-Type), "meta" (a <meta> in the first 1024 bytes) or "default".
  std::string source;
  // True when some bytes were invalid in `encoding` and were replaced by
  // U+FFFD (also for a truncated last sequence).
  bool had_errors = false;
};

// Decides the encoding of `body` with the HTML standard's encoding sniffing
// algorithm, simplified (no byte-frequency guessing), and decodes it to UTF-8:
//   1. a byte order mark (UTF-8, UTF-16LE, UTF-16BE) wins, and is dropped;
//   2. else the charset parameter of `content_type` (e.g. "text/html;
//      charset=gbk"), when its label is known;
//   3. else a prescan of the first 1024 bytes for <meta charset=...> or
//      <meta http-equiv="Content-Type" content="...; charset=...">, as the
//      standard's "prescan a byte stream" does: comments and other tags are
//      skipped, attributes are read with its "get an attribute" algorithm,
//      unknown labels are ignored, a meta declaring UTF-16 means UTF-8 (the
//      bytes that carry it are ASCII) and x-user-defined means windows-1252;
//   4. else `default_encoding` (a label; an unknown label means UTF-8). When it
//      is UTF-8 and the body is not valid UTF-8, the body is decoded as
//      windows-1252 instead: an unlabelled page that is not UTF-8 is far more
//      often Latin-1 than anything else, windows-1252 decodes every byte, and a
//      UTF-8 reading would turn each non-ASCII character into U+FFFD. A body
//      that is valid UTF-8 except for a sequence cut off at its very end (a
//      truncated download) still counts as UTF-8.
// Label matching follows the WHATWG Encoding Standard ("latin1", "ascii" and
// "iso-8859-1" all mean windows-1252; "gb2312" means GBK; ...). Encodings that
// the standard decodes as a superset are decoded as that superset: GBK as
// gb18030, Big5 as Big5-HKSCS, Shift_JIS as windows-31j (CP932), EUC-KR as
// windows-949. The labels of the "replacement" encoding (iso-2022-kr,
// hz-gb-2312, iso-2022-cn) decode a non-empty body to a single U+FFFD, as the
// standard requires.
//
// Never fails: any bytes yield valid UTF-8. When the body is UTF-8 and valid,
// the only cost is a validation pass and one copy into `utf8`
// (DecodeOwnedToUtf8 avoids even that copy). `body` and `content_type` are
// only read during the call. Thread-safe: each call uses its own iconv
// descriptor (an iconv_t must not be shared by threads) and no global state.
Decoded DecodeToUtf8(std::string_view body, std::string_view content_type,
                     std::string_view default_encoding = "UTF-8");

// As DecodeToUtf8, for a body the caller owns and gives up: when no conversion
// is needed (IsAlreadyUtf8 would say true) the string is moved into `utf8`
// without a copy.
Decoded DecodeOwnedToUtf8(std::string&& body, std::string_view content_type,
                          std::string_view default_encoding = "UTF-8");

// The cheap check for the hot path: true when DecodeToUtf8 would return `body`
// unchanged, so callers can use the bytes as they are. That is when the body
// has no byte order mark and either the decided encoding is UTF-8 and the
// bytes are valid UTF-8, or the encoding is ASCII-compatible and the bytes are
// pure ASCII (escape and shift bytes excluded for ISO-2022-JP). Costs one
// sniff (a header parse and a bounded prescan) plus one pass over `body`.
// Thread-safe.
bool IsAlreadyUtf8(std::string_view body, std::string_view content_type,
                   std::string_view default_encoding = "UTF-8");

// The canonical WHATWG name of an encoding label (ASCII case-insensitive,
// surrounding ASCII whitespace ignored), e.g. "latin1" → "windows-1252",
// "x-gbk" → "GBK", "sjis" → "Shift_JIS", "utf8" → "UTF-8"; "" when the label
// is unknown. Exposed for tests and config checks. Thread-safe.
std::string CanonicalEncoding(std::string_view label);

// True when `text` is well-formed UTF-8: no overlong forms, no surrogates
// (U+D800-U+DFFF), nothing above U+10FFFF, no truncated sequence.
bool IsValidUtf8(std::string_view text);

// `text` with each ill-formed sequence replaced by U+FFFD as the WHATWG UTF-8
// decoder does (one U+FFFD per maximal invalid subpart: "\xE2\x82" followed by
// "A" gives U+FFFD "A"; "\xC0\xAF" gives two). Valid text is returned as is. A
// leading byte order mark is kept.
std::string RepairUtf8(std::string_view text);

}  // namespace crawlbox::parser
