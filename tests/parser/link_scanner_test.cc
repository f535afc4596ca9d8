// The DOM-free link scan: table-driven cases, and a differential check against
// gumbo's tree on real and malformed pages (both must find the same hrefs and
// <base>).
#include "parser/link_scanner.h"

#include <gtest/gtest.h>
#include <gumbo.h>

#include "parser/dom.h"
#include "tests/support/demo_board.h"
#include "tests/support/site_generator.h"

namespace crawlbox::parser {
namespace {

ScannedLinks DomLinks(std::string_view html) {
  ScannedLinks out;
  Document doc = Document::Parse(html);
  ForEachElement(doc.root(), [&](const GumboNode* node) {
    GumboTag tag = node->v.element.tag;
    if (node->v.element.tag_namespace != GUMBO_NAMESPACE_HTML) return;
    if (tag == GUMBO_TAG_A || tag == GUMBO_TAG_AREA) {
      if (const char* href = Attribute(node, "href")) out.hrefs.push_back(href);
    } else if (tag == GUMBO_TAG_BASE && !out.base_href) {
      if (const char* href = Attribute(node, "href")) out.base_href = href;
    }
  });
  return out;
}

std::string Show(const ScannedLinks& links) {
  std::string s = "base=" + links.base_href.value_or("(none)") + " hrefs=[";
  for (const auto& h : links.hrefs) s += "'" + h + "' ";
  return s + "]";
}

TEST(LinkScannerTest, FindsLinksTheWayTheTokenizerDoes) {
  struct Case {
    std::string html;
    std::vector<std::string> hrefs;
    std::optional<std::string> base;
  } cases[] = {
      {"<a href='/a'>x</a><A HREF=\"/b\">y</A><area href=/c>",
       {"/a", "/b", "/c"},
       {}},
      {"<a href = \"/spaced\" >", {"/spaced"}, {}},
      {"<a title='x > y' href='/q'>", {"/q"}, {}},
      {"<a href='/first' href='/second'>", {"/first"}, {}},
      {"<a href>empty</a><a name=x>none</a>", {""}, {}},
      {"<!-- <a href='/c1'> --><a href='/after'>", {"/after"}, {}},
      {"<!--><a href='/short-comment'>", {"/short-comment"}, {}},
      {"<!DOCTYPE html><?php echo '<a href=\"/pi\">' ?><a href='/x'>",
       {"/x"},
       {}},
      {"<script>var s = '<a href=\"/s\">';</script><a href='/t'>", {"/t"}, {}},
      {"<SCRIPT>x</scripty></SCRIPT ><a href='/u'>", {"/u"}, {}},
      {"<style>a[href='/st']{}</style><title><a href='/ti'></title><a "
       "href='/v'>",
       {"/v"},
       {}},
      {"<textarea><a href='/ta'></textarea><a href='/w'>", {"/w"}, {}},
      {"<a href='/p?a=1&amp;b=2&lt;&#47;&#x2F;&quot;'>",
       {"/p?a=1&b=2<//\""},
       {}},
      {"<a href='/p?x=1&copy=2&amp=3&ampx'>", {"/p?x=1&copy=2&amp=3&ampx"}, {}},
      {"<a href='/p?&amp'>", {"/p?&"}, {}},
      {"<a href='/p?&unknown;'>", {"/p?&unknown;"}, {}},
      {"<a href='&#128;&#0;&#x110000;'>", {"\u20ac\ufffd\ufffd"}, {}},
      {"<base href='/one/'><base href='/two/'><a href='x'>", {"x"}, "/one/"},
      {"<base target=_blank><base href='/b/'>", {}, "/b/"},
      {"<a href='/unterminated", {}, {}},
      {"<a href='/ok'><a href='/cut'", {"/ok"}, {}},
      {"</a href='/end-tag'><a/href='/slash'>", {"/slash"}, {}},
      {"< a href='/not-a-tag'><1a href='/x'>", {}, {}},
      {"<plaintext><a href='/pt'>", {}, {}},
      {"", {}, {}},
  };
  for (const Case& c : cases) {
    ScannedLinks got = ScanLinks(c.html);
    EXPECT_EQ(got.hrefs, c.hrefs) << "input: " << c.html;
    EXPECT_EQ(got.base_href, c.base) << "input: " << c.html;
  }
}

TEST(LinkScannerTest, AgreesWithGumboOnDemoAndGeneratedPages) {
  std::vector<std::string> pages;
  const auto& films = testing::DemoFilms();
  testing::DemoBoard board(films);
  for (int offset = 0; offset < 100; offset += 10)
    pages.push_back(*board.BoardPage(offset));
  for (int rank = 1; rank <= 100; rank += 33)
    pages.push_back(*board.FilmPage(rank));
  testing::SiteOptions options;
  options.pages = 60;
  testing::GeneratedSite site(options);
  for (int i = 0; i < site.page_count(); ++i) pages.push_back(site.PageHtml(i));
  for (const std::string& html : pages) {
    ScannedLinks scanned = ScanLinks(html);
    ScannedLinks dom = DomLinks(html);
    ASSERT_EQ(Show(scanned), Show(dom)) << html.substr(0, 200);
    ASSERT_GT(scanned.hrefs.size(), 0u);
  }
}

// One known difference stays: tree construction drops an <a> start tag inside
// <select>, which a tokenizer cannot know; such a link is followed by the scan
// and not by a DOM walk.
TEST(LinkScannerTest, AgreesWithGumboOnMalformedMarkup) {
  const std::string cases[] = {
      "<a href='/a'>unclosed <a href=/b>no quotes</div></p></a>",
      "<table><a href='/in-table'>x</a><tr><td><a "
      "href='/cell'>c</a></td></tr></table>",
      "<p><b><a href='/misnested'>x</p></b></a>",
      "<a href='/1'><a href='/2'><a href='/3'>",
      "<ul><li><a href='/li1'>one<li><a href='/li2'>two</ul>",
      "<div<a href='/weird'>",
      "<a\thref\n=\n'/whitespace'\n>",
      "<a href=/unquoted?x=1&amp;y=2>",
      "<noscript><a href='/ns'></noscript>",
      "<a href='/x'><img src=x onerror='<a href=\"/js\">'></a>",
      "<!-- unterminated comment <a href='/lost'>",
      "<script><!-- <a href='/sc'> --></script><a href='/after-script'>",
      std::string("<a href='/nul\0x'>", 18),
      "<iframe><a href='/if'></iframe><a href='/after-iframe'>",
  };
  for (const std::string& html : cases) {
    EXPECT_EQ(Show(ScanLinks(html)), Show(DomLinks(html))) << "input: " << html;
  }
}

TEST(LinkScannerTest, DecodesAttributeValues) {
  EXPECT_EQ(DecodeAttributeValue("plain"), "plain");
  EXPECT_EQ(DecodeAttributeValue("a&amp;b"), "a&b");
  EXPECT_EQ(DecodeAttributeValue("a&ampb"), "a&ampb");
  EXPECT_EQ(DecodeAttributeValue("a&amp=b"), "a&amp=b");
  EXPECT_EQ(DecodeAttributeValue("&#x41;&#66;&#"), "AB&#");
  EXPECT_EQ(DecodeAttributeValue("&nbsp;"), "\u00a0");
}

TEST(LinkScannerTest, FindsDirectiveElements) {
  ScannedLinks got = ScanLinks(
      "<head><meta charset=utf-8><meta name=\"Robots\" content=\"noindex\">"
      "<meta http-equiv=\"refresh\" content=\"5; url=/a&amp;b\">"
      "<meta name=\"description\">"
      "<meta property=\"og:title\" content=\"x\">"
      "<link rel=\"stylesheet\" href=\"/s.css\">"
      "<link REL=\"Canonical\" href=\"/c&amp;1\"><link rel=canonical>"
      "<script>'<meta name=robots content=none>'</script></head>"
      "<body><a href=/x rel=\"ugc NoFollow\">x</a><a href=/y rel=nofollowed>"
      "<area href=/z rel=nofollow><a href=/w>"
      "<link rel=\"canonical alternate\" href=/c2></body>");
  ASSERT_EQ(got.metas.size(), 2u);
  EXPECT_EQ(got.metas[0].name, "Robots");
  EXPECT_EQ(got.metas[0].content, "noindex");
  EXPECT_EQ(got.metas[1].http_equiv, "refresh");
  EXPECT_EQ(got.metas[1].content, "5; url=/a&b");
  EXPECT_EQ(got.canonical_hrefs, (std::vector<std::string>{"/c&1", "/c2"}));
  EXPECT_EQ(got.hrefs, (std::vector<std::string>{"/x", "/y", "/z", "/w"}));
  EXPECT_EQ(got.nofollow, (std::vector<bool>{true, false, true, false}));
}

TEST(LinkScannerTest, FlattensNestingBeyondTheBound) {
  struct Case {
    std::string html;
    int max_depth;
    std::string flattened;  // "" = nothing left out
    int64_t left_out;
  };
  const Case cases[] = {
      // One element beyond the bound nests nothing: the copy is the input.
      {"<div><div><div>x</div></div></div>", 2,
       "<div><div><div>x</div></div></div>", 1},
      // The next one ends it first, and its own end tag is left out.
      {"<div><div><div>a<div>b</div>c</div></div></div>", 2,
       "<div><div><div>a</div><div>b</div>c</div></div>", 2},
      {"<DIV><div class=a><Div id=b>x<dIV id=c>y</DIV>z</div></div></div>", 2,
       "<DIV><div class=a><Div id=b>x</Div><dIV id=c>y</DIV>z</div></div>", 2},
      {"<span><span><span><span><span>", 2,
       "<span><span><span></span><span></span><span>", 3},
      {"<div/><div/><div/><div/>", 2, "<div/><div/><div/></div><div/>", 2},
      // Implied end tags keep these shallow.
      {"<p>a<p>b<p>c<p>d", 2, "", 0},
      {"<ul><li>a<li>b<li>c</ul>", 2, "", 0},
      {"<dl><dt>a<dd>b<dt>c<dd>d</dl>", 2, "", 0},
      {"<select><option>a<option>b<optgroup><option>c</select>", 3, "", 0},
      {"<table><tr><td>1<td>2<tr><td>3</table>", 3, "", 0},
      {"<p><div>closes the p</div>", 1, "", 0},
      {"<html><head></head><body><div>x</div></body></html>", 1, "", 0},
      {"<svg><g/><g/><g/><path/></svg>", 1, "", 0},
      {"<div><br><img src=x><input><hr></div>", 1, "", 0},
      // Links and raw text are never overflow elements, nor ended early.
      {"<div><a href=/x><div>y<div>z</div></div></a></div>", 1,
       "<div><a href=/x><div>y</div><div>z</div></a></div>", 2},
      {"<div><div>a<script><div></script><div>k</div></div>", 1,
       "<div><div>a<script><div></script></div><div>k</div>", 2},
      {"<div><div><!-- <div><div> --><div>c</div></div>", 1,
       "<div><div><!-- <div><div> --></div><div>c</div>", 2},
  };
  for (const Case& c : cases) {
    ScanOptions options;
    options.max_depth = c.max_depth;
    ScannedLinks got = ScanLinks(c.html, options);
    EXPECT_EQ(got.flattened, c.flattened) << "input: " << c.html;
    EXPECT_EQ(got.flattened_tags, c.left_out) << "input: " << c.html;
  }
  // Without a bound nothing is measured or copied.
  ScannedLinks plain = ScanLinks("<div><div><div>x</div></div></div>");
  EXPECT_EQ(plain.flattened_tags, 0);
  EXPECT_EQ(plain.flattened, "");
  EXPECT_EQ(plain.elements, 3);
}

TEST(LinkScannerTest, FlatteningKeepsEveryLink) {
  std::string html;
  for (int i = 0; i < 2000; ++i)
    html += "<div><a href='/d" + std::to_string(i) + "'>x</a>";
  for (int i = 0; i < 2000; ++i) html += "</div>";
  ScanOptions options;
  options.max_depth = 512;
  ScannedLinks scanned = ScanLinks(html, options);
  EXPECT_EQ(scanned.flattened_tags, 2000 - 512);
  ASSERT_FALSE(scanned.flattened.empty());
  EXPECT_EQ(ScanLinks(scanned.flattened).hrefs, scanned.hrefs);
  EXPECT_EQ(Show(DomLinks(scanned.flattened)), Show(scanned));
}

}  // namespace
}  // namespace crawlbox::parser
