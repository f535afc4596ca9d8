// The crawl run: seeds and resumed URLs into the frontier, a fetch stage (the
// local FetchGraph, or a Master's dispatcher) feeding the store node, and the
// engine thread watching for the end, for signals and for fatal errors.
#include "crawler/engine/engine.h"

#include <algorithm>
#include <chrono>
#include <memory>
#include <vector>

#include "config/log.h"
#include "crawler/engine/fetch_graph.h"
#include "crawler/engine/fetch_stage.h"
#include "crawler/engine/login_step.h"
#include "crawler/engine/page_processor.h"
#include "crawler/engine/render_gate.h"
#include "crawler/engine/render_policy.h"
#include "crawler/engine/run_control.h"
#include "crawler/engine/store_node.h"
#include "crawler/fetch/retry_policy.h"
#include "crawler/frontier/frontier.h"
#include "crawler/frontier/request_parts.h"
#include "crawler/frontier/scope.h"
#include "storage/queue_reader.h"
#include "storage/reader.h"

namespace crawlbox::crawler {

using config::LogLevel;
using config::Result;
using config::Status;

namespace {

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// The local fetch-and-parse half: a FetchGraph in this process whose serial
// node is the store node. Robots.txt and sitemap answers go straight to the
// Frontier from the parse node.
class LocalStage : public FetchStage, public FetchGraphSink {
 public:
  Status Start(const StageContext& context) override {
    frontier_ = context.frontier;
    store_ = context.store;
    processor_ = &context.processor;
    graph_ = std::make_unique<FetchGraph>(context.job.fetch,
                                          context.job.parse.threads,
                                          context.processor, frontier_, this);
    policy_ = std::make_unique<RenderPolicy>(context.job);
    if (policy_->Any()) {
      gate_ = std::make_unique<RenderGate>(context.job, context.parser,
                                           frontier_, context.counters);
      RenderSettings settings = policy_->Settings();
      gate_->Install(&settings);
      renderer_ = std::make_unique<Renderer>(
          std::move(settings), [this](Response&& response) {
            graph_->Deliver(std::move(response));
          });
      Status started = renderer_->Start();
      if (!started.ok()) return started;
      graph_->SetDiverter([this](Request& request) {
        RenderOptions options;
        if (!policy_->Wants(request.url, &options)) return false;
        renderer_->Render(std::move(request), std::move(options));
        return true;
      });
    }
    if (context.job.login.enabled) {
      login_ = std::make_unique<LoginStep>(context.job, context.parser,
                                           context.counters);
      graph_->SetLoginStep(
          [this](const Fetcher::Exchange& exchange) { login_->Run(exchange); });
      if (renderer_ != nullptr) {
        // Rendered pages carry the session the login earned, from the first
        // page on (the step runs before the Fetcher hands out anything) and
        // again after each new login.
        graph_->SetCookiesHook([this](std::vector<Cookie> cookies) {
          renderer_->SetCookies(cookies);
        });
      }
    }
    return graph_->Start();
  }
  void RequestLogin() override {
    if (graph_ != nullptr) graph_->RequestLogin();
  }
  void Wakeup() override {
    if (graph_ != nullptr) graph_->Flush();
  }
  void SetConcurrency(int concurrency) override {
    if (graph_ != nullptr) graph_->SetConcurrency(concurrency);
  }
  void Stop() override {
    if (graph_ == nullptr) return;
    // Renders still in flight are abandoned like transfers (their requests
    // stay queued), before the graph they would deliver to stops.
    if (renderer_ != nullptr) renderer_->Stop();
    graph_->Stop();
    // What waited for a fuller batch is committed now.
    store_->Drain();
  }

