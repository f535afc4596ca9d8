// Domain to ASCII (WHATWG URL §3.3) with a reduced UTS #46 mapping, plus RFC
// 3492 Punycode.
//
// Scope: a domain that is already ASCII is just lowercased (the standard's
// fast path; existing "xn--" labels are passed through unchecked). A non-ASCII
// domain is mapped code point by code point with a built-in subset of the
// UTS #46 table:
//   - ASCII and common Latin, Greek, Cyrillic and Armenian capitals are
//     lowercased;
//   - fullwidth ASCII and mathematical alphanumeric letters and digits become
//     plain lowercase ASCII; ideographic full stops become '.';
//   - default-ignorable code points (soft hyphen, zero-width space, word
//     joiner, BOM, variation selectors) are dropped;
//   - Unicode spaces map to U+0020, which the host parser then rejects;
//   - controls, bidi controls, joiners, surrogates, private use,
//     noncharacters and U+FFFD are disallowed.
// Not implemented: the rest of the UTS #46 mapping table (other compatibility
// mappings and case foldings), NFC normalization, CheckBidi and CheckJoiners.
// Such inputs pass through unmapped or are rejected, so a browser may
// serialize them differently.
#pragma once

#include <string>
#include <string_view>

#include "config/status.h"

namespace crawlbox::parser {

// Converts a percent-decoded domain (UTF-8 bytes) to its ASCII form: lowercase,
// with each label containing non-ASCII code points replaced by "xn--" +
// Punycode. Does not check forbidden domain code points (the host parser does).
// Returns InvalidArgument "invalid host" for invalid UTF-8, a disallowed code
// point, Punycode overflow, or an empty result.
config::Result<std::string> DomainToAscii(std::string_view domain);

// RFC 3492 Punycode encoding of `label` (code points, no "xn--" prefix)
// appended to `*out`. Returns false, leaving `*out` unspecified, if the
// encoding overflows (absurdly long input).
bool PunycodeEncode(std::u32string_view label, std::string* out);

}  // namespace crawlbox::parser
