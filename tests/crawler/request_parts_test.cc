// Tests of crawler/frontier/request_parts.h: the row a request becomes, and
// the dedup key that tells requests of one URL apart.
#include "crawler/frontier/request_parts.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

namespace crawlbox::crawler {
namespace {

storage::NewUrl Entry(const std::string& url, const std::string& method,
                      const std::string& body,
                      const std::vector<std::string>& headers = {}) {
  storage::NewUrl entry;
  entry.url = url;
  entry.host = "h";
  entry.request = PartsOf(method, headers, body);
  return entry;
}

std::string Key(const storage::NewUrl& url) {
  std::string scratch;
  return std::string(SeenKey(url, &scratch));
}

TEST(RequestPartsTest, PartsOfAPlainGetAreEmpty) {
  storage::RequestParts parts = PartsOf("", {}, "");
  EXPECT_EQ(parts.method, "GET");
  EXPECT_EQ(parts.body_key, "");
  EXPECT_EQ(parts.encoded, "");

  Request request;
  request.method = "POST";
  request.headers = {"Content-Type: text/plain"};
  request.body = "hi";
  storage::RequestParts post = PartsOf(request);
  EXPECT_EQ(post.method, "POST");
  EXPECT_EQ(post.body_key, RequestBodyKey("hi"));
  EXPECT_EQ(post.encoded, EncodeRequestExtras(request.headers, "hi"));
}

TEST(RequestPartsTest, APlainGetIsKnownByItsUrlWithoutACopy) {
  storage::NewUrl get = Entry("http://h/a", "GET", "");
  std::string scratch;
  std::string_view key = SeenKey(get, &scratch);
  EXPECT_EQ(key, "http://h/a");
  EXPECT_EQ(key.data(), get.url.data());
  // Headers alone do not make another entry.
  EXPECT_EQ(Key(Entry("http://h/a", "GET", "", {"Accept: x"})), "http://h/a");
}

TEST(RequestPartsTest, SeenKeyTellsRequestsOfOneUrlApart) {
  const std::vector<storage::NewUrl> entries = {
      Entry("http://h/a", "GET", ""),     Entry("http://h/a", "POST", ""),
      Entry("http://h/a", "POST", "q=1"), Entry("http://h/a", "POST", "q=2"),
      Entry("http://h/a", "PUT", "q=1"),  Entry("http://h/a", "GET", "q=1"),
      Entry("http://h/b", "POST", "q=1"),
  };
  std::set<std::string> keys;
  for (const storage::NewUrl& entry : entries) {
    EXPECT_TRUE(keys.insert(Key(entry)).second)
        << entry.request.method << " " << entry.url << " "
        << entry.request.body_key;
  }
  // The same request again (other headers: not part of the identity).
  EXPECT_EQ(Key(Entry("http://h/a", "POST", "q=1", {"X: 1"})), Key(entries[2]));
  EXPECT_NE(Key(entries[1]), "http://h/a");
}

}  // namespace
}  // namespace crawlbox::crawler
