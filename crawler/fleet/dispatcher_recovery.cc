// The dispatcher after a Redis outage: a new epoch, the job and every
// outstanding task published again. Nothing here relies on what Redis kept:
// with AOF it may have lost the last second, without persistence everything.
#include <string>
#include <vector>

#include "crawler/fleet/dispatcher.h"
#include "storage/fleet_epochs.h"

namespace crawlbox::crawler {

using config::Status;

namespace {

// Tasks added per round trip.
constexpr size_t kRepublishBatch = 512;

}  // namespace

Status Dispatcher::Recover(Status cause) {
  while (true) {
    Status s = outage_.Wait(redis_.get(), cause, [this] {
      // Outcomes already received, and controls, are still committed.
      if (wake_.exchange(false)) context_->store->Drain();
      return stop_.load();
    });
    if (!s.ok() || stop_.load()) return s;
    std::string done;
    s = Republish(&done);
    if (s.ok()) {
      outage_.End(done);
      return s;
    }
    // Lost again before the job was out, or the lock's own connection not
    // back yet: the outage goes on (and its clock with it).
    if (fenced_ || s.code() != Status::Code::kUnavailable) return s;
    cause = s;
  }
}

Status Dispatcher::Republish(std::string* done) {
  int64_t epoch = epoch_ + 1;
  if (options_.lock != nullptr) {
    auto advanced = options_.lock->Advance();
    // The lock's connection finds the outage on its first command and
    // reconnects on the next.
    if (!advanced.ok() && options_.lock->held())
      advanced = options_.lock->Advance();
    if (!advanced.ok()) {
      fenced_ = !options_.lock->held();
      return advanced.status();
    }
    epoch = *advanced;
  }
  // Recorded before anything carries it: an epoch is never used twice, even
  // when Redis lost its counter and the master restarts.
  if (!options_.database.empty()) {
    Status s = storage::RecordFleetEpoch(options_.database, epoch, "redis");
    if (!s.ok()) return s;
  }
  if (!options_.publish) return Status::Unavailable("nothing to publish with");
  Status s = options_.publish(redis_.get(), epoch);
  if (!s.ok()) return s;
  epoch_ = epoch;
  last_result_ = "0-0";       // the results stream is a new one
  live_changed_.store(true);  // the job's hash, live settings too, may be gone

  std::vector<std::vector<std::string>> commands;
  if (!watch_.declared().empty()) {
    // Redis may have forgotten them: such a worker must still re-register.
    std::vector<std::string> lost = {"SADD", keys_.lost};
    lost.insert(lost.end(), watch_.declared().begin(), watch_.declared().end());
    commands.push_back(std::move(lost));
  }
  int64_t republished = 0;
  auto send = [&]() -> Status {
    if (commands.empty()) return Status::Ok();
    auto replies = redis_->Pipeline(commands);
    commands.clear();
    if (!replies.ok()) return replies.status();
    for (const RedisReply& reply : *replies) {
      if (reply.is_error())
        return Status::Unavailable("XADD task: " + reply.str);
    }
    return Status::Ok();
  };
  for (const auto& [id, task] : outstanding_) {
    // Same number, new epoch: any answer to the old one is stale.
    Task copy{epoch, id, task.request, task.deliveries};
    commands.push_back(
        {"XADD", StreamOf(copy.request), "*", "t", EncodeTask(copy)});
    ++republished;
    if (commands.size() >= kRepublishBatch) {
      s = send();
      if (!s.ok()) return s;
    }
  }
  s = send();
  if (!s.ok()) return s;
  // No heartbeat could arrive while Redis was away.
  watch_.Restart(std::chrono::steady_clock::now());
  context_->counters->Add("master/redis_recoveries");
  *done = "job '" + options_.job_name + "' published again under epoch " +
          std::to_string(epoch) + " with its " + std::to_string(republished) +
          " outstanding tasks";
  std::lock_guard<std::mutex> lock(mu_);
  dispatched_ += republished;
  return Status::Ok();
}

}  // namespace crawlbox::crawler
