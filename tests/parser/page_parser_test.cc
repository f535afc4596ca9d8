// PageParser: rules selected by URL, regex records, link following with <base>,
// scope of follow_within, malformed HTML, bad seeds and selectors as job
// problems.
#include "parser/page_parser.h"

#include <gtest/gtest.h>

#include "config/job_loader.h"

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

const char* kJob = R"toml(
[job]
name = "t"
start_urls = ["http://site.test/list/1"]
[[rules]]
name = "entry"
url = '/list/'
pattern = '<li class="e">(?P<name>[^<]*)<b>(?P<n>\d+)</b></li>'
follow = ['/list/\d+$', '/item/']
[rules.fields]
name = {}
n = { type = "int" }
[[rules]]
name = "pager_only"
url = '/paged/'
follow = ['.*']
follow_within = "nav.pager"
)toml";

std::vector<std::string> Urls(const Parsed& parsed) {
  std::vector<std::string> out;
  for (const Link& l : parsed.links) out.push_back(l.url);
  return out;
}

TEST(PageParserTest, ExtractsEveryMatchWithTypedFields) {
  auto c = CompileText(kJob);
  ASSERT_TRUE(c->problems.empty());
  Parsed p = c->parser->Parse(
      "http://site.test/list/1", "text/html",
      "<ul><li class=\"e\"> a <b>1</b></li>\n<li class=\"e\">b<b>22</b></li>"
      "<li class=\"e\">c<b>x</b></li></ul>",
      {});
  ASSERT_EQ(p.items.size(), 2u);
  EXPECT_EQ(p.items[0].rule, "entry");
  EXPECT_EQ(p.items[0].fields[0],
            (std::pair<std::string, FieldValue>{"name", std::string("a")}));
  EXPECT_EQ(p.items[1].fields[1],
            (std::pair<std::string, FieldValue>{"n", int64_t{22}}));
}

TEST(PageParserTest, RequiredFieldsDropRecordsAndCountThemPerRule) {
  auto c = CompileText(R"toml(
[job]
name = "t"
start_urls = ["http://site.test/"]
[[rules]]
name = "re"
pattern = '<li>(?P<name>[^<]*)(?:<b>(?P<n>\d+)</b>)?</li>'
[rules.fields]
name = { required = true }
n = { type = "int", required = true }
[[rules]]
name = "css"
select = "li"
[rules.fields]
name = { css = "i", required = true }
)toml");
  ASSERT_TRUE(c->problems.empty());
  // Kept: "a" with 1. Dropped by "re": no <b> (null), and a name that is only
  // spaces (empty after trim). Dropped by "css": every li without an <i>.
  Parsed p = c->parser->Parse("http://site.test/", "text/html",
                              "<ul><li>a<b>1</b></li><li>b</li><li> <b>2</b>"
                              "</li><li><i>x</i></li></ul>",
                              {});
  ASSERT_EQ(p.items.size(), 2u);
  EXPECT_EQ(p.items[0].rule, "re");
  EXPECT_EQ(p.items[1].rule, "css");
  ASSERT_EQ(p.dropped.size(), 2u);
  EXPECT_EQ(p.dropped[0].rule, "re");
  EXPECT_EQ(p.dropped[0].count, 2);  // "b" and " " (<i> stops the pattern)
  EXPECT_EQ(p.dropped[1].rule, "css");
  EXPECT_EQ(p.dropped[1].count, 3);
}

TEST(PageParserTest, RulesApplyOnlyToMatchingUrlsUnlessNamed) {
  auto c = CompileText(kJob);
  const std::string body = "<li class=\"e\">a<b>1</b></li>";
  EXPECT_TRUE(c->parser->Parse("http://site.test/other", "text/html", body, {})
                  .items.empty());
  EXPECT_EQ(
      c->parser->Parse("http://site.test/other", "text/html", body, {}, "entry")
          .items.size(),
      1u);
}

