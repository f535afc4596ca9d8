// Waiting for a job to be published, loading it with the master's
// environment, and running one WorkerSession per published version of it.
#include "crawler/fleet/worker.h"

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "config/job_loader.h"
#include "config/log.h"
#include "crawler/fleet/redis_outage.h"
#include "crawler/fleet/worker_session.h"

namespace crawlbox::crawler {

using config::LogLevel;
using config::Result;
using config::Status;
using std::chrono::milliseconds;

namespace {

// environment, before the job text is loaded.
Status ApplyEnvironment(const std::string& text) {
  try {
    const nlohmann::json env = nlohmann::json::parse(text);
    for (const auto& [var, value] : env.items())
      setenv(var.c_str(), value.get<std::string>().c_str(), 1);
    return Status::Ok();
  } catch (const nlohmann::json::exception& e) {
    return Status::Corruption(std::string("malformed env field: ") + e.what());
  }
}

}  // namespace

Worker::Worker(WorkerOptions options) : options_(std::move(options)) {}

Result<WorkerSummary> Worker::Run() {
  auto reader = RedisClient::Connect(options_.redis);
  if (!reader.ok()) return reader.status();
  RedisClient* redis = reader->get();
  WorkerSummary summary;
  summary.id = Hostname() + "-" + std::to_string(getpid());
  RedisOutage outage("worker", options_.redis_timeout,
                     "this worker stopped (the master hands its tasks to "
                     "others)");
  const auto stopping = [this] {
    return options_.stop_signals != nullptr && *options_.stop_signals > 0;
  };
  // A lost connection waits for Redis: OK to go on, else why to stop.
  const auto ride_out = [&](const Status& cause) {
    if (redis->connected()) return cause;
    return outage.Wait(redis, cause, stopping);
  };
  bool told_waiting = false;
  while (true) {
    if (stopping()) {
      summary.stopped = true;
      return summary;
    }
    std::string name = options_.job;
    if (name.empty()) {
      auto jobs = redis->Command({"SMEMBERS", FleetKeys::kJobs});
      if (!jobs.ok()) {
        Status s = ride_out(jobs.status());
        if (!s.ok()) return s;
        continue;
      }
      if (jobs->elements.size() > 1) {
        std::string names;
        for (const RedisReply& j : jobs->elements)
          names += (names.empty() ? "" : ", ") + j.str;
        return Status::InvalidArgument("several jobs are published (" + names +
                                       "): choose one with --job");
      }
      if (jobs->elements.size() == 1) name = jobs->elements[0].str;
    }
    std::map<std::string, std::string> fields;
    if (!name.empty()) {
      auto job = ReadJob(redis, FleetKeys(name));
      if (!job.ok()) {
        Status s = ride_out(job.status());
        if (!s.ok()) return s;
        continue;
      }
      fields = std::move(*job);
    }
    outage.End();
    if (fields.count("text") == 0) {
      if (!told_waiting) {
        config::Log(
            LogLevel::kInfo, "worker",
            "waiting for a master to publish " +
                (name.empty() ? std::string("a job") : "job '" + name + "'") +
                " on " + options_.redis.Redacted());
        told_waiting = true;
      }
      std::this_thread::sleep_for(milliseconds(500));
      continue;
    }
    summary.job = name;
    if (fields["state"] == "finished") {
      if (!options_.forever) return summary;
      // --job names it: it stays finished until a master publishes it again.
      if (!told_waiting) {
        config::Log(LogLevel::kInfo, "worker",
                    "job '" + name +
                        "' is over; waiting for a master to "
                        "publish it again");
        told_waiting = true;
      }
      std::this_thread::sleep_for(milliseconds(500));
      continue;
    }
    // The master's values of the ${VARS} the job names, so that seeds and
    // scope are the master's, whatever this machine's environment holds.
    Status env = ApplyEnvironment(fields["env"]);
    if (!env.ok()) {
      return Status::Corruption("job '" + name + "': " + env.message());
    }
    config::LoadedJob loaded =
        config::LoadJobText(fields["text"], fields["file"]);
    if (!loaded.ok()) {
      return Status::InvalidArgument("the published job does not load: " +
                                     loaded.problems[0].ToString());
    }
    const int64_t epoch = std::atoll(fields["epoch"].c_str());
    const int64_t lease_ms = std::atoll(fields["lease_ms"].c_str());
    config::Log(LogLevel::kInfo, "worker",
                summary.id + " working on job '" + name + "' (epoch " +
                    std::to_string(epoch) + ") from " +
                    options_.redis.Redacted());
    WorkerSession session(options_, redis, &outage, summary.id, name,
                          std::move(loaded.job),
                          milliseconds(lease_ms > 0 ? lease_ms : 30'000));
    const int64_t before = summary.pages;
    auto end = session.Run(&summary.pages);
    summary.id = session.id();
    if (!end.ok()) return end.status();
    if (*end == SessionEnd::kStopped) {
      summary.stopped = true;
      return summary;
    }
    told_waiting = false;
    if (*end == SessionEnd::kJobOver) {
      if (!options_.forever) return summary;
      config::Log(LogLevel::kInfo, "worker",
                  "job '" + name +
                      "' is over: " + std::to_string(summary.pages - before) +
                      " pages; waiting for the next job");
      told_waiting = true;
    }
  }
}

}  // namespace crawlbox::crawler
