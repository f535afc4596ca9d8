// How Engine::Run() publishes its running state (locals of Run()) to
// Engine::Snapshot() and Engine::Hosts(), which other threads call: for
// exactly as long as those locals live.
#pragma once

#include <chrono>
#include <cstdint>

#include "crawler/engine.h"

namespace crawlbox::crawler {

class Frontier;
class StoreStage;

// Run()'s state the snapshots read. Both objects are thread-safe to read.
struct EngineLive {
  const Frontier* frontier = nullptr;
  const StoreStage* store = nullptr;
  int64_t crawl_id = 0;
  std::chrono::steady_clock::time_point start;
};

// Publishes `live` on `engine` from construction to destruction; on
// destruction keeps the final numbers as the engine's last snapshot. Declare
// it after the objects `live` points to, so it ends before they do.
class EngineLiveScope {
 public:
  EngineLiveScope(Engine* engine, EngineLive live);
  ~EngineLiveScope();
  EngineLiveScope(const EngineLiveScope&) = delete;
  EngineLiveScope& operator=(const EngineLiveScope&) = delete;

 private:
  Engine* engine_;
  EngineLive live_;
};

}  // namespace crawlbox::crawler
