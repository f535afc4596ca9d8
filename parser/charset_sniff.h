// Internal to parser/charset: the steps of the HTML standard's encoding
// sniffing algorithm that look at bytes — the byte order mark, the charset
// parameter of a Content-Type, and the <meta> prescan.
#pragma once

#include <cstddef>
#include <string_view>

#include "parser/charset_labels.h"

namespace crawlbox::parser {

// The number of bytes the <meta> prescan looks at.
inline constexpr size_t kPrescanBytes = 1024;

// The encoding chosen for a body and why, before decoding.
struct SniffedCharset {
  const CharsetInfo* charset = nullptr;  // never null once sniffed
  std::string_view source;               // "bom", "header", "meta" or "default"
  size_t bom_bytes = 0;  // length of the byte order mark to drop
  // True when `charset` came from the default encoding and is UTF-8: the body
  // is then decoded as windows-1252 if it is not UTF-8 (see DecodeToUtf8).
  bool utf8_by_default = false;
};

// Runs the steps in order: BOM, Content-Type charset, prescan, default (an
// unknown default label means UTF-8). Thread-safe.
SniffedCharset SniffCharset(std::string_view body,
                            std::string_view content_type,
                            std::string_view default_encoding);

// The encoding a byte order mark at the start of `body` names (UTF-8,
// UTF-16BE, UTF-16LE), with the mark's length in *bom_bytes; nullptr (and 0)
// when there is none.
const CharsetInfo* SniffBom(std::string_view body, size_t* bom_bytes);

// The value of the first charset parameter of a Content-Type header value,
// unquoted ("" when there is none), parsed as the MIME Sniffing Standard's
// "parse a MIME type" does. The result points into `content_type`, or is
// empty; a quoted value with backslash escapes is returned with the escapes
// left in (no encoding label contains one).
std::string_view ContentTypeCharset(std::string_view content_type);

// The HTML standard's "prescan a byte stream to determine its encoding" over
// the first kPrescanBytes of `body`: the encoding of the first <meta> that
// declares a known one, with UTF-16 turned into UTF-8 and x-user-defined into
// windows-1252; nullptr when none does.
const CharsetInfo* PrescanForMetaCharset(std::string_view body);

// The HTML standard's "extract a character encoding from a meta element",
// applied to a content attribute's value such as "text/html; charset=gbk":
// the label, or "" when there is none.
std::string_view ExtractMetaContentCharset(std::string_view content);

}  // namespace crawlbox::parser
