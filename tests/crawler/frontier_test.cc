// Frontier: per-host windows refilled from the database by the Frontier
// itself, per-host concurrency and delay, adaptive slow-down, retries held
// until due, budget, the bound on outstanding work, and the exact idle
// condition; per-IP windows shared by hosts at one address, and robots.txt
// fetched again after its TTL. The database is a real one in a temp dir: the
// Store adds URLs as the store node would, the Frontier reads them through its
// QueueReader.
#include "crawler/frontier/frontier.h"

#include <gtest/gtest.h>

#include <map>
#include <thread>

#include "parser/robots.h"
#include "storage/queue_reader.h"
#include "storage/store.h"
#include "tests/support/temp_dir.h"

namespace crawlbox::crawler {
namespace {

using std::chrono::milliseconds;

// A job with politeness lifted, as the old tests' defaults were.
config::Job Open() {
  config::Job job;
  job.politeness.per_host_concurrency = 100;
  job.politeness.delay_ms = 0;
  job.politeness.adaptive = false;
  job.politeness.robots = false;
  return job;
}

// A database file with a Store to add URLs and the Frontier's reader.
class FrontierTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = storage::Store::Open(dir_.File("crawl.db"));
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(*store);
    auto reader = storage::QueueReader::Open(dir_.File("crawl.db"));
    ASSERT_TRUE(reader.ok()) << reader.status().ToString();
    reader_ = std::move(*reader);
  }

  // Inserts URLs host/<first..last> (ids ascending) and returns the rows.
  std::vector<storage::QueuedUrl> Add(const std::string& host, int first,
                                      int last) {
    std::vector<storage::NewUrl> urls;
    for (int i = first; i <= last; ++i)
      urls.push_back({"http://" + host + "/" + std::to_string(i), host, 0, 0});
    std::vector<storage::QueuedUrl> added;
    EXPECT_TRUE(store_->AddUrls(urls, &added).ok());
    return added;
  }

  // Frees a host's slot and ends the request with `fate`.
  static void End(Frontier& frontier, const Request& request,
                  storage::Fate fate = storage::Stored{},
                  std::vector<storage::QueuedUrl> discovered = {}) {
    frontier.Fetched(request, FetchReport{200});
    Ended ended{request, fate};
    ASSERT_TRUE(frontier.Finished({&ended, 1}, std::move(discovered)).ok());
  }
  // Ends nothing and adds what the store node discovered.
  static void Discover(Frontier& frontier,
                       std::vector<storage::QueuedUrl> discovered) {
    ASSERT_TRUE(frontier.Finished({}, std::move(discovered)).ok());
  }

  static std::optional<Request> Next(Frontier& frontier) {
    milliseconds wait;
    return frontier.NextRequest(&wait);
  }

  testing::TempDir dir_;
  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<storage::QueueReader> reader_;
};

TEST_F(FrontierTest, StartsFromTheDatabaseCountsAndHandsOutInOrder) {
  config::Job job = Open();
  job.limits.max_pages = 3;
  Add("a", 1, 5);
  Frontier frontier(job, reader_.get(), FrontierBounds{2});
  ASSERT_TRUE(frontier.Start().ok());
  EXPECT_FALSE(frontier.Idle());
  auto first = Next(frontier);
  auto second = Next(frontier);
  EXPECT_EQ(first->url, "http://a/1");
  EXPECT_EQ(second->url, "http://a/2");
  EXPECT_FALSE(Next(frontier)) << "two outstanding is the bound";
  End(frontier, *first);
  auto third = Next(frontier);
  EXPECT_EQ(third->url, "http://a/3");
  End(frontier, *second);
  End(frontier, *third);
  EXPECT_FALSE(Next(frontier)) << "budget of three spent";
  EXPECT_TRUE(frontier.Idle());
  EXPECT_EQ(frontier.Snapshot().queued, 2);
  EXPECT_TRUE(frontier.Snapshot().budget_spent);
}

