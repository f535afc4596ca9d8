// Commands into the run's objects, records into the store node's queue, and
// the recorded commands replayed at the start of a run.
#include "crawler/engine/run_control.h"

#include <utility>

#include "config/live_setting.h"
#include "config/log.h"
#include "crawler/engine/fetch_stage.h"
#include "crawler/engine/store_node.h"
#include "crawler/frontier/request_parts.h"

namespace crawlbox::crawler {

using config::LogLevel;
using config::Status;
using web::ControlCommand;
using web::ControlResult;
using Kind = web::ControlCommand::Kind;

namespace {

ControlResult Bad(std::string message) {
  return ControlResult{400, std::move(message)};
}

}  // namespace

RunControl::RunControl(const config::Job& job, parser::PageParser& parser)
    : job_(job),
      parser_(parser),
      deny_(job.scope.deny),
      max_bytes_(job.limits.max_bytes),
      max_duration_s_(job.limits.max_duration_s),
      delay_ms_(job.politeness.delay_ms),
      per_host_concurrency_(job.politeness.per_host_concurrency),
      concurrency_(job.fetch.concurrency),
      limits_(job.limits) {}

void RunControl::SetStatusUrl(std::string url) {
  std::lock_guard<std::mutex> lock(mu_);
  status_url_ = std::move(url);
}

void RunControl::SetDistributed(bool distributed) {
  std::lock_guard<std::mutex> lock(mu_);
  distributed_ = distributed;
}

Status RunControl::Attach(const ControlledRun& run, storage::Store* store) {
  std::lock_guard<std::mutex> lock(mu_);
  run.scope->SetLiveDeny(&deny_);
  run.frontier->SetLiveDeny(&deny_);
  if (!status_url_.empty()) {
    Status s = store->SetStatusUrl(run.crawl_id, status_url_);
    if (!s.ok()) return s;
  }
  auto recorded = store->LoadControls();
  if (!recorded.ok()) return recorded.status();
  run_ = run;
  int replayed = 0;
  for (const storage::ControlRecord& record : *recorded) {
    if (!record.applied) continue;
    ControlCommand command;
    // Recorded commands passed these checks once; one that no longer does
    // (a crawlbox that checks more) is skipped rather than guessed at.
    if (!web::ParseControl(record.what, &command).ok()) continue;
    if (command.kind == Kind::kStop || command.kind == Kind::kSeed) continue;
    if (ApplyLocked(command, /*replay=*/true).http_status == 200) ++replayed;
  }
  if (replayed > 0) {
    config::Log(LogLevel::kInfo, "control",
                std::to_string(replayed) +
                    " recorded controls applied again (`crawlbox run --fresh` "
                    "starts over from the job file)");
  }
  if (paused_) {
    config::Log(LogLevel::kWarning, "control",
                "the crawl is paused by a recorded control: resume it from "
                "the status page or with `crawlbox ctl DB resume`");
  }
  return Status::Ok();
}

void RunControl::StageStarted(FetchStage* stage) {
  std::lock_guard<std::mutex> lock(mu_);
  stage_ = stage;
  // A master's workers may run another concurrency than the job's
  // (--concurrency): only a value a control set is theirs to follow.
  if (distributed_ ? concurrency_set_
                   : concurrency_ != job_.fetch.concurrency) {
    stage_->SetConcurrency(static_cast<int>(concurrency_));
  }
  if (limits_set_) stage_->SetLimits(limits_);
}

void RunControl::Detach() {
  std::lock_guard<std::mutex> lock(mu_);
  run_ = ControlledRun{};
  stage_ = nullptr;
}

void RunControl::RecordLocked(const ControlCommand& command, bool applied,
                              const std::string& message) {
  storage::ControlRecord record;
  record.crawl_id = run_.crawl_id;
  record.who = command.who;
  record.what = command.json;
  record.applied = applied;
  record.message = message;
  run_.store->Post(
      [record = std::move(record)](storage::Store* store,
                                   std::vector<storage::QueuedUrl>*) {
        return store->RecordControl(record);
      });
}

ControlResult RunControl::Apply(const ControlCommand& command) {
  std::lock_guard<std::mutex> lock(mu_);
  if (run_.frontier == nullptr) {
    return ControlResult{409,
                         "no crawl is running: it has not started yet or has "
                         "ended"};
  }
  ControlResult result = ApplyLocked(command, /*replay=*/false);
  // A command refused for its value is recorded too; one that does not fit
  // this mode (409) changed nothing worth keeping either way.
  RecordLocked(command, result.http_status == 200, result.message);
  if (result.http_status == 200) {
    config::Log(LogLevel::kInfo, "control", command.who + ": " + command.json);
  }
  return result;
}

void RunControl::Refused(const ControlCommand& command,
                         const std::string& message) {
  std::lock_guard<std::mutex> lock(mu_);
  if (run_.frontier == nullptr) return;
  RecordLocked(command, false, message);
}

ControlResult RunControl::ApplyLocked(const ControlCommand& command,
                                      bool replay) {
  Frontier& frontier = *run_.frontier;
  switch (command.kind) {
    case Kind::kPause:
    case Kind::kResume:
      paused_ = command.kind == Kind::kPause;
      frontier.SetPaused(paused_);
      return {};
    case Kind::kStop:
      stop_.store(true);
      return {};
    case Kind::kPauseHost:
    case Kind::kResumeHost: {
      const bool pause = command.kind == Kind::kPauseHost;
      if (pause) {
        paused_hosts_.insert(command.host);
      } else {
        paused_hosts_.erase(command.host);
      }
      frontier.SetHostPaused(command.host, pause);
      return {};
    }
    case Kind::kDeny: {
      std::vector<LiveDeny::Pattern> add;
      if (!command.add.empty()) {
        auto compiled = config::CheckDenyPatterns(command.add);
        if (!compiled.ok()) return Bad(compiled.status().message());
        add = std::move(*compiled);
      }
      deny_.Change(add, command.remove);
      return {};
    }
    case Kind::kSet:
      break;
    case Kind::kSeed: {
      if (replay) return {};
      std::vector<storage::NewUrl> seeds;
      for (const std::string& text : command.urls) {
        auto url = parser::ParseUrl(text);
        if (!url.ok()) {
          return Bad("seed: expected an absolute http or https URL, got '" +
                     text + "' (" + url.status().message() + ")");
        }
        if (!url->IsHttp()) {
          return Bad("seed: expected an http or https URL, got scheme '" +
                     url->scheme + "' in '" + text + "'");
        }
        const std::string key = parser_.CrawlKey(*url);
        if (!run_.scope->AllowsHost(url->host)) {
          return Bad(
              "seed: expected a URL on one of the crawl's hosts "
              "(scope.allowed_hosts, else the seeds' hosts), got '" +
              text + "'");
        }
        seeds.push_back({key, url->host, 0, 0, storage::Via::kSeed, 0,
                         PartsOf("GET", {}, "")});
      }
      // Through the single writer, as links are: the store node inserts
      // them and queues the new ones in the Frontier.
      run_.store->Post(
          [seeds = std::move(seeds)](storage::Store* store,
                                     std::vector<storage::QueuedUrl>* added) {
            return store->AddUrls(seeds, added);
          });
      return {};
    }
  }
  const std::string& key = command.key;
  const int64_t v = command.value;
  if (key == "politeness.delay_ms" ||
      key == "politeness.per_host_concurrency") {
    (key == "politeness.delay_ms" ? delay_ms_ : per_host_concurrency_) = v;
    frontier.SetPoliteness(std::chrono::milliseconds(delay_ms_),
                           static_cast<int>(per_host_concurrency_));
  } else if (key == "fetch.concurrency") {
    // A master's: each worker's, which the Dispatcher forwards to them all.
    concurrency_ = v;
    concurrency_set_ = true;
    frontier.SetConcurrency(static_cast<int>(v));
    if (stage_ != nullptr) stage_->SetConcurrency(static_cast<int>(v));
  } else if (config::SetLimit(key, v, &limits_)) {
    limits_set_ = true;
    ApplyLimitLocked(key);
  } else {
    return Bad(key + ": not a live key");  // ParseControl let it through
  }
  return {};
}

void RunControl::ApplyLimitLocked(const std::string& key) {
  Frontier& frontier = *run_.frontier;
  if (key == "limits.max_pages") {
    frontier.SetMaxPages(limits_.max_pages);
  } else if (key == "limits.max_pages_per_host") {
    frontier.SetMaxPagesPerHost(limits_.max_pages_per_host);
    // A host no longer over the limit has its URLs loaded again by the
    // Frontier's next refill, which runs on the store node's thread after
    // its writes: an empty one asks for it.
    run_.store->Post([](storage::Store*, std::vector<storage::QueuedUrl>*) {
      return Status::Ok();
    });
  } else if (key == "limits.max_bytes") {
    max_bytes_.store(limits_.max_bytes);
  } else if (key == "limits.max_duration_s") {
    max_duration_s_.store(limits_.max_duration_s);
  } else {
    // The rest bound each page's links and records: the parse node's scope
    // (max_depth and the trap checks) and parser, here and, through the
    // Dispatcher, on a master's workers, which parse its pages.
    run_.scope->SetLimits(limits_);
    parser_.SetPageLimits(limits_.max_records_per_page,
                          limits_.max_links_per_page);
    if (stage_ != nullptr) stage_->SetLimits(limits_);
  }
}

web::LiveSettings RunControl::Settings() const {
  std::lock_guard<std::mutex> lock(mu_);
  web::LiveSettings s;
  s.running = run_.frontier != nullptr;
  s.paused = paused_;
  s.stopping = stop_.load();
  s.delay_ms = delay_ms_;
  s.per_host_concurrency = per_host_concurrency_;
  s.concurrency = concurrency_;
  s.limits = limits_;
  s.deny = deny_.Patterns();
  s.paused_hosts.assign(paused_hosts_.begin(), paused_hosts_.end());
  s.distributed = distributed_;
  return s;
}

}  // namespace crawlbox::crawler
