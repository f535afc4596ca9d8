// SeenUrls: exact for what it holds, bounded in size, and forgetting is
// harmless.
#include "crawler/frontier/seen_urls.h"

#include <gtest/gtest.h>

#include <string>

namespace crawlbox::crawler {
namespace {

TEST(SeenUrlsTest, RemembersWhatItWasGiven) {
  SeenUrls seen;
  for (int i = 0; i < 100000; ++i) {
    ASSERT_FALSE(seen.CheckAndInsert("http://h/" + std::to_string(i))) << i;
  }
  for (int i = 0; i < 100000; ++i) {
    ASSERT_TRUE(seen.CheckAndInsert("http://h/" + std::to_string(i))) << i;
  }
  EXPECT_EQ(seen.size(), 100000u);
}

TEST(SeenUrlsTest, StaysWithinItsBoundByForgetting) {
  SeenUrls seen(/*max_slots=*/4096);
  for (int i = 0; i < 50000; ++i)
    seen.CheckAndInsert("http://h/" + std::to_string(i));
  EXPECT_LE(seen.size(), 4096u * 3 / 4);
  // Something forgotten is simply new again: the database decides.
  EXPECT_FALSE(seen.CheckAndInsert("http://h/0"));
}

}  // namespace
}  // namespace crawlbox::crawler
