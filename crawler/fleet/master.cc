// Publishing a job to Redis under the master's epoch, running the Engine with
// the Dispatcher as its fetch stage, and marking the job over.
#include "crawler/fleet/master.h"

#include <unistd.h>

#include <algorithm>
#include <cassert>
#include <cctype>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>

#include "config/log.h"
#include "storage/fleet_epochs.h"

namespace crawlbox::crawler {

using config::LogLevel;
using config::Result;
using config::Status;

namespace {

// The ${NAME} references of the job text with the values this process
// expands them to, so that workers load the job with the same seeds. The
// variable that holds the [login] password is never among them, even when
// the text names it (in a comment, say): workers read their own.
std::string ReferencedEnvironment(const std::string& text,
                                  const std::string& secret_name) {
  nlohmann::json env = nlohmann::json::object();
  for (size_t at = text.find("${"); at != std::string::npos;
       at = text.find("${", at + 2)) {
    size_t end = at + 2;
    while (end < text.size() &&
           (std::isalnum(static_cast<unsigned char>(text[end])) ||
            text[end] == '_')) {
      ++end;
    }
    std::string name = text.substr(at + 2, end - at - 2);
    if (name.empty() || name == secret_name) continue;
    if (const char* value = std::getenv(name.c_str())) env[name] = value;
  }
  return env.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string HostAndPid() {
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  return std::string(host) + ":" + std::to_string(getpid());
}

// Runs the commands; any error reply fails the call, naming its command,
// but for a group that exists already.
Status RunAll(RedisClient* redis,
              const std::vector<std::vector<std::string>>& commands) {
  auto replies = redis->Pipeline(commands);
  if (!replies.ok()) return replies.status();
  for (size_t i = 0; i < replies->size(); ++i) {
    if ((*replies)[i].is_error() &&
        !(*replies)[i].str.starts_with("BUSYGROUP")) {
      return Status::Unavailable("Redis " + commands[i][0] + ": " +
                                 (*replies)[i].str);
    }
  }
  return Status::Ok();
}

}  // namespace

Master::Master(const config::Job& job, const parser::PageParser& parser,
               storage::Store* store, MasterOptions options)
    : job_(job), database_(store->path()), options_(std::move(options)) {
  DispatcherOptions dispatch;
  dispatch.redis = options_.redis;
  dispatch.job_name = job_.name;
  dispatch.lease = options_.lease;
  dispatch.heartbeat_misses = options_.heartbeat_misses;
  dispatch.lock = options_.lock;
  dispatch.redis_timeout = options_.redis_timeout;
  dispatch.database = database_;
  dispatch.publish = [this](RedisClient* redis, int64_t epoch) {
    return Publish(redis, epoch, "running");
  };
  dispatcher_ = std::make_unique<Dispatcher>(dispatch);
  EngineOptions engine_options = options_.engine;
  engine_options.stage = dispatcher_.get();
  engine_options.max_outstanding =
      options_.max_outstanding > 0 ? options_.max_outstanding
                                   : std::max(256, 8 * job_.fetch.concurrency);
  engine_ = std::make_unique<Engine>(job_, parser, store, engine_options);
}

Master::~Master() = default;

std::vector<std::string> Master::JobHash(int64_t epoch,
                                         const std::string& state) const {
  return {"HSET",     FleetKeys(job_.name).job,
          "text",     job_.text,
          "file",     job_.file,
          "env",      ReferencedEnvironment(job_.text, job_.login.password_env),
          "epoch",    std::to_string(epoch),
          "lease_ms", std::to_string(options_.lease.count()),
          "state",    state,
          "master",   HostAndPid()};
}

Status Master::Publish(RedisClient* redis, int64_t epoch,
                       const std::string& state) const {
  const FleetKeys keys(job_.name);
  // A new epoch starts with empty streams: tasks of a previous master run
  // would otherwise be fetched for nothing, and its results are dropped
  // anyway (their URLs are still queued in the database).
  return RunAll(
      redis,
      {{"DEL", keys.tasks, keys.render, keys.results},
       // An earlier run's live settings: this run's controls (the recorded
       // ones replayed) publish their own, again after a Redis outage.
       {"HDEL", keys.job, "live"},
       {"XGROUP", "CREATE", keys.tasks, FleetKeys::kGroup, "0", "MKSTREAM"},
       {"XGROUP", "CREATE", keys.render, FleetKeys::kGroup, "0", "MKSTREAM"},
       JobHash(epoch, state),
       {"SADD", FleetKeys::kJobs, job_.name}});
}

Result<RunSnapshot> Master::Run() {
  auto redis = RedisClient::Connect(options_.redis);
  if (!redis.ok()) return redis.status();
  const FleetKeys keys(job_.name);
  assert(options_.lock != nullptr);
  const int64_t epoch = options_.lock->epoch();
  // Before anything carries it: the next master, or this one after a Redis
  // outage, opens a higher one even if Redis forgot this one.
  Status s = storage::RecordFleetEpoch(database_, epoch, "start");
  if (!s.ok()) return s;
  s = Publish(redis->get(), epoch, "running");
  if (!s.ok()) return s;
  config::Log(LogLevel::kInfo, "master",
              "job '" + job_.name + "' published on " +
                  options_.redis.Redacted() + ", epoch " +
                  std::to_string(epoch) + ", lease " +
                  std::to_string(options_.lease.count()) + " ms");

  dispatcher_->set_epoch(epoch);
  auto summary = engine_->Run();
  // Taken over: the job, its streams and its state are the new master's.
  Status owned = options_.lock->Renew();
  if (!options_.lock->held()) return owned;

  // Gave up on Redis: there is nobody to tell.
  if (dispatcher_->redis_lost()) return summary;

  const std::string state = summary.ok() ? summary->state : "failed";
  // The whole job hash, not its state alone: Redis may have lost it in an
  // outage the crawl's last results outran, and workers need its text.
  std::vector<std::vector<std::string>> end = {
      JobHash(options_.lock->epoch(), state)};
  if (state == "finished") {
    // Workers see the state within a second and exit.
    end.push_back({"SREM", FleetKeys::kJobs, job_.name});
    // The lost set too: the names in it were never reused, and are of no
    // use to the next run.
    end.push_back({"DEL", keys.tasks, keys.render, keys.results, keys.lost});
  }
  RedisOutage outage("master", options_.redis_timeout,
                     "the crawl is stored, but workers were not told that "
                     "job '" +
                         job_.name + "' is " + state);
  s = RunAll(redis->get(), end);
  // This connection was idle during the crawl and may predate an outage the
  // crawl rode out: the next call reconnects.
  if (!s.ok() && !(*redis)->connected()) s = RunAll(redis->get(), end);
  while (!s.ok() && !(*redis)->connected()) {
    s = outage.Wait(redis->get(), s, {});
    if (!s.ok()) break;
    s = RunAll(redis->get(), end);
  }
  if (s.ok()) outage.End("job marked " + state);
  if (!s.ok()) {
    config::Log(LogLevel::kWarning, "master",
                "could not mark the job " + state + ": " + s.message());
  }
  return summary;
}

}  // namespace crawlbox::crawler
