// ParseCookieLine: libcurl's cookie list lines (Netscape format), accepted
// and rejected.
#include "crawler/fetch/cookie.h"

#include <gtest/gtest.h>

namespace crawlbox::crawler {
namespace {

TEST(CookieTest, ParsesLibcurlCookieListLines) {
  struct Case {
    const char* line;
    Cookie want;
  };
  const Case accepted[] = {
      {"127.0.0.1\tFALSE\t/\tFALSE\t0\tsession\tabc123",
       {"session", "abc123", "127.0.0.1", true, "/", false, false, 0}},
      {"#HttpOnly_.example.com\tTRUE\t/app\tTRUE\t1893456000\tsid\tx=y",
       {"sid", "x=y", "example.com", false, "/app", true, true, 1893456000}},
      {"example.com\tFALSE\t\tFALSE\t0\tempty\t",
       {"empty", "", "example.com", true, "/", false, false, 0}},
  };
  for (const Case& c : accepted) {
    std::optional<Cookie> got = ParseCookieLine(c.line);
    ASSERT_TRUE(got) << c.line;
    EXPECT_EQ(got->name, c.want.name) << c.line;
    EXPECT_EQ(got->value, c.want.value) << c.line;
    EXPECT_EQ(got->domain, c.want.domain) << c.line;
    EXPECT_EQ(got->host_only, c.want.host_only) << c.line;
    EXPECT_EQ(got->path, c.want.path) << c.line;
    EXPECT_EQ(got->secure, c.want.secure) << c.line;
    EXPECT_EQ(got->http_only, c.want.http_only) << c.line;
    EXPECT_EQ(got->expires, c.want.expires) << c.line;
  }
  const char* rejected[] = {
      "",
      "# Netscape HTTP Cookie File",
      "example.com\tFALSE\t/\tFALSE\t0\tname",  // no value field
      "example.com\tFALSE\t/\tFALSE\tsoon\tname\tvalue",
      "example.com\tFALSE\t/\tFALSE\t0\t\tvalue",  // no name
  };
  for (const char* line : rejected) EXPECT_FALSE(ParseCookieLine(line)) << line;
}

}  // namespace
}  // namespace crawlbox::crawler
