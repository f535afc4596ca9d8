// Tests of crawler/fetch/request.h's request helpers: the stored extras
// (headers and body) round trip byte for byte, a body's key, safe methods.
#include "crawler/fetch/request.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace crawlbox::crawler {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST(RequestTest, ExtrasRoundTripByteForByte) {
  struct Case {
    const char* name;
    std::vector<std::string> headers;
    std::string body;
  };
  const Case cases[] = {
      {"headers and a binary body with CRLFs",
       {"Content-Type: application/octet-stream", "X-A: 1"},
       std::string("\r\n\r\nline\r\n\0\xff\r\n", 14)},
      {"no headers", {}, "\r\nq=1&r=2\r\n"},
      {"headers only", {"Accept: application/json", "Cookie: a=b"}, ""},
      {"one header, a body of one CRLF", {"X: y"}, "\r\n"},
      {"neither", {}, ""},
  };
  for (const Case& c : cases) {
    const std::string encoded = EncodeRequestExtras(c.headers, c.body);
    std::vector<std::string> headers = {"stale"};
    std::string body = "stale";
    DecodeRequestExtras(encoded, &headers, &body);
    EXPECT_EQ(headers, c.headers) << c.name;
    EXPECT_EQ(body, c.body) << c.name;
  }
  EXPECT_EQ(EncodeRequestExtras({}, ""), "");
  EXPECT_EQ(EncodeRequestExtras({"A: 1"}, ""), "A: 1\r\n\r\n");
  EXPECT_EQ(EncodeRequestExtras({}, "b"), "\r\nb");
  EXPECT_EQ(EncodeRequestExtras({"A: 1", "B: 2"}, "b\r\n"),
            "A: 1\r\nB: 2\r\n\r\nb\r\n");
}

TEST(RequestTest, ExtrasWithoutTheEmptyLineAreHeaders) {
  std::vector<std::string> headers;
  std::string body;
  DecodeRequestExtras("A: 1", &headers, &body);
  EXPECT_THAT(headers, ElementsAre("A: 1"));
  EXPECT_THAT(body, IsEmpty());
  DecodeRequestExtras("A: 1\r\nB: 2", &headers, &body);
  EXPECT_THAT(headers, ElementsAre("A: 1", "B: 2"));
  EXPECT_THAT(body, IsEmpty());
}

TEST(RequestTest, ABodyKeyIsEmptyOnlyWithoutABody) {
  EXPECT_EQ(RequestBodyKey(""), "");
  const std::string a = RequestBodyKey("q=1");
  EXPECT_FALSE(a.empty());
  EXPECT_EQ(a, RequestBodyKey("q=1"));
  EXPECT_NE(a, RequestBodyKey("q=2"));
  EXPECT_NE(RequestBodyKey(std::string("\0", 1)), RequestBodyKey(""));
}

TEST(RequestTest, SafeMethods) {
  for (const char* method : {"GET", "HEAD", "OPTIONS", "TRACE"})
    EXPECT_TRUE(IsSafeMethod(method)) << method;
  for (const char* method : {"POST", "PUT", "DELETE", "PATCH", "get", ""})
    EXPECT_FALSE(IsSafeMethod(method)) << method;
}

TEST(RequestTest, APlainGetHasNoMethodHeadersOrBody) {
  Request request;
  EXPECT_TRUE(request.IsPlainGet());
  request.headers = {"Accept: */*"};
  EXPECT_FALSE(request.IsPlainGet());
  request.headers.clear();
  request.method = "HEAD";
  EXPECT_FALSE(request.IsPlainGet());
}

}  // namespace
}  // namespace crawlbox::crawler
