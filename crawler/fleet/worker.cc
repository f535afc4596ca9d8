// A worker's session with one job: a reader thread (this one) takes tasks with
// XREADGROUP only while it has free transfer slots (a task never waits here
// while the master counts its host's delay), renews the lease of the tasks it
// holds and sends heartbeats; the FetchGraph's serial node XADDs the results
// and then XACKs their tasks on a second connection.
#include "crawler/fleet/worker.h"

#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>
#include <unordered_map>
#include <vector>

#include "config/job_loader.h"
#include "config/log.h"
#include "crawler/engine/counters.h"
#include "crawler/engine/fetch_graph.h"
#include "crawler/engine/fetch_stage.h"
#include "crawler/engine/login_step.h"
#include "crawler/fetch/retry_policy.h"
#include "crawler/fleet/fleet.h"
#include "crawler/fleet/wire.h"
#include "crawler/frontier/scope.h"
#include "parser/page_parser.h"

namespace crawlbox::crawler {

using config::LogLevel;
using config::Result;
using config::Status;
using std::chrono::milliseconds;

namespace {

using Clock = std::chrono::steady_clock;

// How long XREADGROUP blocks: also how late a signal or the end of the job
// is noticed.
constexpr milliseconds kReadBlock{200};
constexpr milliseconds kHeartbeatEvery{1000};

int64_t UnixMillis() {
  return std::chrono::duration_cast<milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string Hostname() {
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  return host;
}

int Signals(const std::atomic<int>* signals) {
  return signals != nullptr ? signals->load() : 0;
}

// The job hash as a map (empty when the job is not published).
Result<std::map<std::string, std::string>> ReadJob(RedisClient* redis,
                                                   const FleetKeys& keys) {
  auto reply = redis->Command({"HGETALL", keys.job});
  if (!reply.ok()) return reply.status();
  std::map<std::string, std::string> fields;
  for (size_t i = 0; i + 1 < reply->elements.size(); i += 2)
    fields[reply->elements[i].str] = reply->elements[i + 1].str;
  return fields;
}

// Sets the ${VARS} the master published (a JSON object) in this process'
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

// Why a session ended.
enum class SessionEnd { kJobOver, kStopped, kJobChanged };

// One job, as published at one moment: its compiled parser and the graph.
class Session : public RequestSource, public FetchGraphSink {
 public:
  Session(const WorkerOptions& options, RedisClient* reader, std::string id,
          const std::string& job_name, config::Job job, milliseconds lease)
      : options_(options),
        reader_(reader),
        id_(std::move(id)),
        keys_(job_name),
        job_(std::move(job)),
        lease_(lease) {}

  Result<SessionEnd> Run(int64_t* pages);

  // RequestSource: the fetcher thread takes the tasks read so far.
  std::optional<Request> NextRequest(milliseconds* wait) override {
    std::lock_guard<std::mutex> lock(mu_);
    *wait = milliseconds(1000);
    if (queue_.empty()) return std::nullopt;
    Request request = std::move(queue_.front());
    queue_.pop_front();
    return request;
  }

  // FetchGraphSink: the fetch's report arrives first (fetcher thread), then
  // the parse node's results, all matched to their task by the request's tag.
  void Fetched(const Response& response) override {
    std::lock_guard<std::mutex> lock(mu_);
    reports_[response.request.tag] = ReportOf(response);
  }
  void Robots(const Response& response) override {
    TaskResult result;
    result.error = response.error;
    result.robots_body = response.body;
    Queue(response.request, std::move(result));
  }
  void Sitemaps(const Request& request,
                std::vector<std::string> nested) override {
    std::lock_guard<std::mutex> lock(mu_);
    nested_[request.tag] = std::move(nested);
  }
  void Outcome(const Request& request, storage::PageOutcome outcome) override {
    TaskResult result;
    result.outcome = std::move(outcome);
    Queue(request, std::move(result));
  }
  void Flush() override;

 private:
  struct Held {
    std::string entry_id;
    std::string text;  // the task as read, re-added when released
    int64_t epoch = 0;
    int64_t task = 0;
  };

  void Queue(const Request& request, TaskResult result) {
    result.url = request.url;
    result.worker = id_;
    std::lock_guard<std::mutex> lock(mu_);
    if (auto it = reports_.find(request.tag); it != reports_.end()) {
      result.report = it->second;
      reports_.erase(it);
    }
    if (auto it = nested_.find(request.tag); it != nested_.end()) {
      result.nested_sitemaps = std::move(it->second);
      nested_.erase(it);
    }
    auto it = held_.find(request.tag);
    if (it == held_.end()) return;
    result.epoch = it->second.epoch;
    result.task = it->second.task;
    answered_.emplace_back(request.tag, std::move(result));
  }
  Status ReadTasks(int free);
  Status Renew();
  Status Heartbeat(const std::string& state);
  // Gives tasks back to the group: re-added as new entries, the held ones
  // acknowledged, so any worker may take them at once.
  void Release(const std::vector<Held>& tasks);
  std::vector<Held> TakeQueued();

  const WorkerOptions& options_;
  RedisClient* reader_;                  // this thread's
  std::unique_ptr<RedisClient> writer_;  // the serial node's
  const std::string id_;
  const FleetKeys keys_;
  const config::Job job_;
  const milliseconds lease_;
  int concurrency_ = 0;

  std::mutex mu_;
  std::condition_variable answered_cv_;
  std::deque<Request> queue_;                // read, not yet fetching
  std::unordered_map<uint64_t, Held> held_;  // read, not yet answered
  std::vector<std::pair<uint64_t, TaskResult>> answered_;  // not yet sent
  // By tag, between the fetch's end and its task's answer.
  std::unordered_map<uint64_t, FetchReport> reports_;
  std::unordered_map<uint64_t, std::vector<std::string>> nested_;
  uint64_t next_tag_ = 1;
  std::atomic<int64_t> sent_{0};
  // Flush only: the counters already reported.
  std::map<std::string, int64_t, std::less<>> reported_;
  Counters counters_;
  // A page asked for a login ([login] jobs only) that has not started yet,
  // and a login running: Flush holds the answers back meanwhile.
  std::atomic<bool> login_wanted_{false};
  std::atomic<bool> login_running_{false};
  int64_t rate_pages_ = 0;
  Clock::time_point rate_at_ = Clock::now();
};

Status Session::ReadTasks(int free) {
  auto reply = reader_->Command({"XREADGROUP", "GROUP", FleetKeys::kGroup, id_,
                                 "COUNT", std::to_string(free), "BLOCK",
                                 std::to_string(kReadBlock.count()), "STREAMS",
                                 keys_.tasks, ">"});
  if (!reply.ok()) return reply.status();
  if (reply->is_nil() || reply->elements.empty() ||
      reply->elements[0].elements.size() < 2) {
    return Status::Ok();
  }
  for (const RedisReply& entry : reply->elements[0].elements[1].elements) {
    if (entry.elements.size() < 2) continue;
    const RedisReply& fields = entry.elements[1];
    const std::string* text = nullptr;
    for (size_t i = 0; i + 1 < fields.elements.size(); i += 2) {
      if (fields.elements[i].str == "t") text = &fields.elements[i + 1].str;
    }
    auto task = text != nullptr
                    ? DecodeTask(*text)
                    : Result<Task>(Status::Corruption("no field t"));
    if (!task.ok()) {
      config::Log(LogLevel::kWarning, "worker",
                  "dropping task " + entry.elements[0].str + ": " +
                      task.status().message());
      reader_
          ->Pipeline(
              {{"XACK", keys_.tasks, FleetKeys::kGroup, entry.elements[0].str},
               {"XDEL", keys_.tasks, entry.elements[0].str}})
          .ok();
      continue;
    }
    std::lock_guard<std::mutex> lock(mu_);
    const uint64_t tag = next_tag_++;
    held_[tag] = Held{entry.elements[0].str, *text, task->epoch, task->id};
    task->request.tag = tag;
    queue_.push_back(std::move(task->request));
  }
  return Status::Ok();
}

Status Session::Renew() {
  std::vector<std::string> command = {"XCLAIM", keys_.tasks, FleetKeys::kGroup,
                                      id_, "0"};
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (held_.empty()) return Status::Ok();
    for (const auto& [tag, held] : held_) command.push_back(held.entry_id);
  }
  // Claiming them again for ourselves resets their idle time: the master
  // claims back only tasks whose worker has gone silent.
  command.push_back("JUSTID");
  auto reply = reader_->Command(command);
  return reply.ok() ? Status::Ok() : reply.status();
}

Status Session::Heartbeat(const std::string& state) {
  WorkerStatus status;
  status.id = id_;
  status.host = Hostname();
  status.pid = getpid();
  status.concurrency = concurrency_;
  {
    std::lock_guard<std::mutex> lock(mu_);
    status.in_flight = static_cast<int64_t>(held_.size());
  }
  status.pages = sent_.load();
  const Clock::time_point now = Clock::now();
  const double seconds = std::chrono::duration<double>(now - rate_at_).count();
  status.rate = seconds > 0 ? (status.pages - rate_pages_) / seconds : 0;
  rate_pages_ = status.pages;
  rate_at_ = now;
  status.last_seen_ms = UnixMillis();
  status.state = state;
  auto reply = reader_->Command(
      {"HSET", keys_.workers, id_, EncodeWorkerStatus(status)});
  return reply.ok() ? Status::Ok() : reply.status();
}

void Session::Flush() {
  std::vector<std::pair<uint64_t, TaskResult>> batch;
  {
    std::lock_guard<std::mutex> lock(mu_);
    batch.swap(answered_);
  }
  if (batch.empty()) return;
  if (login_wanted_ || login_running_) {
    // A page showed that the session ended: its answer waits for the login
    // it asked for, so the login's counters ride on it. Sent earlier, it
    // could be the last answer the master needs, and the counters of a
    // login that followed would never reach the master.
    std::lock_guard<std::mutex> lock(mu_);
    answered_.insert(answered_.begin(), std::make_move_iterator(batch.begin()),
                     std::make_move_iterator(batch.end()));
    return;
  }
  // The counters this process added since the last batch ride on its first
  // result, so the master's run statistics include the workers'.
  auto now = counters_.Snapshot();
  for (const auto& [name, value] : now) {
    auto it = reported_.find(name);
    int64_t delta = value - (it == reported_.end() ? 0 : it->second);
    if (delta != 0) batch.front().second.counters[name] = delta;
  }
  reported_ = std::move(now);
  std::vector<std::vector<std::string>> commands;
  std::vector<std::string> ack = {"XACK", keys_.tasks, FleetKeys::kGroup};
  // An answered task's entry is of no more use: deleting it keeps the stream
  // as long as the work not yet answered, not as long as the crawl.
  std::vector<std::string> del = {"XDEL", keys_.tasks};
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [tag, result] : batch) {
      auto it = held_.find(tag);
      if (it == held_.end()) continue;
      ack.push_back(it->second.entry_id);
      del.push_back(it->second.entry_id);
    }
  }
  for (const auto& [tag, result] : batch) {
    commands.push_back({"XADD", keys_.results, "*", "r", EncodeResult(result)});
  }
  // After the results: a task is acknowledged only once its answer is in
  // Redis, so a worker dying in between costs a duplicate, never a loss.
  if (del.size() > 2) {
    commands.push_back(std::move(ack));
    commands.push_back(std::move(del));
  }
  auto replies = writer_->Pipeline(commands);
  if (!replies.ok()) {
    // The tasks stay pending in the group: the master claims them back after
    // the lease, since they are no longer renewed.
    config::Log(LogLevel::kWarning, "worker",
                "could not send " + std::to_string(batch.size()) +
                    " results: " + replies.status().message());
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [tag, result] : batch) held_.erase(tag);
  }
  if (replies.ok()) sent_.fetch_add(static_cast<int64_t>(batch.size()));
  answered_cv_.notify_all();
}

