// JSON rules through PageParser: records and field kinds, required drops,
// follow_json, next_request with cursors and until, when a body is read as
// JSON, unreadable bodies, and bad queries as job problems at file:line:col.
#include "parser/json_rules.h"

#include <gtest/gtest.h>

#include <string>

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

const std::string kHead = R"toml(
[job]
name = "t"
start_urls = ["http://api.test/items"]
)toml";

std::vector<std::string> Urls(const Parsed& parsed) {
  std::vector<std::string> out;
  for (const Link& l : parsed.links) out.push_back(l.url);
  return out;
}

FieldValue Text(const char* s) { return std::string(s); }

TEST(JsonRulesTest, RecordsTakeEachKindOfValue) {
  auto c = CompileText(kHead + R"toml(
[[rules]]
name = "item"
records = "$.items[*]"
[rules.fields]
name = {}
price = "$.price"
price_real = { json = "$.price", type = "real" }
count = { json = "$.count", type = "int" }
on_sale = "$.on_sale"
note = "$.note"
missing = "$.nope"
tags = "$.tags"
dims = "$.dims"
raw_name = { json = "$.name", type = "json" }
raw_note = { json = "$.note", type = "json" }
sku = { json = "$.sku", strip_prefix = "SKU-" }
first_tag = "$.tags[0]"
)toml");
  ASSERT_TRUE(c->problems.empty()) << c->problems[0].ToString();
  Parsed p = c->parser->Parse("http://api.test/items",
                              "application/json; charset=utf-8", R"json(
{"items": [
  {"name": " Lamp ", "price": 12.5, "count": 3, "on_sale": true,
   "note": null, "tags": ["a", "b"], "dims": {"w": 2, "h": 1},
   "sku": "SKU-77"},
  {"name": "Desk", "price": 100, "count": "x"}
]}
)json",
                              {});
  EXPECT_TRUE(p.unreadable.empty());
  ASSERT_EQ(p.items.size(), 2u);
  const Item& a = p.items[0];
  EXPECT_EQ(a.rule, "item");
  std::vector<std::pair<std::string, FieldValue>> want = {
      {"name", Text("Lamp")},
      {"price", Text("12.5")},
      {"price_real", 12.5},
      {"count", int64_t{3}},
      {"on_sale", Text("true")},
      {"note", std::monostate{}},
      {"missing", std::monostate{}},
      {"tags", Text(R"(["a","b"])")},
      {"dims", Text(R"({"h":1,"w":2})")},
      {"raw_name", Text(R"(" Lamp ")")},
      {"raw_note", Text("null")},
      {"sku", Text("77")},
      {"first_tag", Text("a")},
  };
  EXPECT_EQ(a.fields, want);
  const Item& b = p.items[1];
  EXPECT_EQ(b.fields[1].second, Text("100"));
  EXPECT_EQ(b.fields[2].second, FieldValue(100.0));
  EXPECT_EQ(b.fields[3].second, FieldValue(std::monostate{}));  // "x"
  EXPECT_EQ(b.fields[7].second, FieldValue(std::monostate{}));
}

TEST(JsonRulesTest, RequiredFieldsDropRecordsAndTheLimitCutsThem) {
  auto c = CompileText(kHead + R"toml(
[limits]
max_records_per_page = 2
[[rules]]
name = "item"
records = "$[*]"
[rules.fields]
id = { json = "$.id", type = "int", required = true }
title = { json = "$.title", required = true }
)toml");
  ASSERT_TRUE(c->problems.empty());
  Parsed p = c->parser->Parse(
      "http://api.test/items", "application/json",
      R"([{"id": 1, "title": "a"}, {"id": 2, "title": "  "}, {"title": "c"},
          {"id": 4, "title": null}, {"id": 5, "title": "e"},
          {"id": 6, "title": "f"}, {"id": 7, "title": "g"}])",
      {});
  ASSERT_EQ(p.items.size(), 2u);
  EXPECT_EQ(p.items[1].fields[0].second, FieldValue(int64_t{5}));
  ASSERT_EQ(p.dropped.size(), 1u);
  EXPECT_EQ(p.dropped[0].rule, "item");
  EXPECT_EQ(p.dropped[0].count, 3);
  ASSERT_EQ(p.cuts.size(), 1u);
  EXPECT_EQ(p.cuts[0].what, "records");
  EXPECT_EQ(p.cuts[0].count, 2);
}

