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

// Enough URLs for many merges of the newest hashes into the sorted part,
// interleaved with lookups of old and new ones.
TEST(SeenUrlsTest, StaysExactAcrossMerges) {
  SeenUrls seen;
  constexpr int kUrls = 400000;
  for (int i = 0; i < kUrls; ++i) {
    ASSERT_FALSE(seen.CheckAndInsert("http://h/a" + std::to_string(i))) << i;
    if (i % 7 == 0) {
      ASSERT_TRUE(seen.CheckAndInsert("http://h/a" + std::to_string(i / 2)))
          << i;
    }
  }
  for (int i = 0; i < kUrls; ++i) {
    ASSERT_TRUE(seen.CheckAndInsert("http://h/a" + std::to_string(i))) << i;
    ASSERT_FALSE(seen.CheckAndInsert("http://h/b" + std::to_string(i))) << i;
  }
  EXPECT_EQ(seen.size(), 2u * kUrls);
}

TEST(SeenUrlsTest, StaysWithinItsBoundByForgetting) {
  SeenUrls seen(/*max_urls=*/3072);
  for (int i = 0; i < 50000; ++i)
    seen.CheckAndInsert("http://h/" + std::to_string(i));
  EXPECT_LE(seen.size(), 3072u);
  // Something forgotten is simply new again: the database decides.
  EXPECT_FALSE(seen.CheckAndInsert("http://h/0"));
}

// The bound holds however many merges came before it is reached.
TEST(SeenUrlsTest, ForgetsAfterMergesToo) {
  SeenUrls seen(/*max_urls=*/200000);
  for (int i = 0; i < 500000; ++i) {
    seen.CheckAndInsert("http://h/" + std::to_string(i));
    ASSERT_LE(seen.size(), 200000u) << i;
  }
  EXPECT_TRUE(seen.CheckAndInsert("http://h/499999"));
  EXPECT_FALSE(seen.CheckAndInsert("http://h/0"));
}

}  // namespace
}  // namespace crawlbox::crawler