std::vector<Session::Held> Session::TakeQueued() {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<Held> out;
  for (const Request& request : queue_) {
    auto it = held_.find(request.tag);
    if (it == held_.end()) continue;
    out.push_back(std::move(it->second));
    held_.erase(it);
  }
  queue_.clear();
  return out;
}

void Session::Release(const std::vector<Held>& tasks) {
  if (tasks.empty()) return;
  std::vector<std::vector<std::string>> commands;
  for (const Held& held : tasks) {
    commands.push_back({"XADD", keys_.tasks, "*", "t", held.text});
    commands.push_back({"XACK", keys_.tasks, FleetKeys::kGroup, held.entry_id});
    commands.push_back({"XDEL", keys_.tasks, held.entry_id});
  }
  auto replies = reader_->Pipeline(commands);
  if (!replies.ok()) {
    config::Log(LogLevel::kWarning, "worker",
                "could not release " + std::to_string(tasks.size()) +
                    " tasks (the master claims them back after the lease): " +
                    replies.status().message());
    return;
  }
  config::Log(LogLevel::kInfo, "worker",
              "released " + std::to_string(tasks.size()) + " tasks");
}

Result<SessionEnd> Session::Run(int64_t* pages) {
  auto writer = RedisClient::Connect(options_.redis);
  if (!writer.ok()) return writer.status();
  writer_ = std::move(*writer);
  std::vector<config::JobProblem> problems;
  auto parser = parser::PageParser::Compile(job_, &problems);
  if (!problems.empty()) {
    return Status::InvalidArgument("the published job does not compile: " +
                                   problems[0].ToString());
  }
  config::FetchSettings fetch = job_.fetch;
  if (options_.concurrency > 0) fetch.concurrency = options_.concurrency;
  concurrency_ = fetch.concurrency;
  Scope scope(job_, parser->seeds());
  RetryPolicy retry(job_.retry);
  PageProcessor processor(job_, *parser, scope, retry, &counters_);
  FetchGraph graph(fetch, job_.parse.threads, processor, this, this);
  // The worker logs in itself, with the password from its own environment
  // or file: the master never has one to publish.
  LoginStep login(job_, *parser, &counters_);
  if (job_.login.enabled) {
    graph.SetLoginStep(
        [this, &login, &graph](const Fetcher::Exchange& exchange) {
          login_running_ = true;
          login_wanted_ = false;
          login.Run(exchange);
          login_running_ = false;
          graph.Flush();
        });
    processor.SetLoggedOutHook([this, &graph] {
      // Before asking: the login clears it once it has started.
      login_wanted_ = true;
      graph.RequestLogin();
    });
  } else {
    processor.SetLoggedOutHook([&graph] { graph.RequestLogin(); });
  }
  Status s = graph.Start();
  if (!s.ok()) return s;

  SessionEnd end = SessionEnd::kStopped;
  bool draining = false;
  const milliseconds renew_every = std::max(milliseconds(100), lease_ / 3);
  Clock::time_point next_renew = Clock::now() + renew_every;
  Clock::time_point next_check = Clock::now();
  std::string text = job_.text;
  while (s.ok()) {
    const int signals = Signals(options_.stop_signals);
    if (signals >= 2) break;
    if (signals == 1 && !draining) {
      draining = true;
      end = SessionEnd::kStopped;
      std::vector<Held> queued = TakeQueued();
      config::Log(LogLevel::kInfo, "worker",
                  "stopping: finishing the tasks in flight, releasing " +
                      std::to_string(queued.size()));
      Release(queued);
    }
    const Clock::time_point now = Clock::now();
    if (now >= next_check) {
      next_check = now + kHeartbeatEvery;
      s = Heartbeat(draining ? "stopping" : "working");
      if (!s.ok()) break;
      auto job = ReadJob(reader_, keys_);
      if (!job.ok()) {
        s = job.status();
        break;
      }
      if (!draining && (*job)["state"] == "finished") {
        draining = true;
        end = SessionEnd::kJobOver;
      } else if (!draining && (*job)["text"] != text) {
        // The master was restarted with another job file: finish, then load
        // the new one.
        draining = true;
        end = SessionEnd::kJobChanged;
        Release(TakeQueued());
      }
    }
    if (now >= next_renew) {
      next_renew = now + renew_every;
      s = Renew();
      if (!s.ok()) break;
    }
    size_t held;
    {
      std::lock_guard<std::mutex> lock(mu_);
      held = held_.size();
    }
    if (draining && held == 0) break;
    const int free = concurrency_ - static_cast<int>(held);
    if (draining || free <= 0) {
      std::unique_lock<std::mutex> lock(mu_);
      answered_cv_.wait_for(lock, milliseconds(100));
      continue;
    }
    Status read = ReadTasks(free);
    if (!read.ok()) {
      if (read.message().find("NOGROUP") == std::string::npos &&
          read.message().find("UNBLOCKED") == std::string::npos) {
        s = read;
        break;
      }
      // The task stream is gone: the master is starting a new epoch or has
      // just finished. The next check of the job tells which.
      next_check = Clock::now();
      std::this_thread::sleep_for(milliseconds(100));
      continue;
    }
    graph.Wakeup();
  }
  // Transfers still in flight (a second signal, or Redis lost) are aborted;
  // whatever was fetched is parsed and sent.
  graph.Stop();
  // A login that never came holds back no answer.
  login_wanted_ = false;
  Flush();
  std::vector<Held> left;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& [tag, held] : held_) left.push_back(std::move(held));
    held_.clear();
    queue_.clear();
  }
  if (s.ok()) {
    Release(left);
    Heartbeat("left").ok();
  }
  *pages += sent_.load();
  if (!s.ok()) return s;
  return end;
}

}  // namespace

