// XPath rules of PageParser: records and fields by XPath, css and attr beside
// them, required fields, the record limit, and bad expressions as job problems
// at file:line:col.
#include <gtest/gtest.h>

#include "config/job_loader.h"
#include "parser/page_parser.h"

namespace crawlbox::parser {
namespace {

struct Compiled {
  config::Job job;
  std::unique_ptr<PageParser> parser;
  std::vector<config::JobProblem> problems;
};

std::unique_ptr<Compiled> CompileText(const std::string& toml) {
  auto c = std::make_unique<Compiled>();
  config::LoadedJob loaded = config::LoadJobText(toml, "job.toml");
  EXPECT_TRUE(loaded.ok()) << (loaded.ok() ? ""
                                           : loaded.problems[0].ToString());
  c->job = std::move(loaded.job);
  c->parser = PageParser::Compile(c->job, &c->problems);
  return c;
}

FieldValue Text(const char* text) { return std::string(text); }

const char* kPage = R"html(<html><body>
<div class="item" data-id="7"><h2> First <b>one</b></h2><a href="/a">A</a>
  <span class="price">12</span></div>
<div class="item" data-id="8"><h2>Second</h2><span class="price">x</span></div>
<div class="item" data-id="9"><a href="/c">C</a></div>
</body></html>)html";

TEST(XPathRulesTest, RecordsAndFieldsByXPathCssAndAttr) {
  auto c = CompileText(R"toml(
[job]
name = "t"
start_urls = ["http://site.test/"]
[[rules]]
name = "item"
xpath = "//div[@class='item']"
[rules.fields]
title = "normalize-space(h2)"
link = "a/@href"
count = "count(.//a)"
price = { css = "span.price", type = "int" }
id = { attr = "data-id", type = "int" }
href = { xpath = "a", attr = "href" }
)toml");
  ASSERT_TRUE(c->problems.empty()) << c->problems[0].ToString();
  Parsed p = c->parser->Parse("http://site.test/", "text/html", kPage, {});
  EXPECT_TRUE(p.parsed_html);
  ASSERT_EQ(p.items.size(), 3u);
  const auto& first = p.items[0].fields;
  EXPECT_EQ(p.items[0].rule, "item");
  EXPECT_EQ(first[0].second, Text("First one"));
  EXPECT_EQ(first[1].second, Text("/a"));
  EXPECT_EQ(first[2].second, Text("1"));
  EXPECT_EQ(first[3].second, FieldValue(int64_t{12}));
  EXPECT_EQ(first[4].second, FieldValue(int64_t{7}));
  EXPECT_EQ(first[5].second, Text("/a"));
  const auto& second = p.items[1].fields;
  EXPECT_EQ(second[1].second, FieldValue());  // no <a>: null, not ""
  EXPECT_EQ(second[2].second, Text("0"));
  EXPECT_EQ(second[3].second, FieldValue());  // "x" is not an int
  EXPECT_EQ(second[5].second, FieldValue());
  EXPECT_EQ(p.items[2].fields[0].second, Text(""));
}

TEST(XPathRulesTest, OnlyElementsAreRecordsAndRequiredDropsAreCounted) {
  auto c = CompileText(R"toml(
[job]
name = "t"
start_urls = ["http://site.test/"]
[[rules]]
name = "item"
xpath = "//div[@class='item'] | //div/@data-id | //h2/text()"
[rules.fields]
link = { xpath = "a/@href", required = true }
)toml");
  ASSERT_TRUE(c->problems.empty()) << c->problems[0].ToString();
  Parsed p = c->parser->Parse("http://site.test/", "text/html", kPage, {});
  ASSERT_EQ(p.items.size(), 2u);
  EXPECT_EQ(p.items[1].fields[0].second, Text("/c"));
  ASSERT_EQ(p.dropped.size(), 1u);
  EXPECT_EQ(p.dropped[0].rule, "item");
  EXPECT_EQ(p.dropped[0].count, 1);
}

TEST(XPathRulesTest, SelectRuleFieldsMayUseXPath) {
  auto c = CompileText(R"toml(
[job]
name = "t"
start_urls = ["http://site.test/"]
[[rules]]
name = "item"
select = "div.item"
[rules.fields]
title = { xpath = "string(h2)" }
)toml");
  ASSERT_TRUE(c->problems.empty()) << c->problems[0].ToString();
  Parsed p = c->parser->Parse("http://site.test/", "text/html", kPage, {});
  ASSERT_EQ(p.items.size(), 3u);
  EXPECT_EQ(p.items[1].fields[0].second, Text("Second"));
}

TEST(XPathRulesTest, HonoursMaxRecordsPerPage) {
  auto c = CompileText(R"toml(
[job]
name = "t"
start_urls = ["http://site.test/"]
[limits]
max_records_per_page = 2
[[rules]]
name = "item"
xpath = "//div"
[rules.fields]
id = { attr = "data-id" }
)toml");
  ASSERT_TRUE(c->problems.empty()) << c->problems[0].ToString();
  Parsed p = c->parser->Parse("http://site.test/", "text/html", kPage, {});
  EXPECT_EQ(p.items.size(), 2u);
  ASSERT_EQ(p.cuts.size(), 1u);
  EXPECT_EQ(p.cuts[0].what, "records");
  EXPECT_EQ(p.cuts[0].count, 1);
}

TEST(XPathRulesTest, NoindexLeavesNoRecords) {
  auto c = CompileText(R"toml(
[job]
name = "t"
start_urls = ["http://site.test/"]
[[rules]]
name = "item"
xpath = "//div"
[rules.fields]
id = { attr = "data-id" }
)toml");
  Parsed p = c->parser->Parse(
      "http://site.test/", "text/html",
      R"(<meta name="robots" content="noindex"><div data-id="1"></div>)", {});
  EXPECT_TRUE(p.items.empty());
}

TEST(XPathRulesTest, BadExpressionsAreProblemsAtLineAndColumn) {
  auto c = CompileText(R"toml(
[job]
name = "t"
start_urls = ["http://site.test/"]
[[rules]]
name = "item"
xpath = "//div/]"
[rules.fields]
title = "h2["
other = { xpath = "concat(" }
[[rules]]
name = "counted"
xpath = "count(//div)"
[rules.fields]
n = "."
)toml");
  ASSERT_EQ(c->problems.size(), 4u);
  const config::JobProblem& record = c->problems[0];
  EXPECT_EQ(record.key, "rules[0].xpath");
  EXPECT_EQ(record.where.file, "job.toml");
  EXPECT_EQ(record.where.line, 7);
  // The value's quote is at column 9; the error at column 7 of the text.
  EXPECT_EQ(record.where.column, 9 + 7);
  EXPECT_NE(record.got.find("at column 7"), std::string::npos) << record.got;
  EXPECT_NE(record.ToString().find("job.toml:7:16"), std::string::npos)
      << record.ToString();

  EXPECT_EQ(c->problems[1].key, "rules[0].fields.title.xpath");
  EXPECT_EQ(c->problems[1].where.line, 9);
  EXPECT_GT(c->problems[1].where.column, 9);
  EXPECT_EQ(c->problems[2].key, "rules[0].fields.other.xpath");
  EXPECT_EQ(c->problems[2].where.line, 10);

  // A number has no nodes to be records.
  EXPECT_EQ(c->problems[3].key, "rules[1].xpath");
  EXPECT_EQ(c->problems[3].where.line, 13);
  EXPECT_EQ(c->problems[3].expected, "an XPath expression that selects nodes");
}

}  // namespace
}  // namespace crawlbox::parser
