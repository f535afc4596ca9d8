// MasterLock: one master per job. A master starts its epoch and takes the
// job's lock in Redis (crawlbox:<job>:master, SET NX with a TTL, its value
// naming the master's host, pid, epoch and database), renews it every second
// with a compare-and-renew script, and deletes it on exit only if it is still
// its own. A master whose lock was taken over learns it on its next renewal.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "config/status.h"
#include "crawler/fleet/redis_client.h"

namespace crawlbox::crawler {

struct MasterLockOptions {
  std::string job_name;
  // The master's database as "<job name>@<start of its first crawl run>",
  // or "" for a database with no crawl run yet: what --take-over compares.
  std::string database;
  // The job name of the database's latest crawl run ("" for a new one).
  std::string database_job;
  // Take the lock from a live master of the same job and database, which then
  // stops on its next renewal.
  bool take_over = false;
  // A lock not renewed for this long is free: how long a master that died on
  // another machine keeps the job from being run again.
  std::chrono::milliseconds ttl{10'000};
  // How often the lock is renewed: how late a master taken over stops.
  std::chrono::milliseconds renew_every{1'000};
};

// What the lock's value says about the master holding it.
struct MasterLockHolder {
  std::string host;
  int64_t pid = 0;
  int64_t epoch = 0;
  std::string database;  // as MasterLockOptions::database
  // "the master on host H (pid P, epoch E)".
  std::string Describe() const;
};

// Thread-safe. Renews itself from a thread of its own, on a connection of its
// own, from Acquire() until destroyed.
class MasterLock {
 public:
  // Connects, starts this master's epoch (INCR crawlbox:<job>:epoch: higher
  // than any master's before it, which fences them) and takes the lock:
  //  - when it is free;
  //  - when its holder ran on this host and its process is gone (a master
  //    killed and restarted), at once;
  //  - with take_over, from a live master when the database is of the same
  //    job and, when the holder named its database, the same database; then
  //    waits until the old master has stopped (on this host: its process has
  //    exited; elsewhere: two of its renewals have passed) so that it commits
  //    nothing more.
  // Fails with Unavailable when Redis cannot be reached or a live master
  // holds the job (one line naming its host and pid), InvalidArgument when
  // --take-over is refused (another job's or another database).
  static config::Result<std::unique_ptr<MasterLock>> Acquire(
      const RedisAddress& address, MasterLockOptions options);
  ~MasterLock();  // stops renewing and releases the lock if it is still ours
  MasterLock(const MasterLock&) = delete;
  MasterLock& operator=(const MasterLock&) = delete;

  // The master's epoch, the lock's fencing token.
  int64_t epoch() const { return epoch_; }
  // False once a renewal found the lock another master's; never true again.
  bool held() const { return held_.load(); }
  // Renews now. OK while the lock is ours (one that expired while nobody took
  // it, and no newer epoch started, is taken again). Unavailable when Redis
  // cannot be reached (held() stays as it was), and once another master holds
  // it, with one line saying who took the job over (held() turns false).
  config::Status Renew();
  // Deletes the lock if it is still ours (also done by the destructor).
  void Release();

 private:
  MasterLock(std::unique_ptr<RedisClient> redis, MasterLockOptions options,
             int64_t epoch, std::string value);
  void RenewLoop();

  const MasterLockOptions options_;
  const std::string key_, epoch_key_;
  const int64_t epoch_;
  const std::string value_;  // ours: JSON of host, pid, epoch, database
  std::atomic<bool> held_{true};

  std::mutex mu_;  // guards redis_, lost_message_, stop_
  std::unique_ptr<RedisClient> redis_;
  std::string lost_message_;
  bool stop_ = false;
  std::condition_variable stop_cv_;
  std::thread renewer_;
};

}  // namespace crawlbox::crawler
