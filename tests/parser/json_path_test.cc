// Tests of parser/json_path.h beyond the compliance suite: error messages and
// columns, nesting limits, numbers across int and float, regexes, conditions,
// and documents nested far deeper than the call stack could follow.
#include "parser/json_path.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/support/status_matchers.h"

namespace crawlbox::parser {
namespace {

using nlohmann::json;

// The values `query` selects from `document`, as a JSON array.
json SelectValues(const std::string& query, const json& document) {
  config::Result<JsonPath> path = JsonPath::Parse(query);
  EXPECT_OK(path) << query;
  if (!path.ok()) return json();
  std::vector<const json*> nodes;
  path->Select(document, &nodes);
  json values = json::array();
  for (const json* node : nodes) values.push_back(*node);
  return values;
}

struct Selection {
  const char* query;
  const char* document;
  const char* expected;
};

TEST(JsonPathTest, SelectsInRfcOrder) {
  const Selection cases[] = {
      {"$", "1", "[1]"},
      {"$.a.b", R"({"a":{"b":2}})", "[2]"},
      {"$['a','a']", R"({"a":1})", "[1,1]"},
      {"$[-1]", "[1,2,3]", "[3]"},
      {"$[5]", "[1,2,3]", "[]"},
      {"$[1:]", "[1,2,3]", "[2,3]"},
      {"$[::-1]", "[1,2,3]", "[3,2,1]"},
      {"$[-1:0:-2]", "[0,1,2,3,4]", "[4,2]"},
      {"$[::0]", "[1,2]", "[]"},
      {"$..b", R"({"a":{"b":1},"b":[{"b":2}]})", "[[{\"b\":2}],1,2]"},
      {"$..[0]", "[[1,[2]],3]", "[[1,[2]],1,2]"},
      {"$.*", R"({"a":1,"b":[2]})", "[1,[2]]"},
      {"$[?@.p < 10].n", R"([{"p":5,"n":"a"},{"p":20,"n":"b"},{"n":"c"}])",
       "[\"a\"]"},
      {"$[?@.a && !@.b]", R"([{"a":1},{"a":1,"b":2},{}])", "[{\"a\":1}]"},
      {"$[?@.a == $.x]", R"({"x":1,"y":{"a":1},"z":{"a":2}})", "[{\"a\":1}]"},
      {"$[?count(@.*) == 2]", R"([[1,2],[1],{"a":1,"b":2}])",
       "[[1,2],{\"a\":1,\"b\":2}]"},
      {"$[?length(@) > 2]", R"(["ab","abc","\u00e9\u00e9\u00e9",[1,2,3]])",
       "[\"abc\",\"\u00e9\u00e9\u00e9\",[1,2,3]]"},
      {"$[?value(@..c) == 1]", R"([{"c":1},{"a":{"c":1},"c":1},{}])",
       "[{\"c\":1}]"},
      {"$[?@ == 'a\\u00e9\\uD83D\\uDE00']", "[\"a\u00e9\U0001F600\", \"a\"]",
       "[\"a\u00e9\U0001F600\"]"},
      {"$.\u00e9t\u00e9", "{\"\u00e9t\u00e9\":1}", "[1]"},
      {"$[?@ ['a'] [0] == 1]", R"([{"a":[1]},{"a":[2]}])", "[{\"a\":[1]}]"},
  };
  for (const Selection& c : cases) {
    EXPECT_EQ(SelectValues(c.query, json::parse(c.document)),
              json::parse(c.expected))
        << c.query << " on " << c.document;
  }
}

TEST(JsonPathTest, ComparesNumbersByValueAcrossIntAndFloat) {
  json doc = json::parse(R"([1, 1.0, 1.5, "1", true, 10e-1, -0, 0.0])");
  EXPECT_EQ(SelectValues("$[?@ == 1]", doc), json::parse("[1, 1.0, 1.0]"));
  EXPECT_EQ(SelectValues("$[?@ == 1.0]", doc), json::parse("[1, 1.0, 1.0]"));
  EXPECT_EQ(SelectValues("$[?@ == 1e0]", doc), json::parse("[1, 1.0, 1.0]"));
  EXPECT_EQ(SelectValues("$[?@ == -0]", doc), json::parse("[0, 0.0]"));
  EXPECT_EQ(SelectValues("$[?@ > 1]", doc), json::parse("[1.5]"));
  // Beyond 2^53 a double cannot tell these apart; the comparison must.
  json big = json::parse("[9007199254740993, 9007199254740992.0]");
  EXPECT_EQ(SelectValues("$[?@ > 9007199254740992]", big),
            json::parse("[9007199254740993]"));
  // Deep equality compares numbers by value too.
  EXPECT_EQ(
      SelectValues("$[?@.a == $.b]", json::parse(R"({"x":{"a":[1,{"c":2}]},
                          "b":[1.0,{"c":2.0}]})")),
      json::parse(R"([{"a":[1,{"c":2}]}])"));
}

TEST(JsonPathTest, MatchAndSearchUseIRegexp) {
  json doc = json::parse(R"(["abc", "xabcx", "a\nc", "a\rc", "a\u2028c", 1])");
  EXPECT_EQ(SelectValues("$[?match(@, 'a.c')]", doc),
            json::parse(R"(["abc", "a\u2028c"])"));
  EXPECT_EQ(SelectValues("$[?search(@, 'b')]", doc),
            json::parse(R"(["abc", "xabcx"])"));
  EXPECT_EQ(SelectValues("$[?search(@, '[\\\\p{Lu}]')]",
                         json::parse(R"(["abc", "aBc"])")),
            json::parse(R"(["aBc"])"));
  // A pattern that is not an I-Regexp (\d, a backreference-free but invalid
  // group, an unbalanced bracket) makes the function false, whether it comes
  // from the query or from the document.
  EXPECT_EQ(SelectValues("$[?match(@, '\\\\d')]", json::parse(R"(["1"])")),
            json::parse("[]"));
  EXPECT_EQ(SelectValues("$.v[?match(@, $.p)]",
                         json::parse(R"({"p": "a(", "v": ["a("]})")),
            json::parse("[]"));
  EXPECT_EQ(SelectValues("$.v[?match(@, $.p)]",
                         json::parse(R"({"p": "a+", "v": ["aa", "b"]})")),
            json::parse(R"(["aa"])"));
}

struct Rejected {
  const char* query;
  const char* message;  // a part of the expected message
  int column;
};

TEST(JsonPathTest, RejectsWithWhatWasExpectedAndTheColumn) {
  const Rejected cases[] = {
      {"$.[x]",
       "expected a member name or \"*\" after \".\", found \"[\" at column 3 "
       "of \"$.[x]\"",
       3},
      {"", "expected \"$\" at the start of the query, found the end", 1},
      {" $", "found \" \" at column 1", 1},
      {"$.a ", "found \" \" at column 4", 4},
      {"$. a", "after \".\", found \" \" at column 3", 3},
      {"$[01]", "without a leading zero", 3},
      {"$[-0]", "without a leading zero", 3},
      {"$[9007199254740992]", "between -(2^53-1) and 2^53-1", 3},
      {"$[1,]", "expected a selector", 5},
      {"$['a", "a closing quote", 5},
      {"$['\\a']", "an escape", 5},
      {"$['\\uDC00']", "a high surrogate before a low one", 4},
      {"$[?length(@.a)]", "whose value is not a logical result", 4},
      {"$[?@.* == 1]", "a singular query", 4},
      {"$[?match(@.a, 'x') == true]", "a value in a comparison", 4},
      {"$[?count(1) == 1]", "a query as argument of count()", 10},
      {"$[?length(@.*) == 1]", "a singular query or a value as argument", 11},
      {"$[?1]", "a query, a comparison or a logical function", 4},
      {"$[?nope(@)]", "length, count, match, search or value", 4},
      {"$[?@.a == 1 == 2]", "expected \",\" or \"]\"", 13},
      {"$[?!@.a == 1]", "expected \",\" or \"]\"", 9},
      // Singular-query segments have no blank space inside their brackets.
      {"$[?@[ 'a' ] == 1]", "a singular query", 4},
      {"$[?length(@[0 ]) == 1]", "a singular query or a value as argument", 11},
      // Columns count characters, not bytes.
      {"$.\u00e9\u00e9.[", "found \"[\" at column 6", 6},
  };
  for (const Rejected& c : cases) {
    int column = -1;
    config::Result<JsonPath> path = JsonPath::Parse(c.query, &column);
    ASSERT_FALSE(path.ok()) << c.query;
    EXPECT_EQ(path.status().code(), config::Status::Code::kInvalidArgument);
    EXPECT_NE(path.status().message().find(c.message), std::string::npos)
        << c.query << ": " << path.status().message();
    EXPECT_EQ(column, c.column) << c.query << ": " << path.status().message();
  }
}

TEST(JsonPathTest, BoundsQueryNesting) {
  auto nested = [](int depth) {
    return "$[?" + std::string(depth - 1, '(') + "@.a" +
           std::string(depth - 1, ')') + "]";
  };
  EXPECT_OK(JsonPath::Parse(nested(JsonPath::kMaxNestingDepth)));
  config::Result<JsonPath> deep =
      JsonPath::Parse(nested(JsonPath::kMaxNestingDepth + 1));
  ASSERT_FALSE(deep.ok());
  EXPECT_NE(deep.status().message().find("at most 64 nested"),
            std::string::npos)
      << deep.status().message();
  std::string filters = "$";
  for (int i = 0; i < 1000; ++i) filters += "[?@";
  EXPECT_FALSE(JsonPath::Parse(filters).ok());
}

TEST(JsonPathTest, DefaultAndCopiesShareTheCompiledForm) {
  JsonPath none;
  std::vector<const json*> nodes = {nullptr};
  none.Select(json::parse("[1]"), &nodes);
  EXPECT_TRUE(nodes.empty());
  EXPECT_EQ(none.text(), "");
  config::Result<JsonPath> path = JsonPath::Parse("$[0]");
  ASSERT_OK(path);
  JsonPath copy = *path;
  EXPECT_EQ(copy.text(), "$[0]");
  json doc = json::parse("[7]");
  copy.Select(doc, &nodes);
  ASSERT_EQ(nodes.size(), 1u);
  EXPECT_EQ(nodes[0], &doc[0]);  // a pointer into the document, not a copy
}

// nlohmann 3.11.2 destroys values with a heap stack (json_value::destroy), so
// a document 100,000 arrays deep is safe to build and drop; it is built in a
// loop because copying or dumping one would recurse per level.
json DeepArrays(int depth, json leaf) {
  json root = json::array();
  json* at = &root;
  for (int i = 1; i < depth; ++i) {
    at->push_back(json::array());
    at = &at->back();
  }
  at->push_back(std::move(leaf));
  return root;
}

TEST(JsonPathTest, DescendsDeepDocumentsWithoutRecursion) {
  constexpr int kDepth = 100000;
  json doc = DeepArrays(kDepth, json{{"x", 1}});
  std::vector<const json*> nodes;
  config::Result<JsonPath> x = JsonPath::Parse("$..x");
  ASSERT_OK(x);
  x->Select(doc, &nodes);
  ASSERT_EQ(nodes.size(), 1u);
  EXPECT_EQ(*nodes[0], 1);

  config::Result<JsonPath> all = JsonPath::Parse("$..*");
  ASSERT_OK(all);
  all->Select(doc, &nodes);
  EXPECT_EQ(nodes.size(), static_cast<size_t>(kDepth) + 1);  // arrays, {x}, 1

  config::Result<JsonPath> filter = JsonPath::Parse("$..[?@.x == 1]");
  ASSERT_OK(filter);
  filter->Select(doc, &nodes);
  EXPECT_EQ(nodes.size(), 1u);

  config::Result<JsonCondition> count =
      JsonCondition::Parse("count($..x) == 1 && length($[0]) == 1");
  ASSERT_OK(count);
  EXPECT_TRUE(count->Evaluate(doc));
}

TEST(JsonPathTest, ComparesDeepValuesWithoutRecursion) {
  json doc = json::array();
  doc.push_back(DeepArrays(100000, 1));
  doc.push_back(DeepArrays(100000, 1));
  doc.push_back(DeepArrays(100000, 2));
  std::vector<const json*> nodes;
  config::Result<JsonPath> same = JsonPath::Parse("$[?@ == $[0]]");
  ASSERT_OK(same);
  same->Select(doc, &nodes);
  EXPECT_EQ(nodes.size(), 2u);
}

struct Condition {
  const char* condition;
  const char* document;
  bool expected;
};

TEST(JsonConditionTest, EvaluatesPaginationStopConditions) {
  const Condition cases[] = {
      {"$.has_more == false", R"({"has_more": false})", true},
      {"$.has_more == false", R"({"has_more": true})", false},
      {"$.has_more == false", R"({})", false},  // Nothing != false
      {"!$.next", R"({"next": null})", false},  // null exists
      {"!$.next", R"({})", true},
      {"length($.items) == 0", R"({"items": []})", true},
      {"length($.items) == 0", R"({"items": [1]})", false},
      {"length($.items) == 0", R"({})", false},
      {"$.page >= $.pages", R"({"page": 3, "pages": 3.0})", true},
      {"$.page >= $.pages", R"({"page": 2, "pages": 3})", false},
      {"$.missing == $.absent", R"({})", true},  // Nothing == Nothing
      {"$.a < 'b'", R"({"a": 1})", false},       // < across types
      {" $.n == 1 || $.m ", R"({"m": 0})", true},
      {"count($.items[?@.seen]) == count($.items[*])",
       R"({"items": [{"seen": 1}, {"seen": 0}]})", true},
  };
  for (const Condition& c : cases) {
    config::Result<JsonCondition> condition = JsonCondition::Parse(c.condition);
    ASSERT_OK(condition) << c.condition;
    EXPECT_EQ(condition->text(), c.condition);
    EXPECT_EQ(condition->Evaluate(json::parse(c.document)), c.expected)
        << c.condition << " on " << c.document;
  }
}

TEST(JsonConditionTest, RejectsWhatIsNotALogicalExpression) {
  const Rejected cases[] = {
      {"@.a == 1", "a query starting at \"$\"", 1},
      {"$.items[*] == 1", "a singular query", 1},
      {"length($.items)", "whose value is not a logical result", 1},
      {"true", "a query, a comparison or a logical function", 1},
      {"$.a == ", "a query, a literal or a function call", 8},
      {"$.a = 1", "an operator or the end of the condition", 5},
  };
  for (const Rejected& c : cases) {
    int column = -1;
    config::Result<JsonCondition> condition =
        JsonCondition::Parse(c.query, &column);
    ASSERT_FALSE(condition.ok()) << c.query;
    EXPECT_NE(condition.status().message().find(c.message), std::string::npos)
        << c.query << ": " << condition.status().message();
    EXPECT_EQ(column, c.column) << c.query;
  }
  EXPECT_FALSE(JsonCondition().Evaluate(json::object()));
}

}  // namespace
}  // namespace crawlbox::parser
