// BodyHash: xxHash64 of the body and its length, checked against the
// reference implementation's digests (xxhsum -H1) over every code path: the
// 32-byte stripes, the 8- and 4-byte steps and the byte tail.
#include "crawler/fetch/body_hash.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>

namespace crawlbox::crawler {
namespace {

// Bytes (i * 131 + 7) mod 256, i = 0..n-1.
std::string Pattern(size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i)
    out.push_back(static_cast<char>((i * 131 + 7) % 256));
  return out;
}

TEST(BodyHashTest, MatchesTheReferenceXxHash64) {
  struct Case {
    size_t length;
    unsigned long long digest;  // xxhsum -H1 of Pattern(length)
  };
  const Case cases[] = {
      {0, 0xef46db3751d8e999ull},   {1, 0xa96c7f0ce858bbb7ull},
      {3, 0xbed43740ee6332bbull},   {4, 0xfa212ae44b3bb23dull},
      {7, 0x2744460dd675d2c0ull},   {8, 0x994b676b71ce94ddull},
      {11, 0x97f078da7a1a590cull},  {31, 0x6711d55e306b5d8full},
      {32, 0x07f7b8e3bc5d6e25ull},  {33, 0x09f85eeb4e1cbe9full},
      {63, 0xb7c9968c066cb6a5ull},  {64, 0x50d4159a0411632eull},
      {100, 0x9ddada11d3dc2d8full}, {1000, 0x0bf0bdbcc82eb373ull},
  };
  for (const Case& c : cases) {
    char want[40];
    std::snprintf(want, sizeof want, "%016llx-%zx", c.digest, c.length);
    EXPECT_EQ(BodyHash(Pattern(c.length)), want) << "length " << c.length;
  }
  EXPECT_EQ(BodyHash("abc"), "44bc2cf5ad770999-3");
}

TEST(BodyHashTest, OneChangedByteChangesTheDigest) {
  std::string body = Pattern(20000);
  const std::string before = BodyHash(body);
  body[12345] ^= 1;
  EXPECT_NE(BodyHash(body), before);
}

}  // namespace
}  // namespace crawlbox::crawler
