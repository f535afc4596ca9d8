// Tests of parser/charset.h: encoding sniffing (BOM, Content-Type, <meta>
// prescan, default) over fixtures in legacy encodings from
// tests/data/charset/, mislabelled pages, label mapping, UTF-8 validation and
// repair, and random input.
#include "parser/charset.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "parser/charset_sniff.h"
#include "tests/support/temp_dir.h"

namespace crawlbox::parser {
namespace {

const std::string kFffd = "\uFFFD";

std::string ReadFixture(const std::string& name) {
  std::ifstream file(crawlbox::testing::TestDataPath("charset/" + name),
                     std::ios::binary);
  EXPECT_TRUE(file.good()) << "missing fixture " << name;
  return std::string(std::istreambuf_iterator<char>(file), {});
}

// The text of <p id="marker">…</p>, or "<no marker>".
std::string Marker(const std::string& html) {
  const std::string open = "<p id=\"marker\">";
  size_t start = html.find(open);
  if (start == std::string::npos) return "<no marker>";
  start += open.size();
  size_t end = html.find("</p>", start);
  if (end == std::string::npos) return "<no marker>";
  return html.substr(start, end - start);
}

struct FixtureCase {
  const char* file;
  const char* content_type;
  const char* encoding;
  const char* source;
  const char* marker;
};

TEST(CharsetTest, DecodesFixtures) {
  const std::string k1252 = "€ ’ “ ” café – naïve";
  const FixtureCase cases[] = {
      {"gbk_meta.html", "", "GBK", "meta", "简体中文：编码测试"},
      {"gbk_meta.html", "text/html; charset=GB2312", "GBK", "header",
       "简体中文：编码测试"},
      {"gbk_meta.html", "text/html; charset=x-gbk", "GBK", "header",
       "简体中文：编码测试"},
      {"gb18030_meta.html", "", "gb18030", "meta",
       "\U00020000ཀ\U0001F600€中文"},
      // GBK is decoded as gb18030, its superset, as browsers do.
      {"gb18030_meta.html", "text/html; charset=gbk", "GBK", "header",
       "\U00020000ཀ\U0001F600€中文"},
      {"big5_http_equiv.html", "", "Big5", "meta", "繁體中文測試"},
      {"big5_http_equiv.html", "text/html;charset=big5-hkscs", "Big5", "header",
       "繁體中文測試"},
      {"shift_jis_nolabel.html", "text/html; charset=Shift_JIS", "Shift_JIS",
       "header", "日本語のテキスト、カタカナとｶﾀｶﾅ"},
      {"shift_jis_nolabel.html", "text/html; charset=\"x-sjis\"", "Shift_JIS",
       "header", "日本語のテキスト、カタカナとｶﾀｶﾅ"},
      {"shift_jis_nolabel.html", "text/html; CHARSET=windows-31j", "Shift_JIS",
       "header", "日本語のテキスト、カタカナとｶﾀｶﾅ"},
      {"euc_jp_meta.html", "", "EUC-JP", "meta", "日本語とｶﾀｶﾅ"},
      {"euc_kr_http_equiv.html", "", "EUC-KR", "meta", "한국어 테스트"},
      {"windows1252_meta.html", "", "windows-1252", "meta", k1252.c_str()},
      {"windows1252_meta.html", "text/html; charset=latin1", "windows-1252",
       "header", k1252.c_str()},
      {"windows1252_meta.html", "text/html; charset=us-ascii", "windows-1252",
       "header", k1252.c_str()},
      {"windows1252_nolabel.html", "text/html", "windows-1252", "default",
       k1252.c_str()},
      {"iso2022jp_nolabel.html", "text/html; charset=iso-2022-jp",
       "ISO-2022-JP", "header", "日本語の文章"},
      {"koi8r_meta.html", "", "KOI8-R", "meta", "Русский текст"},
      {"utf16le_bom.html", "", "UTF-16LE", "bom",
       "UTF-16 текст 中文 \U0001F600"},
      // The BOM beats the header.
      {"utf16le_bom.html", "text/html; charset=gbk", "UTF-16LE", "bom",
       "UTF-16 текст 中文 \U0001F600"},
      {"utf16be_bom.html", "", "UTF-16BE", "bom",
       "UTF-16 текст 中文 \U0001F600"},
      // ...and the meta ("windows-1252") in the page.
      {"utf8_bom.html", "text/html; charset=iso-8859-1", "UTF-8", "bom",
       "UTF-8 ✓ 中文"},
      {"utf8_nolabel.html", "", "UTF-8", "default", "Ünïcödé ✓ 中文"},
      {"utf8_nolabel.html", "text/html; charset=utf8", "UTF-8", "header",
       "Ünïcödé ✓ 中文"},
      {"utf8_meta_utf16.html", "", "UTF-8", "meta", "Ünïcödé ✓"},
  };
  for (const FixtureCase& c : cases) {
    SCOPED_TRACE(std::string(c.file) + " with Content-Type '" + c.content_type +
                 "'");
    std::string body = ReadFixture(c.file);
    ASSERT_FALSE(body.empty());
    Decoded decoded = DecodeToUtf8(body, c.content_type);
    EXPECT_EQ(decoded.encoding, c.encoding);
    EXPECT_EQ(decoded.source, c.source);
    EXPECT_FALSE(decoded.had_errors);
    EXPECT_EQ(Marker(decoded.utf8), c.marker);
    EXPECT_TRUE(IsValidUtf8(decoded.utf8));
    EXPECT_TRUE(decoded.utf8.starts_with("<!DOCTYPE html>")) << "BOM kept?";
    // The owned variant agrees.
    Decoded owned = DecodeOwnedToUtf8(std::string(body), c.content_type);
    EXPECT_EQ(owned.utf8, decoded.utf8);
    EXPECT_EQ(owned.encoding, decoded.encoding);
    EXPECT_EQ(owned.source, decoded.source);
  }
}

TEST(CharsetTest, HeaderWinsOverMeta) {
  // Header says ISO-8859-1 (windows-1252), the meta says GBK: browsers follow
  // the header, and so do we, giving mojibake but valid UTF-8.
  std::string body = ReadFixture("gbk_meta.html");
  Decoded decoded = DecodeToUtf8(body, "text/html; charset=ISO-8859-1");
  EXPECT_EQ(decoded.encoding, "windows-1252");
  EXPECT_EQ(decoded.source, "header");
  EXPECT_FALSE(decoded.had_errors);  // windows-1252 decodes every byte
  EXPECT_NE(Marker(decoded.utf8), "简体中文：编码测试");
  EXPECT_TRUE(IsValidUtf8(decoded.utf8));
}

TEST(CharsetTest, HeaderUtf8ButBytesGbkGivesReplacementCharacters) {
  std::string body = ReadFixture("gbk_meta.html");
  Decoded decoded = DecodeToUtf8(body, "text/html; charset=utf-8");
  EXPECT_EQ(decoded.encoding, "UTF-8");
  EXPECT_EQ(decoded.source, "header");
  EXPECT_TRUE(decoded.had_errors);
  EXPECT_NE(decoded.utf8.find(kFffd), std::string::npos);
  EXPECT_TRUE(IsValidUtf8(decoded.utf8));
  EXPECT_FALSE(IsAlreadyUtf8(body, "text/html; charset=utf-8"));
}

TEST(CharsetTest, PrescanLooksAtTheFirst1024BytesOnly) {
  std::string gbk_text = "\xD6\xD0\xCE\xC4";  // 中文 in GBK
  std::string head = "<html><head><title>";
  std::string meta = "<meta charset=gbk>";
  // Padding puts the meta just inside, then just outside, the 1024 bytes.
  std::string inside = head +
                       std::string(1024 - head.size() - 8 - meta.size(), 'x') +
                       "</title>" + meta;
  ASSERT_EQ(inside.size(), 1024u);
  Decoded found = DecodeToUtf8(inside + "<p>" + gbk_text + "</p>", "");
  EXPECT_EQ(found.encoding, "GBK");
  EXPECT_EQ(found.source, "meta");
  EXPECT_NE(found.utf8.find("中文"), std::string::npos);

  std::string outside = head + std::string(1030, 'x') + "</title>" + meta;
  Decoded ignored = DecodeToUtf8(outside + "<p>" + gbk_text + "</p>", "");
  EXPECT_EQ(ignored.source, "default");
  EXPECT_EQ(ignored.encoding, "windows-1252");  // not UTF-8, so the fallback
}

struct MetaCase {
  const char* html;
  const char* encoding;  // "" when the prescan finds nothing
};

TEST(CharsetTest, MetaPrescan) {
  const MetaCase cases[] = {
      {"<meta charset=gbk>", "GBK"},
      {"<meta charset=\"gbk\">", "GBK"},
      {"<meta  charset = \" gbk \" >", "GBK"},
      {"<META CHARSET='GBK'>", "GBK"},
      {"<meta/charset=gbk>", "GBK"},
      {"<meta name=x charset=big5 content=y>", "Big5"},
      {"<meta http-equiv=\"Content-Type\" content=\"text/html; "
       "charset=shift_jis\">",
       "Shift_JIS"},
      {"<meta content=\"text/html; charset = 'euc-kr' \" "
       "http-equiv=content-type>",
       "EUC-KR"},
      {"<meta http-equiv=content-type content=\"charset=\\\"gbk\\\"\">", ""},
      {"<meta http-equiv=content-type content='text/html;charset=\"gbk\"'>",
       "GBK"},
      {"<meta http-equiv=content-type content='text/html;charset=\"gbk'>", ""},
      {"<meta http-equiv=content-type content='charsetx=1; charset=gbk'>",
       "GBK"},
      // content without the http-equiv pragma does not count
      {"<meta content=\"text/html; charset=gbk\">", ""},
      {"<meta http-equiv=refresh content=\"text/html; charset=gbk\">", ""},
      // charset wins over content in the same tag, whatever the order
      {"<meta http-equiv=content-type content='charset=gbk' charset=big5>",
       "Big5"},
      {"<meta charset=big5 http-equiv=content-type content='charset=gbk'>",
       "Big5"},
      // a repeated attribute is ignored
      {"<meta charset=big5 charset=gbk>", "Big5"},
      // comments, and tags whose attributes hold "<meta"
      {"<!-- <meta charset=gbk> --><meta charset=big5>", "Big5"},
      {"<!--><meta charset=gbk>", "GBK"},
      {"<!-- unclosed <meta charset=gbk>", ""},
      {"<div title='<meta charset=gbk>'></div><meta charset=euc-jp>", "EUC-JP"},
      {"<!DOCTYPE html><?xml x?></p><meta charset=euc-jp>", "EUC-JP"},
      // unknown labels are skipped and the scan goes on
      {"<meta charset=bogus><meta charset=gbk>", "GBK"},
      {"<meta charset=\"\"><meta charset=gbk>", "GBK"},
      // UTF-16 in a meta means UTF-8; x-user-defined means windows-1252
      {"<meta charset=utf-16le>", "UTF-8"},
      {"<meta charset=unicode>", "UTF-8"},
      {"<meta charset=x-user-defined>", "windows-1252"},
      // not meta tags
      {"<metacharset=gbk>", ""},
      {"<meta>", ""},
      {"<p>charset=gbk</p>", ""},
      // running out of input ends the prescan
      {"<meta charset=\"gbk", ""},
      {"<meta charset=gbk", ""},
  };
  for (const MetaCase& c : cases) {
    SCOPED_TRACE(c.html);
    const CharsetInfo* found = PrescanForMetaCharset(c.html);
    EXPECT_EQ(found == nullptr ? std::string() : std::string(found->name),
              c.encoding);
    Decoded decoded = DecodeToUtf8(c.html, "");
    EXPECT_EQ(decoded.source, *c.encoding ? "meta" : "default");
  }
}

TEST(CharsetTest, ContentTypeCharset) {
  const std::pair<const char*, const char*> cases[] = {
      {"text/html; charset=gbk", "gbk"},
      {"text/html;charset=GBK", "GBK"},
      {"  text/html ;  charset=gbk  ", "gbk"},
      {"text/html; CharSet=\"Shift_JIS\"", "Shift_JIS"},
      {"text/html; charset=\"gbk\" ; foo=bar", "gbk"},
      {"text/html; foo=\"a;b\"; charset=big5", "big5"},
      {"text/html; foo; charset=big5", "big5"},
      {"text/html; charset=big5; charset=gbk", "big5"},
      {"text/html; charset=; charset=gbk", "gbk"},
      {"text/html; charset =gbk", ""},
      {"text/html", ""},
      {"", ""},
      {"charset=gbk", ""},
      {"/html; charset=gbk", ""},
      {"text/; charset=gbk", ""},
  };
  for (const auto& [content_type, charset] : cases) {
    EXPECT_EQ(ContentTypeCharset(content_type), charset) << content_type;
  }
}

TEST(CharsetTest, UnknownHeaderLabelFallsThroughToMeta) {
  std::string body = ReadFixture("gbk_meta.html");
  Decoded decoded = DecodeToUtf8(body, "text/html; charset=foo-bar");
  EXPECT_EQ(decoded.encoding, "GBK");
  EXPECT_EQ(decoded.source, "meta");
  EXPECT_EQ(Marker(decoded.utf8), "简体中文：编码测试");
}

TEST(CharsetTest, DefaultEncoding) {
  std::string gbk_body = "<p>\xD6\xD0\xCE\xC4</p>";  // 中文 in GBK
  Decoded as_gbk = DecodeToUtf8(gbk_body, "text/html", "gb2312");
  EXPECT_EQ(as_gbk.encoding, "GBK");
  EXPECT_EQ(as_gbk.source, "default");
  EXPECT_EQ(as_gbk.utf8, "<p>中文</p>");

  // An unknown default means UTF-8, with its windows-1252 fallback.
  Decoded unknown = DecodeToUtf8(gbk_body, "", "no-such-encoding");
  EXPECT_EQ(unknown.encoding, "windows-1252");
  EXPECT_EQ(unknown.source, "default");

  // UTF-8 cut off inside its last character stays UTF-8.
  Decoded truncated = DecodeToUtf8("<p>中文\xE6\x96", "");
  EXPECT_EQ(truncated.encoding, "UTF-8");
  EXPECT_TRUE(truncated.had_errors);
  EXPECT_EQ(truncated.utf8, "<p>中文" + kFffd);

  Decoded empty = DecodeToUtf8("", "");
  EXPECT_EQ(empty.encoding, "UTF-8");
  EXPECT_EQ(empty.source, "default");
  EXPECT_EQ(empty.utf8, "");
}

TEST(CharsetTest, ReplacementEncoding) {
  Decoded decoded =
      DecodeToUtf8("<p>abc</p>", "text/html; charset=iso-2022-kr");
  EXPECT_EQ(decoded.encoding, "replacement");
  EXPECT_EQ(decoded.utf8, kFffd);
  EXPECT_TRUE(decoded.had_errors);
  EXPECT_EQ(DecodeToUtf8("", "text/html; charset=hz-gb-2312").utf8, "");
}

struct BytesCase {
  const char* label;
  std::string bytes;
  std::string utf8;
  bool had_errors;
};

TEST(CharsetTest, InvalidSequencesInLegacyEncodings) {
  const BytesCase cases[] = {
      // A lead byte with an invalid ASCII second byte: that byte is kept.
      {"gbk", "a\x81 b", "a" + kFffd + " b", true},
      {"gbk", "a\x81\x62", "a乥", false},  // 0x62 is a valid second byte
      {"gbk", "\x81\xFF", kFffd, true},    // a non-ASCII one is consumed
      {"gbk", "\xFF", kFffd, true},
      {"gbk", "\x80", "€", false},  // the standard's gb18030 maps 0x80 to €
      {"gbk", "\xD6\xD0\xD6", "中" + kFffd, true},  // truncated at the end
      {"gb18030", "\x81\x30\x81", kFffd, true},
      {"gb18030", "\x81\x30\x61", kFffd + "0a", true},
      {"gb18030", "\x81\x30\x81\x30", "\xC2\x80", false},  // U+0080
      // A well-shaped four-byte form past the last mapped one: one error.
      {"gb18030", "\x84\x31\xA5\x30x", kFffd + "x", true},
      {"shift_jis", "\x81\x20x", kFffd + " x", true},
      {"shift_jis", "\x5C\x7E", "\\~", false},  // CP932, not JIS X 0201
      {"big5", "\xA4\x30", kFffd + "0", true},
      {"euc-kr", "\xB0\xA1\xB0", "가" + kFffd, true},
      {"euc-jp", "\xA4\xA2\xA4", "あ" + kFffd, true},
      {"utf-16le",
       std::string("a\x00\x00\xD8"
                   "b\x00",
                   6),
       "a" + kFffd + "b", true},
      {"utf-16le", std::string("a\x00\x00\xDC", 4), "a" + kFffd, true},
      {"utf-16le",
       std::string("a\x00"
                   "b",
                   3),
       "a" + kFffd, true},
      {"utf-16be", std::string("\xD8\x3D\xDE\x00", 4), "\U0001F600", false},
      {"windows-1252", "\x80\x81\x8D\x9F\xA0\xFF", "€\xC2\x81\xC2\x8DŸ\u00A0ÿ",
       false},
      {"x-user-defined", "a\x80\xFF", "a\uF780\uF7FF", false},
  };
  for (const BytesCase& c : cases) {
    std::string content_type = std::string("text/plain; charset=") + c.label;
    SCOPED_TRACE(content_type);
    Decoded decoded = DecodeToUtf8(c.bytes, content_type);
    EXPECT_EQ(decoded.utf8, c.utf8);
    EXPECT_EQ(decoded.had_errors, c.had_errors);
    EXPECT_TRUE(IsValidUtf8(decoded.utf8));
  }
}

TEST(CharsetTest, Windows1252DecodesEveryByte) {
  std::string all;
  for (int b = 0; b < 256; ++b) all.push_back(static_cast<char>(b));
  Decoded decoded = DecodeToUtf8(all, "text/html; charset=cp1252");
  EXPECT_FALSE(decoded.had_errors);
  EXPECT_TRUE(IsValidUtf8(decoded.utf8));
  EXPECT_EQ(decoded.utf8.find(kFffd), std::string::npos);
}

TEST(CharsetTest, CanonicalEncoding) {
  const std::pair<const char*, const char*> cases[] = {
      {"gb2312", "GBK"},
      {"gbk", "GBK"},
      {"x-gbk", "GBK"},
      {"chinese", "GBK"},
      {"csgb2312", "GBK"},
      {"gb18030", "gb18030"},
      {"big5", "Big5"},
      {"big5-hkscs", "Big5"},
      {"x-x-big5", "Big5"},
      {"shift_jis", "Shift_JIS"},
      {"sjis", "Shift_JIS"},
      {"ms_kanji", "Shift_JIS"},
      {"x-sjis", "Shift_JIS"},
      {"windows-31j", "Shift_JIS"},
      {"euc-jp", "EUC-JP"},
      {"iso-2022-jp", "ISO-2022-JP"},
      {"euc-kr", "EUC-KR"},
      {"ks_c_5601-1987", "EUC-KR"},
      {"latin1", "windows-1252"},
      {"iso-8859-1", "windows-1252"},
      {"ascii", "windows-1252"},
      {"us-ascii", "windows-1252"},
      {"cp1252", "windows-1252"},
      {"windows-1252", "windows-1252"},
      {"iso-8859-2", "ISO-8859-2"},
      {"latin2", "ISO-8859-2"},
      {"iso-8859-9", "windows-1254"},
      {"iso8859-15", "ISO-8859-15"},
      {"windows-1251", "windows-1251"},
      {"koi8-r", "KOI8-R"},
      {"koi8-u", "KOI8-U"},
      {"utf-16le", "UTF-16LE"},
      {"utf-16", "UTF-16LE"},
      {"utf-16be", "UTF-16BE"},
      {"utf-8", "UTF-8"},
      {"utf8", "UTF-8"},
      {"unicode-1-1-utf-8", "UTF-8"},
      {"x-user-defined", "x-user-defined"},
      {"iso-2022-kr", "replacement"},
      {"tis-620", "windows-874"},
      {" \tUTF-8\n ", "UTF-8"},
      {"GB2312", "GBK"},
      {"SHIFT_JIS", "Shift_JIS"},
      {"", ""},
      {"utf-7", ""},
      {"gbk2", ""},
      {"u tf-8", ""},
      {"cseucpkdfmtjapanesex", ""},
  };
  for (const auto& [label, name] : cases) {
    EXPECT_EQ(CanonicalEncoding(label), name) << "label '" << label << "'";
  }
}

TEST(CharsetTest, IsAlreadyUtf8) {
  struct Case {
    std::string body;
    const char* content_type;
    bool expected;
  };
  const Case cases[] = {
      {"<p>plain ascii</p>", "", true},
      {"<p>plain ascii</p>", "text/html; charset=gbk", true},
      {"<p>plain ascii</p>", "text/html; charset=shift_jis", true},
      {"<p>中文</p>", "", true},
      {"<p>中文</p>", "text/html; charset=utf-8", true},
      {"<p>中文</p>", "text/html; charset=gbk", false},
      {"<p>\xD6\xD0</p>", "", false},
      {"\xEF\xBB\xBF<p>x</p>", "", false},  // the BOM must go
      {"<p>x</p>", "text/html; charset=utf-16le", false},
      {"<p>\x1B$B</p>", "text/html; charset=iso-2022-jp", false},
      {"<p>x</p>", "text/html; charset=iso-2022-jp", true},
      {"<meta charset=gbk><p>x</p>", "", true},
      {"<meta charset=gbk><p>\xD6\xD0</p>", "", false},
      {"", "text/html; charset=utf-16be", true},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.body + " / " + c.content_type);
    EXPECT_EQ(IsAlreadyUtf8(c.body, c.content_type), c.expected);
    if (c.expected) {
      EXPECT_EQ(DecodeToUtf8(c.body, c.content_type).utf8, c.body);
    }
  }
}

TEST(CharsetTest, OwnedVariantMovesAValidBody) {
  std::string body = "<p>" + std::string(4096, 'x') + "中文</p>";
  const char* buffer = body.data();
  Decoded decoded = DecodeOwnedToUtf8(std::move(body), "text/html");
  EXPECT_EQ(decoded.utf8.data(), buffer);  // no copy
  EXPECT_EQ(decoded.encoding, "UTF-8");

  std::string with_bom = "\xEF\xBB\xBF" + std::string(4096, 'y');
  buffer = with_bom.data();
  Decoded no_bom = DecodeOwnedToUtf8(std::move(with_bom), "");
  EXPECT_EQ(no_bom.utf8.data(), buffer);  // the BOM is dropped in place
  EXPECT_EQ(no_bom.utf8, std::string(4096, 'y'));
  EXPECT_EQ(no_bom.source, "bom");
}

TEST(Utf8Test, ValidationAndRepair) {
  struct Case {
    std::string input;
    std::string repaired;  // equal to input when valid
  };
  const Case cases[] = {
      {"", ""},
      {"plain", "plain"},
      {std::string("nul\0byte", 8), std::string("nul\0byte", 8)},
      {"é中\U0001F600\U0010FFFF", "é中\U0001F600\U0010FFFF"},
      {"\xEF\xBB\xBFkept", "\xEF\xBB\xBFkept"},
      // overlong forms
      {"\xC0\xAF", kFffd + kFffd},
      {"\xC1\xBF", kFffd + kFffd},
      {"\xE0\x80\xAF", kFffd + kFffd + kFffd},
      {"\xF0\x80\x80\xAF", kFffd + kFffd + kFffd + kFffd},
      // surrogates U+D800, U+DFFF
      {"\xED\xA0\x80", kFffd + kFffd + kFffd},
      {"\xED\xBF\xBF", kFffd + kFffd + kFffd},
      // above U+10FFFF
      {"\xF4\x90\x80\x80", kFffd + kFffd + kFffd + kFffd},
      {"\xF5\x80\x80\x80", kFffd + kFffd + kFffd + kFffd},
      {"\xFF", kFffd},
      // lone continuation bytes
      {"a\x80"
       "b",
       "a" + kFffd + "b"},
      {"\xBF\xBF", kFffd + kFffd},
      // truncated sequences: one U+FFFD per maximal subpart
      {"\xE2\x82", kFffd},
      {"\xE2\x82"
       "A",
       kFffd + "A"},
      {"\xF0\x9F\x98", kFffd},
      {"\xF0\x9F\x98"
       "x\xF0\x9F\x98\x80",
       kFffd + "x\U0001F600"},
      {"\xE2\x82\xE2\x82\xAC", kFffd + "€"},
      {"\xC3", kFffd},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(::testing::PrintToString(c.input));
    EXPECT_EQ(IsValidUtf8(c.input), c.input == c.repaired);
    std::string repaired = RepairUtf8(c.input);
    EXPECT_EQ(repaired, c.repaired);
    EXPECT_TRUE(IsValidUtf8(repaired));
  }
}

// Random bytes, labels, metas and BOMs: never a crash (run under ASan), always
// valid UTF-8, and the documented relations between the functions hold.
TEST(CharsetTest, RandomInputNeverBreaksTheContract) {
  const std::vector<std::string> labels = {
      "utf-8",
      "gbk",
      "gb18030",
      "big5",
      "shift_jis",
      "euc-jp",
      "iso-2022-jp",
      "euc-kr",
      "latin1",
      "utf-16le",
      "utf-16be",
      "x-user-defined",
      "iso-2022-kr",
      "koi8-u",
      "iso-8859-8-i",
      "windows-874",
      "windows-1258",
      "x-mac-cyrillic",
      "ibm866",
      "macintosh",
      "iso-8859-16",
      "bogus",
      "",
      "\"gbk\"",
  };
  const std::vector<std::string> sources = {"bom", "header", "meta", "default"};
  std::mt19937 rng(20240611);
  auto pick = [&](size_t n) {
    return std::uniform_int_distribution<size_t>(0, n - 1)(rng);
  };
  for (int round = 0; round < 3000; ++round) {
    std::string body;
    switch (pick(4)) {
      case 0:
        body = "\xEF\xBB\xBF";
        break;
      case 1:
        body = pick(2) ? "\xFF\xFE" : "\xFE\xFF";
        break;
      case 2:
        body = "<meta charset=" + labels[pick(labels.size())] + ">";
        break;
      default:
        break;
    }
    size_t length = pick(300);
    bool high_bytes = pick(2) == 0;
    for (size_t i = 0; i < length; ++i) {
      body.push_back(static_cast<char>(high_bytes ? pick(256) : pick(128)));
    }
    std::string content_type =
        pick(3) ? "text/html; charset=" + labels[pick(labels.size())] : "";
    std::string fallback = labels[pick(labels.size())];
    SCOPED_TRACE(::testing::PrintToString(body) + " / " + content_type +
                 " / default " + fallback);

    Decoded decoded = DecodeToUtf8(body, content_type, fallback);
    ASSERT_TRUE(IsValidUtf8(decoded.utf8));
    EXPECT_EQ(CanonicalEncoding(decoded.encoding), decoded.encoding);
    EXPECT_NE(std::find(sources.begin(), sources.end(), decoded.source),
              sources.end());
    if (IsAlreadyUtf8(body, content_type, fallback)) {
      EXPECT_EQ(decoded.utf8, body);
      EXPECT_FALSE(decoded.had_errors);
    }
    Decoded owned =
        DecodeOwnedToUtf8(std::string(body), content_type, fallback);
    EXPECT_EQ(owned.utf8, decoded.utf8);
    EXPECT_EQ(owned.encoding, decoded.encoding);
    EXPECT_EQ(owned.had_errors, decoded.had_errors);
    std::string repaired = RepairUtf8(body);
    EXPECT_TRUE(IsValidUtf8(repaired));
  }
}

}  // namespace
}  // namespace crawlbox::parser
