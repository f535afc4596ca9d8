// PageParser and a page's instructions to crawlers: robots meta and
// X-Robots-Tag (obeyed or only reported), rel="nofollow", refresh and
// canonical from the page and from headers, and the per-page bounds on
// records and links.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "config/job_loader.h"
#include "parser/page_parser.h"

namespace crawlbox::parser {
namespace {

struct Compiled {
  config::Job job;
  std::unique_ptr<PageParser> parser;
};

std::unique_ptr<Compiled> CompileText(const std::string& toml) {
  auto c = std::make_unique<Compiled>();
  config::LoadedJob loaded = config::LoadJobText(toml, "job.toml");
  EXPECT_TRUE(loaded.ok()) << (loaded.ok() ? ""
                                           : loaded.problems[0].ToString());
  c->job = std::move(loaded.job);
  std::vector<config::JobProblem> problems;
  c->parser = PageParser::Compile(c->job, &problems);
  EXPECT_TRUE(problems.empty());
  return c;
}

// A rule that takes a record per <p class="r"> by pattern, and one by CSS
// selector on /css/ pages; both follow every link.
std::string Job(const std::string& extra = "") {
  return R"toml(
[job]
name = "t"
start_urls = ["http://site.test/"]
)toml" + extra +
         R"toml(
[[rules]]
name = "rec"
url = '^http://site.test/[^c]'
pattern = '<p class="r">(?P<v>[^<]*)</p>'
follow = ['.*']
[[rules]]
name = "css"
url = '/css/'
select = "p.r"
follow = ['.*']
fields.v = {}
)toml";
}

std::vector<std::string> Urls(const std::vector<Link>& links) {
  std::vector<std::string> out;
  for (const Link& l : links) out.push_back(l.url);
  return out;
}

constexpr char kTwoRecordsTwoLinks[] =
    "<p class=\"r\">one</p><p class=\"r\">two</p>"
    "<a href=\"/a\">a</a><a href=\"/b\">b</a>";

TEST(PageDirectivesTest, RobotsDirectivesFromMetaAndHeaders) {
  auto c = CompileText(Job());
  struct Case {
    std::string head;  // markup before the page's body
    std::vector<ResponseHeader> headers;
    bool noindex;
    bool nofollow;
  };
  const std::vector<Case> cases = {
      {"", {}, false, false},
      {"<meta name=\"robots\" content=\"noindex\">", {}, true, false},
      {"<meta name=\"robots\" content=\"nofollow\">", {}, false, true},
      {"<meta name=\"ROBOTS\" content=\"None\">", {}, true, true},
      {"<meta content=\"noindex,nofollow\" name=robots>", {}, true, true},
      {"<meta name=\"crawlbox\" content=\"noindex\">", {}, true, false},
      {"<meta name=\"CrawlBox\" content=\"nofollow\">", {}, false, true},
      {"<meta name=\"googlebot\" content=\"noindex\">", {}, false, false},
      {"<meta name=\"robots\" content=\"index, follow\">", {}, false, false},
      {"<meta name=\"robots\">", {}, false, false},
      {"<!-- <meta name=\"robots\" content=\"noindex\"> -->", {}, false, false},
      {"<script>'<meta name=\"robots\" content=\"none\">'</script>",
       {},
       false,
       false},
      // Directives are honoured in the body too, as search engines do.
      {"<body><div><meta name=\"robots\" content=\"nofollow\"></div>",
       {},
       false,
       true},
      {"", {{"X-Robots-Tag", "noindex"}}, true, false},
      {"", {{"x-robots-tag", "crawlbox: nofollow"}}, false, true},
      {"", {{"X-Robots-Tag", "otherbot: noindex, nofollow"}}, false, false},
      {"",
       {{"X-Robots-Tag", "otherbot: none"}, {"X-Robots-Tag", "nofollow"}},
       false,
       true},
      {"<meta name=\"robots\" content=\"noindex\">",
       {{"X-Robots-Tag", "nofollow"}},
       true,
       true},
  };
  for (const Case& k : cases) {
    const std::string html = k.head + kTwoRecordsTwoLinks;
    SCOPED_TRACE("input: " + html +
                 " headers: " + (k.headers.empty() ? "" : k.headers[0].second));
    Parsed p =
        c->parser->Parse("http://site.test/p", "text/html", html, k.headers);
    EXPECT_EQ(p.robots.noindex, k.noindex);
    EXPECT_EQ(p.robots.nofollow, k.nofollow);
    EXPECT_EQ(p.items.size(), k.noindex ? 0u : 2u);
    EXPECT_EQ(p.links.size(), k.nofollow ? 0u : 2u);
    EXPECT_EQ(p.nofollow_dropped, k.nofollow ? 2 : 0);
  }
}

