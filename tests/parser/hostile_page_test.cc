// Hostile pages cost linear time: deep nesting with a CSS rule (gumbo alone is
// quadratic in depth), a page of 100,000 links, an 8 MB attribute value, NUL
// bytes, and too many elements for a DOM. Each parses within a bound and
// reports what it cut. Timings are printed for the record.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "config/job_loader.h"
#include "parser/page_parser.h"

namespace crawlbox::parser {
namespace {

// Generous against a loaded 2-core machine: unbounded, the nested pages below
// take minutes.
constexpr double kMaxSeconds = 5.0;

struct Compiled {
  config::Job job;
  std::unique_ptr<PageParser> parser;
};

std::unique_ptr<Compiled> CompileText(const std::string& extra) {
  auto c = std::make_unique<Compiled>();
  config::LoadedJob loaded = config::LoadJobText(R"toml(
[job]
name = "t"
start_urls = ["http://site.test/"]
)toml" + extra + R"toml(
[[rules]]
name = "css"
url = '/css/'
select = "p.r"
follow = ['.*']
fields.v = {}
[[rules]]
name = "scan"
url = '/scan/'
pattern = '<p class="r">(?P<v>[^<]*)</p>'
follow = ['.*']
)toml",
                                                 "job.toml");
  EXPECT_TRUE(loaded.ok()) << (loaded.ok() ? ""
                                           : loaded.problems[0].ToString());
  c->job = std::move(loaded.job);
  std::vector<config::JobProblem> problems;
  c->parser = PageParser::Compile(c->job, &problems);
  EXPECT_TRUE(problems.empty());
  return c;
}

struct Timed {
  Parsed parsed;
  double seconds;
};

Timed TimedParse(const PageParser& parser, const std::string& url,
                 const std::string& html, const std::string& what) {
  auto start = std::chrono::steady_clock::now();
  Parsed parsed = parser.Parse(url, "text/html", html, {});
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  std::printf("[ timing ] %s (%zu bytes): %.3f s\n", what.c_str(), html.size(),
              seconds);
  return {std::move(parsed), seconds};
}

int64_t CutCount(const Parsed& parsed, const std::string& what) {
  for (const Cut& cut : parsed.cuts) {
    if (cut.what == what) return cut.count;
  }
  return 0;
}

std::string Repeat(const std::string& s, int n) {
  std::string out;
  out.reserve(s.size() * static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

TEST(HostilePageTest, DeepNestingWithACssRuleIsFlattened) {
  auto c = CompileText("");
  constexpr int kDepth = 200'000;
  struct Case {
    std::string open;
    std::string close;
    int64_t min_left_out;
  };
  const Case cases[] = {
      {"<div>", "</div>", kDepth - 512},
      {"<div>", "", kDepth - 512},  // never closed
      {"<span>", "</span>", kDepth - 512},
      {"<b>", "</b>", kDepth - 512},
      {"<table><tr><td>", "</td></tr></table>", 3 * kDepth / 2},
      {"<ul><li>", "</li></ul>", kDepth},
      {"<div/>", "", kDepth - 512},
  };
  for (const Case& k : cases) {
    SCOPED_TRACE("nesting: " + k.open);
    const std::string html = "<html><body><a href=/top>t</a>" +
                             Repeat(k.open, kDepth) +
                             "<p class=\"r\">deep</p><a href=/deep>d</a>" +
                             Repeat(k.close, kDepth) + "</body></html>";
    Timed t = TimedParse(*c->parser, "http://site.test/css/1", html,
                         std::to_string(kDepth) + " nested " + k.open);
    EXPECT_LT(t.seconds, kMaxSeconds);
    EXPECT_TRUE(t.parsed.parsed_html);
    ASSERT_EQ(t.parsed.items.size(), 1u);
    EXPECT_EQ(std::get<std::string>(t.parsed.items[0].fields[0].second),
              "deep");
    EXPECT_EQ(t.parsed.links.size(), 2u);
    EXPECT_GE(CutCount(t.parsed, "dom_depth"), k.min_left_out);
  }
}

TEST(HostilePageTest, ShallowPagesAreNotFlattened) {
  auto c = CompileText("");
  const std::string html = Repeat("<div>", 500) + "<p class=\"r\">x</p>" +
                           Repeat("</div>", 500) +
                           Repeat("<p class=\"r\">unclosed<li>item", 2000);
  Parsed p = c->parser->Parse("http://site.test/css/1", "text/html", html, {});
  EXPECT_TRUE(p.cuts.empty());
  EXPECT_EQ(p.items.size(), 2001u);
}

TEST(HostilePageTest, AHundredThousandLinks) {
  auto c = CompileText("");
  std::string html = "<html><body>";
  for (int i = 0; i < 100'000; ++i)
    html += "<a href=\"/l/" + std::to_string(i) + "\">" + std::to_string(i) +
            "</a>\n";
  for (const char* url :
       {"http://site.test/scan/1", "http://site.test/css/1"}) {
    SCOPED_TRACE(url);
    Timed t =
        TimedParse(*c->parser, url, html, std::string("100000 links, ") + url);
    EXPECT_LT(t.seconds, kMaxSeconds);
    EXPECT_EQ(t.parsed.links.size(), 10'000u);
    EXPECT_EQ(t.parsed.links.back().url, "http://site.test/l/9999");
    EXPECT_EQ(CutCount(t.parsed, "links"), 90'000);
  }
  // Raised, the bound lets them all through.
  auto all = CompileText("[limits]\nmax_links_per_page = 100000\n");
  Timed t = TimedParse(*all->parser, "http://site.test/scan/1", html,
                       "100000 links, all kept");
  EXPECT_LT(t.seconds, kMaxSeconds);
  EXPECT_EQ(t.parsed.links.size(), 100'000u);
  EXPECT_TRUE(t.parsed.cuts.empty());
}

TEST(HostilePageTest, ManyRecordsAreBounded) {
  auto c = CompileText("");
  const std::string html = Repeat("<p class=\"r\">v</p>", 50'000);
  for (const char* url :
       {"http://site.test/scan/1", "http://site.test/css/1"}) {
    SCOPED_TRACE(url);
    Timed t =
        TimedParse(*c->parser, url, html, std::string("50000 records, ") + url);
    EXPECT_LT(t.seconds, kMaxSeconds);
    EXPECT_EQ(t.parsed.items.size(), 10'000u);
    EXPECT_EQ(CutCount(t.parsed, "records"), 40'000);
  }
}

TEST(HostilePageTest, AnEightMegabyteAttribute) {
  auto c = CompileText("");
  const std::string big(8 << 20, 'x');
  const std::string cases[] = {
      "<a href=\"/" + big + "\">big</a><p class=\"r\">after</p><a href=/ok>",
      "<div data-x='" + big + "'><p class=\"r\">after</p><a href=/ok></div>",
      "<meta name=robots content=\"" + big + "\"><p class=\"r\">after</p>" +
          "<a href=/ok>",
      // Unterminated: the rest of the page is the value.
      "<p class=\"r\">after</p><a href=/ok><div title=\"" + big,
  };
  for (const std::string& html : cases) {
    SCOPED_TRACE("input: " + html.substr(0, 40));
    for (const char* url :
         {"http://site.test/scan/1", "http://site.test/css/1"}) {
      Timed t = TimedParse(*c->parser, url, html,
                           std::string("8 MB attribute, ") + url);
      EXPECT_LT(t.seconds, kMaxSeconds);
      ASSERT_EQ(t.parsed.items.size(), 1u) << url;
      bool ok_link = false;
      for (const Link& l : t.parsed.links)
        ok_link = ok_link || l.url == "http://site.test/ok";
      EXPECT_TRUE(ok_link) << url;
    }
  }
}

TEST(HostilePageTest, NulBytes) {
  auto c = CompileText("");
  using namespace std::string_literals;
  const std::string html =
      "<html>\0<body><p class=\"r\">a\0b</p>\0<a href=\"/n\0l\">x</a>"
      "<di\0v><a hr\0ef=/attr>y</a><a href=/plain>z</a>"
      "<meta name=\"robots\" content=\"\0noindex\">\0"s;
  ASSERT_EQ(html.back(), '\0');
  for (const char* url :
       {"http://site.test/scan/1", "http://site.test/css/1"}) {
    SCOPED_TRACE(url);
    Parsed p = c->parser->Parse(url, "text/html", html, {});
    EXPECT_EQ(p.items.size(), 1u);
    std::vector<std::string> urls;
    for (const Link& l : p.links) urls.push_back(l.url);
    // The NUL in the href is U+FFFD, percent-encoded.
    EXPECT_EQ(urls, (std::vector<std::string>{"http://site.test/n%EF%BF%BDl",
                                              "http://site.test/plain"}));
    EXPECT_FALSE(p.robots.noindex);
  }
}

TEST(HostilePageTest, TooManyElementsForADom) {
  auto c = CompileText("[parse]\nmax_dom_nodes = 1000\n");
  const std::string html =
      Repeat("<p class=\"r\">v</p>", 1500) + "<a href=/still-scanned>";
  Timed t =
      TimedParse(*c->parser, "http://site.test/css/1", html, "1501 elements");
  EXPECT_FALSE(t.parsed.parsed_html);
  EXPECT_TRUE(t.parsed.items.empty());
  EXPECT_EQ(CutCount(t.parsed, "dom_nodes"), 1501);
  // Links of rules without follow_within come from the scan, DOM or not.
  ASSERT_EQ(t.parsed.links.size(), 1u);
  EXPECT_EQ(t.parsed.links[0].url, "http://site.test/still-scanned");
}

}  // namespace
}  // namespace crawlbox::parser
