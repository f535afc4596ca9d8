// One thread, one Redis connection: XADD the tasks the Frontier hands out,
// XREAD the results, HGETALL the heartbeats and claim back what a worker
// declared lost holds (XPENDING + XCLAIM), XAUTOCLAIM what silent workers have
// held longer than the lease. A result frees its host's slot
// (Frontier::Fetched) as it arrives, so per-host concurrency and delay hold
// across the whole fleet.
#include "crawler/fleet/dispatcher.h"

#include <algorithm>
#include <charconv>

#include "config/live_setting.h"
#include "config/log.h"

namespace crawlbox::crawler {

using config::LogLevel;
using config::Status;
using std::chrono::milliseconds;

namespace {

using Clock = std::chrono::steady_clock;

// Tasks added per round trip, results read per round trip.
constexpr size_t kDispatchBatch = 512;
constexpr size_t kReadBatch = 1024;
// The longest the dispatch thread blocks in XREAD: how late it notices a
// Wakeup() or a host whose delay has passed.
constexpr milliseconds kMaxBlock{50};
// The worker table is read this often, so that a worker is declared lost at
// most a quarter interval after its limit.
constexpr milliseconds kWorkersEvery = kHeartbeatInterval / 4;
// The live settings are written again this often while there are any.
constexpr milliseconds kLiveEvery{3000};
// Entries of a lost worker listed per XPENDING.
constexpr int kPendingBatch = 512;
constexpr const char* kReclaimer = "crawlbox-master";

int64_t UnixMillis() {
  return std::chrono::duration_cast<milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The value of `name` in a stream entry's [field, value, ...] array, or null.
const std::string* EntryField(const RedisReply& fields, std::string_view name) {
  for (size_t i = 0; i + 1 < fields.elements.size(); i += 2) {
    if (fields.elements[i].str == name) return &fields.elements[i + 1].str;
  }
  return nullptr;
}

// The smallest stream id above `id` ("ms-seq"): what XTRIM MINID keeps.
std::string NextStreamId(const std::string& id) {
  size_t dash = id.find('-');
  uint64_t seq = 0;
  if (dash == std::string::npos ||
      std::from_chars(id.data() + dash + 1, id.data() + id.size(), seq).ec !=
          std::errc()) {
    return id;
  }
  return id.substr(0, dash + 1) + std::to_string(seq + 1);
}

}  // namespace

Dispatcher::Dispatcher(DispatcherOptions options)
    : options_(std::move(options)),
      keys_(options_.job_name),
      outage_("master", options_.redis_timeout,
              "the database is consistent: run the master again once Redis "
              "is back to resume"),
      watch_(options_.heartbeat_misses, kHeartbeatInterval) {}

Dispatcher::~Dispatcher() { Stop(); }

Status Dispatcher::Start(const StageContext& context) {
  context_ = std::make_unique<StageContext>(context);
  render_ = std::make_unique<RenderPolicy>(context_->job);
  renders_ = render_->Any();
  auto redis = RedisClient::Connect(options_.redis);
  if (!redis.ok()) return redis.status();
  redis_ = std::move(*redis);
  thread_ = std::thread([this] { Loop(); });
  return Status::Ok();
}

void Dispatcher::Wakeup() { wake_.store(true); }

void Dispatcher::Stop() {
  stop_.store(true);
  if (thread_.joinable()) thread_.join();
}

const std::string& Dispatcher::StreamOf(const Request& request) const {
  RenderOptions unused;
  return renders_ && request.kind == Request::Kind::kPage &&
                 render_->Wants(request.url, &unused)
             ? keys_.render
             : keys_.tasks;
}

FleetStatus Dispatcher::fleet() const {
  std::lock_guard<std::mutex> lock(mu_);
  FleetStatus status;
  status.epoch = epoch_;
  status.workers = workers_;
  status.pending = pending_;
  status.dispatched = dispatched_;
  status.reclaimed = reclaimed_;
  status.reclaimed_lost = reclaimed_lost_;
  status.redis_rtt_s = redis_rtt_s_;
  status.duplicates = duplicates_;
  status.results = results_;
  return status;
}

void Dispatcher::Loop() {
  const milliseconds reclaim_every =
      std::max(milliseconds(100), options_.lease / 4);
  Clock::time_point next_reclaim = Clock::now() + reclaim_every;
  Clock::time_point next_heartbeats = Clock::now();
  Status s;
  while (!stop_.load()) {
    if (options_.lock != nullptr && !options_.lock->held()) {
      fenced_ = true;
      break;
    }
    milliseconds wait = kMaxBlock;
    const int64_t before = dispatched_;
    s = Dispatch(&wait);
    const bool woken = wake_.exchange(false);
    if (woken) context_->store->Drain();
    if (s.ok()) {
      // Block for results only when there is nothing else to do: no task
      // just sent, no wakeup pending; never past the next host's start time.
      milliseconds block = woken || dispatched_ != before
                               ? milliseconds(0)
                               : std::clamp(wait, milliseconds(1), kMaxBlock);
      s = ReadResults(block);
    }
    const Clock::time_point now = Clock::now();
    if (s.ok() && now >= next_reclaim) {
      next_reclaim = now + reclaim_every;
      s = Reclaim();
    }
    if (s.ok() && now >= next_heartbeats) {
      next_heartbeats = now + kWorkersEvery;
      s = ReadWorkers();
    }
    if (s.ok()) s = PublishLive();
    if (s.ok()) continue;
    // An error reply is a bug or a misconfigured Redis: no wait cures it.
    if (fenced_ || redis_->connected()) break;
    s = Recover(s);
    if (!s.ok()) break;
  }
  if (fenced_) {
    // Master::Run says who took the job over.
    s = Status::Unavailable("job '" + options_.job_name + "' taken over");
  } else if (!s.ok() && !outage_.active()) {
    // A give-up is said once, by the master's last line.
    config::Log(LogLevel::kError, "master", s.message());
  }
  if (!s.ok()) context_->store->SetFatal(s);
  context_->store->Drain();
}

Status Dispatcher::Dispatch(milliseconds* wait) {
  std::vector<std::vector<std::string>> commands;
  size_t added = 0;
  while (commands.size() < kDispatchBatch) {
    std::optional<Request> request = context_->frontier->NextRequest(wait);
    if (!request) break;
    Task task{epoch_, next_task_++, std::move(*request)};
    commands.push_back(
        {"XADD", StreamOf(task.request), "*", "t", EncodeTask(task)});
    ++added;
    outstanding_[task.id] = Outstanding{std::move(task.request), 1};
  }
  if (commands.empty()) return Status::Ok();
  auto replies = redis_->Pipeline(commands);
  if (!replies.ok()) return replies.status();
  for (const RedisReply& reply : *replies) {
    if (reply.is_error()) return Status::Unavailable("XADD task: " + reply.str);
  }
  std::lock_guard<std::mutex> lock(mu_);
  dispatched_ += static_cast<int64_t>(added);
  pending_ = static_cast<int64_t>(outstanding_.size());
  return Status::Ok();
}

Status Dispatcher::ReadResults(milliseconds block) {
  std::vector<std::string> command = {"XREAD", "COUNT",
                                      std::to_string(kReadBatch)};
  // BLOCK 0 would wait forever: no BLOCK is a poll.
  if (block.count() > 0) {
    command.push_back("BLOCK");
    command.push_back(std::to_string(block.count()));
  }
  command.insert(command.end(), {"STREAMS", keys_.results, last_result_});
  auto reply = redis_->Command(command);
  if (!reply.ok()) return reply.status();
  if (reply->is_nil() || reply->elements.empty() ||
      reply->elements[0].elements.size() < 2) {
    return Status::Ok();
  }
  const RedisReply& entries = reply->elements[0].elements[1];
  bool newer = false;
  for (const RedisReply& entry : entries.elements) {
    if (entry.elements.size() < 2) continue;
    last_result_ = entry.elements[0].str;
    const std::string* text = EntryField(entry.elements[1], "r");
    auto result = text != nullptr
                      ? DecodeResult(*text)
                      : config::Result<TaskResult>(Status::Corruption(
                            "a result entry without field r"));
    if (!result.ok()) {
      config::Log(
          LogLevel::kWarning, "master",
          "dropping result " + last_result_ + ": " + result.status().message());
      continue;
    }
    newer = newer || result->epoch > epoch_;
    Apply(std::move(*result));
  }
  context_->store->Drain();
  // A newer master reads this stream too: its results must not be trimmed
  // before it has read them.
  if (newer && !StillOurs()) return Status::Unavailable("taken over");
  // Read results need not stay in Redis: one the master dies before storing
  // is fetched again in the next epoch.
  auto trimmed = redis_->Command(
      {"XTRIM", keys_.results, "MINID", NextStreamId(last_result_)});
  return trimmed.ok() ? Status::Ok() : trimmed.status();
}

void Dispatcher::Apply(TaskResult result) {
  if (result.epoch == epoch_) {
    for (const auto& [name, delta] : result.counters)
      context_->counters->Add(name, delta);
  }
  auto it = result.epoch == epoch_ ? outstanding_.find(result.task)
                                   : outstanding_.end();
  // Late: its worker was declared lost and the task handed out again.
  const bool late =
      it != outstanding_.end() && result.delivery < it->second.min_delivery;
  if (it == outstanding_.end() || it->second.request.url != result.url ||
      late) {
    // Delivered twice (claimed back from a worker that was only slow), or
    // handed out by an earlier master run (the URL check catches one whose
    // epoch number was reused after Redis lost its data): the first answer
    // was the one.
    std::lock_guard<std::mutex> lock(mu_);
    ++duplicates_;
    context_->counters->Add("master/duplicate_results");
    if (late) context_->counters->Add("master/late_results");
    return;
  }
  Outstanding task = std::move(it->second);
  outstanding_.erase(it);
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++results_;
    pending_ = static_cast<int64_t>(outstanding_.size());
  }
  Frontier* frontier = context_->frontier;
  frontier->Fetched(task.request, result.report);
  if (task.request.kind == Request::Kind::kRobots) {
    Response response;
    response.request = std::move(task.request);
    response.final_url = response.request.url;
    response.status = result.report.status;
    response.error = result.error;
    response.body = std::move(result.robots_body);
    frontier->SetRobots(response.request.host,
                        context_->processor.ProcessRobots(response),
                        response.error);
    if (!result.outcome.archive.empty()) {
      context_->store->Accept(
          response.request,
          RecordsOnly(response.request, std::move(result.outcome.archive)));
    }
    return;
  }
  if (!result.nested_sitemaps.empty())
    frontier->AddSitemaps(task.request.host, result.nested_sitemaps);
  context_->store->Accept(std::move(task.request), std::move(result.outcome));
}

void Dispatcher::GiveUp(Outstanding task) {
  const Request& request = task.request;
  config::Log(LogLevel::kWarning, "master",
              "giving up on " + request.url + ": handed out " +
                  std::to_string(task.deliveries - 1) +
                  " times, never answered");
  context_->counters->Add("master/given_up");
  context_->frontier->Fetched(request, FetchReport{});
  if (request.kind == Request::Kind::kRobots) {
    Response response;
    response.request = request;
    response.error = FetchError::kOther;
    context_->frontier->SetRobots(request.host,
                                  context_->processor.ProcessRobots(response));
    return;
  }
  storage::PageOutcome outcome;
  if (request.kind == Request::Kind::kSitemap) {
    outcome.fate = storage::LinksOnly{};
  } else {
    outcome.page.url_id = request.url_id;
    outcome.page.url = request.url;
    outcome.fate = storage::Failed{"worker_lost"};
  }
  context_->store->Accept(request, std::move(outcome));
}

Status Dispatcher::Reclaim() {
  int64_t reclaimed = 0;
  Status s = ReclaimFrom(keys_.tasks, &reclaimed);
  if (s.ok() && renders_) s = ReclaimFrom(keys_.render, &reclaimed);
  if (!s.ok()) return s;
  if (reclaimed > 0) {
    config::Log(LogLevel::kInfo, "master",
                "claimed back " + std::to_string(reclaimed) +
                    " tasks unanswered for " +
                    std::to_string(options_.lease.count()) + " ms");
    context_->counters->Add("master/reclaimed", reclaimed);
    std::lock_guard<std::mutex> lock(mu_);
    reclaimed_ += reclaimed;
    dispatched_ += reclaimed;
    pending_ = static_cast<int64_t>(outstanding_.size());
  }
  return Status::Ok();
}

Status Dispatcher::ReclaimFrom(const std::string& stream, int64_t* reclaimed) {
  std::string cursor = "0-0";
  do {
    auto reply = redis_->Command(
        {"XAUTOCLAIM", stream, FleetKeys::kGroup, kReclaimer,
         std::to_string(options_.lease.count()), cursor, "COUNT", "256"});
    if (!reply.ok()) return reply.status();
    if (reply->elements.size() < 2) break;
    cursor = reply->elements[0].str;
    Status s = Requeue(stream, reply->elements[1], false, reclaimed);
    if (!s.ok()) return s;
  } while (cursor != "0-0");
  return Status::Ok();
}

Status Dispatcher::ReclaimLost(const std::string& id, int64_t* reclaimed) {
  for (const std::string* stream : {&keys_.tasks, &keys_.render}) {
    if (stream == &keys_.render && !renders_) continue;
    while (true) {
      // XAUTOCLAIM has no consumer filter: list the worker's entries first.
      auto pending =
          redis_->Command({"XPENDING", *stream, FleetKeys::kGroup, "-", "+",
                           std::to_string(kPendingBatch), id});
      if (!pending.ok()) return pending.status();
      if (pending->elements.empty()) break;
      std::vector<std::string> ids;
      for (const RedisReply& entry : pending->elements) {
        if (!entry.elements.empty()) ids.push_back(entry.elements[0].str);
      }
      if (ids.empty()) break;
      std::vector<std::string> claim = {"XCLAIM", *stream, FleetKeys::kGroup,
                                        kReclaimer, "0"};
      claim.insert(claim.end(), ids.begin(), ids.end());
      auto claimed = redis_->Command(claim);
      if (!claimed.ok()) return claimed.status();
      Status s = Requeue(*stream, *claimed, true, reclaimed);
      if (!s.ok()) return s;
      // An entry deleted meanwhile (its task answered) is not in XCLAIM's
      // reply and may stay pending (Redis before 7.0): acknowledge every
      // listed one, or the next XPENDING would list it again.
      std::vector<std::string> ack = {"XACK", *stream, FleetKeys::kGroup};
      ack.insert(ack.end(), ids.begin(), ids.end());
      auto acked = redis_->Command(ack);
      if (!acked.ok()) return acked.status();
      if (ids.size() < static_cast<size_t>(kPendingBatch)) break;
    }
  }
  return Status::Ok();
}

Status Dispatcher::Requeue(const std::string& stream, const RedisReply& entries,
                           bool lost, int64_t* reclaimed) {
  std::vector<std::vector<std::string>> commands;
  for (const RedisReply& entry : entries.elements) {
    if (entry.elements.size() < 2) continue;
    const std::string& id = entry.elements[0].str;
    const std::string* text = EntryField(entry.elements[1], "t");
    auto task = text != nullptr ? DecodeTask(*text)
                                : config::Result<Task>(Status::Corruption(
                                      "a task entry without field t"));
    // A newer master's task is its own to hand out again.
    if (task.ok() && task->epoch > epoch_ && !StillOurs())
      return Status::Unavailable("taken over");
    commands.push_back({"XACK", stream, FleetKeys::kGroup, id});
    commands.push_back({"XDEL", stream, id});
    if (!task.ok() || task->epoch != epoch_) continue;
    // Whichever entry carries an unanswered task is its one live copy: a
    // worker that stopped re-added it under a new id.
    auto it = outstanding_.find(task->id);
    if (it == outstanding_.end()) continue;
    // Deliveries to lost workers count too: a page that kills every worker
    // that fetches it is given up.
    if (++it->second.deliveries > options_.max_deliveries) {
      GiveUp(std::move(it->second));
      outstanding_.erase(it);
      continue;
    }
    if (lost) it->second.min_delivery = it->second.deliveries;
    // A fresh entry, not a claim by another consumer: any idle worker may
    // take it, and its idle time starts at zero.
    task->delivery = it->second.deliveries;
    commands.push_back({"XADD", stream, "*", "t", EncodeTask(*task)});
  }
  if (commands.empty()) return Status::Ok();
  auto replies = redis_->Pipeline(commands);
  if (!replies.ok()) return replies.status();
  for (size_t i = 0; i < commands.size(); ++i) {
    if (commands[i][0] != "XADD") continue;
    const RedisReply& r = (*replies)[i];
    if (r.is_error()) return Status::Unavailable("XADD task: " + r.str);
    ++*reclaimed;
  }
  return Status::Ok();
}

bool Dispatcher::StillOurs() {
  if (options_.lock == nullptr) return true;
  options_.lock->Renew().ok();  // Redis away: held() stays as it was
  fenced_ = !options_.lock->held();
  return !fenced_;
}

Status Dispatcher::ReadWorkers() {
  const Clock::time_point sent = Clock::now();
  auto reply = redis_->Command({"HGETALL", keys_.workers});
  if (!reply.ok()) return reply.status();
  const Clock::time_point now = Clock::now();
  std::vector<WorkerStatus> workers;
  for (size_t i = 0; i + 1 < reply->elements.size(); i += 2) {
    auto worker = DecodeWorkerStatus(reply->elements[i + 1].str);
    if (worker.ok()) workers.push_back(std::move(*worker));
  }
  const std::vector<std::string> lost =
      watch_.Observe(&workers, now, UnixMillis());
  for (const std::string& id : lost) {
    // Told before its tasks are claimed back: should it come back, it
    // re-registers at its next heartbeat and takes new tasks under a new id.
    auto told = redis_->Command({"SADD", keys_.lost, id});
    if (!told.ok()) return told.status();
    int64_t reclaimed = 0;
    Status s = ReclaimLost(id, &reclaimed);
    if (!s.ok()) return s;
    config::Log(LogLevel::kWarning, "master",
                "worker " + id + " missed " + std::to_string(watch_.misses()) +
                    " heartbeats (" + std::to_string(watch_.limit().count()) +
                    " ms): declared lost, claimed back " +
                    std::to_string(reclaimed) + " tasks");
    context_->counters->Add("master/workers_lost");
    context_->counters->Add("master/reclaimed", reclaimed);
    std::lock_guard<std::mutex> lock(mu_);
    reclaimed_ += reclaimed;
    dispatched_ += reclaimed;
    reclaimed_lost_ += reclaimed;
    pending_ = static_cast<int64_t>(outstanding_.size());
  }
  // Shown lost once its tasks are claimed back, not before.
  std::sort(
      workers.begin(), workers.end(),
      [](const WorkerStatus& a, const WorkerStatus& b) { return a.id < b.id; });
  std::lock_guard<std::mutex> lock(mu_);
  workers_ = std::move(workers);
  redis_rtt_s_ = std::chrono::duration<double>(now - sent).count();
  return Status::Ok();
}

void Dispatcher::SetConcurrency(int concurrency) {
  std::lock_guard<std::mutex> lock(mu_);
  live_["fetch.concurrency"] = concurrency;
  live_changed_.store(true);
}

void Dispatcher::SetLimits(const config::Limits& limits) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const std::string& key : config::LiveKeys()) {
    if (auto value = config::GetLimit(limits, key)) live_[key] = *value;
  }
  live_changed_.store(true);
}

Status Dispatcher::PublishLive() {
  const Clock::time_point now = Clock::now();
  if (!live_changed_.exchange(false) && now < next_live_) return Status::Ok();
  next_live_ = now + kLiveEvery;
  std::string text;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (live_.empty()) return Status::Ok();
    text = EncodeLiveSettings(live_);
  }
  auto reply = redis_->Command({"HSET", keys_.job, "live", text});
  return reply.ok() ? Status::Ok() : reply.status();
}

}  // namespace crawlbox::crawler