 private:
  void Fetched(const Response& r) override {
    // The host's slot frees as the transfer ends, not when the page is stored.
    frontier_->Fetched(r.request, ReportOf(r));
  }
  void Robots(const Response& r,
              std::vector<storage::ArchiveMember> archive) override {
    frontier_->SetRobots(r.request.host, processor_->ProcessRobots(r), r.error);
    if (!archive.empty())
      store_->Accept(r.request, RecordsOnly(r.request, std::move(archive)));
    graph_->Wakeup();
  }
  void Sitemaps(const Request& request,
                std::vector<std::string> nested) override {
    frontier_->AddSitemaps(request.host, nested);
  }
  void Outcome(const Request& request, storage::PageOutcome outcome) override {
    store_->Accept(request, std::move(outcome));
  }
  void Flush() override {
    if (!store_->Due()) return;
    store_->Drain([this] { graph_->Wakeup(); });
    graph_->Wakeup();
  }

  Frontier* frontier_ = nullptr;
  StoreNode* store_ = nullptr;
  const PageProcessor* processor_ = nullptr;
  std::unique_ptr<LoginStep> login_;
  std::unique_ptr<RenderPolicy> policy_;
  std::unique_ptr<RenderGate> gate_;  // outlives the renderer that asks it
  std::unique_ptr<FetchGraph> graph_;
  // After graph_: destroyed first, so no render delivers into a dead graph.
  std::unique_ptr<Renderer> renderer_;
};

}  // namespace

FetchReport ReportOf(const Response& r) {
  return FetchReport{r.ok() ? r.status : 0, r.error == FetchError::kTimeout,
                     r.timings.total_ms, RetryAfter(r)};
}

struct Engine::RunState {
  RunState(const config::Job& job, const parser::PageParser& parser,
           storage::Store* db, std::unique_ptr<storage::QueueReader> reader,
           int max_outstanding, int64_t crawl_id, Counters* counters)
      : queue(std::move(reader)),
        frontier(job, queue.get(), FrontierBounds{max_outstanding}),
        scope(job, parser.seeds()),
        retry(job.retry),
        processor(job, parser, scope, retry, counters),
        store(db, crawl_id, &frontier, counters),
        crawl_id(crawl_id) {}

