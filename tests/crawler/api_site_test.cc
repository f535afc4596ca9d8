// The API test site driven by a plain HTTP client: the cursor-paginated item
// API, JSON search, 405s, and what the request log records of POST bodies.
// The forms and the login are in api_site_forms_test.cc.
#include "tests/support/api_site.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "tests/support/api_data.h"
#include "tests/support/test_server.h"

namespace crawlbox::testing {
namespace {

using Json = nlohmann::json;

Json ParseJson(const std::string& text) {
  Json json = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  EXPECT_FALSE(json.is_discarded()) << text.substr(0, 200);
  return json;
}

TEST(ApiSiteTest, ItemsCursorChainCoversEveryItemOnce) {
  TestServer server;
  httplib::Client client("127.0.0.1", server.port());
  std::map<int, int> seen;  // id → times served
  std::set<std::string> cursors;
  std::string next = "/api/items";
  int pages = 0;
  int whole_prices = 0;
  int decimal_prices = 0;
  while (true) {
    ASSERT_LT(pages, 100) << "the chain does not end";
    auto res = client.Get(next);
    ASSERT_TRUE(res) << next;
    ASSERT_EQ(res->status, 200) << next;
    EXPECT_EQ(res->get_header_value("Content-Type"), "application/json");
    ++pages;
    const Json page = ParseJson(res->body);
    const Json& items = page["data"]["items"];
    ASSERT_TRUE(items.is_array()) << next;
    EXPECT_EQ(items.size(), static_cast<size_t>(kApiItemsPerPage)) << next;
    for (const Json& item : items) {
      const int id = item["id"].get<int>();
      ++seen[id];
      // The served object is exactly the one tests compute from the id.
      EXPECT_EQ(item, Json::parse(ApiItemJson(ApiItem(id)))) << id;
      if (item["price"].is_number_integer()) {
        ++whole_prices;
      } else {
        ++decimal_prices;
      }
    }
    const bool has_more = page["has_more"].get<bool>();
    if (!has_more) {
      EXPECT_TRUE(page["next_cursor"].is_null());
      EXPECT_TRUE(page["links"]["next"].is_null());
      break;
    }
    const std::string cursor = page["next_cursor"].get<std::string>();
    EXPECT_TRUE(cursors.insert(cursor).second) << "cursor repeats: " << cursor;
    // Opaque: not the offset or page number in plain digits.
    EXPECT_NE(cursor, std::to_string(pages * kApiItemsPerPage));
    EXPECT_NE(cursor, std::to_string(pages + 1));
    next = page["links"]["next"].get<std::string>();
    EXPECT_EQ(next, "/api/items?cursor=" + cursor);
  }
  EXPECT_EQ(pages, kApiItemCount / kApiItemsPerPage);
  ASSERT_EQ(seen.size(), static_cast<size_t>(kApiItemCount));
  EXPECT_EQ(seen.begin()->first, 1);
  EXPECT_EQ(seen.rbegin()->first, kApiItemCount);
  for (const auto& [id, times] : seen) EXPECT_EQ(times, 1) << id;
  EXPECT_GT(whole_prices, 100);
  EXPECT_GT(decimal_prices, 100);
  EXPECT_EQ(server.Hits("/api/items"), 1);
}

TEST(ApiSiteTest, ItemValuesAreEscapedAndDeterministic) {
  // 1001 = 7 * 11 * 13: quotes, non-ASCII, a backslash, '&' and '<'.
  const ApiItemRecord item = ApiItem(1001);
  EXPECT_EQ(item.name,
            "Item 1001 \"Deluxe\" Caf\xc3\xa9 \xe2\x98\x95 \xe8\x8c\xb6 "
            "back\\slash & <tag>");
  EXPECT_EQ(ApiItem(1001).price_cents, item.price_cents);
  EXPECT_EQ(ApiPriceText(1200), "12");
  EXPECT_EQ(ApiPriceText(1250), "12.5");
  EXPECT_EQ(ApiPriceText(1205), "12.05");

  TestServer server;
  httplib::Client client("127.0.0.1", server.port());
  auto res = client.Get("/api/items/1001");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200);
  EXPECT_NE(res->body.find(R"("name":"Item 1001 \"Deluxe\" Caf)"),
            std::string::npos)
      << res->body;
  EXPECT_NE(res->body.find(R"(back\\slash & <tag>)"), std::string::npos);
  const Json json = ParseJson(res->body);
  EXPECT_EQ(json["name"].get<std::string>(), item.name);
  EXPECT_EQ(json["url"].get<std::string>(), "/api/items/1001");
  EXPECT_EQ(json["details"]["sku"].get<std::string>(), "SKU-01001");
  EXPECT_EQ(json["price"].dump(), ApiPriceText(item.price_cents));

