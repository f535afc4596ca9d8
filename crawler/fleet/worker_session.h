// WorkerSession (internal to the fleet room): a worker's work on one job, as
// published at one moment. A reader thread (the caller's) takes tasks with
// XREADGROUP from the task stream, and from the render stream when this
// worker renders, only while it has free transfer slots or tabs (a task never
// waits here while the master counts its host's delay); it renews the lease
// of the tasks it holds and sends heartbeats, and re-registers under a new id
// when the master has declared it lost. A Redis outage is ridden out: the
// tasks taken go on, the results that cannot be sent are dropped (the master
// hands their tasks out again under a new epoch), and the heartbeat
// re-registers the worker once Redis is back. The FetchGraph's serial node
// XADDs the results and then XACKs their tasks on a second connection.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "config/job.h"
#include "config/status.h"
#include "crawler/engine/counters.h"
#include "crawler/engine/fetch_graph.h"
#include "crawler/engine/fetch_stage.h"
#include "crawler/engine/render_gate.h"
#include "crawler/engine/render_policy.h"
#include "crawler/fleet/fleet.h"
#include "crawler/fleet/redis_client.h"
#include "crawler/fleet/redis_outage.h"
#include "crawler/fleet/wire.h"
#include "crawler/fleet/worker.h"
#include "crawler/render/renderer.h"

namespace crawlbox::crawler {

class Scope;

// The machine's hostname.
std::string Hostname();

// The job hash of `keys` as a map (empty when the job is not published).
config::Result<std::map<std::string, std::string>> ReadJob(
    RedisClient* redis, const FleetKeys& keys);

// Why a session ended.
enum class SessionEnd { kJobOver, kStopped, kJobChanged };

// One job, as published at one moment: its compiled parser and the graph.
// Run() once.
class WorkerSession : public RequestSource, public FetchGraphSink {
 public:
  // `reader` and `outage` (the worker's, for the reader's connection) must
  // outlive the session.
  WorkerSession(const WorkerOptions& options, RedisClient* reader,
                RedisOutage* outage, std::string id,
                const std::string& job_name, config::Job job,
                std::chrono::milliseconds lease)
      : options_(options),
        reader_(reader),
        outage_(outage),
        id_(std::move(id)),
        keys_(job_name),
        job_(std::move(job)),
        lease_(lease) {}

  config::Result<SessionEnd> Run(int64_t* pages);

  // The worker's id now: the one it was given, or the one it re-registered
  // under. Reader thread only.
  const std::string& id() const { return id_; }

  // RequestSource: the fetcher thread takes the tasks read so far.
  std::optional<Request> NextRequest(std::chrono::milliseconds* wait) override {
    std::lock_guard<std::mutex> lock(mu_);
    *wait = std::chrono::milliseconds(1000);
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
  void Robots(const Response& response,
              std::vector<storage::ArchiveMember> archive) override {
    TaskResult result;
    result.error = response.error;
    result.robots_body = response.body;
    result.outcome.archive = std::move(archive);
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
    const std::string* stream = nullptr;  // keys_.tasks or keys_.render
    std::string entry_id;
    std::string text;  // the task as read, re-added when released
    int64_t epoch = 0;
    int64_t task = 0;
    int delivery = 1;
  };

  void Queue(const Request& request, TaskResult result) {
    result.url = request.url;
    std::lock_guard<std::mutex> lock(mu_);
    result.worker = id_;
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
    result.delivery = it->second.delivery;
    answered_.emplace_back(request.tag, std::move(result));
  }
  // Reads at most `fetch_free` tasks and `render_free` render tasks (0: not
  // that stream), blocking a while when there are none.
  config::Status ReadTasks(int fetch_free, int render_free);
  // Starts the renderer when the job renders pages and this worker may:
  // false (said once per process) when it cannot, and it then takes no
  // render tasks.
  bool StartRenderer(FetchGraph* graph, const parser::PageParser& parser);
  config::Status Renew();
  // Applies the master's live settings (`text`: the job hash's live field,
  // "" when none): the job's values and --concurrency, with each value a
  // control set on top, checked as the job file's. Reader thread.
  void ApplyLive(const std::string& text, FetchGraph* graph, Scope* scope,
                 parser::PageParser* parser);
  // Sends the heartbeat, re-registering first when the master has declared
  // this worker lost.
  config::Status Heartbeat(const std::string& state);
  config::Status ReRegister();
  // Gives tasks back to the group: re-added as new entries, the held ones
  // acknowledged, so any worker may take them at once.
  void Release(const std::vector<Held>& tasks);
  std::vector<Held> TakeQueued();
  // Drops `tag` from held_ (mu_ held).
  void Forget(uint64_t tag) {
    auto it = held_.find(tag);
    if (it == held_.end()) return;
    if (it->second.stream == &keys_.render) --render_held_;
    held_.erase(it);
  }

  const WorkerOptions& options_;
  RedisClient* reader_;                  // this thread's
  RedisOutage* outage_;                  // of reader_
  std::unique_ptr<RedisClient> writer_;  // the serial node's
  // The consumer name; changed by the reader thread (under mu_) when it
  // re-registers.
  std::string id_;
  const FleetKeys keys_;
  const config::Job job_;
  const std::chrono::milliseconds lease_;
  int concurrency_ = 0;  // tasks held at most: --concurrency, or live
  const RenderPolicy render_policy_{job_};
  // When this worker renders; the gate outlives the renderer that asks it.
  std::unique_ptr<RenderGate> gate_;
  std::unique_ptr<Renderer> renderer_;

  std::mutex mu_;
  std::condition_variable answered_cv_;
  std::deque<Request> queue_;                // read, not yet fetching
  std::unordered_map<uint64_t, Held> held_;  // read, not yet answered
  int render_held_ = 0;                      // of held_, render tasks
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
  std::chrono::steady_clock::time_point rate_at_ =
      std::chrono::steady_clock::now();
};

}  // namespace crawlbox::crawler
