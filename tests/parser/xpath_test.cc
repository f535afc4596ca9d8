// XPath over small HTML strings: every axis, predicates and positions, the
// operators and comparison rules, the core functions, parse errors with
// columns, and pages nested far deeper than a recursive walk could go.
#include "parser/xpath.h"

#include <gtest/gtest.h>
#include <pthread.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <iterator>
#include <string>
#include <vector>

#include "parser/dom.h"

namespace crawlbox::parser {
namespace {

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
  out.reserve(s.size() * n);
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

// One short word per node: tag#id for elements, @name for attributes, 'text'
// for text nodes, <!--text--> for comments, / for the document.
std::string Describe(const XPathNode& n) {
  if (n.attribute != nullptr) return std::string("@") + n.attribute->name;
  switch (n.node->type) {
    case GUMBO_NODE_DOCUMENT:
      return "/";
    case GUMBO_NODE_COMMENT:
      return "<!--" + XPathStringValue(n) + "-->";
    case GUMBO_NODE_ELEMENT:
    case GUMBO_NODE_TEMPLATE: {
      const char* id = Attribute(n.node, "id");
      return std::string(TagName(n.node)) + (id ? std::string("#") + id : "");
    }
    default:
      return "'" + XPathStringValue(n) + "'";
  }
}

std::string SelectText(const GumboNode* context, const std::string& expr) {
  auto xpath = XPath::Parse(expr);
  if (!xpath.ok()) return "error: " + xpath.status().message();
  std::vector<XPathNode> nodes;
  xpath->SelectNodes(context, &nodes);
  std::string out;
  for (const XPathNode& n : nodes)
    out += (out.empty() ? "" : " ") + Describe(n);
  return out;
}

std::string Eval(const GumboNode* context, const std::string& expr) {
  auto xpath = XPath::Parse(expr);
  if (!xpath.ok()) return "error: " + xpath.status().message();
  return xpath->EvaluateString(context);
}

constexpr char kPage[] =
    "<html lang=en-US><head><title>T</title></head><body>"
    "<div id=a><p id=p1>one</p><p id=p2 class=x>two<b id=b1>bold</b></p>"
    "<!--c--><p id=p3>three</p></div>"
    "<div id=b><span id=s1>x</span></div>"
    "<ul id=u><li id=l1>1</li><li id=l2>5</li><li id=l3 lang=fr>2.5</li></ul>"
    "<svg id=g><circle id=ci r=1 /></svg>"
    "</body></html>";

struct Case {
  const char* expr;
  const char* want;
};

TEST(XPathTest, Axes) {
  Document doc = Document::Parse(kPage);
  const Case cases[] = {
      {"//p[@id='p2']/child::*", "b#b1"},
      {"//p[@id='p2']/child::node()", "'two' b#b1"},
      {"//p[@id='p2']/descendant::node()", "'two' b#b1 'bold'"},
      {"//p[@id='p2']/descendant-or-self::*", "p#p2 b#b1"},
      {"//p[@id='p2']/parent::*", "div#a"},
      {"//p[@id='p2']/..", "div#a"},
      {"//p[@id='p2']/ancestor::*", "html body div#a"},
      {"//p[@id='p2']/ancestor-or-self::*", "html body div#a p#p2"},
      {"//p[@id='p2']/following-sibling::node()", "<!--c--> p#p3"},
      {"//p[@id='p2']/preceding-sibling::*", "p#p1"},
      {"//p[@id='p2']/following::*",
       "p#p3 div#b span#s1 ul#u li#l1 li#l2 li#l3 svg#g circle#ci"},
      {"//b/preceding::*", "head title p#p1"},
      {"//p[@id='p2']/attribute::*", "@id @class"},
      {"//p[@id='p2']/@*", "@id @class"},
      {"//p[@id='p2']/self::p", "p#p2"},
      {"//p[@id='p2']/self::div", ""},
      {"//p[@id='p2']/namespace::*", ""},
      {"//p[@id='p2']/@class/..", "p#p2"},
      {"//p[@id='p2']/@class/ancestor::div", "div#a"},
      {"//p[@id='p2']/@class/self::node()", "@class"},
      {"//p[@id='p2']/@class/following::*[1]", "b#b1"},
      {"//div/comment()", "<!--c-->"},
      {"//p/text()", "'one' 'two' 'three'"},
      {"/", "/"},
      {"/html/body/div", "div#a div#b"},
      {"/descendant::li", "li#l1 li#l2 li#l3"},
      {"//LI", "li#l1 li#l2 li#l3"},
      {"//p/@ID", "@id @id @id"},
      {"//processing-instruction()", ""},
      {"/child::node()/self::html", "html"},
      {"//svg/*", "circle#ci"},
      {"//h:p[1]", "p#p1"},
      {"//*[@id='b']/descendant-or-self::node()", "div#b span#s1 'x'"},
      // Without predicates, overlapping context nodes reach each node once.
      {"//div//*", "p#p1 p#p2 b#b1 p#p3 span#s1"},
      {"//li/ancestor::*", "html body ul#u"},
      {"//li/following-sibling::*", "li#l2 li#l3"},
      {"//li/preceding-sibling::*", "li#l1 li#l2"},
      {"//li/preceding::p", "p#p1 p#p2 p#p3"},
      {"//b/following::li | //title", "title li#l1 li#l2 li#l3"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(SelectText(doc.document(), c.expr), c.want) << c.expr;
  }
}

TEST(XPathTest, PredicatesAndPositions) {
  Document doc = Document::Parse(kPage);
  const Case cases[] = {
      {"//p[2]", "p#p2"},
      {"//p[last()]", "p#p3"},
      {"//p[position() = last() - 1]", "p#p2"},
      {"(//p)[position() > 1]", "p#p2 p#p3"},
      {"//b/ancestor::*[1]", "p#p2"},
      {"(//b/ancestor::*)[1]", "html"},
      {"//p[@id='p3']/preceding-sibling::*[1]", "p#p2"},
      {"//p[@id='p3']/preceding-sibling::p[last()]", "p#p1"},
      {"//li[. > 1][1]", "li#l2"},
      {"//li[1][. > 1]", ""},
      {"//*[@class]", "p#p2"},
      {"//p[b]", "p#p2"},
      {"//p[not(b)]", "p#p1 p#p3"},
      {"//div[2]", "div#b"},
      {"//body/*[3]", "ul#u"},
      {"//li[1.5]", ""},
      {"//li[0]", ""},
      {"//li[position() mod 2 = 1]", "li#l1 li#l3"},
      {"//li[last()]/preceding::*[1]", "li#l2"},
      {"//li[3]/preceding::*[position() <= 2]", "li#l1 li#l2"},
      {"(//li | //p)[4]", "li#l1"},
      {"id('p1 b1')", "p#p1 b#b1"},
      {"id('s1')/..", "div#b"},
      {"//li[lang('fr')]", "li#l3"},
      {"//li[lang('en')]", "li#l1 li#l2"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(SelectText(doc.document(), c.expr), c.want) << c.expr;
  }
}

TEST(XPathTest, FunctionsOperatorsAndNumbers) {
  Document doc = Document::Parse(kPage);
  const Case cases[] = {
      {"count(//p)", "3"},
      {"string(//p)", "one"},
      {"//p", "one"},
      {"string(//nothing)", ""},
      {"last()", "1"},
      {"position()", "1"},
      {"name(//p/@class)", "class"},
      {"local-name(//svg/*)", "circle"},
      {"name(/html)", "html"},
      {"name(//text())", ""},
      {"namespace-uri(//p)", ""},
      {"namespace-uri(//circle)", "http://www.w3.org/2000/svg"},
      {"concat('a', 1, true(), //b)", "a1truebold"},
      {"starts-with('abc', 'ab')", "true"},
      {"contains(//p[2], 'wob')", "true"},
      {"substring-before('1999/04/01', '/')", "1999"},
      {"substring-after('1999/04/01', '/')", "04/01"},
      {"substring('12345', 2, 3)", "234"},
      {"substring('12345', 2)", "2345"},
      {"substring('12345', 1.5, 2.6)", "234"},
      {"substring('12345', 0, 3)", "12"},
      {"substring('12345', 0 div 0, 3)", ""},
      {"substring('12345', 1, 0 div 0)", ""},
      {"substring('12345', -42, 1 div 0)", "12345"},
      {"substring('12345', -1 div 0, 1 div 0)", ""},
      {"substring('h\xC3\xA9llo', 2, 2)", "\xC3\xA9l"},
      {"string-length('h\xC3\xA9llo')", "5"},
      {"string-length(//p[2])", "7"},
      {"normalize-space('  a \n b  ')", "a b"},
      {"translate('bar', 'abc', 'ABC')", "BAr"},
      {"translate('--aaa--', 'abc-', 'ABC')", "AAA"},
      {"boolean(//nothing)", "false"},
      {"boolean('0')", "true"},
      {"boolean(0)", "false"},
      {"not(//p)", "false"},
      {"true() and false()", "false"},
      {"false() or 1", "true"},
      {"lang('en')", "false"},  // the document node has no language
      {"boolean(//p[lang('en')])", "true"},
      {"number(' 12.5 ')", "12.5"},
      {"number('1e3')", "NaN"},
      {"number('+1')", "NaN"},
      {"number('-.5')", "-0.5"},
      {"number(true())", "1"},
      {"sum(//li)", "8.5"},
      {"sum(//p)", "NaN"},
      {"floor(-1.5)", "-2"},
      {"ceiling(1.2)", "2"},
      {"ceiling(-0.5)", "0"},
      {"round(2.5)", "3"},
      {"round(-2.5)", "-2"},
      {"round(-0.2)", "0"},
      {"1 div 0", "Infinity"},
      {"-1 div 0", "-Infinity"},
      {"0 div 0", "NaN"},
      {"7 mod -3", "1"},
      {"-7 mod 3", "-1"},
      {"10 div 4", "2.5"},
      {"2 div 3", "0.6666666666666666"},
      {"1000000 * 1000000", "1000000000000"},
      {"0.1 + 0.2", "0.30000000000000004"},
      {"1 + 2 * 3", "7"},
      {"3 - 1 - 1", "1"},
      {"-2 - -3", "1"},
      {"--3", "3"},
      {"- '4'", "-4"},
      {"5-2", "3"},
      {"//li > 4", "true"},
      {"//li < 1", "false"},
      {"2 > //li", "true"},
      {"//li = 5", "true"},
      {"//li = '2.5'", "true"},
      {"//li = //li", "true"},
      {"//li != //li", "true"},
      {"//b != //b", "false"},
      {"//nothing = //nothing", "false"},
      {"//nothing != 'x'", "false"},
      {"//nothing = false()", "true"},
      {"true() = //li", "true"},
      {"1 = '1'", "true"},
      {"'1' = true()", "true"},
      {"'abc' < 'b'", "false"},
      {"0 div 0 != 0 div 0", "true"},
      {"1 < 2 = true()", "true"},
      {"count(//li | //li)", "3"},
      {"count(//*) > 10", "true"},
      {"div", ""},
      {"count(/html/body/div) * 2", "4"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(Eval(doc.document(), c.expr), c.want) << c.expr;
  }
  // Evaluated from an element: relative paths start there.
  std::vector<XPathNode> divs;
  XPath::Parse("//div").value().SelectNodes(doc.document(), &divs);
  ASSERT_EQ(divs.size(), 2u);
  EXPECT_EQ(Eval(divs[1].node, "string(span)"), "x");
  EXPECT_EQ(Eval(divs[1].node, "count(/html/body/*)"), "4");
  EXPECT_EQ(SelectText(divs[0].node, "p[last()]"), "p#p3");
}

TEST(XPathTest, StaticTypesAndDefaults) {
  EXPECT_TRUE(XPath::Parse("//a/@href").value().IsNodeSetExpression());
  EXPECT_TRUE(XPath::Parse("(//a | //b)[1]").value().IsNodeSetExpression());
  EXPECT_TRUE(XPath::Parse("id('x')").value().IsNodeSetExpression());
  EXPECT_FALSE(XPath::Parse("string(//a)").value().IsNodeSetExpression());
  EXPECT_FALSE(XPath::Parse("count(//a)").value().IsNodeSetExpression());
  EXPECT_FALSE(XPath::Parse("//a = 1").value().IsNodeSetExpression());
  EXPECT_EQ(XPath::Parse(" //a ").value().text(), " //a ");

  XPath empty;
  EXPECT_FALSE(empty.IsNodeSetExpression());
  EXPECT_EQ(empty.text(), "");
  Document doc = Document::Parse("<p>x</p>");
  std::vector<XPathNode> nodes = {XPathNode{doc.root()}};
  empty.SelectNodes(doc.document(), &nodes);
  EXPECT_TRUE(nodes.empty());
  EXPECT_EQ(empty.EvaluateString(doc.document()), "");
  // A non-node-set expression selects nothing.
  XPath::Parse("1 + 1").value().SelectNodes(doc.document(), &nodes);
  EXPECT_TRUE(nodes.empty());
  EXPECT_EQ(XPath::Parse("//p").value().EvaluateString(nullptr), "");
}

TEST(XPathTest, RejectsWithColumns) {
  const Case cases[] = {
      {"//div/]",
       "expected a node test after \"/\", found \"]\" at column 7 of "
       "\"//div/]\""},
      {"",
       "expected an expression, found the end of the expression at "
       "column 1 of \"\""},
      {"//div[",
       "expected an expression, found the end of the expression at "
       "column 7 of \"//div[\""},
      {"//p[1",
       "expected \"]\", found the end of the expression at column 6 "
       "of \"//p[1\""},
      {"//p)",
       "expected an operator or the end of the expression, found "
       "\")\" at column 4 of \"//p)\""},
      {"foo(1)",
       "expected a function of the XPath 1.0 core library, found "
       "\"foo\" at column 1 of \"foo(1)\""},
      {"count(1)",
       "expected a node-set argument of count(), found \"1\" at "
       "column 7 of \"count(1)\""},
      {"concat('a')",
       "expected at least 2 arguments to concat(), found "
       "\")\" at column 11 of \"concat('a')\""},
      {"true(1)",
       "expected 0 arguments to true(), found \")\" at column 7 "
       "of \"true(1)\""},
      {"substring('a')",
       "expected 2 or 3 arguments to substring(), found "
       "\")\" at column 14 of \"substring('a')\""},
      {"$x",
       "expected an expression (variables are unsupported), found "
       "\"$\" at column 1 of \"$x\""},
      {"//p[$n]",
       "expected an expression (variables are unsupported), "
       "found \"$\" at column 5 of \"//p[$n]\""},
      {"bogus::p",
       "expected an axis name, found \"bogus\" at column 1 of "
       "\"bogus::p\""},
      {"child::",
       "expected a node test (a name, *, text(), comment(), "
       "node()), found the end of the expression at column 8 of "
       "\"child::\""},
      {"1 +",
       "expected an expression, found the end of the expression at "
       "column 4 of \"1 +\""},
      {"'abc",
       "expected an expression, found an unterminated literal at "
       "column 1 of \"'abc\""},
      {"1 | //p",
       "expected node-sets on both sides of \"|\", found \"|\" at "
       "column 3 of \"1 | //p\""},
      {"'a'[1]",
       "expected a node-set before a predicate or \"/\", found "
       "\"'a'\" at column 1 of \"'a'[1]\""},
      {"//p//",
       "expected a node test after \"//\", found the end of the "
       "expression at column 6 of \"//p//\""},
      {"text(1)", "expected \")\", found \"1\" at column 6 of \"text(1)\""},
      {"//p[#]",
       "expected an expression, found \"#\" at column 5 of "
       "\"//p[#]\""},
      {"//\xC3\xA9[?]",
       "expected an expression, found \"?\" at column 5 of "
       "\"//\xC3\xA9[?]\""},
  };
  for (const Case& c : cases) {
    auto xpath = XPath::Parse(c.expr);
    ASSERT_FALSE(xpath.ok()) << c.expr;
    EXPECT_EQ(xpath.status().code(), config::Status::Code::kInvalidArgument);
    EXPECT_EQ(xpath.status().message(), c.want) << c.expr;
  }
}

TEST(XPathTest, BoundsNestingOfTheExpression) {
  const int ok_depth = XPath::kMaxNesting - 1;  // the whole expression is one
  EXPECT_TRUE(
      XPath::Parse(Repeat("(", ok_depth) + "1" + Repeat(")", ok_depth)).ok());
  auto deep = XPath::Parse(Repeat("(", 100) + "1" + Repeat(")", 100));
  ASSERT_FALSE(deep.ok());
  EXPECT_NE(deep.status().message().find(
                "expected at most 64 levels of nested parentheses, "
                "predicates and function arguments, found \"(\" at column 65"),
            std::string::npos)
      << deep.status().message();
  EXPECT_FALSE(XPath::Parse("//a" + Repeat("[b", 100) + Repeat("]", 100)).ok());
  EXPECT_FALSE(XPath::Parse(Repeat("not(", 100) + "1" + Repeat(")", 100)).ok());

  // Operator chains and unary minus do not nest, so they may be long.
  Document doc = Document::Parse("<p>x</p>");
  RunWithSmallStack([&] {
    std::string sum = "1" + Repeat(" + 1", 100000);
    EXPECT_EQ(Eval(doc.document(), sum), "100001");
    EXPECT_EQ(Eval(doc.document(), Repeat("-", 100001) + "2"), "-2");
    EXPECT_EQ(Eval(doc.document(), "//p" + Repeat(" | //p", 10000)), "x");
  });
}

TEST(XPathTest, DeepPagesNeedNoStack) {
  // 100,000 nested unknown elements: gumbo builds those in linear time (its
  // tree construction is quadratic for nested <div>, 30 s at this depth). A
  // 512 KiB stack would overflow on any walk that recursed per level, and each
  // expression stays linear in the page (a predicate comparing every x-a's
  // string-value would not: each is as long as its subtree, as in any XPath).
  constexpr int kDepth = 100000;
  const std::string html = "<body>" + Repeat("<x-a>", kDepth) +
                           "<b>deep</b><!--c-->" + Repeat("</x-a>", kDepth) +
                           "<i>after</i>";
  Document doc = Document::Parse(html);
  const Case cases[] = {
      {"count(//x-a)", "100000"},
      {"count(//x-a//x-a)", "99999"},
      {"count(//x-a/x-a)", "99999"},
      {"count(//b/ancestor::*)", "100002"},
      {"count(//x-a/ancestor::*)", "100001"},
      {"count(//x-a/ancestor::*[1])", "100000"},
      {"count(//x-a/following::*)", "1"},
      {"count(//x-a/following::*[1])", "1"},
      {"count(//x-a/preceding::*[1])", "1"},  // <head>
      {"count(//x-a/descendant::b)", "1"},
      {"count(//i/preceding::*)", "100002"},  // <head>, every <x-a>, <b>
      {"string(/)", "deepafter"},
      {"string(//x-a[1])", "deep"},
      {"name(//b/ancestor::*[100001])", "body"},
      {"count(//comment()/preceding::node())", "3"},
      {"count(//b/following::node())", "3"},
      {"//x-a[last()]", "deep"},
  };
  RunWithSmallStack([&] {
    for (const Case& c : cases) {
      auto start = std::chrono::steady_clock::now();
      EXPECT_EQ(Eval(doc.document(), c.expr), c.want) << c.expr;
      double seconds = std::chrono::duration<double>(
                           std::chrono::steady_clock::now() - start)
                           .count();
      std::printf("[ timing ] %s on a page nested %d deep: %.3f s\n", c.expr,
                  kDepth, seconds);
    }
  });

  // 5,000 nested <div>, the element crawled pages actually nest.
  Document divs =
      Document::Parse("<body>" + Repeat("<div>", 5000) + "<p>x</p>");
  RunWithSmallStack([&] {
    EXPECT_EQ(Eval(divs.document(), "count(//div[p])"), "1");
    EXPECT_EQ(Eval(divs.document(), "count(//p/ancestor::div[1])"), "1");
    EXPECT_EQ(Eval(divs.document(), "count(//div//div)"), "4999");
  });
}

TEST(XPathTest, RandomExpressionsNeverCrash) {
  // Random token soup: most fail to parse, the rest evaluate; neither may
  // crash or trip the sanitizers. Seeded, so a failure reproduces.
  const char* const kPieces[] = {"/",
                                 "//",
                                 "[",
                                 "]",
                                 "(",
                                 ")",
                                 "@",
                                 ",",
                                 "::",
                                 ".",
                                 "..",
                                 "|",
                                 "+",
                                 "-",
                                 "=",
                                 "!=",
                                 "<",
                                 ">=",
                                 "*",
                                 "p",
                                 "div",
                                 "and",
                                 "or",
                                 "mod",
                                 "1",
                                 "2.5",
                                 "'x'",
                                 "li",
                                 "@*",
                                 "text()",
                                 "node()",
                                 "last()",
                                 "position()",
                                 "count(",
                                 "string(",
                                 "substring(",
                                 "concat(",
                                 "child::",
                                 "ancestor::",
                                 "preceding::",
                                 "following-sibling::",
                                 "$",
                                 "\"",
                                 " "};
  Document doc = Document::Parse(kPage);
  uint32_t state = 12345;
  auto next = [&state] {
    state = state * 1103515245u + 12345u;
    return (state >> 16) & 0x7FFF;
  };
  int parsed = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string expr;
    for (int n = next() % 12; n >= 0; --n) {
      expr += kPieces[next() % std::size(kPieces)];
    }
    auto xpath = XPath::Parse(expr);
    if (!xpath.ok()) {
      EXPECT_NE(xpath.status().message().find(" at column "), std::string::npos)
          << expr;
      continue;
    }
    ++parsed;
    std::vector<XPathNode> nodes;
    xpath->SelectNodes(doc.document(), &nodes);
    xpath->EvaluateString(doc.root());
  }
  EXPECT_GT(parsed, 500);
}

}  // namespace
}  // namespace crawlbox::parser
