// MasterLock: one master per job. A master starts its epoch and takes the
// job's lock in Redis (crawlbox:<job>:master, SET NX with a TTL, its value
// naming the master's host, pid, epoch and database), renews it every second
// with a compare-and-renew script, and deletes it on exit only if it is still
// its own. A master whose lock was taken over learns it on its next renewal.
// After a Redis outage the master opens a new epoch and takes the lock again
// under it (Advance).
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
  // The highest epoch the master's database has recorded
  // (storage/fleet_epochs.h): the new one is above it even when Redis lost
  // its counter.
  int64_t min_epoch = 0;
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
  // Connects, starts this master's epoch (one above both min_epoch and
  // crawlbox:<job>:epoch, which it raises: higher than any master's before
  // it, of this database or, while Redis keeps its data, of any other, which
  // fences them) and takes the lock:
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
  int64_t epoch() const { return epoch_.load(); }
  // False once a renewal found the lock another master's; never true again.
  bool held() const { return held_.load(); }
  // Renews now. OK while the lock is ours (one that expired while nobody took
  // it, and no newer epoch started, is taken again). Unavailable when Redis
  // cannot be reached (held() stays as it was), and once another master holds
  // it, with one line saying who took the job over (held() turns false).
  config::Status Renew();
  // Opens a new epoch (one above both the current one and the job's epoch
  // counter in Redis, which it raises) and takes the lock again under it,
  // whether Redis kept the old one or lost it. Returns the new epoch;
  // Unavailable when Redis cannot be reached (nothing changed), or once
  // another master holds the lock (held() turns false, as for Renew).
  config::Result<int64_t> Advance();
  // Deletes the lock if it is still ours (also done by the destructor).
  void Release();

 private:
  MasterLock(std::unique_ptr<RedisClient> redis, MasterLockOptions options,
             int64_t epoch, std::string value);
  void RenewLoop();
  // Sets lost_message_ and held_ for a lock found holding `value` (mu_
  // held).
  config::Status Lost(const std::string& value);

  const MasterLockOptions options_;
  const std::string key_, epoch_key_;
  std::atomic<int64_t> epoch_;
  std::atomic<bool> held_{true};

  std::mutex mu_;      // guards redis_, value_, lost_message_, stop_
  std::string value_;  // ours: JSON of host, pid, epoch, database
  std::unique_ptr<RedisClient> redis_;
  std::string lost_message_;
  bool stop_ = false;
  std::condition_variable stop_cv_;
  std::thread renewer_;
};

}  // namespace crawlbox::crawler
