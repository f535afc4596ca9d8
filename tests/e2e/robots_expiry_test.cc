// robots.txt expiry in a long run: with a short politeness.robots_ttl_s a
// robots.txt that changes during the crawl is fetched again and obeyed, as the
// server's own log and the frontier show.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>

#include "tests/e2e/crawl_support.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_server.h"

namespace crawlbox {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;
using testing::TempDir;
using testing::TestServer;

TEST(RobotsExpiryTest, AChangedRobotsTxtIsPickedUpAfterItsTtl) {
  constexpr int kPages = 20;
  constexpr int kChangeAt = 5;  // /p/5 turns the Disallow on
  TestServer server;
  std::atomic<bool> changed{false};
  std::mutex mu;
  std::optional<Clock::time_point> disallow_served;  // first new copy sent
  server.Get("/robots.txt", [&](const httplib::Request&, const std::smatch&,
                                httplib::Response& res) {
    if (!changed.load()) {
      res.set_content("User-agent: *\nDisallow:\n", "text/plain");
      return;
    }
    {
      std::lock_guard<std::mutex> lock(mu);
      if (!disallow_served) disallow_served = Clock::now();
    }
    res.set_content("User-agent: *\nDisallow: /private/\n", "text/plain");
  });
  // A chain /p/0 → /p/1 → ..., each page also linking /private/<i>.
  server.Get("/p/(\\d+)", [&](const httplib::Request&, const std::smatch& m,
                              httplib::Response& res) {
    const int i = std::stoi(m[1]);
    if (i == kChangeAt) changed.store(true);
    std::string body = "<a href='/private/" + std::to_string(i) + "'>x</a>";
    if (i + 1 < kPages)
      body += "<a href='/p/" + std::to_string(i + 1) + "'>n</a>";
    res.set_content(body, "text/html");
  });
  server.Get("/private/(\\d+)", [](const httplib::Request&, const std::smatch&,
                                   httplib::Response& res) {
    res.set_content("<p>private</p>", "text/html");
  });
  // One request at a time, 50 ms each: the crawl lasts about 2 s, twice the
  // TTL, and the server's log is in the crawler's order.
  server.SetLatency(milliseconds(50));
  TempDir dir;
  const std::string db = dir.File("ttl.db");
  const std::string job =
      "[job]\nname = \"ttl\"\nstart_urls = [\"" + server.Url("/p/0") +
      "\"]\n"
      "[politeness]\nper_host_concurrency = 1\ndelay_ms = 0\n"
      "adaptive = false\nrobots_ttl_s = 1\n"
      "[limits]\nmax_duration_s = 60\n"
      "[[rules]]\nname = \"all\"\nfollow = ['/p/\\d+$', '/private/\\d+$']\n";
  auto summary = e2e::CrawlText(job, db);
  EXPECT_GE(server.Hits("/robots.txt"), 2) << "fetched again after the TTL";
  ASSERT_TRUE(disallow_served.has_value()) << "the new copy was never fetched";
  int private_before = 0;
  for (const auto& request : server.RequestLog()) {
    if (!request.target.starts_with("/private/")) continue;
    EXPECT_LT(request.arrived, *disallow_served)
        << request.target << " was requested after its Disallow was known";
    ++private_before;
  }
  EXPECT_GT(private_before, 0) << "allowed at first, fetched";
  const int64_t blocked = e2e::CountDb(
      db,
      "SELECT count(*) FROM frontier WHERE state = 'blocked' AND reason = "
      "'robots' AND url LIKE '%/private/%'");
  EXPECT_GT(blocked, 0) << "the links found after the change are blocked";
  EXPECT_EQ(private_before + blocked, kPages) << "every /private/ link";
  for (int i = 0; i < kPages; ++i)
    EXPECT_EQ(server.Hits("/p/" + std::to_string(i)), 1) << i;
  EXPECT_EQ(e2e::CountDb(db,
                         "SELECT count(*) FROM frontier WHERE state = "
                         "'blocked' AND url NOT LIKE '%/private/%'"),
            0);
  EXPECT_EQ(summary.pages, kPages + private_before);
}

}  // namespace
}  // namespace crawlbox
