// RateHistory: per-second pages into chart points and recent rates, with
// bounded memory.
#include "web/rate_history.h"

#include <gtest/gtest.h>

namespace crawlbox::web {
namespace {

constexpr double kStart = 1'700'000'000.25;  // a run that began mid-second
constexpr int64_t kSecond0 = 1'700'000'000;

TEST(RateHistoryTest, PointsCoverTheRunFromItsStartWithGapsAsZeros) {
  RateHistory h;
  h.Reset(7, kStart);
  EXPECT_EQ(h.crawl_id(), 7);
  h.Add(
      {{kSecond0, 10, 1000}, {kSecond0 + 1, 20, 2000}, {kSecond0 + 4, 5, 500}});
  h.Add({{kSecond0 + 1, 2, 200}});  // the same second again adds up
  std::vector<RatePoint> points = h.Points(kSecond0 + 5.0, 100);
  ASSERT_EQ(points.size(), 5u);
  EXPECT_DOUBLE_EQ(points[0].t_s, 0);
  EXPECT_DOUBLE_EQ(points[0].pages_per_s, 10);
  EXPECT_DOUBLE_EQ(points[1].pages_per_s, 22);
  EXPECT_DOUBLE_EQ(points[1].bytes_per_s, 2200);
  EXPECT_DOUBLE_EQ(points[2].pages_per_s, 0);
  EXPECT_DOUBLE_EQ(points[3].pages_per_s, 0);
  EXPECT_DOUBLE_EQ(points[4].t_s, 4);
  EXPECT_DOUBLE_EQ(points[4].pages_per_s, 5);

  // Fewer points than seconds: neighbours merge, rates stay per second.
  std::vector<RatePoint> two = h.Points(kSecond0 + 4.0, 2);
  ASSERT_EQ(two.size(), 2u);
  EXPECT_DOUBLE_EQ(two[0].pages_per_s, 16);  // (10 + 22) / 2 s
  EXPECT_DOUBLE_EQ(two[1].t_s, 2);
  EXPECT_DOUBLE_EQ(two[1].pages_per_s, 0);

  // Recent rates over a window (at least three steps); a young run divides
  // by its age.
  EXPECT_DOUBLE_EQ(h.PagesPerSecond(kSecond0 + 5.0, 4), 6.75);  // 27 in 4 s
  EXPECT_DOUBLE_EQ(h.PagesPerSecond(kSecond0 + 5.0, 1), 5.0 / 3);
  EXPECT_DOUBLE_EQ(h.BytesPerSecond(kSecond0 + 5.0, 3), 500.0 / 3);
  EXPECT_DOUBLE_EQ(h.PagesPerSecond(kSecond0 + 2.0, 10), 16);  // 32 in 2 s
}

TEST(RateHistoryTest, ResetForgetsAndNoRunHasNoPoints) {
  RateHistory h;
  EXPECT_TRUE(h.Points(kStart + 10, 100).empty());
  h.Reset(1, kStart);
  h.Add({{kSecond0, 10, 1}});
  h.set_last_page_id(42);
  h.Reset(2, kStart + 100);
  EXPECT_EQ(h.last_page_id(), 0);
  std::vector<RatePoint> points = h.Points(kStart + 101, 100);
  ASSERT_FALSE(points.empty());
  for (const RatePoint& p : points) EXPECT_DOUBLE_EQ(p.pages_per_s, 0);
}

TEST(RateHistoryTest, LongRunsCoarsenInsteadOfGrowing) {
  RateHistory h;
  h.Reset(1, kStart);
  const int64_t seconds = 3 * static_cast<int64_t>(RateHistory::kMaxBuckets);
  std::vector<storage::SecondCount> counts;
  for (int64_t i = 0; i < seconds; ++i) counts.push_back({kSecond0 + i, 3, 30});
  h.Add(counts);
  // Every page is still counted, at a coarser step.
  std::vector<RatePoint> points =
      h.Points(static_cast<double>(kSecond0 + seconds), 300);
  ASSERT_LE(points.size(), 300u);
  double pages = 0;
  const double step = points[1].t_s - points[0].t_s;
  for (const RatePoint& p : points) {
    EXPECT_NEAR(p.pages_per_s, 3, 1e-9) << p.t_s;
    pages += p.pages_per_s * step;
  }
  EXPECT_NEAR(pages, 3.0 * seconds, 3.0 * step);
  EXPECT_NEAR(h.PagesPerSecond(static_cast<double>(kSecond0 + seconds), 10), 3,
              0.5);
}

}  // namespace
}  // namespace crawlbox::web