  // A note with a newline (id % 9 == 0) and one that is null.
  auto with_note = client.Get("/api/items/9");
  ASSERT_TRUE(with_note);
  EXPECT_NE(with_note->body.find(R"(Ships in 2 days\nHandle)"),
            std::string::npos);
  auto without_note = client.Get("/api/items/1");
  ASSERT_TRUE(without_note);
  EXPECT_TRUE(ParseJson(without_note->body)["details"]["note"].is_null());
}

TEST(ApiSiteTest, RejectsBadCursorsAndUnknownItems) {
  TestServer server;
  httplib::Client client("127.0.0.1", server.port());
  std::string upper = ApiCursor(100);
  for (char& c : upper) c = static_cast<char>(std::toupper(c));
  const std::vector<std::string> bad = {
      "",
      "100",
      "1",
      "zzzzzzzz",
      ApiCursor(150),  // not a page start
      ApiCursor(kApiItemCount),
      ApiCursor(-100),
      upper == ApiCursor(100) ? "x" : upper,
      ApiCursor(100) + "0",
  };
  for (const std::string& cursor : bad) {
    auto res = client.Get("/api/items?cursor=" + cursor);
    ASSERT_TRUE(res) << cursor;
    EXPECT_EQ(res->status, 400) << cursor;
    EXPECT_EQ(ParseJson(res->body)["error"], "bad cursor") << cursor;
  }
  auto twice = client.Get("/api/items?cursor=" + ApiCursor(100) +
                          "&cursor=" + ApiCursor(200));
  ASSERT_TRUE(twice);
  EXPECT_EQ(twice->status, 400);

  auto good = client.Get("/api/items?cursor=" + ApiCursor(4900));
  ASSERT_TRUE(good);
  ASSERT_EQ(good->status, 200);
  EXPECT_EQ(good->body, ApiItemsPageJson(4900));
  EXPECT_FALSE(ParseJson(good->body)["has_more"].get<bool>());

  for (const char* path : {"/api/items/0", "/api/items/5001"}) {
    auto res = client.Get(path);
    ASSERT_TRUE(res) << path;
    EXPECT_EQ(res->status, 404) << path;
    EXPECT_EQ(ParseJson(res->body)["error"], "no such item") << path;
  }
}

TEST(ApiSiteTest, AnswersWrongMethodsWith405AndAllow) {
  TestServer server;
  httplib::Client client("127.0.0.1", server.port());
  auto get_results = client.Get("/app/search/results");
  ASSERT_TRUE(get_results);
  EXPECT_EQ(get_results->status, 405);
  EXPECT_EQ(get_results->get_header_value("Allow"), "POST");

  auto post_items = client.Post("/api/items", "{}", "application/json");
  ASSERT_TRUE(post_items);
  EXPECT_EQ(post_items->status, 405);
  EXPECT_EQ(post_items->get_header_value("Allow"), "GET, HEAD");

  // The built-in GET endpoints answer other methods the same way.
  auto post_status = client.Post("/status/200", "x", "text/plain");
  ASSERT_TRUE(post_status);
  EXPECT_EQ(post_status->status, 405);

  auto delete_login = client.Delete("/app/login");
  ASSERT_TRUE(delete_login);
  EXPECT_EQ(delete_login->status, 405);
  EXPECT_EQ(delete_login->get_header_value("Allow"), "GET, HEAD, POST");

  auto get_search = client.Get("/api/search");
  ASSERT_TRUE(get_search);
  EXPECT_EQ(get_search->status, 405);

  auto head_items = client.Head("/api/items");
  ASSERT_TRUE(head_items);
  EXPECT_EQ(head_items->status, 200);

  auto put_nowhere = client.Put("/nowhere", "x", "text/plain");
  ASSERT_TRUE(put_nowhere);
  EXPECT_EQ(put_nowhere->status, 404);
}

TEST(ApiSiteTest, JsonSearchTakesAJsonBody) {
  TestServer server;
  httplib::Client client("127.0.0.1", server.port());
  const std::vector<int> ids =
      ApiSearchIds({"deluxe", SearchSort::kRelevance, false});
  ASSERT_GT(ids.size(), static_cast<size_t>(2 * kSearchHitsPerPage));

  auto res = client.Post("/api/search", R"({"q":"DeLuxe","page":2})",
                         "application/json; charset=utf-8");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  EXPECT_EQ(res->body, ApiSearchJson("DeLuxe", 2));
  const Json json = ParseJson(res->body);
  EXPECT_EQ(json["total"].get<size_t>(), ids.size());
  EXPECT_EQ(json["page"].get<int>(), 2);
  EXPECT_EQ(json["next_page"].get<int>(), 3);
  ASSERT_EQ(json["items"].size(), static_cast<size_t>(kSearchHitsPerPage));
  for (int k = 0; k < kSearchHitsPerPage; ++k) {
    EXPECT_EQ(json["items"][k]["id"].get<int>(), ids[kSearchHitsPerPage + k]);
  }

  // The last page, and "page" left out.
  const int pages = SearchPageCount(ids.size());
  auto last = client.Post(
      "/api/search", R"({"q":"deluxe","page":)" + std::to_string(pages) + "}",
      "application/json");
  ASSERT_TRUE(last);
  EXPECT_TRUE(ParseJson(last->body)["next_page"].is_null());
  EXPECT_FALSE(ParseJson(last->body)["has_more"].get<bool>());
  auto first =
      client.Post("/api/search", R"({"q":"deluxe"})", "application/json");
  ASSERT_TRUE(first);
  EXPECT_EQ(ParseJson(first->body)["page"].get<int>(), 1);

  auto form = client.Post("/api/search", "q=deluxe",
                          "application/x-www-form-urlencoded");
  ASSERT_TRUE(form);
  EXPECT_EQ(form->status, 415);
  for (const char* body :
       {"{", "[]", R"({"page":1})", R"({"q":1})", R"({"q":"a","page":0})",
        R"({"q":"a","page":"2"})"}) {
    auto bad = client.Post("/api/search", body, "application/json");
    ASSERT_TRUE(bad) << body;
    EXPECT_EQ(bad->status, 400) << body;
  }
}

TEST(ApiSiteTest, RequestLogKeepsBodiesContentTypesAndCookies) {
  TestServer server;
  std::string received;
  server.Post("/echo", [&received](const httplib::Request& req,
                                   const std::smatch&, httplib::Response& res) {
    received = req.body;
    res.set_content("ok\n", "text/plain");
  });
  httplib::Client client("127.0.0.1", server.port());
  const httplib::Headers cookie = {{"Cookie", "a=1; session=xyz"}};
  ASSERT_TRUE(client.Post("/echo", cookie, "first=1", "text/plain"));
  EXPECT_EQ(received, "first=1");
  ASSERT_TRUE(client.Post("/echo", "second=2", "text/plain"));
  ASSERT_TRUE(client.Post("/echo", "first=1", "text/plain"));
  const std::string big(100 * 1024, 'b');
  ASSERT_TRUE(client.Post("/echo", big, "application/octet-stream"));
  EXPECT_EQ(received.size(), big.size());
  httplib::MultipartFormDataItems parts = {{"z", "last & first", "", ""},
                                           {"a", "1", "", ""}};
  ASSERT_TRUE(client.Post("/echo", parts));
  ASSERT_TRUE(client.Get("/api/items/1", cookie));

  const std::vector<RequestRecord> log = server.RequestLog();
  ASSERT_EQ(log.size(), 6u);
  EXPECT_EQ(log[0].method, "POST");
  EXPECT_EQ(log[0].target, "/echo");
  EXPECT_EQ(log[0].body, "first=1");
  EXPECT_EQ(log[0].content_type, "text/plain");
  EXPECT_EQ(log[0].cookie, "a=1; session=xyz");
  EXPECT_EQ(log[1].cookie, "");
  EXPECT_EQ(log[3].body, std::string(64 * 1024, 'b'));
  EXPECT_EQ(log[4].body, "a=1&z=last%20%26%20first");
  EXPECT_EQ(log[4].content_type.rfind("multipart/form-data", 0), 0u);
  EXPECT_EQ(log[5].method, "GET");
  EXPECT_EQ(log[5].body, "");
  EXPECT_EQ(log[5].cookie, "a=1; session=xyz");

  // Method + target + body tells repeated requests from different ones.
  std::map<std::tuple<std::string, std::string, std::string>, int> times;
  for (const RequestRecord& r : log) ++times[{r.method, r.target, r.body}];
  EXPECT_EQ((times[{"POST", "/echo", "first=1"}]), 2);
  EXPECT_EQ((times[{"POST", "/echo", "second=2"}]), 1);
  EXPECT_EQ(server.Hits("/echo"), 5);
}

}  // namespace
}  // namespace crawlbox::testing
