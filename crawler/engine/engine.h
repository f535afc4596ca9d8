// Engine: wires one crawl run together — Frontier → fetch stage (locally the
// Fetcher and the flow graph's parse node; in a Master, the fleet) → store
// node (serial, batched SQLite transactions) → what ended back to the
// Frontier — and runs it until nothing is queued and nothing is in flight, or
// until it is told to stop. It owns the run's objects, so one Snapshot() serves
// the progress line, the status page and the end-of-run summary.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "config/job.h"
#include "config/status.h"
#include "crawler/engine/counters.h"
#include "crawler/frontier/frontier.h"
#include "parser/page_parser.h"
#include "storage/store.h"

namespace crawlbox::crawler {

class FetchStage;
class RunControl;

// A crawl run at one moment; the same names for the live numbers and for the
// summary Run() returns.
struct RunSnapshot {
  bool running = false;  // Run() has started the run and not yet returned
  // "starting" (before Run()), "running", then "finished" (frontier
  // exhausted or limits reached), "stopped" (a signal) or "failed".
  std::string state = "starting";
  int64_t crawl_id = 0;  // 0 before the run is registered
  int64_t pages = 0;     // stored this run
  int64_t failed = 0;    // of which failed
  int64_t items = 0;
  int64_t bytes = 0;
  // URLs still queued: in memory, in the database, waiting for a retry, and
  // those of hosts past limits.max_pages_per_host.
  int64_t queued = 0;
  int64_t in_flight = 0;     // handed out and not yet stored; 0 once ended
  double seconds = 0;        // since Run() began
  int64_t page_budget = -1;  // pages it may still hand out; -1 = no limit
  // The limit that ended the run early ("max_pages", "max_bytes",
  // "max_duration_s"), or "".
  std::string limit_reached;
  // Every host of the frontier, when the snapshot was asked with hosts.
  std::vector<FrontierSnapshot::Host> hosts;
};

struct EngineOptions {
  // Number of SIGINT/SIGTERM received, polled by the engine (may be null). The
  // first stops handing out URLs and lets in-flight pages finish and commit;
  // the second aborts transfers in flight at once. Either way the database
  // stays consistent and the run can be resumed.
  const std::atomic<int>* stop_signals = nullptr;
  // Called about once per `progress_interval_ms` from the engine's thread,
  // and once at the end (may be empty).
  std::function<void(const RunSnapshot&)> on_progress;
  int progress_interval_ms = 1000;
  // Requests handed out and not yet stored, at most; 0 = the Frontier's
  // default (3 × fetch.concurrency). A Master sets it: its requests wait in
  // Redis.
  int max_outstanding = 0;
  // Who fetches and parses the requests (not owned; must outlive Run()). Null:
  // a Fetcher and a parse node in this process. A Master passes its
  // dispatcher.
  FetchStage* stage = nullptr;
  // Commands from the status server (not owned; may be null; must outlive
  // Run()): attached once the run's objects exist, detached as it ends. A
  // stop command counts as one more stop signal.
  RunControl* control = nullptr;
};

// Single use: construct, Run() once. Snapshot() and counters() are
// thread-safe; Run() runs its own threads.
class Engine {
 public:
  // `job`, `parser` and `store` must outlive the engine.
  Engine(const config::Job& job, const parser::PageParser& parser,
         storage::Store* store, EngineOptions options);
  ~Engine();

  // Runs the crawl and returns its final snapshot. Fails only when the crawl
  // cannot go on (database unreadable or unwritable, fetch stage cannot
  // start): what was committed before stays committed.
  config::Result<RunSnapshot> Run();

  // Live counters (slash-path names); valid during and after Run().
  const Counters& counters() const { return counters_; }

  // The run's numbers now: zeros before Run(), the final numbers after it.
  // With `hosts`, every host of the frontier too (O(hosts)).
  RunSnapshot Snapshot(bool hosts = false) const;

 private:
  struct RunState;  // the run's objects, alive from Run() to ~Engine()

  // Registers the run, queues the seeds, builds the run's objects and starts
  // the Frontier. Fails when the database cannot be written or read.
  config::Status Begin();
  // Opens the WARC writer of [store] warc for crawl run `crawl_id`
  // (repairing what an interrupted run left) and hands it to the store node.
  config::Status OpenArchive(int64_t crawl_id);
  // Waits for the end: the frontier idle (done or limits), a signal, or a
  // fatal store error; reports progress meanwhile. Returns the run's state.
  std::string Watch(FetchStage* stage);
  // Marks the run over in `state`.
  void End(std::string_view state);

  const config::Job& job_;
  const parser::PageParser& parser_;
  storage::Store* store_;
  EngineOptions options_;
  Counters counters_;
  mutable std::mutex run_mu_;  // guards the pointer, not what it points to
  std::unique_ptr<RunState> run_;
};

}  // namespace crawlbox::crawler
