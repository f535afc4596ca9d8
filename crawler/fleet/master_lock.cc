// Taking, renewing and releasing a job's master lock: SET NX PX to take it,
// Lua scripts (EVAL) to take it over, renew it and release it, so that each
// compares the value and changes the key in one atomic step.
#include "crawler/fleet/master_lock.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "config/log.h"
#include "crawler/fleet/fleet.h"
#include "crawler/fleet/worker_session.h"

namespace crawlbox::crawler {

using config::LogLevel;
using config::Result;
using config::Status;
using std::chrono::milliseconds;

namespace {

// Renews the lock while it holds our value. A lock that expired while nobody
// took it is taken again, unless a newer epoch has started meanwhile (its
// master may have taken the lock and released it already). Returns 1, or
// the holder's value ("" when there is none).
constexpr const char* kRenewScript = R"lua(
local v = redis.call('GET', KEYS[1])
if v == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
if not v and (tonumber(redis.call('GET', KEYS[2]) or '0') or 0) <=
    tonumber(ARGV[3]) then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return v or ''
)lua";

// Sets our value if the lock is free or still holds the value we decided to
// take it from. Returns 1, or the value found instead.
constexpr const char* kTakeScript = R"lua(
local v = redis.call('GET', KEYS[1])
if not v or v == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
  return 1
end
return v
)lua";

// Opens an epoch: one above both the job's counter and ARGV[1] (the master's
// own latest), and raises the counter to it.
constexpr const char* kEpochScript = R"lua(
local e = math.max(tonumber(redis.call('GET', KEYS[1]) or '0') or 0,
                   tonumber(ARGV[1])) + 1
redis.call('SET', KEYS[1], e)
return e
)lua";

constexpr const char* kReleaseScript = R"lua(
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
)lua";

std::string EncodeHolder(const MasterLockHolder& holder) {
  return nlohmann::json{{"host", holder.host},
                        {"pid", holder.pid},
                        {"epoch", holder.epoch},
                        {"database", holder.database}}
      .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// A value no crawlbox wrote still names a holder: an unknown one.
MasterLockHolder DecodeHolder(const std::string& value) {
  MasterLockHolder holder;
  holder.host = "?";
  const nlohmann::json j = nlohmann::json::parse(value, nullptr, false);
  if (!j.is_object()) return holder;
  if (j.contains("host") && j["host"].is_string()) holder.host = j["host"];
  if (j.contains("pid") && j["pid"].is_number_integer()) holder.pid = j["pid"];
  if (j.contains("epoch") && j["epoch"].is_number_integer())
    holder.epoch = j["epoch"];
  if (j.contains("database") && j["database"].is_string())
    holder.database = j["database"];
  return holder;
}

// Whether process `pid` of this machine has exited. A process of another
// user answers EPERM: alive. One that exited and was not yet reaped by its
// parent (a zombie) commits nothing more: gone.
bool ProcessGone(int64_t pid) {
  if (kill(static_cast<pid_t>(pid), 0) != 0) return errno == ESRCH;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  std::getline(stat, line);
  // "pid (comm) S ...": the state follows the last ')'.
  const size_t paren = line.rfind(')');
  return paren != std::string::npos && paren + 2 < line.size() &&
         line[paren + 2] == 'Z';
}

// The holder ran on this machine and its process is gone.
bool GoneFromThisHost(const MasterLockHolder& holder) {
  return holder.host == Hostname() && holder.pid > 0 &&
         holder.pid != getpid() && ProcessGone(holder.pid);
}

// Why --take-over may not take the job from `holder`, or "".
std::string TakeOverRefusal(const MasterLockOptions& options,
                            const MasterLockHolder& holder) {
  const std::string job = "'" + options.job_name + "'";
  if (options.database_job.empty()) {
    return "--take-over continues the running master's crawl with its "
           "database, and this database has no crawl of job " +
           job + " yet";
  }
  if (options.database_job != options.job_name) {
    return "--take-over refused: this database is of job '" +
           options.database_job + "', not " + job;
  }
  if (!holder.database.empty() && holder.database != options.database) {
    return "--take-over refused: " + holder.Describe() +
           " crawls another database of job " + job + " (first run " +
           holder.database + ", this one's " + options.database + ")";
  }
  return "";
}

// Returns once the master taken over has had time to notice and stop.
void WaitForOldMaster(const MasterLockHolder& holder,
                      const MasterLockOptions& options) {
  if (holder.host != Hostname() || holder.pid <= 0) {
    std::this_thread::sleep_for(2 * options.renew_every);
    return;
  }
  // It may share our database: nothing it commits after we read the
  // frontier must be missed, so wait for its exit (bounded by the TTL).
  const auto deadline = std::chrono::steady_clock::now() + options.ttl;
  while (!ProcessGone(holder.pid)) {
    if (std::chrono::steady_clock::now() >= deadline) {
      config::Log(LogLevel::kWarning, "master",
                  holder.Describe() + " has not exited; going on");
      return;
    }
    std::this_thread::sleep_for(milliseconds(50));
  }
}

}  // namespace

std::string MasterLockHolder::Describe() const {
  return "the master on host " + host + " (pid " + std::to_string(pid) +
         ", epoch " + std::to_string(epoch) + ")";
}

