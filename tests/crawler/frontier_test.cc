// Frontier: per-host windows and refills, per-host concurrency and delay,
// adaptive slow-down, retries held until due, budget, the bound on outstanding
// work, and the exact idle condition.
#include "crawler/frontier.h"

#include <gtest/gtest.h>

#include <thread>

namespace crawlbox::crawler {
namespace {

using std::chrono::milliseconds;

std::vector<storage::QueuedUrl> Urls(const std::string& host, int64_t first,
                                     int64_t last) {
  std::vector<storage::QueuedUrl> out;
  for (int64_t id = first; id <= last; ++id) {
    out.push_back(
        {id, "http://" + host + "/" + std::to_string(id), host, 0, 0});
  }
  return out;
}

FrontierOptions Open() {
  FrontierOptions o;
  o.per_host_concurrency = 100;
  o.max_outstanding = 100;
  o.delay = milliseconds(0);
  o.adaptive = false;
  return o;
}

// Loads every window the frontier asks for from `db` (a stand-in for SQLite:
// ascending ids).
void RefillFrom(Frontier& frontier, const std::vector<storage::QueuedUrl>& db) {
  for (const auto& want : frontier.RefillWanted()) {
    std::vector<storage::QueuedUrl> rows;
    for (const auto& u : db) {
      if (u.host == want.host && u.id > want.after_id &&
          rows.size() < want.limit) {
        rows.push_back(u);
      }
    }
    frontier.Refill(want, rows);
  }
}

std::optional<Request> Next(Frontier& frontier) {
  milliseconds wait;
  return frontier.NextRequest(&wait);
}

TEST(FrontierTest, StartsFromTheDatabaseCountsAndHandsOutInOrder) {
  FrontierOptions o = Open();
  o.page_budget = 3;
  o.max_outstanding = 2;
  Frontier frontier(o);
  auto db = Urls("a", 1, 5);
  frontier.Start({{"a", 5}});
  EXPECT_FALSE(frontier.Idle());
  RefillFrom(frontier, db);
  EXPECT_EQ(Next(frontier)->url_id, 1);
  EXPECT_EQ(Next(frontier)->url_id, 2);
  EXPECT_FALSE(Next(frontier)) << "two outstanding is the bound";
  frontier.Complete(1, {}, {});
  EXPECT_EQ(Next(frontier)->url_id, 3);
  frontier.Complete(2, {}, {});
  EXPECT_FALSE(Next(frontier)) << "budget of three spent";
  EXPECT_TRUE(frontier.Idle());
  EXPECT_EQ(frontier.queued(), 2u);
}

TEST(FrontierTest, IdleOnlyWhenNothingQueuedAndNothingOutstanding) {
  Frontier frontier(Open());
  frontier.Start({{"a", 1}});
  RefillFrom(frontier, Urls("a", 1, 1));
  auto r = Next(frontier);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->host, "a");
  EXPECT_FALSE(frontier.Idle()) << "one outstanding";
  frontier.Complete(1, Urls("a", 2, 2), {});
  EXPECT_FALSE(frontier.Idle()) << "its link is queued";
  Next(frontier);
  frontier.Complete(1, {}, {});
  EXPECT_TRUE(frontier.Idle());
  EXPECT_TRUE(frontier.WaitIdle(milliseconds(1)));
}

TEST(FrontierTest, UrlsBeyondAHostWindowWaitInTheDatabaseAndComeBackInOrder) {
  FrontierOptions o = Open();
  o.host_window = 4;
  Frontier frontier(o);
  std::vector<storage::QueuedUrl> db = Urls("a", 1, 6);
  frontier.Start({{"a", 6}});
  RefillFrom(frontier, db);
  EXPECT_EQ(frontier.queued(), 6u);
  std::vector<int64_t> order;
  for (int i = 0; i < 3; ++i) order.push_back(Next(frontier)->url_id);
  auto more = Urls("a", 7, 8);
  db.insert(db.end(), more.begin(), more.end());
  frontier.Complete(3, more,
                    {});  // behind 5 and 6 in the database, so they wait too
  EXPECT_EQ(frontier.queued(), 5u);
  while (!frontier.Idle()) {
    RefillFrom(frontier, db);
    while (auto r = Next(frontier)) {
      order.push_back(r->url_id);
      frontier.Complete(1, {}, {});
    }
  }
  EXPECT_EQ(order, (std::vector<int64_t>{1, 2, 3, 4, 5, 6, 7, 8}));
}

TEST(FrontierTest, PerHostConcurrencyAndHostsServedSideBySide) {
  FrontierOptions o = Open();
  o.per_host_concurrency = 2;
  Frontier frontier(o);
  frontier.Start({});
  auto a = Urls("a", 1, 10);
  auto b = Urls("b", 11, 12);
  std::vector<storage::QueuedUrl> all = a;
  all.insert(all.end(), b.begin(), b.end());
  frontier.Complete(0, all, {});
  std::map<std::string, int> taken;
  while (auto r = Next(frontier)) ++taken[r->host];
  EXPECT_EQ(taken["a"], 2) << "a's backlog does not starve b";
  EXPECT_EQ(taken["b"], 2);
  frontier.Fetched("a", 200, false, 1, std::nullopt);
  auto r = Next(frontier);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->host, "a") << "a freed slot is used at once";
}

