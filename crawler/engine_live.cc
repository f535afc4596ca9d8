// Engine::Snapshot and Engine::Hosts: read Run()'s frontier and store stage
// under live_mu_, which EngineLiveScope holds while it unpublishes them, so a
// reader never sees them destroyed.
#include "crawler/engine_live.h"

#include "crawler/frontier.h"
#include "crawler/store_stage.h"

namespace crawlbox::crawler {

namespace {

EngineSnapshot Read(const EngineLive& live) {
  EngineSnapshot s;
  s.running = true;
  s.crawl_id = live.crawl_id;
  s.pages = live.store->pages();
  s.failed = live.store->failed();
  s.items = live.store->items();
  s.bytes = live.store->bytes();
  s.queued = live.frontier->queued();
  s.in_flight = live.frontier->outstanding();
  s.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                            live.start)
                  .count();
  s.page_budget = live.frontier->page_budget();
  return s;
}

}  // namespace

EngineLiveScope::EngineLiveScope(Engine* engine, EngineLive live)
    : engine_(engine), live_(live) {
  std::lock_guard<std::mutex> lock(engine_->live_mu_);
  engine_->live_ = &live_;
}

EngineLiveScope::~EngineLiveScope() {
  std::lock_guard<std::mutex> lock(engine_->live_mu_);
  engine_->last_ = Read(live_);
  engine_->last_.running = false;
  engine_->last_.in_flight = 0;
  engine_->last_hosts_ = live_.frontier->HostsSnapshot();
  engine_->live_ = nullptr;
}

EngineSnapshot Engine::Snapshot() const {
  std::lock_guard<std::mutex> lock(live_mu_);
  return live_ != nullptr ? Read(*live_) : last_;
}

std::vector<Frontier::HostState> Engine::Hosts() const {
  std::lock_guard<std::mutex> lock(live_mu_);
  return live_ != nullptr ? live_->frontier->HostsSnapshot() : last_hosts_;
}

}  // namespace crawlbox::crawler
