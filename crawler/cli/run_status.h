// The status page of `crawlbox run`: its settings from the job's [status]
// table and the command line, and the server with the running engine as its
// live source.
#pragma once

#include <atomic>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>

#include "config/job.h"
#include "crawler/cli/commands.h"
#include "crawler/engine/engine.h"
#include "crawler/engine/engine_status.h"
#include "crawler/engine/run_control.h"
#include "web/server.h"

namespace crawlbox::crawler {

struct StatusPageSettings {
  bool enabled = true;
  web::ServerOptions server;
};

// Merges `job.status` with --status-addr, --status-token and --no-status
// (flags win). On a problem (a malformed address or token, a non-loopback
// address without a token) prints one line to `err` — with the job file's
// line when the value came from it — and returns false: exit code 2.
bool ResolveStatusPage(const config::Job& job, const RunArgs& args,
                       StatusPageSettings* out, std::FILE* err);

// Not thread-safe; used by CmdRun's thread only.
class RunStatusPage {
 public:
  // `job`, `engine` and `stop_signals` must outlive it.
  RunStatusPage(const config::Job& job, const Engine& engine,
                const std::atomic<int>* stop_signals);
  ~RunStatusPage();

  // Serves the page for `db` (unless disabled) and prints its URL to `err`.
  // Returns false after printing one line when it cannot listen: exit code 1.
  bool Start(const StatusPageSettings& settings, const std::string& db,
             std::FILE* err);
  // The run ended in `state`; the page shows it until the server stops here.
  void Finish(const std::string& state);
  // POST /api/control goes to `control` (not owned; must outlive this), and
  // the server's URL is handed to it for the crawl run's row. Before Start().
  void SetControl(RunControl* control) {
    control_ = control;
    source_.SetControl(control);
  }
  // A master's page also lists its fleet (EngineStatus::SetFleet).
  void SetFleet(std::function<web::FleetData()> fleet) {
    source_.SetFleet(std::move(fleet));
  }

 private:
  EngineStatus source_;
  RunControl* control_ = nullptr;
  std::unique_ptr<web::StatusServer> server_;
};

}  // namespace crawlbox::crawler
