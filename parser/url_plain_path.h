// Internal to parser/ (url.cc and PageParser::ResolveHref): the basic URL
// parser's result for the commonest href of a crawled page,
// "/seg/seg[?query][#fragment]" against an http(s) base, computed without
// running the state machine. On a large site most links are such hrefs and are
// seen once per parse thread, so the link cache misses them; running every byte
// through the parser's states cost about a tenth of a crawl's CPU.
#pragma once

#include <string_view>

#include "parser/url.h"

namespace crawlbox::parser {

// When `input` (trimmed and without tabs and newlines, as ParseUrl passes it
// to the state machine) is a path-absolute reference made only of bytes that
// the path and query states copy unchanged, with no "." or ".." segment, and
// `base` is an http(s) URL with a host: sets `*out` to exactly what the state
// machine would make of `input` against `base` and returns true. Otherwise
// returns false and leaves `*out` alone. An input it takes has no byte that
// ParseUrl trims or drops (spaces, controls, tabs, newlines), so callers may
// pass an href untrimmed.
bool ParsePlainAbsolutePath(std::string_view input, const Url& base, Url* out);

// ParseUrl without this shortcut: every input through the state machine. For
// tests that hold the two to the same results.
config::Result<Url> ParseUrlByStates(std::string_view input, const Url* base);

}  // namespace crawlbox::parser
