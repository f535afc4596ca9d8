// The session's reading, renewing, heartbeat and flushing, and its run.
#include "crawler/fleet/worker_session.h"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <thread>

#include "config/live_setting.h"
#include "config/log.h"
#include "crawler/engine/login_step.h"
#include "crawler/fetch/retry_policy.h"
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

int64_t UnixMillis() {
  return std::chrono::duration_cast<milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int Signals(const std::atomic<int>* signals) {
  return signals != nullptr ? signals->load() : 0;
}

// The id a worker re-registers under: "host-pid" → "host-pid.2" → "host-pid.3"
// (a hostname may hold dots and dashes, a pid neither).
std::string NextId(const std::string& id) {
  const size_t dash = id.rfind('-');
  const size_t dot = id.find('.', dash == std::string::npos ? 0 : dash);
  const int n = dot == std::string::npos ? 1 : std::atoi(id.c_str() + dot + 1);
  return id.substr(0, dot) + "." + std::to_string(std::max(n, 1) + 1);
}

}  // namespace

std::string Hostname() {
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  return host;
}

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
Status WorkerSession::ReadTasks(int fetch_free, int render_free) {
  // One command for both streams, so that a render task is not kept waiting
  // by a block on the other; COUNT applies to each stream, so a round takes
  // no more than the smaller need from either.
  std::vector<std::string> command = {
      "XREADGROUP",
      "GROUP",
      FleetKeys::kGroup,
      id_,
      "COUNT",
      std::to_string(fetch_free > 0 && render_free > 0
                         ? std::min(fetch_free, render_free)
                         : std::max(fetch_free, render_free)),
      "BLOCK",
      std::to_string(kReadBlock.count()),
      "STREAMS"};
  if (fetch_free > 0) command.push_back(keys_.tasks);
  if (render_free > 0) command.push_back(keys_.render);
  if (fetch_free > 0) command.push_back(">");
  if (render_free > 0) command.push_back(">");
  auto reply = reader_->Command(command);
  if (!reply.ok()) return reply.status();
  if (reply->is_nil()) return Status::Ok();
  for (const RedisReply& stream_reply : reply->elements) {
    if (stream_reply.elements.size() < 2) continue;
    const std::string* stream = stream_reply.elements[0].str == keys_.render
                                    ? &keys_.render
                                    : &keys_.tasks;
    for (const RedisReply& entry : stream_reply.elements[1].elements) {
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
                {{"XACK", *stream, FleetKeys::kGroup, entry.elements[0].str},
                 {"XDEL", *stream, entry.elements[0].str}})
            .ok();
        continue;
      }
      std::lock_guard<std::mutex> lock(mu_);
      const uint64_t tag = next_tag_++;
      Held held{stream, entry.elements[0].str, *text, task->epoch, task->id};
      held.delivery = task->delivery;
      held_[tag] = std::move(held);
      if (stream == &keys_.render) ++render_held_;
      task->request.tag = tag;
      queue_.push_back(std::move(task->request));
    }
  }
  return Status::Ok();
}

Status WorkerSession::Renew() {
  std::map<const std::string*, std::vector<std::string>> commands;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [tag, held] : held_) {
      std::vector<std::string>& command = commands[held.stream];
      if (command.empty())
        command = {"XCLAIM", *held.stream, FleetKeys::kGroup, id_, "0"};
      command.push_back(held.entry_id);
    }
  }
  // Claiming them again for ourselves resets their idle time: the master
  // claims back only tasks whose worker has gone silent.
  for (auto& [stream, command] : commands) {
    command.push_back("JUSTID");
    auto reply = reader_->Command(command);
    // NOGROUP: Redis lost the stream, or the master is publishing it again
    // under a new epoch; these tasks are stale then.
    if (!reply.ok() &&
        reply.status().message().find("NOGROUP") == std::string::npos) {
      return reply.status();
    }
  }
  return Status::Ok();
}

