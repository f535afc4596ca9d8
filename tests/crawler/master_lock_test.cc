// The master lock against a real redis-server: a second master refused with
// the holder named, a dead holder on this host replaced at once, --take-over
// fencing the holder on its next renewal (and refused for another job's or
// another database), and a lock released or renewed only by its owner.
#include "crawler/fleet/master_lock.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <thread>

#include "crawler/fleet/fleet.h"
#include "crawler/fleet/worker_session.h"
#include "tests/support/redis_server.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"

namespace crawlbox::crawler {
namespace {

using std::chrono::milliseconds;

class MasterLockTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto server =
        testing::RedisServer::Start("lock-key-2b9e", dir_.path().string());
    if (!server.ok()) {
      if (server.status().code() == config::Status::Code::kNotFound)
        GTEST_SKIP() << server.status().message();
      FAIL() << server.status().ToString();
    }
    server_ = std::move(*server);
    auto address = ParseRedisUrl(server_->Url());
    ASSERT_TRUE(address.ok()) << address.status().ToString();
    address_ = *address;
    auto redis = RedisClient::Connect(address_);
    ASSERT_TRUE(redis.ok()) << redis.status().ToString();
    redis_ = std::move(*redis);
  }

  // A lock of job "dist" on a database first crawled at `started`.
  MasterLockOptions Options(const std::string& started = "t0") const {
    MasterLockOptions options;
    options.job_name = "dist";
    options.database = "dist@" + started;
    options.database_job = "dist";
    options.ttl = milliseconds(1000);
    options.renew_every = milliseconds(100);
    return options;
  }

  // The lock's value now, "" when there is none.
  std::string LockValue() {
    auto value = redis_->Command({"GET", FleetKeys("dist").master});
    EXPECT_TRUE(value.ok()) << value.status().ToString();
    return value.ok() ? value->str : "";
  }

  testing::TempDir dir_;
  std::unique_ptr<testing::RedisServer> server_;
  RedisAddress address_;
  std::unique_ptr<RedisClient> redis_;
};

TEST_F(MasterLockTest, ASecondMasterIsRefusedWithTheHolderNamed) {
  auto first = MasterLock::Acquire(address_, Options());
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_TRUE((*first)->held());
  const nlohmann::json value = nlohmann::json::parse(LockValue());
  EXPECT_EQ(value["host"], Hostname());
  EXPECT_EQ(value["pid"], getpid());
  EXPECT_EQ(value["epoch"], (*first)->epoch());

  auto second = MasterLock::Acquire(address_, Options());
  ASSERT_FALSE(second.ok());
  const std::string message = second.status().message();
  EXPECT_EQ(second.status().code(), config::Status::Code::kUnavailable);
  EXPECT_NE(
      message.find("host " + Hostname() + " (pid " + std::to_string(getpid())),
      std::string::npos)
      << message;
  EXPECT_NE(message.find("--take-over"), std::string::npos) << message;
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  EXPECT_TRUE((*first)->held()) << "a refused master changes nothing";
  EXPECT_EQ(nlohmann::json::parse(LockValue())["epoch"], (*first)->epoch());

  // Released on exit: the next master takes the job at once, under a higher
  // epoch.
  const int64_t epoch = (*first)->epoch();
  first->reset();
  EXPECT_EQ(LockValue(), "");
  auto third = MasterLock::Acquire(address_, Options());
  ASSERT_TRUE(third.ok()) << third.status().ToString();
  EXPECT_GT((*third)->epoch(), epoch + 1) << "the refused one took an epoch";
}

TEST_F(MasterLockTest, AHolderWhoseProcessIsGoneFromThisHostIsReplacedAtOnce) {
  // A process that has exited and been reaped: its pid names nobody.
  pid_t dead = 0;
  {
    testing::ChildProcess child({"/bin/true"}, {}, dir_.path().string());
    dead = child.pid();
    child.Wait(5'000);
  }
  const std::string stale =
      nlohmann::json{{"host", Hostname()}, {"pid", dead}, {"epoch", 3}}.dump();
  ASSERT_TRUE(
      redis_->Command({"SET", FleetKeys("dist").master, stale, "PX", "60000"})
          .ok());
  const auto start = std::chrono::steady_clock::now();
  auto lock = MasterLock::Acquire(address_, Options());
  ASSERT_TRUE(lock.ok()) << lock.status().ToString();
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(500))
      << "no wait for the 60 s TTL";
  EXPECT_EQ(nlohmann::json::parse(LockValue())["pid"], getpid());

  // The same value from another host is a live master as far as we can tell.
  lock->reset();
  const std::string elsewhere = nlohmann::json{
      {"host", "other-machine"},
      {"pid", dead},
      {"epoch", 3}}.dump();
  ASSERT_TRUE(
      redis_
          ->Command({"SET", FleetKeys("dist").master, elsewhere, "PX", "60000"})
          .ok());
  auto refused = MasterLock::Acquire(address_, Options());
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("host other-machine (pid " +
                                            std::to_string(dead)),
            std::string::npos)
      << refused.status().message();
}