TEST(PageDirectivesTest, NoindexAlsoStopsCssRecordsAndAppliesToAnyContent) {
  auto c = CompileText(Job());
  Parsed css = c->parser->Parse(
      "http://site.test/css/1", "text/html",
      std::string("<meta name=robots content=noindex>") + kTwoRecordsTwoLinks,
      {});
  EXPECT_TRUE(css.robots.noindex);
  EXPECT_TRUE(css.items.empty());
  EXPECT_FALSE(css.parsed_html);  // no rule needed the DOM any more
  EXPECT_EQ(css.links.size(), 2u);

  const std::vector<ResponseHeader> headers = {{"X-Robots-Tag", "noindex"}};
  Parsed text = c->parser->Parse("http://site.test/t.txt", "text/plain",
                                 "<p class=\"r\">one</p>", headers);
  EXPECT_TRUE(text.robots.noindex);
  EXPECT_TRUE(text.items.empty());
}

TEST(PageDirectivesTest, DirectivesAreReportedButNotObeyedWhenSwitchedOff) {
  auto c = CompileText(Job("[politeness]\nmeta_robots = false\n"));
  Parsed p = c->parser->Parse(
      "http://site.test/p", "text/html",
      std::string("<meta name=robots content=none>") + kTwoRecordsTwoLinks, {});
  EXPECT_TRUE(p.robots.noindex);
  EXPECT_TRUE(p.robots.nofollow);
  EXPECT_EQ(p.items.size(), 2u);
  EXPECT_EQ(p.links.size(), 2u);
  EXPECT_EQ(p.nofollow_dropped, 0);
}

TEST(PageDirectivesTest, RelNofollowLinksAreNotFollowed) {
  const std::string html =
      "<a href=/a rel=nofollow>a</a>"
      "<a href=/b rel=\"noopener NoFollow\">b</a>"
      "<a href=/b rel=nofollow>b again</a>"
      "<a href=/c rel=nofollowx>c</a>"
      "<a href=/d rel=nofollow>d, followed below</a>"
      "<a href=/d>d</a>"
      "<area href=/e rel=nofollow>";
  // The scan (no DOM) and the DOM walk (a CSS rule's page) agree.
  for (const char* url : {"http://site.test/p", "http://site.test/css/p"}) {
    auto c = CompileText(Job());
    Parsed p = c->parser->Parse(url, "text/html", html, {});
    SCOPED_TRACE(url);
    EXPECT_EQ(Urls(p.links), (std::vector<std::string>{"http://site.test/c",
                                                       "http://site.test/d"}));
    EXPECT_EQ(
        Urls(p.rel_nofollow),
        (std::vector<std::string>{"http://site.test/a", "http://site.test/b",
                                  "http://site.test/e"}));
    EXPECT_EQ(p.rel_nofollow[0].host, "site.test");
  }
  auto off = CompileText(Job("[politeness]\nnofollow_links = false\n"));
  Parsed p = off->parser->Parse("http://site.test/p", "text/html", html, {});
  EXPECT_EQ(p.links.size(), 5u);
  EXPECT_TRUE(p.rel_nofollow.empty());
}

TEST(PageDirectivesTest, Refresh) {
  auto c = CompileText(Job("[fetch]\nmax_refresh_delay_s = 10\n"));
  struct Case {
    std::string page_url;
    std::string html;
    std::vector<ResponseHeader> headers;
    bool present;
    int64_t delay_s;
    std::string target;  // "" = none
    bool ignored;
  };
  const std::vector<Case> cases = {
      {"http://site.test/p",
       "<meta http-equiv=\"refresh\" content=\"5; url=/next?utm_source=x\">",
       {},
       true,
       5,
       "http://site.test/next",
       false},
      {"http://site.test/dir/p",
       "<meta http-equiv=Refresh content=\"0;URL='other'\">",
       {},
       true,
       0,
       "http://site.test/dir/other",
       false},
      {"http://site.test/p",
       "<base href=\"http://b.test/sub/\">"
       "<meta http-equiv=refresh content=\"1; url=x\">",
       {},
       true,
       1,
       "http://b.test/sub/x",
       false},
      {"http://site.test/p",
       "<meta http-equiv=refresh content=\"10; url=/edge\">",
       {},
       true,
       10,
       "http://site.test/edge",
       false},
      {"http://site.test/p",
       "<meta http-equiv=refresh content=\"11; url=/late\">",
       {},
       true,
       11,
       "http://site.test/late",
       true},
      {"http://site.test/p",
       "<meta http-equiv=refresh content=\"3\">",
       {},
       true,
       3,
       "",
       false},
      {"http://site.test/p",
       "<meta http-equiv=refresh content=\"0; url=/p#top\">",
       {},
       true,
       0,
       "",
       false},
      {"http://site.test/p",
       "<meta http-equiv=refresh content=\"0; url=mailto:a@b.test\">",
       {},
       true,
       0,
       "",
       false},
      {"http://site.test/p",
       "<meta http-equiv=refresh content=\"soon\">"
       "<meta http-equiv=refresh content=\"2; url=/second\">",
       {},
       true,
       2,
       "http://site.test/second",
       false},
      {"http://site.test/p",
       "<meta http-equiv=refresh content=\"2; url=/meta\">",
       {{"Refresh", "4; url=http://h.test/header"}},
       true,
       4,
       "http://h.test/header",
       false},
      // The header resolves against the response URL, not <base>.
      {"http://site.test/p",
       "<base href=\"http://b.test/\">",
       {{"refresh", "0;url=/h"}},
       true,
       0,
       "http://site.test/h",
       false},
      {"http://site.test/p",
       "<meta name=refresh content=\"1; url=/x\">",
       {},
       false,
       0,
       "",
       false},
      {"http://site.test/p", "<p>plain</p>", {}, false, 0, "", false},
  };
  for (const Case& k : cases) {
    SCOPED_TRACE("input: " + k.html);
    Parsed p = c->parser->Parse(k.page_url, "text/html", k.html, k.headers);
    ASSERT_EQ(p.refresh.has_value(), k.present);
    if (!p.refresh) continue;
    EXPECT_EQ(p.refresh->delay_s, k.delay_s);
    EXPECT_EQ(p.refresh->ignored, k.ignored);
    EXPECT_EQ(p.refresh->target ? p.refresh->target->url : "", k.target);
  }
  Parsed hosted = c->parser->Parse(
      "http://site.test/p", "text/html",
      "<meta http-equiv=refresh content=\"0; url=HTTP://Other.TEST:80/x\">",
      {});
  ASSERT_TRUE(hosted.refresh && hosted.refresh->target);
  EXPECT_EQ(hosted.refresh->target->url, "http://other.test/x");
  EXPECT_EQ(hosted.refresh->target->host, "other.test");
}