TEST_F(FrontierTest, IdleOnlyWhenNothingQueuedAndNothingOutstanding) {
  Add("a", 1, 1);
  Frontier frontier(Open(), reader_.get(), FrontierBounds{100});
  ASSERT_TRUE(frontier.Start().ok());
  auto r = Next(frontier);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->host, "a");
  EXPECT_FALSE(frontier.Idle()) << "one outstanding";
  End(frontier, *r, storage::Stored{}, Add("a", 2, 2));
  EXPECT_FALSE(frontier.Idle()) << "its link is queued";
  auto link = Next(frontier);
  ASSERT_TRUE(link);
  End(frontier, *link);
  EXPECT_TRUE(frontier.Idle());
  EXPECT_TRUE(frontier.WaitIdle(milliseconds(1)));
}

TEST_F(FrontierTest, UrlsBeyondAHostWindowWaitInTheDatabaseAndComeBackInOrder) {
  Add("a", 1, 6);
  Frontier frontier(Open(), reader_.get(), FrontierBounds{100, 0, 4});
  ASSERT_TRUE(frontier.Start().ok());
  EXPECT_EQ(frontier.Snapshot().queued, 6);
  std::vector<Request> taken;
  std::vector<std::string> order;
  for (int i = 0; i < 3; ++i) {
    taken.push_back(*Next(frontier));
    order.push_back(taken.back().url);
  }
  // Behind 5 and 6 in the database, so they wait too.
  Discover(frontier, Add("a", 7, 8));
  EXPECT_EQ(frontier.Snapshot().queued, 5);
  for (const Request& r : taken) End(frontier, r);
  while (!frontier.Idle()) {
    auto r = Next(frontier);
    ASSERT_TRUE(r) << "the frontier refills its window by itself";
    order.push_back(r->url);
    End(frontier, *r);
  }
  std::vector<std::string> want;
  for (int i = 1; i <= 8; ++i) want.push_back("http://a/" + std::to_string(i));
  EXPECT_EQ(order, want);
}

TEST_F(FrontierTest, PerHostConcurrencyAndHostsServedSideBySide) {
  config::Job job = Open();
  job.politeness.per_host_concurrency = 2;
  Frontier frontier(job, reader_.get(), FrontierBounds{100});
  ASSERT_TRUE(frontier.Start().ok());
  std::vector<storage::QueuedUrl> all = Add("a", 1, 10);
  for (auto& u : Add("b", 11, 12)) all.push_back(u);
  Discover(frontier, all);
  std::map<std::string, int> taken;
  std::optional<Request> an_a;
  while (auto r = Next(frontier)) {
    ++taken[r->host];
    if (r->host == "a") an_a = r;
  }
  EXPECT_EQ(taken["a"], 2) << "a's backlog does not starve b";
  EXPECT_EQ(taken["b"], 2);
  frontier.Fetched(*an_a, FetchReport{200, false, 1});
  auto r = Next(frontier);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->host, "a") << "a freed slot is used at once";
}

TEST_F(FrontierTest, RequestStartsToOneHostAreAtLeastTheDelayApart) {
  config::Job job = Open();
  job.politeness.delay_ms = 80;
  Frontier frontier(job, reader_.get(), FrontierBounds{100});
  ASSERT_TRUE(frontier.Start().ok());
  Discover(frontier, Add("a", 1, 3));
  auto first = Next(frontier);
  ASSERT_TRUE(first);
  milliseconds wait;
  EXPECT_FALSE(frontier.NextRequest(&wait));
  EXPECT_GT(wait.count(), 50);
  EXPECT_LE(wait.count(), 80);
  std::this_thread::sleep_for(wait);
  EXPECT_TRUE(Next(frontier));
}

milliseconds DelayOf(const Frontier& frontier, const std::string& host) {
  for (const auto& h : frontier.Snapshot(true).hosts)
    if (h.host == host) return h.delay;
  return milliseconds(-1);
}

TEST_F(FrontierTest, AdaptiveDelayBacksOffOnOverloadAndRecovers) {
  config::Job job = Open();
  job.politeness.adaptive = true;
  job.politeness.delay_ms = 100;
  job.politeness.max_delay_ms = 1000;
  Frontier frontier(job, reader_.get(), FrontierBounds{100});
  ASSERT_TRUE(frontier.Start().ok());
  Request a;
  a.host = "a";
  frontier.Fetched(a, FetchReport{503, false, 5});
  EXPECT_EQ(DelayOf(frontier, "a"), milliseconds(250));
  frontier.Fetched(a, FetchReport{429, false, 5});
  frontier.Fetched(a, FetchReport{0, /*timed_out=*/true, 5});
  EXPECT_EQ(DelayOf(frontier, "a"), milliseconds(1000)) << "capped";
  for (int i = 0; i < 100; ++i) frontier.Fetched(a, FetchReport{200, false, 5});
  EXPECT_EQ(DelayOf(frontier, "a"), milliseconds(100))
      << "back to the configured delay";
  Request b;
  b.host = "b";
  frontier.Fetched(b, FetchReport{200, false, 5});
  EXPECT_EQ(DelayOf(frontier, "b"), milliseconds(100));
}

