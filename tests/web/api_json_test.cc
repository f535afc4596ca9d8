// The API documents: bytes from the web never break them, and nothing in them
// can be read as markup.
#include "web/api_json.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace crawlbox::web {
namespace {

using nlohmann::json;

TEST(ApiJsonTest, ItemsSurviveInvalidUtf8AndTextsThatAreNotJson) {
  ItemsData d;
  d.rule = "board";
  d.total = 2;
  d.limit = 20;
  storage::StoredItem bad_utf8;
  bad_utf8.id = 1;
  bad_utf8.rule = "board";
  bad_utf8.url = "http://h/\xff\xfe";
  bad_utf8.json = R"({"title":"ok"})";
  storage::StoredItem not_json;
  not_json.id = 2;
  not_json.rule = "board";
  not_json.url = "http://h/2";
  not_json.json = "{not json";
  d.items = {bad_utf8, not_json};
  const std::string text = ItemsJson(d);
  json j = json::parse(text, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << text;
  EXPECT_EQ(j["items"][0]["url"], "http://h/\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(j["items"][0]["record"]["title"], "ok");
  EXPECT_EQ(j["items"][1]["record"], "{not json");
}

TEST(ApiJsonTest, AngleBracketsAndAmpersandsAreEscaped) {
  ErrorsData d;
  storage::FailedPage page;
  page.url = "http://h/?a=<script>&b=</script>";
  page.error = "timeout";
  d.recent = {page};
  const std::string text = ErrorsJson(d);
  EXPECT_EQ(text.find('<'), std::string::npos) << text;
  EXPECT_EQ(text.find('>'), std::string::npos) << text;
  EXPECT_EQ(text.find('&'), std::string::npos) << text;
  json j = json::parse(text);
  EXPECT_EQ(j["recent"][0]["url"], page.url);
  EXPECT_EQ(json::parse(ErrorJson("a <b> & c"))["error"], "a <b> & c");
}

TEST(ApiJsonTest, StatusShowsUnknownsAsNull) {
  StatusData d;
  d.source = "database";
  const json j = json::parse(StatusJson(d));
  EXPECT_TRUE(j["crawl_id"].is_null());
  EXPECT_TRUE(j["state"].is_null());
  EXPECT_TRUE(j["eta_s"].is_null());
  EXPECT_TRUE(j["remaining_pages"].is_null());
  EXPECT_TRUE(j["hosts"].is_null());
  EXPECT_TRUE(j["history"].is_array());
  d.eta_s = 1.23456;
  d.remaining_pages = 0;
  const json k = json::parse(StatusJson(d));
  EXPECT_DOUBLE_EQ(k["eta_s"].get<double>(), 1.235);
  EXPECT_EQ(k["remaining_pages"], 0);
}

}  // namespace
}  // namespace crawlbox::web
