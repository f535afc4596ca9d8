// EngineStatus: the web::StatusSource of a crawl running in this process, read
// from its Engine, for the status server of `crawlbox run`.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "config/job.h"
#include "crawler/engine/engine.h"
#include "web/status_source.h"

namespace crawlbox::crawler {

class RunControl;

// Thread-safe. `job`, `engine` and `stop_signals` (may be null) must outlive
// it.
class EngineStatus : public web::StatusSource {
 public:
  EngineStatus(const config::Job& job, const Engine& engine,
               const std::atomic<int>* stop_signals);

  // The run's end state ("finished", "stopped", "failed"), once Run() has
  // returned; until then the state follows the engine and the signals.
  void SetFinalState(std::string state);

  web::LiveTotals Totals() const override;
  std::vector<web::HostRow> Hosts() const override;
  std::map<std::string, int64_t> Counters() const override;
  web::FleetData Fleet() const override;

  // A stop command of `control` (may be null; must outlive this) shows as
  // "stopping" like a signal. Before the server starts.
  void SetControl(const RunControl* control) { control_ = control; }

  // A master's fleet, shown by Fleet() (a local run has none). `fleet` is
  // called from the server's threads and must be thread-safe.
  void SetFleet(std::function<web::FleetData()> fleet);

 private:
  const config::Job& job_;
  const Engine& engine_;
  const std::atomic<int>* stop_signals_;
  const RunControl* control_ = nullptr;
  mutable std::mutex mu_;
  std::string final_state_;
  std::function<web::FleetData()> fleet_;
};

}  // namespace crawlbox::crawler
