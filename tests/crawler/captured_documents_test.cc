// Tests of crawler/engine/captured_documents.h: a rendered page's captured
// JSON through the rules and into the page's Parsed, within the page's
// bounds and robots directives, and what is counted. No browser: the
// Responses are made by hand.
#include "crawler/engine/captured_documents.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "config/job_loader.h"
#include "crawler/engine/item_json.h"
#include "parser/page_parser.h"
#include "tests/support/job_problems.h"

namespace crawlbox::crawler {
namespace {

// A rule for the page (links to /p/...) and a JSON rule for /api/ documents:
// records from $.items, links from $.next.
std::string JobText(const std::string& extra = "") {
  return "[job]\nname = \"t\"\nstart_urls = [\"https://e.com/app\"]\n" + extra +
         "[render]\ncapture = ['/api/']\n"
         "[[rules]]\nname = \"app\"\nurl = '/app'\nrender = true\n"
         "follow = ['/p/']\n"
         "[[rules]]\nname = \"things\"\nurl = '/api/'\n"
         "records = \"$.items[*]\"\nfollow_json = [\"$.next\"]\n"
         "[rules.fields]\nid = { json = \"$.id\", type = \"int\", required = "
         "true }\n";
}

class CapturedDocumentsTest : public ::testing::Test {
 protected:
  void Load(const std::string& extra = "") {
    loaded_ = config::LoadJobText(JobText(extra), "job.toml");
    ASSERT_TRUE(loaded_.ok()) << testing::ProblemsText(loaded_);
    std::vector<config::JobProblem> problems;
    parser_ = parser::PageParser::Compile(loaded_.job, &problems);
    ASSERT_TRUE(problems.empty()) << problems[0].ToString();
  }

  // The page https://e.com/app with `html` as its rendered DOM, merged with
  // `captured`.
  parser::Parsed Merge(const std::string& html,
                       std::vector<Captured> captured) {
    Response response;
    response.final_url = "https://e.com/app";
    response.status = 200;
    response.content_type = "text/html; charset=utf-8";
    response.body = html;
    response.rendered = true;
    response.captured = std::move(captured);
    parser::Parsed parsed = parser_->Parse(
        response.final_url, response.content_type, response.body, {});
    MergeCaptured(*parser_, loaded_.job, response, {}, &counters_, &parsed);
    return parsed;
  }

  static Captured Json(const std::string& path, const std::string& body) {
    Captured c;
    c.url = "https://e.com" + path;
    c.status = 200;
    c.content_type = "application/json";
    c.body = body;
    return c;
  }

  static std::vector<std::string> Records(const parser::Parsed& parsed) {
    std::vector<std::string> out;
    for (const parser::Item& item : parsed.items)
      out.push_back(item.rule + " " + ItemToJson(item));
    return out;
  }

  static std::vector<std::string> Links(const parser::Parsed& parsed) {
    std::vector<std::string> out;
    for (const parser::Link& link : parsed.links) out.push_back(link.url);
    return out;
  }