TEST(JsonRulesTest, FollowJsonResolvesDedupsAndObeysFollowPatterns) {
  auto c = CompileText(kHead + R"toml(
[[rules]]
name = "all"
url = "/items"
follow_json = ["$.items[*].url", "$.more"]
[[rules]]
name = "picky"
url = "/picky"
follow_json = ["$.items[*].url"]
follow = ['/p/\d+$']
)toml");
  ASSERT_TRUE(c->problems.empty());
  const char* body = R"json({
    "items": [{"url": "/p/1"}, {"url": "p/2?utm_source=x"}, {"url": 3},
              {"url": "https://other.test/p/3"}, {"url": "/p/1"},
              {"url": "mailto:a@b.test"}, {"url": "http://[bad/"}],
    "more": "../about"})json";
  Parsed p = c->parser->Parse("http://api.test/items/list", "application/json",
                              body, {});
  EXPECT_EQ(Urls(p), (std::vector<std::string>{
                         "http://api.test/p/1", "http://api.test/items/p/2",
                         "https://other.test/p/3", "http://api.test/about"}));
  EXPECT_EQ(p.links[2].host, "other.test");
  EXPECT_EQ(p.bad_links, 1);

  Parsed q =
      c->parser->Parse("http://api.test/picky/", "application/json", body, {});
  EXPECT_EQ(Urls(q), (std::vector<std::string>{"http://api.test/p/1",
                                               "http://api.test/picky/p/2",
                                               "https://other.test/p/3"}));
}

TEST(JsonRulesTest, FollowJsonHonoursTheLinkLimit) {
  auto c = CompileText(kHead + R"toml(
[limits]
max_links_per_page = 2
[[rules]]
name = "all"
follow_json = ["$[*]"]
next_request = "/page/{$[0]}"
)toml");
  ASSERT_TRUE(c->problems.empty());
  Parsed p = c->parser->Parse("http://api.test/", "application/json",
                              R"(["a", "b", "c", "d"])", {});
  EXPECT_EQ(Urls(p),
            (std::vector<std::string>{"http://api.test/a", "http://api.test/b",
                                      "http://api.test/page/a"}));
  ASSERT_EQ(p.cuts.size(), 1u);
  EXPECT_EQ(p.cuts[0].what, "links");
  EXPECT_EQ(p.cuts[0].count, 2);
}

TEST(JsonRulesTest, NextRequestFollowsTheCursorUntilTheEnd) {
  auto c = CompileText(kHead + R"toml(
[[rules]]
name = "pager"
next_request = { url = "/items?cursor={$.cursor}&n={$.n}&x={{y}}", until = "$.has_more == false" }
)toml");
  ASSERT_TRUE(c->problems.empty()) << c->problems[0].ToString();
  Parsed p = c->parser->Parse(
      "http://api.test/items", "application/json",
      R"({"cursor": "a b&c=/é", "n": 20, "has_more": true})", {});
  EXPECT_TRUE(p.requests.empty());
  EXPECT_EQ(Urls(p), (std::vector<std::string>{
                         "http://api.test/items?cursor=a%20b%26c%3D%2F%C3%A9&"
                         "n=20&x={y}"}));

  Parsed last = c->parser->Parse("http://api.test/items", "application/json",
                                 R"({"cursor": "z", "has_more": false})", {});
  EXPECT_TRUE(last.links.empty());

  // A placeholder without a scalar value makes no request.
  for (const char* body : {R"({"cursor": null, "n": 1})", R"({"n": 1})",
                           R"({"cursor": {"a": 1}, "n": 1})"}) {
    Parsed none =
        c->parser->Parse("http://api.test/items", "application/json", body, {});
    EXPECT_TRUE(none.links.empty()) << body;
  }
}

