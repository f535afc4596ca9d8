// Riding out a Redis outage against a real redis-server killed and restarted:
// the give-up after the timeout (one line, the address redacted), a stop that
// ends the wait at once, and a wait that ends when Redis is back.
#include "crawler/fleet/redis_outage.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "tests/support/redis_server.h"
#include "tests/support/status_matchers.h"
#include "tests/support/temp_dir.h"

namespace crawlbox::crawler {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr const char* kSecret = "outage-key-5c1d";

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

TEST(RedisOutageTest, GivesUpAfterItsTimeoutStopsOnDemandAndSeesRedisBack) {
  testing::TempDir dir;
  auto server = testing::RedisServer::Start(kSecret, dir.path().string());
  if (!server.ok()) {
    if (server.status().code() == config::Status::Code::kNotFound)
      GTEST_SKIP() << server.status().message();
    FAIL() << server.status().ToString();
  }
  auto address = ParseRedisUrl((*server)->Url());
  ASSERT_TRUE(address.ok());
  auto client = RedisClient::Connect(*address);
  ASSERT_TRUE(client.ok()) << client.status().ToString();
  RedisClient* redis = client->get();
  (*server)->Kill();
  auto lost = redis->Command({"PING"});
  ASSERT_FALSE(lost.ok());
  EXPECT_FALSE(redis->connected());

  RedisOutage outage("worker", milliseconds(1000), "this worker stopped");
  Clock::time_point start = Clock::now();
  config::Status s = outage.Wait(redis, lost.status(), {});
  const double waited = SecondsSince(start);
  EXPECT_EQ(s.code(), config::Status::Code::kUnavailable);
  EXPECT_EQ(
      s.message(),
      "Redis at redis://***@127.0.0.1:" + std::to_string((*server)->port()) +
          " has been unreachable for 1 s (--redis-timeout-s): giving "
          "up; this worker stopped");
  EXPECT_GE(waited, 1.0);
  EXPECT_LT(waited, 2.5);
  EXPECT_TRUE(outage.active()) << "an outage given up on never ended";

  RedisOutage stopped("worker", milliseconds(10'000), "");
  start = Clock::now();
  EXPECT_OK(stopped.Wait(redis, lost.status(), [] { return true; }));
  EXPECT_LT(SecondsSince(start), 0.5);

  RedisOutage back("worker", milliseconds(10'000), "");
  config::Status restarted;
  std::thread restart([&] {
    std::this_thread::sleep_for(milliseconds(300));
    restarted = (*server)->Restart();
  });
  start = Clock::now();
  s = back.Wait(redis, lost.status(), {});
  restart.join();
  EXPECT_OK(restarted);
  EXPECT_OK(s);
  EXPECT_TRUE(redis->connected());
  EXPECT_GE(SecondsSince(start), 0.3);
  // 100, 200, 400 ms (±20%) of waiting reach past 300 ms and Redis's start.
  EXPECT_LT(SecondsSince(start), 3.0);
  EXPECT_TRUE(back.active());
  back.End();
  back.End();
  EXPECT_FALSE(back.active());
  EXPECT_EQ(back.ended(), 1);
}

}  // namespace
}  // namespace crawlbox::crawler