TEST(FrontierTest, RequestStartsToOneHostAreAtLeastTheDelayApart) {
  FrontierOptions o = Open();
  o.delay = milliseconds(80);
  Frontier frontier(o);
  frontier.Start({});
  frontier.Complete(0, Urls("a", 1, 3), {});
  auto first = Next(frontier);
  ASSERT_TRUE(first);
  milliseconds wait;
  EXPECT_FALSE(frontier.NextRequest(&wait));
  EXPECT_GT(wait.count(), 50);
  EXPECT_LE(wait.count(), 80);
  std::this_thread::sleep_for(wait);
  EXPECT_TRUE(Next(frontier));
}

TEST(FrontierTest, AdaptiveDelayBacksOffOnOverloadAndRecovers) {
  FrontierOptions o = Open();
  o.adaptive = true;
  o.delay = milliseconds(100);
  o.max_delay = milliseconds(1000);
  Frontier frontier(o);
  frontier.Start({});
  frontier.Fetched("a", 503, false, 5, std::nullopt);
  EXPECT_EQ(frontier.HostDelay("a"), milliseconds(250));
  frontier.Fetched("a", 429, false, 5, std::nullopt);
  frontier.Fetched("a", 0, /*timed_out=*/true, 5, std::nullopt);
  EXPECT_EQ(frontier.HostDelay("a"), milliseconds(1000)) << "capped";
  for (int i = 0; i < 100; ++i)
    frontier.Fetched("a", 200, false, 5, std::nullopt);
  EXPECT_EQ(frontier.HostDelay("a"), milliseconds(100))
      << "back to the configured delay";
  EXPECT_EQ(frontier.HostDelay("b"), milliseconds(100));
}

TEST(FrontierTest, RetryAfterPausesTheWholeHost) {
  Frontier frontier(Open());
  frontier.Start({});
  frontier.Complete(0, Urls("a", 1, 2), {});
  ASSERT_TRUE(Next(frontier));
  frontier.Fetched("a", 429, false, 1, milliseconds(200));
  milliseconds wait;
  EXPECT_FALSE(frontier.NextRequest(&wait));
  EXPECT_GT(wait.count(), 150);
}

TEST(FrontierTest, RetriesWaitForTheirTimeAndKeepTheCrawlAlive) {
  Frontier frontier(Open());
  frontier.Start({});
  frontier.Complete(0, Urls("a", 1, 1), {});
  auto r = Next(frontier);
  ASSERT_TRUE(r);
  frontier.Fetched("a", 503, false, 1, std::nullopt);
  storage::QueuedUrl again{r->url_id, r->url, r->host, r->depth, 1};
  frontier.Complete(1, {},
                    {{again, Frontier::Clock::now() + milliseconds(60)}});
  EXPECT_FALSE(frontier.Idle()) << "a retry is pending";
  EXPECT_EQ(frontier.queued(), 1u);
  EXPECT_FALSE(Next(frontier)) << "not due yet";
  std::this_thread::sleep_for(milliseconds(70));
  auto retried = Next(frontier);
  ASSERT_TRUE(retried);
  EXPECT_EQ(retried->url_id, 1);
  EXPECT_EQ(retried->attempts, 1);
  frontier.Complete(1, {}, {});
  EXPECT_TRUE(frontier.Idle());
}

TEST(FrontierTest, ClosedFrontierHandsOutNothingButOutstandingWorkCompletes) {
  Frontier frontier(Open());
  frontier.Start({});
  frontier.Complete(0, Urls("a", 1, 3), {});
  Next(frontier);
  frontier.Close();
  EXPECT_FALSE(Next(frontier));
  EXPECT_FALSE(frontier.Idle());
  frontier.Complete(1, {}, {});
  EXPECT_TRUE(frontier.Idle());
}

}  // namespace
}  // namespace crawlbox::crawler
