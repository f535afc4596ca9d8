// parser/charset_decode.h: CheckUtf8's fast paths against a plain
// one-sequence-at-a-time validator, over every string of up to three bytes
// and the boundary bytes of four-byte sequences, at every alignment.
#include "parser/charset_decode.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace crawlbox::parser {
namespace {

// Unicode's table of well-formed byte sequences (Table 3-7), one sequence at
// a time: the reference CheckUtf8 must agree with.
Utf8Check ReferenceCheck(std::string_view text) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size();
  size_t i = 0;
  while (i < n) {
    const unsigned char lead = p[i];
    if (lead < 0x80) {
      ++i;
      continue;
    }
    size_t length = 0;
    unsigned char low = 0x80, high = 0xBF;
    if (lead >= 0xC2 && lead <= 0xDF) {
      length = 2;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      length = 3;
      if (lead == 0xE0) low = 0xA0;
      if (lead == 0xED) high = 0x9F;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      length = 4;
      if (lead == 0xF0) low = 0x90;
      if (lead == 0xF4) high = 0x8F;
    } else {
      return Utf8Check::kInvalid;
    }
    for (size_t k = 1; k < length; ++k) {
      if (i + k >= n) return Utf8Check::kTruncatedAtEnd;
      if (p[i + k] < low || p[i + k] > high) return Utf8Check::kInvalid;
      low = 0x80;
      high = 0xBF;
    }
    i += length;
  }
  return Utf8Check::kValid;
}

const char* Name(Utf8Check check) {
  switch (check) {
    case Utf8Check::kValid:
      return "valid";
    case Utf8Check::kTruncatedAtEnd:
      return "truncated";
    case Utf8Check::kInvalid:
      return "invalid";
  }
  return "?";
}

std::string Hex(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    out += kHex[c >> 4];
    out += kHex[c & 0xF];
    out += ' ';
  }
  return out;
}

// `bytes` after `ascii` ASCII bytes (moving it across the 8-byte steps of
// the ASCII skip), alone, followed by ASCII, and followed by a CJK character.
void ExpectSameAsReference(std::string_view bytes, int* checked) {
  for (size_t ascii : {0, 1, 7, 8, 9, 15, 16, 17}) {
    const std::string prefix(ascii, 'a');
    for (std::string_view suffix : {"", "z", "\xE4\xB8\xAD", "\xE4\xB8"}) {
      const std::string text =
          prefix + std::string(bytes) + std::string(suffix);
      const Utf8Check want = ReferenceCheck(text);
      const Utf8Check got = CheckUtf8(text);
      if (got != want) {
        ADD_FAILURE() << "input: " << Hex(text) << " got " << Name(got)
                      << ", want " << Name(want);
      }
      ++*checked;
    }
  }
}

TEST(CharsetDecodeTest, CheckUtf8AgreesWithTheTableOnEveryShortInput) {
  int checked = 0;
  std::string s;
  for (int a = 0x80; a < 0x100; ++a) {
    s.assign(1, static_cast<char>(a));
    ExpectSameAsReference(s, &checked);
    for (int b = 0; b < 0x100; ++b) {
      s.assign({static_cast<char>(a), static_cast<char>(b)});
      ExpectSameAsReference(s, &checked);
      // Third bytes: the ends of the continuation range and of ASCII.
      for (int c :
           {0x00, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xE4, 0xFF}) {
        s.assign(
            {static_cast<char>(a), static_cast<char>(b), static_cast<char>(c)});
        ExpectSameAsReference(s, &checked);
      }
    }
  }
  // Four-byte sequences with every lead and the boundary continuation bytes.
  const int edges[] = {0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0};
  for (int lead = 0xF0; lead <= 0xF5; ++lead) {
    for (int b : edges) {
      for (int c : edges) {
        for (int d : edges) {
          s.assign({static_cast<char>(lead), static_cast<char>(b),
                    static_cast<char>(c), static_cast<char>(d)});
          ExpectSameAsReference(s, &checked);
        }
      }
    }
  }
  EXPECT_GT(checked, 1000000);
}

TEST(CharsetDecodeTest, CheckUtf8OnRunsOfText) {
  const std::string cjk = "\xE5\xA4\x9C\xE8\x89\xB2";  // 夜色
  const std::string latin = "caf\xC3\xA9 ";            // café
  std::string text;
  for (int i = 0; i < 50; ++i) text += (i % 3 == 0 ? latin : cjk) + "<p>";
  EXPECT_EQ(CheckUtf8(text), Utf8Check::kValid);
  EXPECT_EQ(CheckUtf8(text + "\xE5\xA4"), Utf8Check::kTruncatedAtEnd);
  EXPECT_EQ(CheckUtf8(text + "\xED\xA0\x80"),
            Utf8Check::kInvalid);  // surrogate
  EXPECT_EQ(CheckUtf8(cjk + "\xC0\xAF" + cjk),
            Utf8Check::kInvalid);  // overlong
  EXPECT_EQ(CheckUtf8(cjk + "\xE5\xA4" + cjk), Utf8Check::kInvalid);
}

}  // namespace
}  // namespace crawlbox::parser