TEST_F(MasterLockTest, TakeOverFencesTheHolderOnItsNextRenewal) {
  auto old = MasterLock::Acquire(address_, Options());
  ASSERT_TRUE(old.ok()) << old.status().ToString();

  // Refused: a database of another job, a new database, another database of
  // the same job.
  MasterLockOptions other_job = Options();
  other_job.take_over = true;
  other_job.database = "shop@t0";
  other_job.database_job = "shop";
  MasterLockOptions fresh = Options();
  fresh.take_over = true;
  fresh.database = fresh.database_job = "";
  MasterLockOptions other_db = Options("t1");
  other_db.take_over = true;
  for (const MasterLockOptions& options : {other_job, fresh, other_db}) {
    auto refused = MasterLock::Acquire(address_, options);
    ASSERT_FALSE(refused.ok()) << options.database;
    EXPECT_EQ(refused.status().code(), config::Status::Code::kInvalidArgument);
    EXPECT_NE(refused.status().message().find("--take-over"), std::string::npos)
        << refused.status().message();
    EXPECT_TRUE((*old)->held());
  }

  MasterLockOptions same = Options();
  same.take_over = true;
  auto start = std::chrono::steady_clock::now();
  auto taken = MasterLock::Acquire(address_, same);
  ASSERT_TRUE(taken.ok()) << taken.status().ToString();
  // The old holder is this very process, which never exits: the new master
  // waits for it as long as the TTL, the old one's renewals (every 100 ms)
  // having noticed long before.
  EXPECT_GE(std::chrono::steady_clock::now() - start, milliseconds(900));
  EXPECT_FALSE((*old)->held());
  EXPECT_GT((*taken)->epoch(), (*old)->epoch());
  config::Status renewed = (*old)->Renew();
  EXPECT_FALSE(renewed.ok());
  EXPECT_NE(
      renewed.message().find("taken over by the master on host " + Hostname() +
                             " (pid " + std::to_string(getpid()) + ", epoch " +
                             std::to_string((*taken)->epoch()) + ")"),
      std::string::npos)
      << renewed.message();
  // The old master's exit leaves the new master's lock alone.
  const std::string value = LockValue();
  old->reset();
  EXPECT_EQ(LockValue(), value);
  EXPECT_TRUE((*taken)->Renew().ok());
}

TEST_F(MasterLockTest, AnExpiredLockIsTakenBackUnlessANewerEpochStarted) {
  auto lock = MasterLock::Acquire(address_, Options());
  ASSERT_TRUE(lock.ok()) << lock.status().ToString();
  const std::string ours = LockValue();
  // Expired while this master was paused: nobody took it.
  ASSERT_TRUE(redis_->Command({"DEL", FleetKeys("dist").master}).ok());
  EXPECT_TRUE((*lock)->Renew().ok());
  EXPECT_EQ(LockValue(), ours);
  auto ttl = redis_->Command({"PTTL", FleetKeys("dist").master});
  ASSERT_TRUE(ttl.ok());
  EXPECT_GT(ttl->integer, 0);
  EXPECT_LE(ttl->integer, 1000);
  // Expired, and another master started meanwhile (and may be gone again).
  ASSERT_TRUE(redis_->Command({"INCR", FleetKeys("dist").epoch}).ok());
  ASSERT_TRUE(redis_->Command({"DEL", FleetKeys("dist").master}).ok());
  config::Status renewed = (*lock)->Renew();
  EXPECT_FALSE(renewed.ok());
  EXPECT_NE(renewed.message().find("a newer master"), std::string::npos)
      << renewed.message();
  EXPECT_FALSE((*lock)->held());
  EXPECT_EQ(LockValue(), "");
}

TEST_F(MasterLockTest, EpochsRiseAboveTheDatabaseAndAcrossARedisReset) {
  // The database has seen epoch 41; Redis never heard of this job.
  MasterLockOptions options = Options();
  options.min_epoch = 41;
  auto lock = MasterLock::Acquire(address_, options);
  ASSERT_TRUE(lock.ok()) << lock.status().ToString();
  EXPECT_EQ((*lock)->epoch(), 42);

  // Redis kept everything: a new epoch, and the lock under it.
  auto advanced = (*lock)->Advance();
  ASSERT_TRUE(advanced.ok()) << advanced.status().ToString();
  EXPECT_EQ(*advanced, 43);
  EXPECT_EQ((*lock)->epoch(), 43);
  EXPECT_EQ(nlohmann::json::parse(LockValue())["epoch"], 43);

  // Redis lost everything (a restart without persistence): the counter starts
  // over, the master's epochs do not, and the lock is its own again.
  ASSERT_TRUE(redis_->Command({"FLUSHALL"}).ok());
  advanced = (*lock)->Advance();
  ASSERT_TRUE(advanced.ok()) << advanced.status().ToString();
  EXPECT_EQ(*advanced, 44);
  EXPECT_EQ(nlohmann::json::parse(LockValue())["epoch"], 44);
  EXPECT_TRUE((*lock)->Renew().ok());
  EXPECT_TRUE((*lock)->held());

  // Another master holds the lock by now: Advance fences this one.
  ASSERT_TRUE(redis_
                  ->Command({"SET", FleetKeys("dist").master,
                             R"({"host":"h2","pid":7,"epoch":50})"})
                  .ok());
  advanced = (*lock)->Advance();
  ASSERT_FALSE(advanced.ok());
  EXPECT_NE(advanced.status().message().find("taken over by the master on host "
                                             "h2 (pid 7, epoch 50)"),
            std::string::npos)
      << advanced.status().message();
  EXPECT_FALSE((*lock)->held());
}

}  // namespace
}  // namespace crawlbox::crawler