TEST(PageParserTest, FollowsMatchingLinksResolvedAgainstBase) {
  auto c = CompileText(kJob);
  Parsed p = c->parser->Parse(
      "http://site.test/list/1", "text/html; charset=utf-8",
      R"html(<html><head><base href="http://site.test/sub/"></head><body>
      <a href="/list/2">two</a> <a href="../list/3#frag">three</a> <a href="/list/2">dup</a>
      <a href="item/9?b=1&amp;a=2">item</a> <area href="/item/10"> <a href="/skip/1">no</a>
      <a href="javascript:void(0)">js</a> <a href="mailto:x@y">mail</a> <a href="http://[::1">bad</a>
      <a>no href</a></body></html>)html",
      {});
  EXPECT_EQ(Urls(p), (std::vector<std::string>{
                         "http://site.test/list/2", "http://site.test/list/3",
                         "http://site.test/sub/item/9?b=1&a=2",
                         "http://site.test/item/10"}));
  EXPECT_EQ(p.bad_links, 1);
  EXPECT_EQ(p.links[0].host, "site.test");
}

TEST(PageParserTest, FollowWithinLimitsLinksToSelectedElements) {
  auto c = CompileText(kJob);
  Parsed p = c->parser->Parse(
      "http://site.test/paged/1", "text/html",
      R"html(<a href="/out">out</a><nav class="pager x"><ul><li>
                              <a href="?page=2">2</a></li></ul></nav><nav><a href="/other">o</a></nav>)html",
      {});
  EXPECT_EQ(Urls(p),
            (std::vector<std::string>{"http://site.test/paged/1?page=2"}));
}

TEST(PageParserTest, SurvivesMalformedHtml) {
  auto c = CompileText(kJob);
  std::string deep;
  for (int i = 0; i < 3000; ++i) deep += "<div><span>";
  deep += "<a href='/list/7'>deep</a>";
  const std::string cases[] = {
      "<a href='/list/4'>unclosed <a href=/list/5>no quotes</div></p></a>",
      "<<<>>> <a href=\"/list/6\" <a href='/list/8'>",
      "<!-- <a href='/list/99'> --><script>var s = '<a "
      "href=\"/list/98\">';</script>"
      "<a href='/list/9'>",
      std::string("\0\xff\xfe<a href='/list/10'>\x80", 22),
      deep,
      "",
  };
  for (const std::string& html : cases) {
    Parsed p =
        c->parser->Parse("http://site.test/list/1", "text/html", html, {});
    for (const Link& l : p.links) {
      EXPECT_TRUE(l.url.starts_with("http://site.test/list/")) << l.url;
      EXPECT_NE(l.url, "http://site.test/list/99") << "link inside a comment";
      EXPECT_NE(l.url, "http://site.test/list/98") << "link inside a script";
    }
  }
}

TEST(PageParserTest, NoDomForPagesWithoutFollowingRules) {
  auto c = CompileText(kJob);
  Parsed p = c->parser->Parse("http://site.test/none", "text/html",
                              "<a href='/list/2'>x</a>", {});
  EXPECT_FALSE(p.parsed_html);
  EXPECT_TRUE(p.links.empty());
}

TEST(PageParserTest, BadSeedsAndSelectorsAreJobProblemsWithLines) {
  auto c = CompileText(R"toml([job]
name = "t"
start_urls = ["not a url", "ftp://x.test/", "http://ok.test/"]
[[rules]]
name = "r"
follow = ['.*']
follow_within = "a[=x]"
)toml");
  ASSERT_EQ(c->problems.size(), 3u);
  EXPECT_EQ(c->problems[0].key, "job.start_urls[0]");
  EXPECT_EQ(c->problems[0].where.line, 3);
  EXPECT_EQ(c->problems[1].key, "job.start_urls[1]");
  EXPECT_EQ(c->problems[2].key, "rules[0].follow_within");
  EXPECT_EQ(c->problems[2].where.line, 7);
  EXPECT_EQ(c->parser->seeds().size(), 1u);
}

TEST(PageParserTest, ContentTypes) {
  EXPECT_TRUE(IsHtmlContent("text/html; charset=gbk"));
  EXPECT_TRUE(IsHtmlContent(""));
  EXPECT_FALSE(IsHtmlContent("application/json"));
  EXPECT_TRUE(IsTextContent("application/json"));
  EXPECT_TRUE(IsTextContent("image/svg+xml"));
  EXPECT_FALSE(IsTextContent("image/png"));
  EXPECT_FALSE(IsTextContent("application/octet-stream"));
}

}  // namespace
}  // namespace crawlbox::parser