  const Clock::time_point start = Clock::now();
  std::unique_ptr<storage::QueueReader> queue;
  Frontier frontier;
  Scope scope;
  RetryPolicy retry;
  PageProcessor processor;
  StoreNode store;
  std::unique_ptr<WarcWriter> archive;  // [store] warc
  const int64_t crawl_id;
  std::atomic<bool> running{true};
  mutable std::mutex mu;
  std::string state = "running";
  std::string limit_reached;
  double seconds = 0;  // the run's length, once it ended
};

Engine::Engine(const config::Job& job, const parser::PageParser& parser,
               storage::Store* store, EngineOptions options)
    : job_(job), parser_(parser), store_(store), options_(std::move(options)) {}

Engine::~Engine() = default;

RunSnapshot Engine::Snapshot(bool hosts) const {
  RunSnapshot s;
  std::lock_guard<std::mutex> lock(run_mu_);
  if (run_ == nullptr) return s;
  const RunState& run = *run_;
  s.running = run.running.load();
  {
    std::lock_guard<std::mutex> state_lock(run.mu);
    s.state = run.state;
    s.limit_reached = run.limit_reached;
    s.seconds = s.running ? SecondsSince(run.start) : run.seconds;
  }
  s.crawl_id = run.crawl_id;
  const RunTotals totals = run.store.totals();
  s.pages = totals.pages;
  s.failed = totals.failed;
  s.items = totals.items;
  s.bytes = totals.bytes;
  FrontierSnapshot f = run.frontier.Snapshot(hosts);
  s.queued = f.queued;
  s.in_flight = s.running ? f.outstanding : 0;
  s.page_budget = f.page_budget;
  s.hosts = std::move(f.hosts);
  return s;
}

namespace {

// The WARC folder: [store] warc_dir, or beside the database, named after it.
std::string WarcDir(const config::Job& job, const std::string& db_path) {
  if (!job.store.warc_dir.empty()) return job.store.warc_dir;
  std::string base = db_path;
  if (base.ends_with(".db")) base.resize(base.size() - 3);
  return base + "-warc";
}

}  // namespace

Status Engine::OpenArchive(int64_t crawl_id) {
  WarcWriterOptions options;
  options.dir = WarcDir(job_, store_->path());
  options.prefix = job_.store.warc_prefix;
  options.max_bytes = static_cast<uint64_t>(job_.store.warc_max_bytes);
  options.gzip_level = job_.store.warc_gzip_level;
  options.info = CrawlboxWarcinfo();
  options.info.insert(
      options.info.end(),
      {
          {"isPartOf", job_.name},
          {"crawl-run", std::to_string(crawl_id)},
          {"robots", job_.politeness.robots ? "obey" : "ignore"},
          {"http-header-user-agent", job_.fetch.user_agent},
      });
  // Records synced before a commit that a kill lost are not in
  // warc_records: the repair cuts them, and their pages are fetched again.
  auto reader = storage::Reader::Open(store_->path());
  if (!reader.ok()) return reader.status();
  options.recorded_end =
      [&reader](const std::string& name) -> config::Result<uint64_t> {
    uint64_t end = 0;
    Status s = (*reader)->Query(
        "SELECT max(offset + length) FROM warc_records WHERE file = ?1",
        {storage::Value(name)}, [](const std::vector<std::string>&) {},
        [&end](const std::vector<storage::Value>& row) {
          if (const auto* v = std::get_if<int64_t>(&row[0]))
            end = static_cast<uint64_t>(*v);
        });
    if (!s.ok()) return s;
    return end;
  };
  std::vector<std::string> repaired;
  auto writer = WarcWriter::Open(std::move(options), &repaired);
  if (!writer.ok()) return writer.status();
  for (const std::string& name : repaired) {
    config::Log(LogLevel::kWarning, "warc",
                name +
                    " was left open by an interrupted run: cut after its "
                    "last record in warc_records, indexed and closed");
  }
  run_->archive = std::move(*writer);
  run_->store.SetArchive(run_->archive.get());
  return Status::Ok();
}

Status Engine::Begin() {
  Status s = store_->EnsureViews(job_);
  if (!s.ok()) return s;
  auto crawl_id = store_->BeginCrawl(job_);
  if (!crawl_id.ok()) return crawl_id.status();
  // Seeds join the durable frontier (no-ops for seeds already there); the
  // Frontier then plans its per-host windows from what the database holds
  // queued — seeds, or what an interrupted run left.
  std::vector<storage::NewUrl> seeds;
  for (size_t i = 0; i < parser_.seeds().size(); ++i) {
    const parser::Url& seed = parser_.seeds()[i];
    const config::Seed& written = job_.seeds[i];
    seeds.push_back({parser_.CrawlKey(seed), seed.host, 0, 0,
                     storage::Via::kSeed, 0,
                     PartsOf(written.method, written.headers, written.body)});
  }
  std::vector<storage::QueuedUrl> added_seeds;
  s = store_->AddUrls(seeds, &added_seeds);
  if (!s.ok()) return s;
  auto reader = storage::QueueReader::Open(store_->path());
  if (!reader.ok()) return reader.status();
  {
    std::lock_guard<std::mutex> lock(run_mu_);
    run_ = std::make_unique<RunState>(job_, parser_, store_, std::move(*reader),
                                      options_.max_outstanding, *crawl_id,
                                      &counters_);
  }
  if (job_.store.warc) {
    s = OpenArchive(*crawl_id);
    if (!s.ok()) return s;
  }
  if (options_.control != nullptr) {
    s = options_.control->Attach(
        ControlledRun{*crawl_id, &run_->frontier, &run_->scope, &run_->store},
        store_);
    if (!s.ok()) return s;
  }
  return run_->frontier.Start();
}

std::string Engine::Watch(FetchStage* stage) {
  RunState& run = *run_;
  Frontier& frontier = run.frontier;
  std::string state = "finished";
  int seen_signals = 0;
  bool limit_reached = false;
  Clock::time_point last_progress = Clock::now();
  while (!frontier.WaitIdle(StoreNode::kMaxWait)) {
    if (run.store.fatal()) break;
    // The store node runs when responses are parsed; this tick also commits
    // a partial batch that waited long enough and the Frontier's blocked
    // requests when nothing is being parsed.
    stage->Wakeup();
    int signals =
        options_.stop_signals != nullptr ? options_.stop_signals->load() : 0;
    RunControl* control = options_.control;
    if (control != nullptr && control->stop_requested()) ++signals;
    if (signals > seen_signals) {
      seen_signals = signals;
      state = "stopped";
      if (signals > 1) break;
      config::Log(LogLevel::kWarning, "engine",
                  "stopping: finishing " +
                      std::to_string(frontier.Snapshot().outstanding) +
                      " pages in flight (signal again to stop at once)");
      frontier.Close();
    }
    if (!limit_reached) {
      std::string limit;
      // A control may change both while the run goes on.
      const int64_t max_bytes =
          control != nullptr ? control->max_bytes() : job_.limits.max_bytes;
      const int64_t max_duration_s = control != nullptr
                                         ? control->max_duration_s()
                                         : job_.limits.max_duration_s;
      if (max_bytes > 0 && run.store.bytes() >= max_bytes) {
        limit = "max_bytes";
      } else if (max_duration_s > 0 &&
                 SecondsSince(run.start) >= max_duration_s) {
        limit = "max_duration_s";
      }
      if (!limit.empty()) {
        limit_reached = true;
        config::Log(
            LogLevel::kInfo, "engine",
            "limits." + limit + " reached: finishing the pages in flight");
        counters_.Add("limit/" + limit);
        frontier.Close();
        std::lock_guard<std::mutex> lock(run.mu);
        run.limit_reached = limit;
      }
    }
    if (options_.on_progress &&
        Clock::now() - last_progress >=
            std::chrono::milliseconds(options_.progress_interval_ms)) {
      last_progress = Clock::now();
      options_.on_progress(Snapshot());
    }
  }
  return state;
}

void Engine::End(std::string_view state) {
  RunState& run = *run_;
  std::lock_guard<std::mutex> lock(run.mu);
  if (run.limit_reached.empty() && run.frontier.Snapshot().budget_spent)
    run.limit_reached = "max_pages";
  run.state = std::string(state);
  run.seconds = SecondsSince(run.start);
  run.running.store(false);
}

Result<RunSnapshot> Engine::Run() {
  Status s = Begin();
  if (!s.ok()) {
    if (options_.control != nullptr) options_.control->Detach();
    if (run_ != nullptr) {
      End("failed");
      store_->FinishCrawl(run_->crawl_id, "failed", counters_.ToJson()).ok();
    }
    return s;
  }
  RunState& run = *run_;
  config::Log(LogLevel::kInfo, "engine",
              "crawl " + std::to_string(run.crawl_id) + " of job '" +
                  job_.name +
                  "': " + std::to_string(run.frontier.Snapshot().queued) +
                  " URLs queued");
  LocalStage local;
  FetchStage* stage = options_.stage != nullptr ? options_.stage : &local;
  run.processor.SetLoggedOutHook([stage] { stage->RequestLogin(); });
  s = stage->Start(StageContext{job_, parser_, run.processor, &run.frontier,
                                &run.store, &counters_});
  std::string state = "failed";
  if (s.ok()) {
    if (options_.control != nullptr) options_.control->StageStarted(stage);
    state = Watch(stage);
  }
  // Commands end before the stage's last drain commits what they posted.
  if (options_.control != nullptr) options_.control->Detach();
  // No new outcomes after this; whatever was already received is committed.
  stage->Stop();
  if (run.archive != nullptr) {
    // Every record is synced already; closing renames and indexes the file.
    Status closed = run.archive->Close();
    if (!closed.ok() && s.ok()) s = closed;
  }
  if (run.store.fatal()) {
    state = "failed";
    s = run.store.fatal_status();
  }
  End(state);
  RunSnapshot summary = Snapshot();
  if (options_.on_progress) options_.on_progress(summary);
  Status finished =
      store_->FinishCrawl(run.crawl_id, state, counters_.ToJson());
  if (!s.ok()) return s;
  if (!finished.ok()) return finished;
  return summary;
}

}  // namespace crawlbox::crawler
