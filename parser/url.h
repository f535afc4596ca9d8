// URLs as browsers see them: the WHATWG URL Standard's basic URL parser and
// serializer (https://url.spec.whatwg.org/), and the normalized form the
// crawler deduplicates on.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "config/status.h"

namespace crawlbox::parser {

// A parsed URL record, every component already in its serialized
// (percent-encoded) form. A plain value: cheap to copy, safe to share between
// threads while nobody mutates it. Values produced by ParseUrl satisfy the
// standard's invariants; a hand-built Url serializes whatever it holds.
struct Url {
  // Lowercase ASCII, without the ':' ("https", "mailto").
  std::string scheme;
  // Percent-encoded with the userinfo set; empty when absent.
  std::string username, password;
  // Serialized host: lowercase ASCII domain (non-ASCII labels as "xn--"
  // Punycode), dotted IPv4, "[v6]", or a percent-encoded opaque host for
  // non-special schemes. Empty both for no host ("mailto:x", "sc:/p") and for
  // the empty host ("file:///p", "sc:///p"); has_host tells which.
  std::string host;
  // True when the URL has a host, even an empty one. Always true for special
  // schemes.
  bool has_host = false;
  // Absent when the URL has none or it equals the scheme's default (80, 443,
  // 21, ...).
  std::optional<int> port;
  // Serialized path: "" or "/seg/seg" (segments percent-encoded with the path
  // set, dot segments resolved), or, when has_opaque_path, the opaque path
  // itself ("user@example.com" of mailto).
  std::string path;
  // Without the leading '?'; absent vs. empty distinguishes "http://h/" from
  // "http://h/?".
  std::optional<std::string> query;
  // Without the leading '#'; absent vs. empty distinguishes "x" from "x#".
  std::optional<std::string> fragment;
  // True for URLs like "mailto:a@b" or "javascript:..." whose path is not a
  // list of segments. Relative references cannot be resolved against such a URL
  // (only "#frag" can).
  bool has_opaque_path = false;

  // The URL serializer:
  //   scheme ":" ["//" [user [":" pass] "@"] host [":" port]] path
  //   ["?" query] ["#" fragment]
  // Parsing the result gives back an equal Url.
  std::string Href() const;
  // Href() without the "#fragment" (what goes on the wire in a request).
  std::string HrefWithoutFragment() const;
  // True when the scheme is "http" or "https".
  bool IsHttp() const;
  // True for the standard's special schemes: http, https, ws, wss, ftp, file.
  bool IsSpecial() const;
};

// Parses `input` per the WHATWG basic URL parser, resolving it against `base`
// when given (`base` may be null; it is only read during the call and must be
// a Url that ParseUrl produced). Leading/trailing C0 controls and spaces are
// trimmed, tabs and newlines dropped, backslashes count as slashes in special
// schemes. Non-ASCII text must be UTF-8; invalid UTF-8 bytes are
// percent-encoded as they are in paths, queries and fragments, and fail in
// hosts. Host names follow the reduced IDNA mapping documented in
// parser/url_idna.h. On success returns the URL record. On failure returns
// InvalidArgument whose message is a short reason followed by ": " and the
// (escaped, truncated) input, e.g. "missing scheme: /a/b". Reasons: "missing
// scheme" (relative input without a usable base), "missing host", "invalid
// host", "forbidden host code point", "invalid IPv4 address", "invalid IPv6
// address", "invalid port", "port out of range".
config::Result<Url> ParseUrl(std::string_view input, const Url* base = nullptr);

// The crawler's deduplication key: HrefWithoutFragment() after normalizing the
// percent-escapes of the path and query: escapes of unreserved characters
// (ALPHA DIGIT - . _ ~) are decoded and the hex digits of every remaining
// escape are uppercased, so "/%7euser/%2fa%2F" and "/~user/%2Fa%2F" give the
// same key. Scheme and host are already canonical after ParseUrl.
std::string NormalizeForCrawl(const Url& url);
// The same key written into `*out` (replacing what it held), reusing its
// capacity: the per-thread link cache keeps one string a slot for it.
void NormalizeForCrawl(const Url& url, std::string* out);

}  // namespace crawlbox::parser
