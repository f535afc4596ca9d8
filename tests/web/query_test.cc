#include "web/query.h"

#include <gtest/gtest.h>

namespace crawlbox::web {
namespace {

TEST(QueryParamTest, AValueIsEverythingAfterTheFirstEquals) {
  EXPECT_EQ(QueryParam("/api/items?rule=a=b", "rule"), "a=b");
  EXPECT_EQ(QueryParam("/api/items?limit=2&rule=x==&offset=1", "rule"), "x==");
  EXPECT_EQ(QueryParam("/api/items?limit=2&rule=x", "limit"), "2");
}

TEST(QueryParamTest, DecodesAsFormsAreEncoded) {
  EXPECT_EQ(QueryParam("/?rule=a%3Db+c%2B", "rule"), "a=b c+");
  EXPECT_EQ(QueryParam("/?r%75le=x", "rule"), "x");
  // A '%' without two hex digits stays as it is.
  EXPECT_EQ(QueryParam("/?rule=100%&x=%zz%4", "rule"), "100%");
  EXPECT_EQ(QueryParam("/?x=%zz%4", "x"), "%zz%4");
}

TEST(QueryParamTest, AbsentBareAndRepeatedParameters) {
  EXPECT_FALSE(QueryParam("/api/items", "rule").has_value());
  EXPECT_FALSE(QueryParam("/api/items?rules=a", "rule").has_value());
  EXPECT_FALSE(QueryParam("/api/items?x=1#rule=a", "rule").has_value());
  EXPECT_EQ(QueryParam("/api/items?rule", "rule"), "");
  EXPECT_EQ(QueryParam("/api/items?rule=first&rule=second", "rule"), "first");
  EXPECT_EQ(QueryParam("/api/items?&&rule=a&", "rule"), "a");
}

}  // namespace
}  // namespace crawlbox::web
