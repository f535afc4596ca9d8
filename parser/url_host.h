// The WHATWG host parser (§3.5) and its pieces: IPv4 and IPv6 address parsers
// and serializers, the "ends in a number" checker and the opaque-host parser.
// Used by parser/url.cc; exposed for callers that hold a bare host name
// (robots.txt, frontier keys) and for tests. All functions are pure and
// thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "config/status.h"

namespace crawlbox::parser {

// Parses the host part of a URL exactly as it appears between "//" (and
// userinfo) and the port or path: "[v6]" literals, percent-encoded domains,
// IPv4 forms. `is_opaque` is true for non-special schemes (anything but http,
// https, ws, wss, ftp, file), whose hosts are only checked for forbidden code
// points and percent-encoded. Returns the serialized host: a lowercase ASCII
// domain (non-ASCII labels as "xn--" Punycode), dotted-decimal IPv4, "[v6]" in
// compressed form, or the percent-encoded opaque host. Fails with
// InvalidArgument and a short reason ("invalid host", "invalid IPv4 address",
// "invalid IPv6 address", "forbidden host code point"). Precondition: `input`
// is non-empty unless `is_opaque` (an empty opaque host is valid and serializes
// as "").
config::Result<std::string> ParseHost(std::string_view input, bool is_opaque);

// True when the last non-empty dot-separated label of the ASCII domain `domain`
// is a number (all decimal digits, or "0x"/"0X" followed by hex digits), i.e.
// the host must be read as IPv4.
bool EndsInANumber(std::string_view domain);

// Parses an IPv4 host in any form the standard accepts ("1.2.3.4", "0x7f.1",
// "017.1", "1.2", "4294967295", a trailing dot). Returns the address in host
// byte order, or InvalidArgument "invalid IPv4 address" (a non-number part,
// more than 4 parts, or a value out of range).
config::Result<uint32_t> ParseIpv4(std::string_view input);

// "a.b.c.d" for `address` in host byte order.
std::string SerializeIpv4(uint32_t address);

// Eight 16-bit pieces, most significant first.
using Ipv6Address = std::array<uint16_t, 8>;

// Parses the text between '[' and ']' (hex pieces, at most one "::", an
// optional trailing dotted IPv4). Returns InvalidArgument "invalid IPv6
// address" on any malformation.
config::Result<Ipv6Address> ParseIpv6(std::string_view input);

// Lowercase hex pieces without leading zeros, the first longest run of two or
// more zero pieces written as "::", no brackets: "2001:db8::1".
std::string SerializeIpv6(const Ipv6Address& address);

}  // namespace crawlbox::parser