Status WorkerSession::Heartbeat(const std::string& state) {
  auto lost = reader_->Command({"SISMEMBER", keys_.lost, id_});
  if (!lost.ok()) return lost.status();
  if (lost->integer == 1) {
    Status s = ReRegister();
    if (!s.ok()) return s;
  }
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

Status WorkerSession::ReRegister() {
  const std::string old = id_;
  {
    std::lock_guard<std::mutex> lock(mu_);
    id_ = NextId(old);
  }
  // The tasks it held went to other workers, and the master drops the results
  // it still sends for them; under a new name it is a worker like any other
  // (the master never takes back a declaration).
  config::Log(LogLevel::kWarning, "worker",
              "the master declared " + old +
                  " lost (it missed its heartbeats) and handed its tasks to "
                  "others: re-registering as " +
                  id_);
  auto removed = reader_->Command({"HDEL", keys_.workers, old});
  return removed.ok() ? Status::Ok() : removed.status();
}

void WorkerSession::Flush() {
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
  // Per stream: XACK, and XDEL since an answered task's entry is of no more
  // use (the stream stays as long as the work not yet answered, not as long
  // as the crawl).
  std::map<const std::string*,
           std::pair<std::vector<std::string>, std::vector<std::string>>>
      done;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [tag, result] : batch) {
      auto it = held_.find(tag);
      if (it == held_.end()) continue;
      auto& [ack, del] = done[it->second.stream];
      if (ack.empty()) {
        ack = {"XACK", *it->second.stream, FleetKeys::kGroup};
        del = {"XDEL", *it->second.stream};
      }
      ack.push_back(it->second.entry_id);
      del.push_back(it->second.entry_id);
    }
  }
  for (const auto& [tag, result] : batch) {
    commands.push_back({"XADD", keys_.results, "*", "r", EncodeResult(result)});
  }
  // After the results: a task is acknowledged only once its answer is in
  // Redis, so a worker dying in between costs a duplicate, never a loss.
  for (auto& [stream, ack_del] : done) {
    commands.push_back(std::move(ack_del.first));
    commands.push_back(std::move(ack_del.second));
  }
  auto replies = writer_->Pipeline(commands);
  // This connection may predate an outage the reader rode out: the next
  // call reconnects (a result sent twice is dropped by the master).
  if (!replies.ok() && !writer_->connected())
    replies = writer_->Pipeline(commands);
  if (!replies.ok()) {
    // The tasks stay pending in the group: the master claims them back after
    // the lease, since they are no longer renewed, or hands them out again
    // under a new epoch after an outage (which the reader logs).
    config::Log(writer_->connected() ? LogLevel::kWarning : LogLevel::kDebug,
                "worker",
                "could not send " + std::to_string(batch.size()) +
                    " results: " + replies.status().message());
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [tag, result] : batch) Forget(tag);
  }
  if (replies.ok()) sent_.fetch_add(static_cast<int64_t>(batch.size()));
  answered_cv_.notify_all();
}

std::vector<WorkerSession::Held> WorkerSession::TakeQueued() {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<Held> out;
  for (const Request& request : queue_) {
    auto it = held_.find(request.tag);
    if (it == held_.end()) continue;
    out.push_back(std::move(it->second));
    Forget(request.tag);
  }
  queue_.clear();
  return out;
}