  config::LoadedJob loaded_;
  std::unique_ptr<parser::PageParser> parser_;
  Counters counters_;
};

constexpr char kPage[] =
    "<html><body><a href=\"/p/1\">one</a><a href=\"/p/2\">two</a></body>"
    "</html>";

TEST_F(CapturedDocumentsTest, RecordsAndLinksOfEachDocumentJoinThePage) {
  Load();
  parser::Parsed parsed = Merge(
      kPage, {Json("/api/a", R"({"items":[{"id":1},{"id":2}],"next":"/p/2"})"),
              Json("/api/b", R"({"items":[{"id":3},{}],"next":"/p/3"})"),
              Json("/other", R"({"items":[{"id":9}]})")});
  EXPECT_EQ(Records(parsed),
            (std::vector<std::string>{"things {\"id\":1}", "things {\"id\":2}",
                                      "things {\"id\":3}"}));
  // /p/2 is the page's already; /p/3 is resolved against /api/b.
  EXPECT_EQ(Links(parsed),
            (std::vector<std::string>{"https://e.com/p/1", "https://e.com/p/2",
                                      "https://e.com/p/3"}));
  ASSERT_EQ(parsed.dropped.size(), 1u);
  EXPECT_EQ(parsed.dropped[0].rule, "things");
  EXPECT_EQ(parsed.dropped[0].count, 1);
  // /other matches no rule: read all the same (the capture pattern is the
  // renderer's business), with nothing to give.
  EXPECT_EQ(counters_.Get("render/captured"), 3);
  EXPECT_GT(counters_.Get("render/capture_bytes"), 0);
}

TEST_F(CapturedDocumentsTest, FailuresAndUnreadableDocumentsAreCounted) {
  Load();
  Captured failed = Json("/api/slow", "");
  failed.error = "timeout";
  parser::Parsed parsed =
      Merge(kPage, {failed, Json("/api/broken", "{\"items\": ["),
                    Json("/api/ok", R"({"items":[{"id":7}]})")});
  EXPECT_EQ(Records(parsed), (std::vector<std::string>{"things {\"id\":7}"}));
  EXPECT_EQ(parsed.unreadable, "") << "the page itself is readable";
  EXPECT_EQ(counters_.Get("render/capture_failed/timeout"), 1);
  EXPECT_EQ(counters_.Get("render/capture_failed/json_syntax"), 1);
  EXPECT_EQ(counters_.Get("render/captured"), 1);
}

TEST_F(CapturedDocumentsTest, ThePagesNoindexAndNofollowHoldForItsDocuments) {
  Load();
  const std::string api = R"({"items":[{"id":1}],"next":"/p/3"})";
  parser::Parsed noindex = Merge(
      "<html><head><meta name=\"robots\" content=\"noindex\"></head><body>"
      "<a href=\"/p/1\">one</a></body></html>",
      {Json("/api/a", api)});
  EXPECT_TRUE(noindex.items.empty());
  EXPECT_EQ(Links(noindex), (std::vector<std::string>{"https://e.com/p/1",
                                                      "https://e.com/p/3"}));

  parser::Parsed nofollow = Merge(
      "<html><head><meta name=\"robots\" content=\"nofollow\"></head><body>"
      "<a href=\"/p/1\">one</a></body></html>",
      {Json("/api/a", api)});
  EXPECT_EQ(Records(nofollow), (std::vector<std::string>{"things {\"id\":1}"}));
  EXPECT_TRUE(nofollow.links.empty());
  EXPECT_EQ(nofollow.nofollow_dropped, 2);
}

// limits.max_records_per_page and max_links_per_page count the page and its
// documents together; what is past them is the page's cut.
TEST_F(CapturedDocumentsTest, ThePageBoundsHoldForThePageAndItsDocuments) {
  Load("[limits]\nmax_records_per_page = 3\nmax_links_per_page = 3\n");
  parser::Parsed parsed =
      Merge(kPage,
            {Json("/api/a", R"({"items":[{"id":1},{"id":2}],"next":"/p/3"})"),
             Json("/api/b", R"({"items":[{"id":3},{"id":4}],"next":"/p/4"})")});
  EXPECT_EQ(parsed.items.size(), 3u);
  EXPECT_EQ(Links(parsed),
            (std::vector<std::string>{"https://e.com/p/1", "https://e.com/p/2",
                                      "https://e.com/p/3"}));
  int64_t records_cut = 0, links_cut = 0;
  for (const parser::Cut& cut : parsed.cuts) {
    if (cut.what == "records") records_cut = cut.count;
    if (cut.what == "links") links_cut = cut.count;
  }
  EXPECT_EQ(records_cut, 1);
  EXPECT_EQ(links_cut, 1);
}

}  // namespace
}  // namespace crawlbox::crawler
