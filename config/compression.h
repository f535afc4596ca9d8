// zlib streams both ways: bounded inflation of gzip, zlib and raw deflate
// bodies (HTTP Content-Encoding, sitemaps, stored page bodies) and deflation
// of bodies the store keeps. Shared by the fetch room and the parser, so it
// lives at the bottom layer.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace crawlbox::config {

// True when `data` starts with the gzip magic bytes (1f 8b).
bool IsGzip(std::string_view data);

// The result of inflating one body.
struct Inflated {
  std::string data;
  bool cut = false;  // hit max_bytes, or the stream ended early or is corrupt
  bool too_large = false;  // cut because it reached max_bytes (data is full)
};

// Inflates a gzip (RFC 1952, members back to back joined) or zlib (RFC 1950)
// stream into at most `max_bytes`; a bomb costs no more than that. With
// `raw_fallback`, a stream with neither header is read as raw deflate
// (RFC 1951): HTTP's "deflate" means zlib, but some servers send it raw.
Inflated Inflate(std::string_view in, size_t max_bytes,
                 bool raw_fallback = false);

// `in` as a zlib stream (RFC 1950) at zlib's default level.
std::string Deflate(std::string_view in);

}  // namespace crawlbox::config
