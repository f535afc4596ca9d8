// Tests for parser/css_selector.h: every supported construct against one
// fixture page, the rejected selectors with their messages, broken and hostile
// pages, and concurrent use.
#include "parser/css_selector.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <pthread.h>

#include <cstdint>
#include <functional>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

#include "parser/dom.h"
#include "tests/support/status_matchers.h"

namespace crawlbox::parser {
namespace {

using ::testing::HasSubstr;

constexpr const char* kFixture = R"html(<!DOCTYPE html>
<html lang="en">
<head><title>Fixture</title></head>
<body id="body">
<div id="main" class="box main" lang="en-US" data-note="hello world">
  <h1 id="h" class="Title">Heading</h1>
  <p id="p1" class="a">One</p>
  <p id="p2" class="a  b">Two</p>
  <span id="s1" title="x">S</span>
  <p id="p3">Three <a id="a1" href="https://example.com/doc.pdf" rel="nofollow noopener">pdf</a></p>
  <!-- a comment is not a sibling -->
  <p id="p4" data-x=""><a id="a2" href="/about" hreflang="en-GB">about</a></p>
</div>
<ul id="list">
  <li id="l1">1</li><li id="l2">2</li><li id="l3" class="on">3</li>
  <li id="l4">4</li><li id="l5">5</li><li id="l6">6</li>
</ul>
<section id="sec"><DIV ID="up" CLASS="Upper Case">x</DIV><my-widget id="w1" data-v='say "hi"'></my-widget><only-one id="solo"><i id="i1">i</i></only-one></section>
<div id="outer"><div id="inner"><em id="e1">e</em></div></div>
<div id="md:flex" class="md:flex 123"></div>
<svg id="svg"><clipPath id="cp"></clipPath></svg>
</body>
</html>
)html";

constexpr const char* kAll =
    "html head title body main h p1 p2 s1 p3 a1 p4 a2 list l1 l2 l3 l4 l5 l6 "
    "sec up w1 solo i1 "
    "outer inner e1 md:flex svg cp";

// The ids (or, for elements without one, the tag names) of `nodes`,
// space-separated.
std::string Describe(const std::vector<const GumboNode*>& nodes) {
  std::string out;
  for (const GumboNode* node : nodes) {
    if (!out.empty()) out += ' ';
    const char* id = Attribute(node, "id");
    out += id != nullptr ? std::string(id) : std::string(TagName(node));
  }
  return out;
}

std::string SelectIds(const Selector& selector, const GumboNode* root) {
  std::vector<const GumboNode*> found;
  selector.Select(root, &found);
  return Describe(found);
}

const GumboNode* FindById(const Document& doc, std::string_view id) {
  const GumboNode* found = nullptr;
  ForEachElement(doc.root(), [&](const GumboNode* node) {
    const char* value = Attribute(node, "id");
    if (value != nullptr && value == id) found = node;
  });
  return found;
}

// Runs `fn` on a thread with a small stack, so recursion per nesting level
// would crash.
void RunWithSmallStack(const std::function<void()>& fn) {
  pthread_attr_t attr;
  ASSERT_EQ(pthread_attr_init(&attr), 0);
  ASSERT_EQ(pthread_attr_setstacksize(&attr, 512 * 1024), 0);
  pthread_t thread;
  auto trampoline = [](void* arg) -> void* {
    (*static_cast<const std::function<void()>*>(arg))();
    return nullptr;
  };
  ASSERT_EQ(pthread_create(&thread, &attr, trampoline,
                           const_cast<std::function<void()>*>(&fn)),
            0);
  pthread_join(thread, nullptr);
  pthread_attr_destroy(&attr);
}

std::string Repeat(std::string_view s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

struct SelectCase {
  const char* selector;
  const char* expected;  // Describe() of the matches in document order
};

const SelectCase kSelectCases[] = {
    // Type selectors and *.
    {"*", kAll},
    {"p", "p1 p2 p3 p4"},
    {"P", "p1 p2 p3 p4"},
    {"div", "main up outer inner md:flex"},
    {"my-widget", "w1"},
    {"MY-WIDGET", "w1"},
    {"clipPath", "cp"},
    {"table", ""},
    // Ids and classes (values are case-sensitive).
    {"#p2", "p2"},
    {"#P2", ""},
    {"*#main", "main"},
    {".a", "p1 p2"},
    {".b", "p2"},
    {".a.b", "p2"},
    {".Title", "h"},
    {".title", ""},
    {"DIV#up.Upper.Case", "up"},
    {"#md\\:flex", "md:flex"},
    {".md\\:flex", "md:flex"},
    {".\\31 23", "md:flex"},
    {"#\\6d d\\:flex", "md:flex"},
    // Attributes.
    {"[title]", "s1"},
    {"[TITLE=x]", "s1"},
    {"[ title = 'x' ]", "s1"},
    {"[href]", "a1 a2"},
    {"a[href$='.pdf']", "a1"},
    {"a[href$=\".PDF\"]", ""},
    {"a[href$=\".PDF\" i]", "a1"},
    {"a[href$=\".PDF\" S]", ""},
    {"[href^=https]", "a1"},
    {"[href^='/']", "a2"},
    {"[href*=example]", "a1"},
    {"[href*='']", ""},
    {"[rel~=noopener]", "a1"},
    {"[rel~=noop]", ""},
    {"[rel~='nofollow noopener']", ""},
    {"[rel='nofollow noopener']", "a1"},
    {"[hreflang|=en]", "a2"},
    {"[lang|=en]", "html main"},
    {"[lang|=EN]", ""},
    {"[lang|=EN i]", "html main"},
    {"[lang|=en-US]", "main"},
    {"[data-x]", "p4"},
    {"[data-x='']", "p4"},
    {"[data-x^='']", ""},
    {"[data-note='hello world']", "main"},
    {"[data-v='say \"hi\"']", "w1"},
    {"[data-v=\"say \\\"hi\\\"\"]", "w1"},
    {"[data-v=\"say \\22hi\\22\"]", "w1"},
    {"[class~=md\\:flex]", "md:flex"},
    {"[id=l1], [id='l2']", "l1 l2"},
    {"p[id][class]", "p1 p2"},
    // Combinators.
    {"div p", "p1 p2 p3 p4"},
    {"body a", "a1 a2"},
    {"ul > li", "l1 l2 l3 l4 l5 l6"},
    {"ul>li:first-child", "l1"},
    {"body > p", ""},
    {"div > p > a", "a1 a2"},
    {"body > div em", "e1"},  // needs a farther ancestor than the nearest div
    {"body > div > em", ""},
    {"div > div > em", "e1"},
    {"#outer em", "e1"},
    {"li + li", "l2 l3 l4 l5 l6"},
    {"#l3 + li", "l4"},
    {"#l3 ~ li", "l4 l5 l6"},
    {"#l3~li", "l4 l5 l6"},
    {"h1 + p", "p1"},
    {"h1 ~ p", "p1 p2 p3 p4"},
    {"p + span", "s1"},
    {"span + p", "p3"},
    {"p ~ span", "s1"},
    {"h1 ~ p > a", "a1 a2"},
    {"li ~ li ~ li", "l3 l4 l5 l6"},
    {"#l1 ~ #l4 + li", "l5"},
    {"ul li:nth-child(odd) + li", "l2 l4 l6"},
    {"section > *", "up w1 solo"},
    {"section *", "up w1 solo i1"},
    {"#main\n\t>  p.b", "p2"},
    {"head + body", "body"},
    {"svg > clippath", "cp"},
    // Structural pseudo-classes.
    {"li:first-child", "l1"},
    {"li:last-child", "l6"},
    {"p:first-child", ""},
    {"h1:first-child", "h"},
    {"#p4:last-child", "p4"},
    {":only-child", "html title a1 a2 i1 inner e1 cp"},
    {"li:nth-child(2)", "l2"},
    {"li:nth-child(odd)", "l1 l3 l5"},
    {"li:NTH-CHILD(EVEN)", "l2 l4 l6"},
    {"li:nth-child(2n+1)", "l1 l3 l5"},
    {"li:nth-child( 2n + 1 )", "l1 l3 l5"},
    {"li:nth-child(2n- 1)", "l1 l3 l5"},
    {"li:nth-child(-n+3)", "l1 l2 l3"},
    {"li:nth-child(n)", "l1 l2 l3 l4 l5 l6"},
    {"li:nth-child(+n+5)", "l5 l6"},
    {"li:nth-child(3n)", "l3 l6"},
    {"li:nth-child(0n+4)", "l4"},
    {"li:nth-child(+4)", "l4"},
    {"li:nth-child(-2n+5)", "l1 l3 l5"},
    {"li:nth-child(0)", ""},
    {"li:nth-child(-1)", ""},
    {"li:nth-child(7)", ""},
    {"li:nth-last-child(1)", "l6"},
    {"li:nth-last-child(-n+2)", "l5 l6"},
    {"li:nth-last-child(2n)", "l1 l3 l5"},
    {"p:nth-child(2)", "p1"},
    {"#main > :nth-child(4)", "s1"},
    {"#main > :nth-last-child(1)", "p4"},
    // :not().
    {"p.a:not(.b)", "p1"},
    {"li:not(.on)", "l1 l2 l4 l5 l6"},
    {"li:not(#l1, #l2)", "l3 l4 l5 l6"},
    {"li:not(:first-child):not(:last-child)", "l2 l3 l4 l5"},
    {":not(:not(#l2))", "l2"},
    {"li:NOT( [id=l1] )", "l2 l3 l4 l5 l6"},
    {"#main > :not(p)", "h s1"},
    {"li:not(*)", ""},
    // Groups: document order, each element once.
    {"#l2, #l1", "l1 l2"},
    {"li, #l3, .on", "l1 l2 l3 l4 l5 l6"},
    {"a, p > a", "a1 a2"},
    {"  #sec ,#h  ", "h sec"},
};

TEST(SelectorTest, SelectsFixture) {
  Document doc = Document::Parse(kFixture);
  std::vector<const GumboNode*> all;
  ForEachElement(doc.root(),
                 [&](const GumboNode* node) { all.push_back(node); });
  ASSERT_EQ(Describe(all), kAll);
  for (const SelectCase& row : kSelectCases) {
    auto selector = Selector::Parse(row.selector);
    EXPECT_OK(selector) << "selector: " << row.selector;
    if (!selector.ok()) continue;
    EXPECT_EQ(selector->text(), row.selector);
    std::vector<const GumboNode*> found;
    selector->Select(doc.document(), &found);
    EXPECT_EQ(Describe(found), row.expected) << "selector: " << row.selector;
    // Matches() agrees with Select() on every element.
    std::vector<const GumboNode*> matched;
    for (const GumboNode* node : all) {
      if (selector->Matches(node)) matched.push_back(node);
    }
    EXPECT_EQ(Describe(matched), row.expected)
        << "selector (Matches): " << row.selector;
  }
}

struct RejectCase {
  const char* selector;
  const char* message;  // a substring of the error message
};

const RejectCase kRejectCases[] = {
    {"",
     "expected a selector (tag, *, #id, .class, [attribute] or :pseudo-class), "
     "found the end "
     "of the selector at column 1 of \"\""},
    {"   ", "found the end of the selector at column 4"},
    {"a[=x]",
     "expected an attribute name, found \"=\" at column 3 of \"a[=x]\""},
    {"a[",
     "expected an attribute name, found the end of the selector at column 3"},
    {"\xC3\xA9[",
     "expected an attribute name, found the end of the selector at column 3"},
    {"a[href",
     "expected \"]\" or an operator (=, ~=, |=, ^=, $=, *=), found the end"},
    {"a[x!=y]",
     "expected \"]\" or an operator (=, ~=, |=, ^=, $=, *=), found \"!\" at "
     "column 4"},
    {"a[href='x'",
     "expected \"]\", found the end of the selector at column 11"},
    {"a[href='x]", "expected the closing quote of the string, found the end"},
    {"[a='x\nb']",
     "before the newline, found \"\\x0A\" at column 6 of \"[a='x\\x0Ab']\""},
    {"a[x=1]",
     "expected an identifier or a quoted string, found \"1\" at column 5"},
    {"a[x=]", "expected an identifier or a quoted string, found \"]\""},
    {"a[x=y z]", "expected \"]\" or the flag i or s, found \"z\" at column 7"},
    {"a[x=y i j]", "expected \"]\", found \"j\" at column 9"},
    {"a[ns|x]", "expected \"]\" or an operator"},
    {"a]",
     "expected a combinator, \",\" or the end of the selector, found \"]\" at "
     "column 2"},
    {"a)", "found \")\" at column 2"},
    {"a|b", "found \"|\" at column 2"},
    {"*div", "found \"d\" at column 2"},
    {"a/*c*/", "found \"/\" at column 2"},
    {"a\\", "found \"\\\" at column 2"},
    {"a\x01", "found \"\\x01\" at column 2"},
    {"a >",
     "expected a selector (tag, *, #id, .class, [attribute] or :pseudo-class), "
     "found the "
     "end of the selector at column 4"},
    {"a > > b", "found \">\" at column 5"},
    {"> a", "found \">\" at column 1"},
    {"a,,b", "found \",\" at column 3"},
    {"a,", "found the end of the selector at column 3"},
    {",a", "found \",\" at column 1"},
    {"a, ", "found the end of the selector at column 4"},
    {".", "expected a class name after \".\", found the end"},
    {".123", "expected a class name after \".\", found \"1\" at column 2"},
    {"#", "expected an id after \"#\""},
    {"#1a", "expected an id after \"#\", found \"1\""},
    {"a:hover",
     "expected a supported pseudo-class (:first-child, :last-child, "
     ":only-child, "
     ":nth-child(), :nth-last-child() or :not()), found \":hover\" at column "
     "2"},
    {"a:nth-of-type(1)", "found \":nth-of-type(\" at column 2"},
    {":first-child(1)", "found \":first-child(\" at column 1"},
    {":nth-child", "found \":nth-child\" at column 1"},
    {":not", "found \":not\""},
    {"a:", "expected a pseudo-class name, found the end"},
    {"a::before",
     "expected a pseudo-class name (pseudo-elements are unsupported), found "
     "\":\" at column 3"},
    {"li:nth-child(",
     "expected An+B (such as 2n+1, -n+3 or 4), odd or even, found the end"},
    {"li:nth-child()",
     "expected An+B (such as 2n+1, -n+3 or 4), odd or even, found \")\""},
    {"li:nth-child(2n+)", "expected a number after the sign, found \")\""},
    {"li:nth-child(2n+-1)", "expected a number after the sign, found \"-\""},
    {"li:nth-child(+ 2)", "odd or even, found \" \" at column 15"},
    {"li:nth-child(- n)", "odd or even, found \" \""},
    {"li:nth-child(2 n)",
     "expected \")\" after An+B, found \"n\" at column 16"},
    {"li:nth-child(n2)", "expected \")\" after An+B, found \"2\""},
    {"li:nth-child(odd 1)", "expected \")\" after An+B, found \"1\""},
    {"li:nth-child(oddity)", "odd or even, found \"o\""},
    {"li:nth-child(2n+1 of p)", "expected \")\" after An+B, found \"o\""},
    {"li:nth-child(2", "expected \")\" after An+B, found the end"},
    {"li:nth-child(99999999999)",
     "expected a number up to 1000000000, found \"9999999999...\""},
    {":not()", "expected a selector (tag"},
    {":not(a b)", "expected \",\" or \")\" in :not(), found \"b\""},
    {":not(a > b)", "expected \",\" or \")\" in :not(), found \">\""},
    {":not(a", "expected \",\" or \")\" in :not(), found the end"},
    {":not(a,)", "expected a selector (tag"},
    {":not(:not(:not(:not(:not(:not(:not(:not(:not(a)))))))))",
     "expected at most 8 nested :not(), found \":not(\" at column 41"},
};

TEST(SelectorTest, RejectsInvalidSelectors) {
  for (const RejectCase& row : kRejectCases) {
    auto selector = Selector::Parse(row.selector);
    ASSERT_FALSE(selector.ok()) << "selector: " << row.selector;
    EXPECT_EQ(selector.status().code(), config::Status::Code::kInvalidArgument)
        << "selector: " << row.selector;
    EXPECT_THAT(selector.status().message(), HasSubstr(row.message))
        << "selector: " << row.selector;
  }
}

TEST(SelectorTest, AcceptsEightNestedNots) {
  auto selector =
      Selector::Parse(":not(:not(:not(:not(:not(:not(:not(:not(p))))))))");
  ASSERT_OK(selector);
  Document doc = Document::Parse(kFixture);
  EXPECT_EQ(SelectIds(*selector, doc.root()), "p1 p2 p3 p4");
}

TEST(SelectorTest, SelectIsScopedToRootButMatchesInContext) {
  Document doc = Document::Parse(kFixture);
  const GumboNode* list = FindById(doc, "list");
  ASSERT_NE(list, nullptr);
  auto body_li = Selector::Parse("body li:nth-child(-n+2)");
  ASSERT_OK(body_li);
  EXPECT_EQ(SelectIds(*body_li, list),
            "l1 l2");  // body lies outside the root, still counts
  auto ul = Selector::Parse("ul, #main");
  ASSERT_OK(ul);
  EXPECT_EQ(SelectIds(*ul, list), "list");  // the root itself can match
  EXPECT_EQ(SelectIds(*ul, FindById(doc, "l1")), "");

  // Select replaces what *out held.
  std::vector<const GumboNode*> found = {list, list};
  ul->Select(doc.root(), &found);
  EXPECT_EQ(Describe(found), "main list");
  ul->Select(nullptr, &found);
  EXPECT_TRUE(found.empty());
}

TEST(SelectorTest, MatchesSelfOrAncestor) {
  Document doc = Document::Parse(kFixture);
  const GumboNode* a1 = FindById(doc, "a1");
  ASSERT_NE(a1, nullptr);
  const auto* a1_text =
      static_cast<const GumboNode*>(a1->v.element.children.data[0]);
  auto main_p = Selector::Parse("#main > p");
  ASSERT_OK(main_p);
  EXPECT_TRUE(main_p->MatchesSelfOrAncestor(a1));
  EXPECT_TRUE(main_p->MatchesSelfOrAncestor(a1_text));
  EXPECT_FALSE(main_p->Matches(a1));
  EXPECT_FALSE(main_p->Matches(a1_text));
  EXPECT_FALSE(main_p->MatchesSelfOrAncestor(FindById(doc, "l1")));
  EXPECT_FALSE(main_p->MatchesSelfOrAncestor(nullptr));
  EXPECT_FALSE(main_p->Matches(nullptr));
  auto a = Selector::Parse("a[rel~=nofollow]");
  ASSERT_OK(a);
  EXPECT_TRUE(a->MatchesSelfOrAncestor(a1_text));
  EXPECT_FALSE(a->MatchesSelfOrAncestor(doc.root()));
}

TEST(SelectorTest, DefaultMatchesNothingAndCopiesShare) {
  Document doc = Document::Parse(kFixture);
  Selector none;
  EXPECT_EQ(none.text(), "");
  EXPECT_FALSE(none.Matches(doc.root()));
  EXPECT_FALSE(none.MatchesSelfOrAncestor(doc.root()));
  EXPECT_EQ(SelectIds(none, doc.root()), "");

  auto parsed = Selector::Parse("li.on");
  ASSERT_OK(parsed);
  Selector copy = *parsed;
  none = copy;
  parsed = Selector::Parse("p");  // the copies keep their compiled form
  EXPECT_EQ(copy.text(), "li.on");
  EXPECT_EQ(SelectIds(copy, doc.root()), "l3");
  EXPECT_EQ(SelectIds(none, doc.root()), "l3");
}

TEST(SelectorTest, ConcurrentConstUse) {
  Document doc = Document::Parse(kFixture);
  auto selector = Selector::Parse("li:nth-child(odd), div > p a, #l3 ~ li");
  ASSERT_OK(selector);
  const std::string expected = SelectIds(*selector, doc.root());
  ASSERT_EQ(expected, "a1 a2 l1 l3 l4 l5 l6");
  std::vector<std::string> results(4);
  std::vector<std::thread> threads;
  for (size_t t = 0; t < results.size(); ++t) {
    threads.emplace_back([&, t] {
      Selector own_copy = *selector;
      for (int i = 0; i < 200; ++i)
        results[t] = SelectIds(i % 2 ? own_copy : *selector, doc.root());
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (const std::string& result : results) EXPECT_EQ(result, expected);
}

TEST(SelectorTest, MalformedHtml) {
  struct Case {
    const char* html;
    const char* selector;
    const char* expected;
  };
  const Case kCases[] = {
      {"<ul><li id=a>1<li id=b>2<li id=c>3</ul>", "li:nth-child(2)", "b"},
      {"<ul><li id=a>1<li id=b>2<li id=c>3</ul>", "li + li + li", "c"},
      {"</div><p id=a>x</div></p></span><p id=b>", "body > p", "a b"},
      {"<p id=a>1<p id=b>2", "p + p", "b"},
      {"<div id=a><span id=b>unclosed<div id=c>", "span > div", "c"},
      {"<table id=t><tr><td id=c>x</td></tr><div id=f>y</div></table>",
       "div + table", "t"},
      {"<table id=t><tr><td id=c>x</td></tr><div id=f>y</div></table>",
       "table td", "c"},
      {"<b id=a><p id=c>x</b>y</p>", "p > b", "a"},
      {"<a id=a href=x><a id=b href=y>z</a>", "a + a", "b"},
      {"<p id=a class=\"x\x01y\">\xFF</p>", "p", "a"},
  };
  for (const Case& row : kCases) {
    Document doc = Document::Parse(row.html);
    auto selector = Selector::Parse(row.selector);
    ASSERT_OK(selector) << "selector: " << row.selector;
    EXPECT_EQ(SelectIds(*selector, doc.document()), row.expected)
        << "html: " << row.html << " selector: " << row.selector;
  }
}

TEST(SelectorTest, DeepAndWidePagesNeedNoStackNorQuadraticTime) {
  const std::string deep = "<body>" + Repeat("<div>", 10000) + "x";
  const std::string wide = "<ul>" + Repeat("<li>i</li>", 50000) + "</ul>";
  struct Case {
    const std::string* html;
    const char* selector;
    size_t count;
  };
  const Case kCases[] = {
      {&deep, "div", 10000},
      {&deep, "div > div", 9999},
      {&deep, "body > div", 1},
      {&deep, "div:only-child", 10000},
      {&deep, ":not(div) > div", 1},
      {&deep, "p div", 0},
      // Without memoising, each div would try every combination of div
      // ancestors.
      {&deep, "span div div div div", 0},
      {&deep, "div div div div div", 9996},
      {&deep, "div:first-child div:last-child > div", 9998},
      {&deep, "body div:nth-child(1) + div", 0},
      {&wide, "li", 50000},
      {&wide, "li:nth-child(25000)", 1},
      {&wide, "li:nth-last-child(-n+3)", 3},
      {&wide, "li:nth-child(2n)", 25000},
      {&wide, ".none ~ li", 0},
      {&wide, "li ~ li", 49999},
      {&wide, "li + li ~ li ~ li", 49997},
      {&wide, "ul > li:last-child", 1},
  };
  std::vector<size_t> counts;
  bool inside = false;
  RunWithSmallStack([&] {
    Document deep_doc = Document::Parse(deep);
    Document wide_doc = Document::Parse(wide);
    std::vector<const GumboNode*> found;
    for (const Case& row : kCases) {
      auto selector = Selector::Parse(row.selector);
      if (!selector.ok()) {
        counts.push_back(SIZE_MAX);
        continue;
      }
      selector->Select((row.html == &deep ? deep_doc : wide_doc).root(),
                       &found);
      counts.push_back(found.size());
    }
    const GumboNode* innermost = nullptr;
    ForEachElement(deep_doc.root(),
                   [&](const GumboNode* node) { innermost = node; });
    auto outer = Selector::Parse("body > div:first-child");
    inside = outer.ok() && outer->MatchesSelfOrAncestor(innermost);
  });
  ASSERT_EQ(counts.size(), std::size(kCases));
  for (size_t i = 0; i < counts.size(); ++i) {
    EXPECT_EQ(counts[i], kCases[i].count) << "selector: " << kCases[i].selector;
  }
  EXPECT_TRUE(inside);
}

}  // namespace
}  // namespace crawlbox::parser