void WorkerSession::Release(const std::vector<Held>& tasks) {
  if (tasks.empty()) return;
  std::vector<std::vector<std::string>> commands;
  for (const Held& held : tasks) {
    commands.push_back({"XADD", *held.stream, "*", "t", held.text});
    commands.push_back(
        {"XACK", *held.stream, FleetKeys::kGroup, held.entry_id});
    commands.push_back({"XDEL", *held.stream, held.entry_id});
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

void WorkerSession::ApplyLive(const std::string& text, FetchGraph* graph,
                              Scope* scope, parser::PageParser* parser) {
  int concurrency =
      options_.concurrency > 0 ? options_.concurrency : job_.fetch.concurrency;
  config::Limits limits = job_.limits;
  std::string applied;
  auto live = text.empty() ? Result<std::map<std::string, int64_t>>(
                                 std::map<std::string, int64_t>{})
                           : DecodeLiveSettings(text);
  if (!live.ok()) {
    config::Log(
        LogLevel::kWarning, "worker",
        "ignoring the master's live settings: " + live.status().message());
    return;
  }
  for (const auto& [key, value] : *live) {
    // Redis is shared: a value is applied only if the job file could hold it.
    auto checked = config::CheckLiveSetting(key, std::to_string(value));
    if (!checked.ok()) {
      config::Log(
          LogLevel::kWarning, "worker",
          "ignoring a live setting from Redis: " + checked.status().message());
      continue;
    }
    if (key == "fetch.concurrency") {
      concurrency = static_cast<int>(*checked);
    } else if (!config::SetLimit(key, *checked, &limits)) {
      continue;  // the master's politeness: not a worker's
    }
    applied +=
        (applied.empty() ? "" : ", ") + key + "=" + std::to_string(*checked);
  }
  // Tasks are read up to the new bound; transfers past a lowered one finish.
  concurrency_ = concurrency;
  graph->SetConcurrency(concurrency);
  scope->SetLimits(limits);
  parser->SetPageLimits(limits.max_records_per_page, limits.max_links_per_page);
  config::Log(
      LogLevel::kInfo, "worker",
      "live settings from the master: " +
          (applied.empty() ? std::string("none (the job's)") : applied));
}

bool WorkerSession::StartRenderer(FetchGraph* graph,
                                  const parser::PageParser& parser) {
  if (!render_policy_.Any()) return false;
  static std::once_flag said;
  if (!options_.render) {
    std::call_once(said, [] {
      config::Log(LogLevel::kInfo, "worker",
                  "not rendering (--no-render): this worker takes no render "
                  "tasks, which other workers do");
    });
    return false;
  }
  // The master holds robots.txt: a worker's gate asks the scope alone of
  // the documents a rendered page loads (redirects are hops the master
  // schedules, as ever).
  gate_ = std::make_unique<RenderGate>(job_, parser, nullptr, &counters_);
  RenderSettings settings = render_policy_.Settings();
  gate_->Install(&settings);
  renderer_ = std::make_unique<Renderer>(
      std::move(settings),
      [graph](Response&& response) { graph->Deliver(std::move(response)); });
  Status started = renderer_->Start();
  if (!started.ok()) {
    renderer_.reset();
    std::call_once(said, [&] {
      config::Log(LogLevel::kWarning, "worker",
                  "cannot render (" + started.message() +
                      "): this worker takes no render tasks, which workers "
                      "with Chromium do");
    });
    return false;
  }
  graph->SetDiverter([this](Request& request) {
    RenderOptions options;
    if (!render_policy_.Wants(request.url, &options)) return false;
    renderer_->Render(std::move(request), std::move(options));
    return true;
  });
  if (job_.login.enabled) {
    // Rendered pages carry the session this worker's login earned.
    graph->SetCookiesHook([this](std::vector<Cookie> cookies) {
      renderer_->SetCookies(cookies);
    });
  }
  return true;
}

Result<SessionEnd> WorkerSession::Run(int64_t* pages) {
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
  // Before the graph starts: the diverter is set before its fetcher runs.
  const bool renders = StartRenderer(&graph, *parser);
  Status s = graph.Start();
  if (!s.ok()) return s;
  const int render_backlog = 2 * std::max(1, job_.render.tabs);

  SessionEnd end = SessionEnd::kStopped;
  bool draining = false;
  const milliseconds renew_every = std::max(milliseconds(100), lease_ / 3);
  Clock::time_point next_renew = Clock::now() + renew_every;
  Clock::time_point next_check = Clock::now();
  std::string text = job_.text;
  std::string live;         // the master's live settings as last applied
  bool redis_away = false;  // stopped during an outage
  while (true) {
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
    if (!s.ok()) {
      // Anything but a lost connection (an error reply) ends the session.
      if (reader_->connected()) break;
      s = outage_->Wait(reader_, s,
                        [this] { return Signals(options_.stop_signals) > 0; });
      if (!s.ok()) break;
      // Stopped meanwhile: nothing can be given back or sent; stop at once.
      if (Signals(options_.stop_signals) > 0) {
        redis_away = true;
        break;
      }
      // Heartbeat (re-registering the worker) and renew at once.
      next_check = next_renew = now;
      continue;
    }
    if (now >= next_check) {
      next_check = now + kHeartbeatInterval;
      s = Heartbeat(draining ? "stopping" : "working");
      if (!s.ok()) continue;
      auto job = ReadJob(reader_, keys_);
      if (!job.ok()) {
        s = job.status();
        continue;
      }
      outage_->End();
      if (job->count("text") == 0) {
        // Redis lost the job: its master publishes it again once it is back
        // (under a new epoch, whose tasks this session takes like any).
      } else if (!draining && (*job)["state"] == "finished") {
        draining = true;
        end = SessionEnd::kJobOver;
      } else if (!draining && (*job)["text"] != text) {
        // The master was restarted with another job file: finish, then load
        // the new one.
        draining = true;
        end = SessionEnd::kJobChanged;
        Release(TakeQueued());
      } else if (!draining && (*job)["live"] != live) {
        live = (*job)["live"];
        ApplyLive(live, &graph, &scope, parser.get());
      }
    }
    if (now >= next_renew) {
      next_renew = now + renew_every;
      s = Renew();
      if (!s.ok()) continue;
    }
    size_t held;
    int render_held;
    {
      std::lock_guard<std::mutex> lock(mu_);
      held = held_.size();
      render_held = render_held_;
    }
    if (draining && held == 0) break;
    // Transfers and tabs are separate resources: a tab's render task does
    // not take a transfer slot. Render tasks are taken up to twice the tabs,
    // so a tab finds its next page waiting.
    const int fetch_free = concurrency_ - static_cast<int>(held) + render_held;
    const int render_free = renders ? render_backlog - render_held : 0;
    if (draining || (fetch_free <= 0 && render_free <= 0)) {
      std::unique_lock<std::mutex> lock(mu_);
      answered_cv_.wait_for(lock, milliseconds(100));
      continue;
    }
    Status read = ReadTasks(std::max(fetch_free, 0), std::max(render_free, 0));
    if (!read.ok()) {
      if (!reader_->connected() ||
          (read.message().find("NOGROUP") == std::string::npos &&
           read.message().find("UNBLOCKED") == std::string::npos)) {
        s = read;
        continue;
      }
      // The task stream is gone: the master is starting a new epoch or has
      // just finished. The next check of the job tells which.
      next_check = Clock::now();
      std::this_thread::sleep_for(milliseconds(100));
      continue;
    }
    graph.Wakeup();
  }
  // Renders and transfers still in flight (a second signal, or Redis lost)
  // are aborted, the renders first since they deliver into the graph;
  // whatever was fetched is parsed and sent.
  if (renderer_ != nullptr) renderer_->Stop();
  graph.Stop();
  // A login that never came holds back no answer.
  login_wanted_ = false;
  Flush();
  std::vector<Held> left;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& [tag, held] : held_) left.push_back(std::move(held));
    held_.clear();
    render_held_ = 0;
    queue_.clear();
  }
  if (s.ok() && !redis_away) {
    Release(left);
    Heartbeat("left").ok();
  }
  *pages += sent_.load();
  if (!s.ok()) return s;
  return end;
}

}  // namespace crawlbox::crawler
