// Engine: wires one crawl run together — Frontier → Fetcher (curl thread) →
// parse node (parallel, oneTBB flow graph) → store node (serial, batched SQLite
// transactions) → new links back to the Frontier — and runs it until nothing is
// queued and nothing is in flight, or until it is told to stop. The fetch and
// parse half is pluggable (FetchStage): a Master runs the same Engine with
// workers doing that half.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "config/job.h"
#include "config/status.h"
#include "crawler/counters.h"
#include "crawler/frontier.h"
#include "parser/page_parser.h"
#include "storage/store.h"

namespace crawlbox::crawler {

class FetchStage;

// A snapshot of a running crawl, for the progress line.
struct Progress {
  int64_t pages = 0;  // stored this run
  int64_t items = 0;
  int64_t errors = 0;
  size_t queued = 0;
  size_t in_flight = 0;
  double seconds = 0;
};

struct EngineOptions {
  // Number of SIGINT/SIGTERM received, polled by the engine (may be null). The
  // first stops handing out URLs and lets in-flight pages finish and commit;
  // the second aborts transfers in flight at once. Either way the database
  // stays consistent and the run can be resumed.
  const std::atomic<int>* stop_signals = nullptr;
  // Called about once per `progress_interval_ms` from the engine's thread (may
  // be empty).
  std::function<void(const Progress&)> on_progress;
  int progress_interval_ms = 1000;
  // Responses allowed in the pipeline (fetched, not yet stored), beyond the
  // transfers in flight.
  int max_pending_responses = 0;  // 0 = 2 × fetch.concurrency
  // Requests handed out and not yet stored, at most; 0 = fetch.concurrency +
  // max_pending_responses. A Master sets it: its requests wait in Redis.
  int max_outstanding = 0;
  // Who fetches and parses the requests (not owned; must outlive Run()). Null:
  // a Fetcher and a parse node in this process. A Master passes its
  // dispatcher.
  FetchStage* stage = nullptr;
};

struct CrawlSummary {
  int64_t crawl_id = 0;
  std::string
      state;  // "finished" (frontier exhausted or limits reached) or "stopped"
  int64_t pages = 0;   // stored this run
  int64_t failed = 0;  // of which transport failures
  int64_t items = 0;
  int64_t bytes = 0;
  double seconds = 0;
  size_t left_queued = 0;  // URLs still queued (limits reached or stopped)
  // The limit that ended the run early ("max_pages", "max_bytes",
  // "max_duration_s"), or "".
  std::string limit_reached;
};

// The crawl as it is at one moment, for the status page.
struct EngineSnapshot {
  bool running = false;  // Run() has registered the run and not yet returned
  int64_t crawl_id = 0;  // 0 before the run is registered
  int64_t pages = 0;     // stored this run
  int64_t failed = 0;    // of which failed
  int64_t items = 0;
  int64_t bytes = 0;
  size_t queued = 0;
  size_t in_flight = 0;  // handed out and not yet stored
  double seconds = 0;
  int64_t page_budget = -1;  // pages it may still hand out; -1 = no limit
};

class EngineLiveScope;  // crawler/engine_live.h
struct EngineLive;

// Single use: construct, Run() once. Not thread-safe itself (but Snapshot()
// and Hosts() are); it runs its own threads.
class Engine {
 public:
  // `job`, `parser` and `store` must outlive the engine.
  Engine(const config::Job& job, const parser::PageParser& parser,
         storage::Store* store, EngineOptions options);
  ~Engine();

  // Runs the crawl. Fails only when the crawl cannot go on (database
  // unwritable, fetcher cannot start): what was committed before stays
  // committed.
  config::Result<CrawlSummary> Run();

  // Live counters (slash-path names); valid during and after Run().
  const Counters& counters() const { return counters_; }

  // Thread-safe, for the status page: the run's numbers now; zeros before
  // Run(), its final numbers after (running = false). Defined in
  // engine_live.cc.
  EngineSnapshot Snapshot() const;
  // Thread-safe: the Frontier's hosts; empty before Run(), the final state
  // after it.
  std::vector<Frontier::HostState> Hosts() const;

 private:
  friend class EngineLiveScope;
  mutable std::mutex live_mu_;
  const EngineLive* live_ = nullptr;  // Run()'s state while it runs
  EngineSnapshot last_;               // the final numbers after Run()
  std::vector<Frontier::HostState> last_hosts_;

  const config::Job& job_;
  const parser::PageParser& parser_;
  storage::Store* store_;
  EngineOptions options_;
  Counters counters_;
};

}  // namespace crawlbox::crawler