TEST_F(FrontierTest, RetryAfterPausesTheWholeHost) {
  Frontier frontier(Open(), reader_.get(), FrontierBounds{100});
  ASSERT_TRUE(frontier.Start().ok());
  Discover(frontier, Add("a", 1, 2));
  auto r = Next(frontier);
  ASSERT_TRUE(r);
  frontier.Fetched(*r, FetchReport{429, false, 1, milliseconds(200)});
  milliseconds wait;
  EXPECT_FALSE(frontier.NextRequest(&wait));
  EXPECT_GT(wait.count(), 150);
}

TEST_F(FrontierTest, RetriesWaitForTheirTimeAndKeepTheCrawlAlive) {
  Frontier frontier(Open(), reader_.get(), FrontierBounds{100});
  ASSERT_TRUE(frontier.Start().ok());
  Discover(frontier, Add("a", 1, 1));
  auto r = Next(frontier);
  ASSERT_TRUE(r);
  End(frontier, *r, storage::Retry{"http_503", 60});
  EXPECT_FALSE(frontier.Idle()) << "a retry is pending";
  EXPECT_EQ(frontier.Snapshot().queued, 1);
  EXPECT_FALSE(Next(frontier)) << "not due yet";
  std::this_thread::sleep_for(milliseconds(70));
  auto retried = Next(frontier);
  ASSERT_TRUE(retried);
  EXPECT_EQ(retried->url_id, r->url_id);
  EXPECT_EQ(retried->attempts, 1);
  End(frontier, *retried);
  EXPECT_TRUE(frontier.Idle());
}

TEST_F(FrontierTest, ClosedFrontierHandsOutNothingButOutstandingWorkCompletes) {
  Frontier frontier(Open(), reader_.get(), FrontierBounds{100});
  ASSERT_TRUE(frontier.Start().ok());
  Discover(frontier, Add("a", 1, 3));
  auto r = Next(frontier);
  ASSERT_TRUE(r);
  frontier.Close();
  EXPECT_FALSE(Next(frontier));
  EXPECT_FALSE(frontier.Idle());
  End(frontier, *r);
  EXPECT_TRUE(frontier.Idle());
}

TEST_F(FrontierTest, DefaultsAreTheJobsDefaults) {
  // One source of truth: a job's defaults (delay 1000 ms, robots on) are what
  // a Frontier built from it applies.
  config::Job job;
  Frontier frontier(job, reader_.get());
  ASSERT_TRUE(frontier.Start().ok());
  Discover(frontier, Add("a", 1, 1));
  auto robots = Next(frontier);
  ASSERT_TRUE(robots);
  EXPECT_EQ(robots->kind, Request::Kind::kRobots);
  EXPECT_EQ(DelayOf(frontier, "a"), milliseconds(job.politeness.delay_ms));
}

// a.test and b.test pinned to one address, c.test to another.
config::Job Pinned(config::Politeness::GroupBy group_by) {
  config::Job job = Open();
  job.politeness.per_host_concurrency = 2;
  job.politeness.group_by = group_by;
  job.fetch.resolve = {{"a.test", 80, "10.0.0.1", {}},
                       {"b.test", 8080, "10.0.0.1", {}},
                       {"c.test", 80, "10.0.0.2", {}}};
  return job;
}

// Requests taken per host until none is ready.
std::map<std::string, int> TakeAll(Frontier& frontier,
                                   std::vector<Request>* taken = nullptr) {
  std::map<std::string, int> count;
  milliseconds wait;
  while (auto r = frontier.NextRequest(&wait)) {
    ++count[r->host];
    if (taken != nullptr) taken->push_back(*r);
  }
  return count;
}

