// config/base64.h and config/compression.h: the byte codecs the fetch room,
// the parser and the fleet share.
#include <gtest/gtest.h>
#include <zlib.h>

#include <string>

#include "config/base64.h"
#include "config/compression.h"

namespace crawlbox::config {
namespace {

// `text` compressed by zlib itself with `window_bits` (31: gzip, 15: zlib,
// -15: raw deflate), as a server would send it.
std::string Compress(const std::string& text, int window_bits) {
  z_stream z{};
  EXPECT_EQ(deflateInit2(&z, 6, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY),
            Z_OK);
  std::string out(deflateBound(&z, text.size()), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  z.avail_in = static_cast<uInt>(text.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&z, Z_FINISH), Z_STREAM_END);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

std::string Page() {
  std::string page;
  for (int i = 0; i < 2000; ++i)
    page += "<li><a href=\"/p/" + std::to_string(i) + "\">page</a></li>\n";
  return page;
}

TEST(Base64Test, RoundTripsEveryByteAndEveryPadding) {
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes.push_back(static_cast<char>(i));
  for (size_t n : {0, 1, 2, 3, 4, 255, 256}) {
    const std::string part = bytes.substr(0, n);
    const std::string encoded = ToBase64(part);
    EXPECT_EQ(encoded.size() % 4, 0u);
    EXPECT_EQ(FromBase64(encoded), part) << n;
  }
  EXPECT_EQ(ToBase64("foobar"), "Zm9vYmFy");  // RFC 4648 §10
  EXPECT_EQ(ToBase64("fo"), "Zm8=");
  EXPECT_EQ(FromBase64("Zm9vYg=="), "foob");
}

TEST(Base64Test, AnythingOutsideTheAlphabetIsRefused) {
  EXPECT_FALSE(FromBase64("Zm9v YmFy").has_value());
  EXPECT_FALSE(FromBase64("Zm9v\nYmFy").has_value());
  EXPECT_FALSE(FromBase64("Zm9-YmFy").has_value());  // URL-safe alphabet
  EXPECT_FALSE(FromBase64("Zm=9").has_value());
}

TEST(InflateTest, GzipZlibAndJoinedGzipMembersDecode) {
  const std::string page = Page();
  for (int bits : {31, 15}) {
    Inflated out = Inflate(Compress(page, bits), 1 << 20);
    EXPECT_FALSE(out.cut) << bits;
    EXPECT_EQ(out.data, page) << bits;
  }
  Inflated joined =
      Inflate(Compress("first ", 31) + Compress("second", 31), 1 << 20);
  EXPECT_FALSE(joined.cut);
  EXPECT_EQ(joined.data, "first second");
}

TEST(InflateTest, RawDeflateDecodesOnlyWhenAskedFor) {
  const std::string page = Page();
  const std::string raw = Compress(page, -15);
  Inflated strict = Inflate(raw, 1 << 20);
  EXPECT_TRUE(strict.cut);
  EXPECT_FALSE(strict.too_large);
  Inflated lenient = Inflate(raw, 1 << 20, /*raw_fallback=*/true);
  EXPECT_FALSE(lenient.cut);
  EXPECT_EQ(lenient.data, page);
}

TEST(InflateTest, ABombStopsAtTheLimitAndSaysSo) {
  const std::string bomb = Compress(std::string(8 << 20, 'a'), 31);
  ASSERT_LT(bomb.size(), 64u * 1024);
  Inflated out = Inflate(bomb, 1 << 20);
  EXPECT_TRUE(out.cut);
  EXPECT_TRUE(out.too_large);
  EXPECT_EQ(out.data.size(), 1u << 20);
  // Exactly at the limit is whole, not cut.
  Inflated exact = Inflate(Compress(std::string(1000, 'b'), 31), 1000);
  EXPECT_FALSE(exact.cut);
  EXPECT_EQ(exact.data.size(), 1000u);
}

TEST(InflateTest, ACutOrCorruptStreamIsCutButNotTooLarge) {
  const std::string gz = Compress(Page(), 31);
  Inflated cut = Inflate(gz.substr(0, gz.size() / 2), 1 << 20);
  EXPECT_TRUE(cut.cut);
  EXPECT_FALSE(cut.too_large);
  std::string corrupt = gz;
  corrupt[corrupt.size() / 2] ^= 0x55;
  corrupt[corrupt.size() / 2 + 1] ^= 0x55;
  Inflated bad = Inflate(corrupt, 1 << 20);
  EXPECT_TRUE(bad.cut);
  EXPECT_FALSE(bad.too_large);
  EXPECT_TRUE(Inflate("not compressed at all", 100, true).cut);
}

}  // namespace
}  // namespace crawlbox::config
