// RunControl: the web::ControlTarget of a crawl running in this process —
// pause, resume, stop, live settings, deny patterns, seeds and paused hosts
// applied to the run's Frontier, Scope and fetch stage without a restart,
// each command recorded in the database's controls table through the store
// node (the single writer), and the recorded ones applied again when the
// crawl is started again (a paused crawl stays paused).
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "config/job.h"
#include "config/status.h"
#include "crawler/frontier/frontier.h"
#include "crawler/frontier/live_deny.h"
#include "crawler/frontier/scope.h"
#include "parser/page_parser.h"
#include "storage/store.h"
#include "web/control.h"

namespace crawlbox::crawler {

class FetchStage;
class StoreNode;

// What RunControl works on while a run is attached; every pointer stays
// valid until Detach() returns.
struct ControlledRun {
  int64_t crawl_id = 0;
  Frontier* frontier = nullptr;
  Scope* scope = nullptr;
  StoreNode* store = nullptr;
};

// Thread-safe. Lives as long as the status server that calls it; `job` and
// `parser` must outlive it.
class RunControl : public web::ControlTarget {
 public:
  // The control changes `parser`'s page limits (records and links per page).
  RunControl(const config::Job& job, parser::PageParser& parser);

  // Where this run's status server answers (without its token), written to
  // the crawl run's row at Attach() for `crawlbox ctl DB`. Before the run.
  void SetStatusUrl(std::string url);
  // A master: the fleet's workers fetch and parse, so fetch.concurrency and
  // the limits they apply reach them through the stage (the Dispatcher).
  void SetDistributed(bool distributed);

  // The engine side. Attach: the run's objects exist and the Frontier has not
  // started; on the engine's thread, while nothing else writes `store`:
  // records the status server's address, applies the recorded controls in
  // order (logging what they change), and takes commands from now on.
  // Fails when `store` cannot be read or written.
  config::Status Attach(const ControlledRun& run, storage::Store* store);
  // The fetch stage runs: a replayed fetch.concurrency reaches its Fetcher
  // (a master's: its workers), and replayed limits a master's workers.
  void StageStarted(FetchStage* stage);
  // The run is ending: commands are answered 409 from now on. Commands
  // applied before are committed by the store node's last drain.
  void Detach();

  // A stop command arrived (graceful, as the first SIGINT).
  bool stop_requested() const { return stop_.load(); }
  // limits.max_bytes and max_duration_s as they stand now (0 = none).
  int64_t max_bytes() const { return max_bytes_.load(); }
  int64_t max_duration_s() const { return max_duration_s_.load(); }
  // Every limit as it stands now (the job's until a control changes one).
  config::Limits limits() const {
    std::lock_guard<std::mutex> lock(mu_);
    return limits_;
  }

  // web::ControlTarget.
  web::ControlResult Apply(const web::ControlCommand& command) override;
  void Refused(const web::ControlCommand& command,
               const std::string& message) override;
  web::LiveSettings Settings() const override;

 private:
  // Applies `command` to the attached run (mu_ held); a non-200 result
  // leaves everything as it was.
  web::ControlResult ApplyLocked(const web::ControlCommand& command,
                                 bool replay);
  // Applies limits_'s `key` (just changed) to the run (mu_ held, attached).
  void ApplyLimitLocked(const std::string& key);
  // Queues the record of `command` for the store node (mu_ held, attached).
  void RecordLocked(const web::ControlCommand& command, bool applied,
                    const std::string& message);

  const config::Job& job_;
  parser::PageParser& parser_;
  LiveDeny deny_;
  std::atomic<bool> stop_{false};
  std::atomic<int64_t> max_bytes_;
  std::atomic<int64_t> max_duration_s_;
  mutable std::mutex mu_;
  ControlledRun run_;  // guarded by mu_; run_.frontier null when detached
  FetchStage* stage_ = nullptr;
  std::string status_url_;
  bool distributed_ = false;
  bool paused_ = false;
  int64_t delay_ms_;
  int64_t per_host_concurrency_;
  int64_t concurrency_;
  bool concurrency_set_ = false;  // by a control (recorded ones included)
  config::Limits limits_;         // the job's, as controls changed them
  bool limits_set_ = false;
  std::set<std::string> paused_hosts_;
};

}  // namespace crawlbox::crawler
