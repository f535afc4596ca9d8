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

}  // namespace
}  // namespace crawlbox::parser