Worker::Worker(WorkerOptions options) : options_(std::move(options)) {}

Result<WorkerSummary> Worker::Run() {
  auto reader = RedisClient::Connect(options_.redis);
  if (!reader.ok()) return reader.status();
  RedisClient* redis = reader->get();
  WorkerSummary summary;
  summary.id = Hostname() + "-" + std::to_string(getpid());
  bool told_waiting = false;
  while (true) {
    if (Signals(options_.stop_signals) > 0) {
      summary.stopped = true;
      return summary;
    }
    std::string name = options_.job;
    if (name.empty()) {
      auto jobs = redis->Command({"SMEMBERS", FleetKeys::kJobs});
      if (!jobs.ok()) return jobs.status();
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
      if (!job.ok()) return job.status();
      fields = std::move(*job);
    }
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
    if (fields["state"] == "finished") return summary;
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
    Session session(options_, redis, summary.id, name, std::move(loaded.job),
                    milliseconds(lease_ms > 0 ? lease_ms : 30'000));
    auto end = session.Run(&summary.pages);
    if (!end.ok()) return end.status();
    if (*end == SessionEnd::kJobOver) return summary;
    if (*end == SessionEnd::kStopped) {
      summary.stopped = true;
      return summary;
    }
    told_waiting = false;
  }
}

}  // namespace crawlbox::crawler