const FrontierSnapshot::Host* HostIn(const FrontierSnapshot& snapshot,
                                     const std::string& host) {
  for (const auto& h : snapshot.hosts)
    if (h.host == host) return &h;
  return nullptr;
}

TEST_F(FrontierTest, GroupByIpSharesOneWindowAmongHostsAtOneAddress) {
  Frontier frontier(Pinned(config::Politeness::GroupBy::kIp), reader_.get(),
                    FrontierBounds{100});
  ASSERT_TRUE(frontier.Start().ok());
  std::vector<storage::QueuedUrl> all = Add("a.test", 1, 5);
  for (auto& u : Add("b.test", 6, 10)) all.push_back(u);
  for (auto& u : Add("c.test", 11, 15)) all.push_back(u);
  Discover(frontier, all);
  std::vector<Request> taken;
  std::map<std::string, int> count = TakeAll(frontier, &taken);
  EXPECT_EQ(count["a.test"] + count["b.test"], 2)
      << "a.test and b.test share 10.0.0.1's two slots";
  EXPECT_EQ(count["c.test"], 2) << "another address, another window";
  FrontierSnapshot snapshot = frontier.Snapshot(true);
  const auto* b = HostIn(snapshot, "b.test");
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->group, "10.0.0.1");
  EXPECT_EQ(b->group_hosts, 2);
  EXPECT_EQ(b->group_in_flight, 2);
  EXPECT_EQ(HostIn(snapshot, "c.test")->group, "10.0.0.2");
  EXPECT_EQ(HostIn(snapshot, "c.test")->group_hosts, 1);
  // Either host of the group may use the slot an a.test request frees.
  const Request* shared = nullptr;
  for (const Request& r : taken)
    if (r.host != "c.test") shared = &r;
  ASSERT_NE(shared, nullptr);
  frontier.Fetched(*shared, FetchReport{200, false, 1});
  count = TakeAll(frontier);
  EXPECT_EQ(count["a.test"] + count["b.test"], 1);
  EXPECT_EQ(count["c.test"], 0);
}

TEST_F(FrontierTest, GroupByHostKeepsAWindowPerHostAtOneAddress) {
  Frontier frontier(Pinned(config::Politeness::GroupBy::kHost), reader_.get(),
                    FrontierBounds{100});
  ASSERT_TRUE(frontier.Start().ok());
  std::vector<storage::QueuedUrl> all = Add("a.test", 1, 5);
  for (auto& u : Add("b.test", 6, 10)) all.push_back(u);
  Discover(frontier, all);
  std::map<std::string, int> count = TakeAll(frontier);
  EXPECT_EQ(count["a.test"], 2);
  EXPECT_EQ(count["b.test"], 2);
  EXPECT_EQ(HostIn(frontier.Snapshot(true), "b.test")->group, "b.test");
}

TEST_F(FrontierTest, GroupDelayIsSharedAndSetByTheLargestCrawlDelay) {
  config::Job job = Pinned(config::Politeness::GroupBy::kIp);
  job.politeness.robots = true;
  job.politeness.delay_ms = 10;
  Frontier frontier(job, reader_.get(), FrontierBounds{100});
  ASSERT_TRUE(frontier.Start().ok());
  frontier.SetRobots(
      "a.test", std::make_shared<parser::RobotsTxt>(parser::RobotsTxt::Parse(
                    "User-agent: *\nCrawl-delay: 0.3\n")));
  frontier.SetRobots("b.test", std::make_shared<parser::RobotsTxt>(
                                   parser::RobotsTxt::AllowAll()));
  EXPECT_EQ(DelayOf(frontier, "b.test"), milliseconds(300))
      << "the strictest robots.txt of the address paces all its hosts";
  frontier.SetRobots("c.test", std::make_shared<parser::RobotsTxt>(
                                   parser::RobotsTxt::AllowAll()));
  EXPECT_EQ(DelayOf(frontier, "c.test"), milliseconds(10))
      << "another address keeps the job's delay";
  // Starts of requests to either host are the group's delay apart.
  Discover(frontier, Add("a.test", 1, 1));
  Discover(frontier, Add("b.test", 2, 2));
  ASSERT_TRUE(Next(frontier));
  milliseconds wait;
  EXPECT_FALSE(frontier.NextRequest(&wait));
  EXPECT_GT(wait.count(), 250);
}

