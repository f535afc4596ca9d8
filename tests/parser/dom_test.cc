// Tests for parser/dom.h: Document ownership, the node helpers, and pages that
// are broken or nested far deeper than any stack would allow a recursive walk.
#include "parser/dom.h"

#include <gtest/gtest.h>
#include <pthread.h>

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace crawlbox::parser {
namespace {

// The element with id `id` under `root`, or nullptr.
const GumboNode* FindById(const GumboNode* root, std::string_view id) {
  const GumboNode* found = nullptr;
  ForEachElement(root, [&](const GumboNode* node) {
    const char* value = Attribute(node, "id");
    if (value != nullptr && value == id) {
      found = node;
      return false;
    }
    return true;
  });
  return found;
}

// "tag#id" for each element under root, in walk order.
std::string Outline(const GumboNode* root) {
  std::string out;
  ForEachElement(root, [&](const GumboNode* node) {
    if (!out.empty()) out += ' ';
    out += TagName(node);
    if (const char* id = Attribute(node, "id")) out += std::string("#") + id;
  });
  return out;
}

// Runs `fn` on a thread with a small stack, so a walk that recursed once per
// nesting level would crash instead of passing by luck on an 8 MiB main stack.
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

TEST(DomTest, ParseBuildsHtmlHeadAndBody) {
  Document doc = Document::Parse("<title>T</title><p id=x>hi");
  ASSERT_NE(doc.root(), nullptr);
  ASSERT_NE(doc.document(), nullptr);
  EXPECT_EQ(doc.document()->type, GUMBO_NODE_DOCUMENT);
  EXPECT_EQ(TagName(doc.root()), "html");
  EXPECT_EQ(Outline(doc.root()), "html head title body p#x");
  EXPECT_EQ(Outline(doc.document()), "html head title body p#x");
  EXPECT_EQ(doc.html(), "<title>T</title><p id=x>hi");
}

TEST(DomTest, EmptyInputStillHasARoot) {
  Document doc = Document::Parse("");
  EXPECT_EQ(Outline(doc.root()), "html head body");
}

TEST(DomTest, InputNeedNotOutliveTheDocument) {
  auto html =
      std::make_unique<std::string>("<My-Widget data-k='v'>text</My-Widget>");
  // Not NUL-terminated where the view ends: Parse must honour the size.
  std::string_view view(*html);
  Document doc = Document::Parse(view.substr(0, view.size() - 3));
  html.reset();
  EXPECT_EQ(Outline(doc.root()), "html head body my-widget");
  // The Document's copy holds the lowercased name of the unknown tag.
  EXPECT_EQ(doc.html(), "<my-widget data-k='v'>text</My-Widg");
  ForEachElement(doc.root(), [&](const GumboNode* node) {
    if (TagName(node) == "my-widget") {
      ASSERT_NE(Attribute(node, "data-k"), nullptr);
      EXPECT_STREQ(Attribute(node, "data-k"), "v");
      EXPECT_EQ(TextContent(node), "text");
    }
  });
}

TEST(DomTest, MoveKeepsNodesValid) {
  Document first = Document::Parse("<p id=a>one</p>");
  const GumboNode* p = FindById(first.root(), "a");
  ASSERT_NE(p, nullptr);
  Document second(std::move(first));
  // A moved-from Document is empty, as documented.
  EXPECT_EQ(first.root(), nullptr);  // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(first.document(), nullptr);
  EXPECT_EQ(first.html(), "");
  EXPECT_EQ(TextContent(p), "one");
  Document third = Document::Parse("<p id=b>two</p>");
  third = std::move(second);
  EXPECT_EQ(FindById(third.root(), "a"), p);
  EXPECT_EQ(FindById(third.root(), "b"), nullptr);
  EXPECT_EQ(TextContent(p), "one");
}

TEST(DomTest, TagNamesAreLowercase) {
  struct Case {
    const char* html;
    const char* tag;  // of the element with id=t
  };
  const Case kCases[] = {
      {"<DIV id=t></DIV>", "div"},
      {"<My-Widget id=t></My-Widget>", "my-widget"},
      {"<foo id=\"t\"/>", "foo"},
      {"<X-Y\tid=t>", "x-y"},
      {"<svg><clipPath id=t></clipPath></svg>", "clippath"},
      {"<svg id=t></svg>", "svg"},
      {"<table><tr><td id=t>", "td"},
      {"<template id=t><p>x</p></template>", "template"},
  };
  for (const Case& row : kCases) {
    Document doc = Document::Parse(row.html);
    const GumboNode* node = FindById(doc.document(), "t");
    ASSERT_NE(node, nullptr) << "html: " << row.html;
    EXPECT_EQ(TagName(node), row.tag) << "html: " << row.html;
  }
  Document doc = Document::Parse("<p>text</p>");
  EXPECT_EQ(TagName(doc.document()), "");
  EXPECT_EQ(TagName(nullptr), "");
  EXPECT_FALSE(IsElement(nullptr));
  EXPECT_FALSE(IsElement(doc.document()));
  EXPECT_TRUE(IsElement(doc.root()));
}

TEST(DomTest, AttributeLookup) {
  Document doc = Document::Parse(
      "<a id=t HREF='/x?a=1&amp;b=2' data-Flag class=one class=two>link</a>");
  const GumboNode* a = FindById(doc.root(), "t");
  ASSERT_NE(a, nullptr);
  ASSERT_NE(Attribute(a, "href"), nullptr);
  EXPECT_STREQ(Attribute(a, "href"), "/x?a=1&b=2");  // entities decoded
  EXPECT_STREQ(Attribute(a, "HREF"),
               "/x?a=1&b=2");                   // names are case-insensitive
  EXPECT_STREQ(Attribute(a, "data-flag"), "");  // present without a value
  EXPECT_STREQ(Attribute(a, "class"),
               "one");  // a repeated attribute keeps the first
  EXPECT_EQ(Attribute(a, "hre"), nullptr);
  EXPECT_EQ(Attribute(a, "hrefx"), nullptr);
  EXPECT_EQ(Attribute(a, "title"), nullptr);
  EXPECT_EQ(Attribute(nullptr, "id"), nullptr);
  EXPECT_EQ(Attribute(doc.document(), "id"), nullptr);
  const GumboNode* text =
      static_cast<const GumboNode*>(a->v.element.children.data[0]);
  EXPECT_EQ(Attribute(text, "id"), nullptr);
}

TEST(DomTest, TextContent) {
  struct Case {
    const char* html;
    const char* text;  // TextContent of the element with id=t
  };
  const Case kCases[] = {
      {"<p id=t>Hello <b>big</b> world</p>", "Hello big world"},
      {"<p id=t>a<!-- not text -->b</p>", "ab"},
      {"<p id=t>&lt;x&gt; &amp; &eacute; &#x41;</p>", "<x> & \xC3\xA9 A"},
      {"<div id=t>\n <p>x</p>\n</div>", "\n x\n"},
      {"<div id=t><script>var a = \"<b>\";</script></div>", "var a = \"<b>\";"},
      {"<div id=t><style>p{}</style>s</div>", "p{}s"},
      {"<svg id=t><![CDATA[raw <x>]]></svg>", "raw <x>"},
      {"<ul id=t><li>1<li>2<li>3</ul>", "123"},
      {"<p id=t></p>", ""},
      {"<p id=t><img alt=no></p>", ""},
      {"<textarea id=t>a<b>c</textarea>", "a<b>c"},
  };
  for (const Case& row : kCases) {
    Document doc = Document::Parse(row.html);
    const GumboNode* node = FindById(doc.root(), "t");
    ASSERT_NE(node, nullptr) << "html: " << row.html;
    EXPECT_EQ(TextContent(node), row.text) << "html: " << row.html;
  }
}

TEST(DomTest, TextContentOfNonElements) {
  Document doc = Document::Parse("<!-- top --><p id=t>x<!--c-->y</p>");
  const GumboNode* p = FindById(doc.root(), "t");
  ASSERT_NE(p, nullptr);
  const GumboVector& children = p->v.element.children;
  ASSERT_EQ(children.length, 3u);
  EXPECT_EQ(TextContent(static_cast<const GumboNode*>(children.data[0])), "x");
  EXPECT_EQ(TextContent(static_cast<const GumboNode*>(children.data[1])), "c");
  EXPECT_EQ(TextContent(doc.document()), "xy");
  EXPECT_EQ(TextContent(nullptr), "");
}

TEST(DomTest, ForEachElementWalksSubtreesInDocumentOrder) {
  Document doc = Document::Parse(
      "<div id=a><p id=b><i id=c></i></p>text<p id=d></p></div><div id=e><p "
      "id=f></p></div>");
  EXPECT_EQ(Outline(doc.root()), "html head body div#a p#b i#c p#d div#e p#f");
  EXPECT_EQ(Outline(FindById(doc.root(), "a")),
            "div#a p#b i#c p#d");  // stops at the subtree
  EXPECT_EQ(Outline(FindById(doc.root(), "c")), "i#c");
  EXPECT_EQ(Outline(nullptr), "");

  int visited = 0;
  ForEachElement(doc.root(), [&](const GumboNode* node) {
    ++visited;
    return TagName(node) != "i";  // false stops the walk
  });
  EXPECT_EQ(visited, 6);

  const GumboNode* a = FindById(doc.root(), "a");
  const GumboNode* text =
      static_cast<const GumboNode*>(a->v.element.children.data[1]);
  ASSERT_EQ(text->type, GUMBO_NODE_TEXT);
  EXPECT_EQ(Outline(text), "");
}

TEST(DomTest, SiblingAndParentHelpersSkipNonElements) {
  Document doc = Document::Parse(
      "<ul id=u> <li id=a>1</li> <!--c--> <li id=b>2</li> x </ul>");
  const GumboNode* a = FindById(doc.root(), "a");
  const GumboNode* b = FindById(doc.root(), "b");
  EXPECT_EQ(NextElementSibling(a), b);
  EXPECT_EQ(PreviousElementSibling(b), a);
  EXPECT_EQ(PreviousElementSibling(a), nullptr);
  EXPECT_EQ(NextElementSibling(b), nullptr);
  EXPECT_EQ(ParentElement(a), FindById(doc.root(), "u"));
  EXPECT_EQ(ParentElement(doc.root()),
            nullptr);  // its parent is the document node
  EXPECT_EQ(PreviousElementSibling(nullptr), nullptr);
  EXPECT_EQ(NextElementSibling(doc.document()), nullptr);
  EXPECT_EQ(NextElement(b, FindById(doc.root(), "u")), nullptr);
  EXPECT_EQ(NextElement(a, doc.root()), b);
}

// gumbo's recovery moves nodes around (foster parenting, the adoption agency);
// the walk relies on parent pointers and index_within_parent staying consistent
// through that.
TEST(DomTest, MalformedHtmlGivesAConsistentTree) {
  struct Case {
    const char* html;
    const char* outline;  // of <body>
    const char* text;     // TextContent of <body>
  };
  const Case kCases[] = {
      {"<div id=a><p id=b>x</div>y", "body div#a p#b", "xy"},
      {"</div></div><p id=a>x</p></div></span>", "body p#a", "x"},
      {"<b id=a><p id=c>x</b>y</p>", "body b#a p#c b#a",
       "xy"},  // b is cloned, id and all
      {"<table id=t><tr><td>x</td></tr><div id=f>y</div></table>",
       "body div#f table#t tbody tr td", "yx"},
      {"<ul><li id=a>1<li id=b>2</ul>", "body ul li#a li#b", "12"},
      {"<p id=a>1<p id=b>2<div id=c>3", "body p#a p#b div#c", "123"},
      {"<a id=a href=x><a id=b href=y>z</a>", "body a#a a#b", "z"},
      {"<div <p>x</div", "body div", "x"},
      {"<select><option id=o>1<option>2</select>",
       "body select option#o option", "12"},
      {"\xFF\xFE<p id=a>\x80</p>", "body p#a",
       "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"},
  };
  for (const Case& row : kCases) {
    Document doc = Document::Parse(row.html);
    const GumboNode* body =
        NextElementSibling(NextElement(doc.root(), doc.root()));
    ASSERT_NE(body, nullptr) << "html: " << row.html;
    EXPECT_EQ(Outline(body), row.outline) << "html: " << row.html;
    EXPECT_EQ(TextContent(body), row.text) << "html: " << row.html;
    ForEachElement(doc.document(), [&](const GumboNode* node) {
      const GumboVector& children = node->v.element.children;
      for (size_t i = 0; i < children.length; ++i) {
        const auto* child = static_cast<const GumboNode*>(children.data[i]);
        EXPECT_EQ(child->parent, node) << "html: " << row.html;
        EXPECT_EQ(child->index_within_parent, i) << "html: " << row.html;
      }
    });
  }
}

TEST(DomTest, DeepNestingNeedsNoStack) {
  // 10,000 nested <div> (gumbo's tree construction is quadratic in this depth,
  // so the test stays at 10k), and 300,000 nested unknown elements, which gumbo
  // builds in linear time and whose recursive gumbo_destroy_output() would
  // overflow even an 8 MiB stack.
  const std::string divs = "<body>" + Repeat("<div>", 10000) + "deep";
  const std::string unknown = Repeat("<x-a>", 300000) + "deeper";
  size_t div_count = 0, unknown_count = 0;
  std::string div_text, unknown_text;
  RunWithSmallStack([&] {
    {
      Document doc = Document::Parse(divs);
      ForEachElement(doc.root(), [&](const GumboNode* node) {
        if (TagName(node) == "div") ++div_count;
      });
      div_text = TextContent(doc.root());
    }
    Document doc = Document::Parse(unknown);
    const GumboNode* innermost = nullptr;
    ForEachElement(doc.root(), [&](const GumboNode* node) {
      if (TagName(node) == "x-a") {
        ++unknown_count;
        innermost = node;
      }
    });
    EXPECT_EQ(TagName(innermost), "x-a");
    unknown_text = TextContent(doc.root());
    Document moved = std::move(doc);
  });
  EXPECT_EQ(div_count, 10000u);
  EXPECT_EQ(div_text, "deep");
  EXPECT_EQ(unknown_count, 300000u);
  EXPECT_EQ(unknown_text, "deeper");
}

}  // namespace
}  // namespace crawlbox::parser
