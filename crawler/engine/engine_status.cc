// Engine numbers to the web/ structs: the only place that knows both.
#include "crawler/engine/engine_status.h"

#include <utility>

#include "crawler/engine/run_control.h"

namespace crawlbox::crawler {

EngineStatus::EngineStatus(const config::Job& job, const Engine& engine,
                           const std::atomic<int>* stop_signals)
    : job_(job), engine_(engine), stop_signals_(stop_signals) {}

void EngineStatus::SetFleet(std::function<web::FleetData()> fleet) {
  std::lock_guard<std::mutex> lock(mu_);
  fleet_ = std::move(fleet);
}

web::FleetData EngineStatus::Fleet() const {
  std::function<web::FleetData()> fleet;
  {
    std::lock_guard<std::mutex> lock(mu_);
    fleet = fleet_;
  }
  return fleet ? fleet() : web::FleetData{};
}

void EngineStatus::SetFinalState(std::string state) {
  std::lock_guard<std::mutex> lock(mu_);
  final_state_ = std::move(state);
}

web::LiveTotals EngineStatus::Totals() const {
  const RunSnapshot s = engine_.Snapshot();
  web::LiveTotals t;
  t.job = job_.name;
  t.crawl_id = s.crawl_id;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!final_state_.empty()) {
      t.state = final_state_;
    } else if ((stop_signals_ != nullptr && stop_signals_->load() > 0) ||
               (control_ != nullptr && control_->stop_requested())) {
      t.state = "stopping";
    } else {
      // Between the end of Run() and SetFinalState() the run is still
      // winding down.
      t.state = s.running || s.crawl_id != 0 ? "running" : s.state;
    }
  }
  t.pages = s.pages;
  t.failed = s.failed;
  t.items = s.items;
  t.bytes = s.bytes;
  t.queued = static_cast<int64_t>(s.queued);
  t.in_flight = static_cast<int64_t>(s.in_flight);
  t.elapsed_s = s.seconds;
  // As controls left them: the page's ETA follows a limit changed live.
  const config::Limits limits =
      control_ != nullptr ? control_->limits() : job_.limits;
  t.page_budget = limits.max_pages > 0 ? s.page_budget : -1;
  t.max_pages = limits.max_pages;
  t.max_bytes = limits.max_bytes;
  t.max_duration_s = limits.max_duration_s;
  return t;
}

std::vector<web::HostRow> EngineStatus::Hosts() const {
  std::vector<web::HostRow> rows;
  for (const FrontierSnapshot::Host& h : engine_.Snapshot(true).hosts) {
    web::HostRow row;
    row.host = h.host;
    row.in_flight = h.in_flight;
    row.queued = h.queued;
    row.group = h.group;
    row.group_hosts = h.group_hosts;
    row.group_in_flight = h.group_in_flight;
    row.delay_ms = h.delay.count();
    row.robots = h.robots;
    row.fetched = h.fetched;
    row.errors = h.errors;
    rows.push_back(std::move(row));
  }
  return rows;
}

std::map<std::string, int64_t> EngineStatus::Counters() const {
  std::map<std::string, int64_t> out;
  for (const auto& [name, value] : engine_.counters().Snapshot())
    out.emplace(name, value);
  return out;
}

}  // namespace crawlbox::crawler
