// zlib streams both ways: bounded inflation of gzip/zlib bodies (sitemaps,
// stored page bodies) and deflation of bodies the store keeps.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace crawlbox::parser {

// True when `data` starts with the gzip magic bytes (1f 8b).
bool IsGzip(std::string_view data);

// The result of inflating one body.
struct Inflated {
  std::string data;
  bool cut = false;  // hit max_bytes, or the stream ended early or is corrupt
};

// Inflates a gzip (RFC 1952, members back to back joined) or zlib (RFC 1950)
// stream into at most `max_bytes`; a bomb costs no more than that.
Inflated Inflate(std::string_view in, size_t max_bytes);

// `in` as a zlib stream (RFC 1950) at zlib's default level.
std::string Deflate(std::string_view in);

}  // namespace crawlbox::parser
