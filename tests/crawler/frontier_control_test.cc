// The Frontier's live controls (crawler/frontier/frontier_control.cc): pause
// and per-host pause, a delay lowered while a host waits, a page budget and a
// per-host limit set mid-run, and queued URLs that a deny pattern added live
// keeps from being requested.
#include <gtest/gtest.h>

#include "config/live_setting.h"
#include "crawler/frontier/frontier.h"
#include "storage/queue_reader.h"
#include "storage/store.h"
#include "tests/support/temp_dir.h"

namespace crawlbox::crawler {
namespace {

using std::chrono::milliseconds;

class FrontierControlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    job_.politeness.per_host_concurrency = 100;
    job_.politeness.delay_ms = 0;
    job_.politeness.adaptive = false;
    job_.politeness.robots = false;
    auto store = storage::Store::Open(dir_.File("crawl.db"));
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(*store);
    auto reader = storage::QueueReader::Open(dir_.File("crawl.db"));
    ASSERT_TRUE(reader.ok()) << reader.status().ToString();
    reader_ = std::move(*reader);
  }
  void Add(const std::string& host, int count) {
    std::vector<storage::NewUrl> urls;
    for (int i = 0; i < count; ++i)
      urls.push_back({"http://" + host + "/" + std::to_string(i), host, 0, 0});
    std::vector<storage::QueuedUrl> added;
    ASSERT_TRUE(store_->AddUrls(urls, &added).ok());
  }
  static std::optional<Request> Next(Frontier& frontier) {
    milliseconds wait;
    return frontier.NextRequest(&wait);
  }

  config::Job job_;
  testing::TempDir dir_;
  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<storage::QueueReader> reader_;
};

TEST_F(FrontierControlTest, APausedFrontierHandsOutNothingAndIsNotIdle) {
  Add("a.test", 2);
  Frontier frontier(job_, reader_.get());
  ASSERT_TRUE(frontier.Start().ok());
  frontier.SetPaused(true);
  EXPECT_FALSE(Next(frontier).has_value());
  EXPECT_FALSE(frontier.Idle());
  frontier.SetPaused(false);
  EXPECT_TRUE(Next(frontier).has_value());
}

TEST_F(FrontierControlTest, APausedHostWaitsWhileOthersAreServed) {
  Add("a.test", 2);
  Add("b.test", 2);
  Frontier frontier(job_, reader_.get());
  frontier.SetHostPaused("a.test", true);  // before it is seen
  ASSERT_TRUE(frontier.Start().ok());
  std::vector<std::string> hosts;
  while (auto r = Next(frontier)) hosts.push_back(r->host);
  EXPECT_EQ(hosts, (std::vector<std::string>{"b.test", "b.test"}));
  frontier.SetHostPaused("a.test", false);
  auto r = Next(frontier);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->host, "a.test");
}

TEST_F(FrontierControlTest, ALoweredDelayAppliesToTheHostWaitingNow) {
  Add("a.test", 3);
  job_.politeness.delay_ms = 60'000;
  Frontier frontier(job_, reader_.get());
  ASSERT_TRUE(frontier.Start().ok());
  ASSERT_TRUE(Next(frontier).has_value());
  EXPECT_FALSE(Next(frontier).has_value());  // a minute to wait
  frontier.SetPoliteness(milliseconds(0), 100);
  EXPECT_TRUE(Next(frontier).has_value());
}

TEST_F(FrontierControlTest, APageBudgetSetMidRunCountsWhatWasHandedOut) {
  Add("a.test", 10);
  Frontier frontier(job_, reader_.get());
  ASSERT_TRUE(frontier.Start().ok());
  ASSERT_TRUE(Next(frontier).has_value());
  ASSERT_TRUE(Next(frontier).has_value());
  frontier.SetMaxPages(3);
  EXPECT_TRUE(Next(frontier).has_value());
  EXPECT_FALSE(Next(frontier).has_value());
  EXPECT_EQ(frontier.Snapshot().page_budget, 0);
  frontier.SetMaxPages(0);
  EXPECT_TRUE(Next(frontier).has_value());
}

TEST_F(FrontierControlTest, APerHostLimitSetMidRunStopsAndLiftedResumes) {
  Add("a.test", 6);  // /0 ../5
  Add("b.test", 2);
  Frontier frontier(job_, reader_.get());
  frontier.SetHostPaused("b.test", true);
  ASSERT_TRUE(frontier.Start().ok());
  std::vector<std::string> handed;
  for (int i = 0; i < 2; ++i) {
    auto r = Next(frontier);
    ASSERT_TRUE(r.has_value());
    handed.push_back(r->url);
  }
  // Counted although the job had no limit: a.test is at 2 already.
  frontier.SetMaxPagesPerHost(2);
  frontier.SetHostPaused("b.test", false);
  while (auto r = Next(frontier)) handed.push_back(r->url);
  EXPECT_EQ(handed,
            (std::vector<std::string>{"http://a.test/0", "http://a.test/1",
                                      "http://b.test/0", "http://b.test/1"}));
  // Lifted: a.test's URLs come back from the database at the next refill,
  // those handed out (still in flight here) not again.
  frontier.SetMaxPagesPerHost(0);
  EXPECT_FALSE(Next(frontier).has_value());
  ASSERT_TRUE(frontier.Finished({}, {}).ok());
  handed.clear();
  while (auto r = Next(frontier)) handed.push_back(r->url);
  EXPECT_EQ(handed,
            (std::vector<std::string>{"http://a.test/2", "http://a.test/3",
                                      "http://a.test/4", "http://a.test/5"}));
}

TEST_F(FrontierControlTest, QueuedUrlsMatchingAnAddedDenyPatternAreBlocked) {
  Add("a.test", 4);  // /0 ../3
  LiveDeny deny({});
  Frontier frontier(job_, reader_.get());
  frontier.SetLiveDeny(&deny);
  ASSERT_TRUE(frontier.Start().ok());
  auto patterns = config::CheckDenyPatterns({"/[13]$"});
  ASSERT_TRUE(patterns.ok());
  deny.Change(*patterns, {});
  std::vector<std::string> handed;
  while (auto r = Next(frontier)) handed.push_back(r->url);
  EXPECT_EQ(handed,
            (std::vector<std::string>{"http://a.test/0", "http://a.test/2"}));
  std::vector<BlockedRequest> blocked = frontier.TakeBlocked();
  ASSERT_EQ(blocked.size(), 2u);
  for (const BlockedRequest& b : blocked) {
    EXPECT_EQ(b.reason, "denied_by_control");
    EXPECT_FALSE(b.failed);
  }
  // Removing it lets later URLs through again; the job's own patterns are
  // never reported as added.
  deny.Change({}, {"/[13]$"});
  EXPECT_FALSE(deny.MatchesAdded("http://a.test/1"));
  EXPECT_TRUE(deny.Patterns().empty());
}

}  // namespace
}  // namespace crawlbox::crawler