TEST(PageDirectivesTest, Canonical) {
  auto c = CompileText(Job());
  struct Case {
    std::string html;
    std::vector<ResponseHeader> headers;
    std::string canonical;  // "" = none
  };
  const std::vector<Case> cases = {
      {"<link rel=\"canonical\" href=\"/c?utm_medium=m\">",
       {},
       "http://site.test/c"},
      {"<link href=\"https://Site.test/c/\" rel=\"Canonical\">",
       {},
       "https://site.test/c/"},
      {"<link rel=\"alternate canonical\" href=\"/alt\">",
       {},
       "http://site.test/alt"},
      {"<base href=\"/base/\"><link rel=canonical href=c>",
       {},
       "http://site.test/base/c"},
      {"<link rel=canonical href=\"javascript:x\">"
       "<link rel=canonical href=\"/second\">",
       {},
       "http://site.test/second"},
      {"<body><link rel=canonical href=/in-body></body>",
       {},
       "http://site.test/in-body"},
      {"<link rel=canonical href=\"/p\">", {}, "http://site.test/p"},
      {"<link rel=canonicalx href=\"/x\"><link rel=stylesheet href=/s.css>",
       {},
       ""},
      {"<link rel=canonical href=\"/element\">",
       {{"Link", "</style.css>; rel=preload, </header>; rel=\"canonical\""}},
       "http://site.test/header"},
      // A Link header resolves against the response URL, not <base>.
      {"<base href=\"http://b.test/\">",
       {{"link", "<h>; rel=canonical"}},
       "http://site.test/h"},
      {"", {{"Link", "</next>; rel=next"}}, ""},
  };
  for (const Case& k : cases) {
    SCOPED_TRACE("input: " + k.html);
    Parsed p =
        c->parser->Parse("http://site.test/p", "text/html", k.html, k.headers);
    EXPECT_EQ(p.canonical ? p.canonical->url : "", k.canonical);
    if (p.canonical) {
      EXPECT_FALSE(p.canonical->host.empty());
    }
  }
}

TEST(PageDirectivesTest, RecordsAndLinksPerPageAreBoundedAndCounted) {
  auto c = CompileText(
      Job("[limits]\nmax_records_per_page = 3\nmax_links_per_page = 4\n"));
  std::string html;
  for (int i = 0; i < 5; ++i)
    html += "<p class=\"r\">" + std::to_string(i) + "</p>";
  for (int i = 0; i < 7; ++i)
    html += "<a href=\"/l" + std::to_string(i) + "\">x</a>";
  for (const char* url : {"http://site.test/p", "http://site.test/css/p"}) {
    SCOPED_TRACE(url);
    Parsed p = c->parser->Parse(url, "text/html", html, {});
    EXPECT_EQ(p.items.size(), 3u);
    EXPECT_EQ(p.links.size(), 4u);
    ASSERT_EQ(p.cuts.size(), 2u);
    EXPECT_EQ(p.cuts[0].what, "records");
    EXPECT_EQ(p.cuts[0].count, 2);
    EXPECT_EQ(p.cuts[1].what, "links");
    EXPECT_EQ(p.cuts[1].count, 3);
  }
  // Under the bounds nothing is cut.
  Parsed small = c->parser->Parse(
      "http://site.test/p", "text/html",
      "<p class=\"r\">1</p><a href=/a>a</a><a href=/a>again</a>", {});
  EXPECT_TRUE(small.cuts.empty());
}

}  // namespace
}  // namespace crawlbox::parser