TEST(JsonRulesTest, NextRequestTakesAWholeUrlAsIs) {
  auto c = CompileText(kHead + R"toml(
[[rules]]
name = "pager"
next_request = "{$.links.next}"
)toml");
  ASSERT_TRUE(c->problems.empty());
  Parsed p = c->parser->Parse(
      "http://api.test/items", "application/json",
      R"({"links": {"next": "https://api.test/items?page=2&size=10"}})", {});
  EXPECT_EQ(
      Urls(p),
      (std::vector<std::string>{"https://api.test/items?page=2&size=10"}));
}

TEST(JsonRulesTest, NextRequestWithABodyIsARequest) {
  auto c = CompileText(kHead + R"toml(
[[rules]]
name = "search"
url = "/search"
next_request = { url = "/search", body = '{{"after": "{$.after}", "size": {$.size}}}' }
[[rules]]
name = "form"
url = "/form"
next_request = { url = "/form", method = "put", body = "page={$.page}" }
[[rules]]
name = "typed"
url = "/typed"
next_request = { url = "/typed", body = "{$.page}", headers = { "Content-Type" = "text/plain", "X-Key" = "k" } }
)toml");
  ASSERT_TRUE(c->problems.empty()) << c->problems[0].ToString();
  Parsed p = c->parser->Parse("http://api.test/search", "application/json",
                              R"({"after": "k9", "size": 50})", {});
  EXPECT_TRUE(p.links.empty());
  ASSERT_EQ(p.requests.size(), 1u);
  EXPECT_EQ(p.requests[0].method, "POST");
  EXPECT_EQ(p.requests[0].url, "http://api.test/search");
  EXPECT_EQ(p.requests[0].host, "api.test");
  EXPECT_EQ(p.requests[0].body, R"({"after": "k9", "size": 50})");
  EXPECT_EQ(p.requests[0].headers,
            (std::vector<std::string>{"Content-Type: application/json"}));

  Parsed f = c->parser->Parse("http://api.test/form", "application/json",
                              R"({"page": 3})", {});
  ASSERT_EQ(f.requests.size(), 1u);
  EXPECT_EQ(f.requests[0].method, "PUT");
  EXPECT_EQ(f.requests[0].body, "page=3");
  EXPECT_EQ(f.requests[0].headers,
            (std::vector<std::string>{
                "Content-Type: application/x-www-form-urlencoded"}));

  Parsed t = c->parser->Parse("http://api.test/typed", "application/json",
                              R"({"page": "p"})", {});
  ASSERT_EQ(t.requests.size(), 1u);
  EXPECT_EQ(t.requests[0].headers,
            (std::vector<std::string>{"Content-Type: text/plain", "X-Key: k"}));
}

TEST(JsonRulesTest, JsonIsReadByContentTypeOrWhenTheRuleSaysSo) {
  auto c = CompileText(kHead + R"toml(
[[rules]]
name = "by_type"
url = "/typed"
records = "$.items[*]"
[rules.fields]
id = "$.id"
[[rules]]
name = "forced"
url = "/forced"
json = true
records = "$.items[*]"
[rules.fields]
id = "$.id"
)toml");
  ASSERT_TRUE(c->problems.empty());
  const char* body = R"({"items": [{"id": "x"}]})";
  struct Case {
    const char* url;
    const char* content_type;
    size_t items;
  };
  for (const Case& k : {
           Case{"http://api.test/typed", "application/json", 1},
           Case{"http://api.test/typed", "Application/JSON; charset=utf-8", 1},
           Case{"http://api.test/typed", "application/vnd.api+json", 1},
           Case{"http://api.test/typed", "text/json", 1},
           Case{"http://api.test/typed", "text/html", 0},
           Case{"http://api.test/typed", "text/plain", 0},
           Case{"http://api.test/typed", "application/jsonx", 0},
           Case{"http://api.test/forced", "text/plain", 1},
           Case{"http://api.test/forced", "text/html", 1},
           Case{"http://api.test/forced", "", 1},
       }) {
    Parsed p = c->parser->Parse(k.url, k.content_type, body, {});
    EXPECT_EQ(p.items.size(), k.items) << k.url << " " << k.content_type;
    EXPECT_TRUE(p.unreadable.empty()) << k.url << " " << k.content_type;
  }
  // Not JSON, but not read as JSON either: nothing is unreadable.
  Parsed html =
      c->parser->Parse("http://api.test/typed", "text/html", "<p>hello", {});
  EXPECT_TRUE(html.unreadable.empty());
}

TEST(JsonRulesTest, BadJsonIsUnreadable) {
  auto c = CompileText(kHead + R"toml(
[[rules]]
name = "item"
records = "$[*]"
follow_json = ["$[*].url"]
[rules.fields]
id = "$.id"
)toml");
  ASSERT_TRUE(c->problems.empty());
  for (const char* body : {"", "{", R"([{"id": 1},])", R"({"a": "\x"})",
                           "[1] [2]", "nul", "<html></html>"}) {
    Parsed p =
        c->parser->Parse("http://api.test/", "application/json", body, {});
    EXPECT_EQ(p.unreadable, "json_syntax") << body;
    EXPECT_TRUE(p.items.empty()) << body;
    EXPECT_TRUE(p.links.empty()) << body;
  }
}

TEST(JsonRulesTest, DeepJsonIsUnreadableWithoutAParse) {
  auto c = CompileText(kHead + R"toml(
[parse]
max_json_depth = 4
[[rules]]
name = "item"
records = "$..*"
[rules.fields]
id = { json = "$", type = "json" }
)toml");
  ASSERT_TRUE(c->problems.empty());
  // Brackets inside strings (escaped quotes too) do not count.
  Parsed shallow =
      c->parser->Parse("http://api.test/", "application/json",
                       R"([[{"a": "[[[[\"{{{{", "b\\": ["]]]]"]}]])", {});
  EXPECT_TRUE(shallow.unreadable.empty());
  EXPECT_FALSE(shallow.items.empty());
  Parsed deep = c->parser->Parse("http://api.test/", "application/json",
                                 "[[[[{}]]]]", {});
  EXPECT_EQ(deep.unreadable, "json_depth");

  auto d = CompileText(kHead + R"toml(
[[rules]]
name = "item"
json = true
records = "$..*"
[rules.fields]
id = { json = "$", type = "json" }
)toml");
  const std::string hostile =
      std::string(100'000, '[') + std::string(100'000, ']');
  Parsed p = d->parser->Parse("http://api.test/", "text/plain", hostile, {});
  EXPECT_EQ(p.unreadable, "json_depth");
  EXPECT_TRUE(p.items.empty());
  // At the bound exactly, it is read.
  const std::string at_bound = std::string(512, '[') + std::string(512, ']');
  Parsed q = d->parser->Parse("http://api.test/", "text/plain", at_bound, {});
  EXPECT_TRUE(q.unreadable.empty());
  EXPECT_EQ(q.items.size(), 511u);
}

TEST(JsonRulesTest, DepthScanSkipsStrings) {
  EXPECT_FALSE(JsonDeeperThan(R"(["[[[[", "\"[[[["])", 1));
  EXPECT_TRUE(JsonDeeperThan(R"(["\\", [1]])", 1));
  EXPECT_FALSE(JsonDeeperThan("]]]][", 1));
}

TEST(JsonRulesTest, BadQueriesAreJobProblemsAtTheirColumn) {
  auto c = CompileText(kHead + R"toml(
[[rules]]
name = "item"
records = "$.items[?]"
follow_json = ["$.ok", "$.[x]"]
next_request = { url = "/n?c={$.a}&d={$..}", until = "$.x == ", body = "{$.ok}{$[}" }
[rules.fields]
good = "$.good"
bad = "$.x[1:2:0:]"
)toml");
  ASSERT_EQ(c->problems.size(), 6u);
  std::vector<std::string> where;
  for (const config::JobProblem& p : c->problems) {
    where.push_back(p.where.file + ":" + std::to_string(p.where.line) + ":" +
                    std::to_string(p.where.column) + " " + p.key);
    EXPECT_FALSE(p.got.empty()) << p.ToString();
  }
  // The rule's lines start at 6 ([[rules]]); each column was counted by hand
  // from the query's error column and the value's opening quote.
  EXPECT_EQ(where, (std::vector<std::string>{
                       "job.toml:8:21 rules[0].records",
                       "job.toml:13:17 rules[0].fields.bad.json",
                       "job.toml:9:27 rules[0].follow_json[1]",
                       "job.toml:10:42 rules[0].next_request.url",
                       "job.toml:10:82 rules[0].next_request.body",
                       "job.toml:10:62 rules[0].next_request.until",
                   }))
      << c->problems[0].ToString();
  EXPECT_EQ(c->problems[0].expected, "an RFC 9535 JSONPath query");
  EXPECT_EQ(c->problems[5].expected, "an RFC 9535 JSONPath logical expression");
}

TEST(JsonRulesTest, NoindexAndNofollowAreObeyed) {
  auto c = CompileText(kHead + R"toml(
[[rules]]
name = "item"
records = "$.items[*]"
follow_json = ["$.items[*].url"]
next_request = { url = "/more", body = "x={$.n}" }
[rules.fields]
url = "$.url"
)toml");
  ASSERT_TRUE(c->problems.empty());
  std::vector<ResponseHeader> headers = {{"X-Robots-Tag", "noindex, nofollow"}};
  Parsed p = c->parser->Parse("http://api.test/", "application/json",
                              R"({"n": 1, "items": [{"url": "/a"}]})", headers);
  EXPECT_TRUE(p.items.empty());
  EXPECT_TRUE(p.links.empty());
  EXPECT_TRUE(p.requests.empty());
  EXPECT_EQ(p.nofollow_dropped, 2);
}

}  // namespace
}  // namespace crawlbox::parser