TEST_F(FrontierTest, GroupByIpLooksUpAHostOffTheLockBeforeItsFirstRequest) {
  config::Job job = Open();
  job.politeness.group_by = config::Politeness::GroupBy::kIp;
  Frontier frontier(job, reader_.get(), FrontierBounds{100});
  ASSERT_TRUE(frontier.Start().ok());
  // localhost is in /etc/hosts: no network needed.
  Discover(frontier, Add("localhost", 1, 1));
  std::optional<Request> r;
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!r && std::chrono::steady_clock::now() < deadline) {
    milliseconds wait;
    r = frontier.NextRequest(&wait);
    if (!r) {
      EXPECT_LE(wait.count(), 5) << "the caller polls while a lookup runs";
      std::this_thread::sleep_for(wait);
    }
  }
  ASSERT_TRUE(r);
  const std::string group = HostIn(frontier.Snapshot(true), "localhost")->group;
  EXPECT_TRUE(group == "127.0.0.1" || group == "::1") << group;
}

TEST_F(FrontierTest, RobotsTxtIsFetchedAgainAfterItsTtl) {
  config::Job job = Open();
  job.politeness.robots = true;
  job.politeness.robots_ttl_s = 1;
  Frontier frontier(job, reader_.get(), FrontierBounds{100});
  ASSERT_TRUE(frontier.Start().ok());
  Discover(frontier, Add("a", 1, 1));
  auto robots = Next(frontier);
  ASSERT_TRUE(robots);
  ASSERT_EQ(robots->kind, Request::Kind::kRobots);
  frontier.Fetched(*robots, FetchReport{200});
  frontier.SetRobots(
      "a", std::make_shared<parser::RobotsTxt>(parser::RobotsTxt::AllowAll()));
  auto page = Next(frontier);
  ASSERT_TRUE(page);
  EXPECT_EQ(page->url, "http://a/1");
  End(frontier, *page);
  // Once the TTL has passed, robots.txt comes before the next page.
  std::this_thread::sleep_for(milliseconds(1050));
  Discover(frontier, Add("a", 2, 4));
  auto again = Next(frontier);
  ASSERT_TRUE(again);
  ASSERT_EQ(again->kind, Request::Kind::kRobots) << again->url;
  EXPECT_FALSE(Next(frontier)) << "pages wait for the new robots.txt";
  frontier.Fetched(*again, FetchReport{200});
  frontier.SetRobots(
      "a", std::make_shared<parser::RobotsTxt>(
               parser::RobotsTxt::Parse("User-agent: *\nDisallow: /2\n")));
  auto third = Next(frontier);
  ASSERT_TRUE(third);
  EXPECT_EQ(third->url, "http://a/3") << "/2 is disallowed now";
  std::vector<BlockedRequest> blocked = frontier.TakeBlocked();
  ASSERT_EQ(blocked.size(), 1u);
  EXPECT_EQ(blocked[0].request.url, "http://a/2");
  EXPECT_EQ(blocked[0].reason, "robots");
  EXPECT_EQ(HostIn(frontier.Snapshot(true), "a")->robots, "ok");
}

TEST_F(FrontierTest, AnUnavailableRobotsTxtOnRefreshKeepsTheCopyInForce) {
  config::Job job = Open();
  job.politeness.robots = true;
  job.politeness.robots_ttl_s = 1;
  Frontier frontier(job, reader_.get(), FrontierBounds{100});
  ASSERT_TRUE(frontier.Start().ok());
  Discover(frontier, Add("a", 1, 3));
  auto robots = Next(frontier);
  ASSERT_TRUE(robots);
  frontier.Fetched(*robots, FetchReport{200});
  frontier.SetRobots(
      "a", std::make_shared<parser::RobotsTxt>(
               parser::RobotsTxt::Parse("User-agent: *\nDisallow: /2\n")));
  std::this_thread::sleep_for(milliseconds(1050));
  auto again = Next(frontier);
  ASSERT_TRUE(again);
  ASSERT_EQ(again->kind, Request::Kind::kRobots);
  frontier.Fetched(*again, FetchReport{503});
  frontier.SetRobots("a", nullptr);
  auto page = Next(frontier);
  ASSERT_TRUE(page) << "the host is not paused";
  EXPECT_EQ(page->url, "http://a/1");
  auto next = Next(frontier);
  ASSERT_TRUE(next);
  EXPECT_EQ(next->url, "http://a/3") << "the old Disallow still holds";
  EXPECT_EQ(frontier.TakeBlocked().at(0).reason, "robots");
}