Result<std::unique_ptr<MasterLock>> MasterLock::Acquire(
    const RedisAddress& address, MasterLockOptions options) {
  auto redis = RedisClient::Connect(address);
  if (!redis.ok()) return redis.status();
  const FleetKeys keys(options.job_name);
  auto epoch = (*redis)->Command({"EVAL", kEpochScript, "1", keys.epoch,
                                  std::to_string(options.min_epoch)});
  if (!epoch.ok()) return epoch.status();
  MasterLockHolder self{Hostname(), getpid(), epoch->integer, options.database};
  const std::string value = EncodeHolder(self);
  const std::string ttl = std::to_string(options.ttl.count());
  const std::string job = "job '" + options.job_name + "'";
  // A few rounds: the lock may expire or change hands between our reads.
  for (int round = 0; round < 5; ++round) {
    auto set = (*redis)->Command({"SET", keys.master, value, "NX", "PX", ttl});
    if (!set.ok()) return set.status();
    if (!set->is_nil()) {
      return std::unique_ptr<MasterLock>(new MasterLock(
          std::move(*redis), std::move(options), self.epoch, value));
    }
    auto found = (*redis)->Command({"GET", keys.master});
    if (!found.ok()) return found.status();
    if (found->is_nil()) continue;  // expired meanwhile
    const MasterLockHolder holder = DecodeHolder(found->str);
    const bool gone = GoneFromThisHost(holder);
    if (!gone && !options.take_over) {
      return Status::Unavailable(
          job + " is run by " + holder.Describe() +
          "; stop that one first, or start this one with --take-over");
    }
    if (!gone) {
      std::string refusal = TakeOverRefusal(options, holder);
      if (!refusal.empty()) return Status::InvalidArgument(refusal);
    }
    auto taken = (*redis)->Command(
        {"EVAL", kTakeScript, "1", keys.master, found->str, value, ttl});
    if (!taken.ok()) return taken.status();
    if (taken->type != RedisReply::Type::kInteger) continue;
    if (gone) {
      config::Log(LogLevel::kInfo, "master",
                  job + " was held by " + holder.Describe() +
                      ", whose process is gone: taking it at once");
    } else {
      config::Log(LogLevel::kInfo, "master",
                  "taking " + job + " over from " + holder.Describe() +
                      "; waiting for it to stop");
      WaitForOldMaster(holder, options);
    }
    return std::unique_ptr<MasterLock>(new MasterLock(
        std::move(*redis), std::move(options), self.epoch, value));
  }
  return Status::Unavailable("the lock of " + job +
                             " kept changing hands; try again");
}

MasterLock::MasterLock(std::unique_ptr<RedisClient> redis,
                       MasterLockOptions options, int64_t epoch,
                       std::string value)
    : options_(std::move(options)),
      key_(FleetKeys(options_.job_name).master),
      epoch_key_(FleetKeys(options_.job_name).epoch),
      epoch_(epoch),
      value_(std::move(value)),
      redis_(std::move(redis)) {
  renewer_ = std::thread([this] { RenewLoop(); });
}

MasterLock::~MasterLock() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  stop_cv_.notify_all();
  renewer_.join();
  Release();
}

Status MasterLock::Renew() {
  std::lock_guard<std::mutex> lock(mu_);
  if (!held_) return Status::Unavailable(lost_message_);
  auto reply = redis_->Command({"EVAL", kRenewScript, "2", key_, epoch_key_,
                                value_, std::to_string(options_.ttl.count()),
                                std::to_string(epoch_.load())});
  if (!reply.ok()) return reply.status();
  if (reply->type == RedisReply::Type::kInteger) return Status::Ok();
  return Lost(reply->str);
}

Status MasterLock::Lost(const std::string& value) {
  lost_message_ = "job '" + options_.job_name + "' was taken over by " +
                  (value.empty() ? std::string("a newer master")
                                 : DecodeHolder(value).Describe()) +
                  "; this master stopped (its database is consistent)";
  held_ = false;
  return Status::Unavailable(lost_message_);
}

Result<int64_t> MasterLock::Advance() {
  std::lock_guard<std::mutex> lock(mu_);
  if (!held_) return Status::Unavailable(lost_message_);
  auto epoch = redis_->Command(
      {"EVAL", kEpochScript, "1", epoch_key_, std::to_string(epoch_.load())});
  if (!epoch.ok()) return epoch.status();
  MasterLockHolder self = DecodeHolder(value_);
  self.epoch = epoch->integer;
  std::string value = EncodeHolder(self);
  // Ours still (Redis kept it), or gone (Redis lost it, or it expired while
  // Redis was away): either way ours again, under the new epoch.
  auto taken = redis_->Command({"EVAL", kTakeScript, "1", key_, value_, value,
                                std::to_string(options_.ttl.count())});
  if (!taken.ok()) return taken.status();
  if (taken->type != RedisReply::Type::kInteger) return Lost(taken->str);
  value_ = std::move(value);
  epoch_ = self.epoch;
  return self.epoch;
}

void MasterLock::Release() {
  std::lock_guard<std::mutex> lock(mu_);
  if (!held_.exchange(false)) return;
  lost_message_ = "the lock of job '" + options_.job_name + "' was released";
  // Best effort: a lock left behind expires after its TTL.
  redis_->Command({"EVAL", kReleaseScript, "1", key_, value_}).ok();
}

void MasterLock::RenewLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    stop_cv_.wait_for(lock, options_.renew_every);
    if (stop_) break;
    lock.unlock();
    // Redis away: the dispatcher reports it; the lock is renewed once it is
    // back, or found taken.
    Status renewed = Renew();
    lock.lock();
    if (!held_) break;
    (void)renewed;
  }
}

}  // namespace crawlbox::crawler
