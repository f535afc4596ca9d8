// Frontier: FIFO hand-out, budget, bound on outstanding work, the in-memory
// window and its refills, and the exact idle condition.
#include "crawler/frontier.h"

#include <gtest/gtest.h>

namespace crawlbox::crawler {
namespace {

std::vector<storage::QueuedUrl> Urls(int64_t first, int64_t last) {
  std::vector<storage::QueuedUrl> out;
  for (int64_t id = first; id <= last; ++id) {
    out.push_back({id, "http://h/" + std::to_string(id), 0});
  }
  return out;
}

TEST(FrontierTest, HandsOutInOrderWithinBudgetAndOutstandingBound) {
  Frontier frontier(/*page_budget=*/3, /*max_outstanding=*/2, /*window=*/100);
  frontier.Start(Urls(1, 5), 0);
  EXPECT_EQ(frontier.NextRequest()->url_id, 1);
  EXPECT_EQ(frontier.NextRequest()->url_id, 2);
  EXPECT_FALSE(frontier.NextRequest()) << "two outstanding is the bound";
  frontier.Complete(1, {});
  EXPECT_EQ(frontier.NextRequest()->url_id, 3);
  frontier.Complete(2, {});
  EXPECT_FALSE(frontier.NextRequest()) << "budget of three spent";
  EXPECT_TRUE(frontier.Idle());
  EXPECT_EQ(frontier.queued(), 2u);
}

TEST(FrontierTest, IdleOnlyWhenNothingQueuedAndNothingOutstanding) {
  Frontier frontier(-1, 10, 100);
  frontier.Start(Urls(1, 1), 0);
  EXPECT_FALSE(frontier.Idle());
  auto r = frontier.NextRequest();
  ASSERT_TRUE(r);
  EXPECT_FALSE(frontier.Idle()) << "one outstanding";
  frontier.Complete(1, Urls(2, 2));
  EXPECT_FALSE(frontier.Idle()) << "its link is queued";
  frontier.NextRequest();
  frontier.Complete(1, {});
  EXPECT_TRUE(frontier.Idle());
  EXPECT_TRUE(frontier.WaitIdle(std::chrono::milliseconds(1)));
}

TEST(FrontierTest, UrlsBeyondTheWindowWaitInTheDatabaseAndComeBackInOrder) {
  Frontier frontier(-1, 100, /*window=*/4);
  frontier.Start(Urls(1, 4),
                 /*more_in_db=*/2);  // ids 5 and 6 are only in the database
  EXPECT_FALSE(frontier.RefillWanted()) << "the window is full";
  for (int64_t id = 1; id <= 3; ++id)
    EXPECT_EQ(frontier.NextRequest()->url_id, id);
  frontier.Complete(3, Urls(7, 8));  // behind 5 and 6, so they wait too
  EXPECT_EQ(frontier.queued(), 5u);
  auto want = frontier.RefillWanted();
  ASSERT_TRUE(want);
  EXPECT_EQ(want->after_id, 4);
  EXPECT_EQ(want->limit, 3u);
  frontier.Refill(*want, Urls(5, 7));
  EXPECT_FALSE(frontier.Idle());
  std::vector<int64_t> order;
  while (auto r = frontier.NextRequest()) order.push_back(r->url_id);
  EXPECT_EQ(order, (std::vector<int64_t>{4, 5, 6, 7}));
  frontier.Complete(4, {});
  want = frontier.RefillWanted();
  ASSERT_TRUE(want);
  EXPECT_EQ(want->after_id, 7);
  frontier.Refill(*want, Urls(8, 8));
  EXPECT_EQ(frontier.NextRequest()->url_id, 8);
  frontier.Complete(1, {});
  EXPECT_FALSE(frontier.RefillWanted());
  EXPECT_TRUE(frontier.Idle());
}

TEST(FrontierTest, ClosedFrontierHandsOutNothingButOutstandingWorkCompletes) {
  Frontier frontier(-1, 10, 100);
  frontier.Start(Urls(1, 3), 0);
  frontier.NextRequest();
  frontier.Close();
  EXPECT_FALSE(frontier.NextRequest());
  EXPECT_FALSE(frontier.Idle());
  frontier.Complete(1, {});
  EXPECT_TRUE(frontier.Idle());
}

}  // namespace
}  // namespace crawlbox::crawler