TEST_F(FrontierTest, ATlsFailureOfRobotsTxtFailsTheHostsUrlsAtOnce) {
  config::Job job = Open();
  job.politeness.robots = true;
  Frontier frontier(job, reader_.get());
  ASSERT_TRUE(frontier.Start().ok());
  Discover(frontier, Add("a", 1, 3));
  auto robots = Next(frontier);
  ASSERT_TRUE(robots);
  ASSERT_EQ(robots->kind, Request::Kind::kRobots);
  frontier.Fetched(*robots, FetchReport{});
  frontier.SetRobots("a", nullptr, FetchError::kTls);

  // No second robots.txt try, no page request: all three end failed.
  milliseconds wait{0};
  EXPECT_FALSE(frontier.NextRequest(&wait));
  std::vector<BlockedRequest> blocked = frontier.TakeBlocked();
  ASSERT_EQ(blocked.size(), 3u);
  for (const BlockedRequest& b : blocked) {
    EXPECT_TRUE(b.failed) << b.request.url;
    EXPECT_EQ(b.reason, "tls") << b.request.url;
  }
  EXPECT_EQ(frontier.Snapshot(true).hosts.at(0).robots, "unavailable");
  for (const BlockedRequest& b : blocked) {
    storage::Fate fate = storage::Failed{b.reason};
    Ended ended{b.request, fate};
    ASSERT_TRUE(frontier.Finished({&ended, 1}, {}).ok());
  }
  EXPECT_TRUE(frontier.Idle());
}

TEST_F(FrontierTest, AnUnavailableRobotsTxtIsTriedAgainLater) {
  config::Job job = Open();
  job.politeness.robots = true;
  Frontier frontier(job, reader_.get());
  ASSERT_TRUE(frontier.Start().ok());
  Discover(frontier, Add("a", 1, 3));
  auto robots = Next(frontier);
  ASSERT_TRUE(robots);
  frontier.Fetched(*robots, FetchReport{});
  frontier.SetRobots("a", nullptr, FetchError::kConnect);
  milliseconds wait{0};
  EXPECT_FALSE(frontier.NextRequest(&wait));
  EXPECT_TRUE(frontier.TakeBlocked().empty());
  EXPECT_EQ(frontier.Snapshot(true).hosts.at(0).robots, "retrying");
  EXPECT_FALSE(frontier.Idle());
}

TEST_F(FrontierTest, RobotsAllowsAnswersFromWhatItHasRead) {
  config::Job job = Open();
  job.politeness.robots = true;
  Frontier frontier(job, reader_.get());
  ASSERT_TRUE(frontier.Start().ok());
  EXPECT_EQ(frontier.RobotsAllows("http://a/1"), std::nullopt) << "unseen";
  Discover(frontier, Add("a", 1, 1));
  EXPECT_EQ(frontier.RobotsAllows("http://a/1"), std::nullopt) << "unread";
  auto robots = Next(frontier);
  ASSERT_TRUE(robots);
  frontier.Fetched(*robots, FetchReport{200});
  frontier.SetRobots(
      "a", std::make_shared<parser::RobotsTxt>(
               parser::RobotsTxt::Parse("User-agent: *\nDisallow: /2\n")));
  EXPECT_EQ(frontier.RobotsAllows("http://a/1"), true);
  EXPECT_EQ(frontier.RobotsAllows("http://A:8080/2?x=1"), false);
  EXPECT_EQ(frontier.RobotsAllows("http://b/2"), std::nullopt);

  Discover(frontier, Add("c", 1, 1));
  auto tls = Next(frontier);
  ASSERT_TRUE(tls);
  frontier.Fetched(*tls, FetchReport{});
  frontier.SetRobots("c", nullptr, FetchError::kTls);
  EXPECT_EQ(frontier.RobotsAllows("http://c/1"), false) << "failed for good";

  config::Job ignoring = Open();
  Frontier without(ignoring, reader_.get());
  EXPECT_EQ(without.RobotsAllows("http://a/2"), true) << "robots = false";
}

}  // namespace
}  // namespace crawlbox::crawler
