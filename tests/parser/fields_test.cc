// Field transforms: trim, prefix/suffix, templates, type conversion.
#include "parser/fields.h"

#include <gtest/gtest.h>

#include <map>

namespace crawlbox::parser {
namespace {

TEST(FieldsTest, TrimsAsciiAndUnicodeSpace) {
  struct Case {
    std::string in, out;
  } cases[] = {
      {"  a b  ", "a b"},
      {"\n\t x\r\n", "x"},
      {"\u3000全角\u3000", "全角"},
      {"\u00a0nbsp\u00a0", "nbsp"},
      {"\ufeffbom", "bom"},
      {"", ""},
      {"   ", ""},
      {"中文", "中文"},
  };
  for (const Case& c : cases)
    EXPECT_EQ(TrimSpace(c.in), c.out) << "input: '" << c.in << "'";
}

TEST(FieldsTest, AppliesTransformsInOrder) {
  struct Case {
    config::Field field;
    std::string raw;
    FieldValue want;
  };
  auto text = [](std::string prefix = "", std::string suffix = "",
                 bool trim = true) {
    config::Field f;
    f.name = "f";
    f.strip_prefix = std::move(prefix);
    f.strip_suffix = std::move(suffix);
    f.trim = trim;
    return f;
  };
  auto typed = [](config::FieldType type) {
    config::Field f;
    f.name = "f";
    f.type = type;
    return f;
  };
  Case cases[] = {
      {text("主演:"), "\n      主演:张国荣,张丰毅,巩俐\n    ",
       std::string("张国荣,张丰毅,巩俐")},
      {text("上映时间:"), "上映时间:1993-01-01", std::string("1993-01-01")},
      {text("主演:"), "no prefix here", std::string("no prefix here")},
      {text("", " min"), " 171 min ", std::string("171")},
      {text("", "", false), "  kept  ", std::string("  kept  ")},
      {typed(config::FieldType::kInt), " 42 ", int64_t{42}},
      {typed(config::FieldType::kInt), "-7", int64_t{-7}},
      {typed(config::FieldType::kInt), "4x", std::monostate{}},
      {typed(config::FieldType::kInt), "", std::monostate{}},
      {typed(config::FieldType::kInt), "99999999999999999999",
       std::monostate{}},
      {typed(config::FieldType::kReal), "9.5", 9.5},
      {typed(config::FieldType::kReal), "9.", 9.0},
      {typed(config::FieldType::kReal), "nine", std::monostate{}},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(ApplyField(c.field, c.raw, true), c.want)
        << "input: '" << c.raw << "'";
  }
  EXPECT_EQ(ApplyField(text(), "x", false), FieldValue(std::monostate{}));
}

TEST(FieldsTest, ExpandsTemplates) {
  std::map<std::string, std::string, std::less<>> groups = {{"integer", "9."},
                                                            {"fraction", "5"}};
  auto lookup = [&](std::string_view name) {
    auto it = groups.find(name);
    return it == groups.end() ? std::string() : it->second;
  };
  EXPECT_EQ(ExpandTemplate("{integer}{fraction}", lookup), "9.5");
  EXPECT_EQ(ExpandTemplate("{{literal}} {integer}", lookup), "{literal} 9.");
  EXPECT_EQ(ExpandTemplate("{missing}x", lookup), "x");
  EXPECT_EQ(ExpandTemplate("open {integer", lookup), "open {integer");
}

}  // namespace
}  // namespace crawlbox::parser
