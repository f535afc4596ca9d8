// BodyHash: the digest stored with every page (pages.body_hash) so that a
// re-crawl can tell a changed page from an unchanged one when the server
// sends no validators. Every page pays for it, so it reads 32 bytes a step.
#pragma once

#include <string>
#include <string_view>

namespace crawlbox::crawler {

// "<16 hex digits>-<length in hex>": xxHash64 (seed 0) of `body`, then its
// length. Stable across builds and machines (std::hash is not promised to
// be), and enough to tell a changed page; not a cryptographic digest.
// Databases written before this digest replaced a byte-at-a-time FNV-1a
// compare every page as changed on their first re-crawl, once.
std::string BodyHash(std::string_view body);

}  // namespace crawlbox::crawler
