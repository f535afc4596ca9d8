// The crawl run: seeds and resumed URLs into the frontier, a fetch stage (the
// local Pipeline, or a Master's dispatcher) feeding the store stage, and the
// engine thread watching for the end, for signals and for fatal errors.
#include "crawler/engine.h"

#include <algorithm>
#include <chrono>
#include <memory>
#include <vector>

#include "config/log.h"
#include "crawler/engine_live.h"
#include "crawler/fetch_stage.h"
#include "crawler/frontier.h"
#include "crawler/page_processor.h"
#include "crawler/pipeline.h"
#include "crawler/retry_policy.h"
#include "crawler/scope.h"
#include "crawler/store_stage.h"
#include "parser/robots.h"

namespace crawlbox::crawler {

using config::LogLevel;
using config::Result;
using config::Status;

namespace {

using Clock = std::chrono::steady_clock;

// Queued URLs the Frontier keeps in memory at least, all hosts and per host;
// the rest wait in SQLite.
constexpr size_t kMinWindow = 4096;
constexpr size_t kMinHostWindow = 512;

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// The local fetch-and-parse half: a Pipeline in this process whose serial node
// is the store node.
class LocalStage : public FetchStage, public PipelineSink {
 public:
  Status Start(const StageContext& context) override {
    frontier_ = context.frontier;
    store_ = context.store;
    pipeline_ =
        std::make_unique<Pipeline>(context.job.fetch, context.job.parse.threads,
                                   context.processor, frontier_, this);
    return pipeline_->Start();
  }
  void Wakeup() override {
    if (pipeline_ != nullptr) pipeline_->Flush();
  }
  void Stop() override {
    if (pipeline_ != nullptr) pipeline_->Stop();
  }

 private:
  void Fetched(const Response& r) override {
    // The host's slot frees as the transfer ends, not when the page is stored.
    frontier_->Fetched(r.request.host, r.ok() ? r.status : 0,
                       r.error == FetchError::kTimeout, r.timings.total_ms,
                       RetryAfter(r));
  }
  void Robots(const Response& r) override {
    store_->Robots(r);
    pipeline_->Wakeup();
  }
  void Processed(const Response& r, ProcessedPage page,
                 std::vector<std::string> nested_sitemaps) override {
    store_->Accept(r.request, std::move(page), nested_sitemaps);
  }
  void Flush() override {
    store_->Drain([this] { pipeline_->Wakeup(); });
    pipeline_->Wakeup();
  }

  Frontier* frontier_ = nullptr;
  StoreStage* store_ = nullptr;
  std::unique_ptr<Pipeline> pipeline_;
};

}  // namespace

Engine::Engine(const config::Job& job, const parser::PageParser& parser,
               storage::Store* store, EngineOptions options)
    : job_(job), parser_(parser), store_(store), options_(std::move(options)) {}

Engine::~Engine() = default;

Result<CrawlSummary> Engine::Run() {
  const Clock::time_point start = Clock::now();
  Status s = store_->EnsureViews(job_);
  if (!s.ok()) return s;
  auto crawl_id = store_->BeginCrawl(job_);
  if (!crawl_id.ok()) return crawl_id.status();

  // Seeds join the durable frontier (no-ops for seeds already there); the
  // Frontier then plans its per-host windows from what the database holds
  // queued — seeds, or what an interrupted run left.
  std::vector<storage::NewUrl> seeds;
  for (const parser::Url& seed : parser_.seeds()) {
    seeds.push_back({parser_.CrawlKey(seed), seed.host, 0, 0});
  }
  std::vector<storage::QueuedUrl> added_seeds;
  s = store_->AddUrls(seeds, &added_seeds);
  if (!s.ok()) return s;
  FrontierOptions frontier_options;
  if (job_.limits.max_pages > 0) {
    auto fetched = store_->CountFetched();
    if (!fetched.ok()) return fetched.status();
    frontier_options.page_budget =
        std::max<int64_t>(0, job_.limits.max_pages - *fetched);
  }
  const int concurrency = job_.fetch.concurrency;
  const int pending = options_.max_pending_responses > 0
                          ? options_.max_pending_responses
                          : 2 * concurrency;
  frontier_options.max_outstanding = options_.max_outstanding > 0
                                         ? options_.max_outstanding
                                         : concurrency + pending;
  frontier_options.window =
      std::max<size_t>(kMinWindow, 8 * static_cast<size_t>(concurrency));
  frontier_options.host_window = std::max<size_t>(
      kMinHostWindow,
      4 * static_cast<size_t>(job_.politeness.per_host_concurrency));
  frontier_options.per_host_concurrency = job_.politeness.per_host_concurrency;
  frontier_options.delay = std::chrono::milliseconds(job_.politeness.delay_ms);
  frontier_options.max_delay =
      std::chrono::milliseconds(job_.politeness.max_delay_ms);
  frontier_options.adaptive = job_.politeness.adaptive;
  frontier_options.max_pages_per_host = job_.limits.max_pages_per_host;
  frontier_options.robots = job_.politeness.robots;
  frontier_options.robots_token = parser::UserAgentToken(job_.fetch.user_agent);
  frontier_options.max_crawl_delay =
      std::chrono::milliseconds(job_.politeness.max_crawl_delay_ms);
  frontier_options.robots_retry =
      std::chrono::milliseconds(job_.retry.backoff_ms);
  frontier_options.robots_attempts = job_.retry.max_attempts;
  frontier_options.sitemaps = job_.scope.sitemaps;
  Frontier frontier(frontier_options);
  std::vector<std::pair<std::string, int64_t>> queued_per_host;
  s = store_->CountQueuedByHost(&queued_per_host);
  if (!s.ok()) return s;
  std::vector<std::pair<std::string, int64_t>> fetched_per_host;
  if (job_.limits.max_pages_per_host > 0) {
    s = store_->CountFetchedByHost(&fetched_per_host);
    if (!s.ok()) return s;
  }
  frontier.Start(queued_per_host, fetched_per_host);
  // Before any stage runs this thread is the Store's only user.
  for (const Frontier::RefillRequest& want : frontier.RefillWanted()) {
    std::vector<storage::QueuedUrl> more;
    s = store_->LoadQueued(want.host, want.after_id, want.limit, &more);
    if (!s.ok()) return s;
    frontier.Refill(want, std::move(more));
  }
  config::Log(LogLevel::kInfo, "engine",
              "crawl " + std::to_string(*crawl_id) + " of job '" + job_.name +
                  "': " + std::to_string(frontier.queued()) + " URLs queued");

  Scope scope(job_, parser_.seeds());
  RetryPolicy retry_policy(job_.retry);
  PageProcessor processor(job_, parser_, scope, retry_policy, &counters_);
  StoreStage store(store_, *crawl_id, &frontier, processor, &counters_);
  // The status page reads these from other threads until Run() returns.
  EngineLiveScope live(this, EngineLive{&frontier, &store, *crawl_id, start});
  LocalStage local;
  FetchStage* stage = options_.stage != nullptr ? options_.stage : &local;
  s = stage->Start(
      StageContext{job_, parser_, processor, &frontier, &store, &counters_});
  if (!s.ok()) {
    stage->Stop();
    store_->FinishCrawl(*crawl_id, "failed", counters_.ToJson()).ok();
    return s;
  }

  // Wait for the end: frontier idle (done or limits), a signal, or a fatal
  // store error.
  std::string state = "finished";
  int seen_signals = 0;
  std::string limit_reached;
  Clock::time_point last_progress = Clock::now();
  while (!frontier.WaitIdle(std::chrono::milliseconds(100))) {
    if (store.fatal()) break;
    // A window drained while nothing was being stored: let the store node load
    // the next one.
    if (!frontier.RefillWanted().empty() || frontier.HasBlocked()) {
      stage->Wakeup();
    }
    int signals =
        options_.stop_signals != nullptr ? options_.stop_signals->load() : 0;
    if (signals > seen_signals) {
      seen_signals = signals;
      state = "stopped";
      if (signals == 1) {
        config::Log(LogLevel::kWarning, "engine",
                    "stopping: finishing " +
                        std::to_string(frontier.outstanding()) +
                        " pages in flight (signal again to stop at once)");
        frontier.Close();
      } else {
        break;
      }
    }
    if (limit_reached.empty()) {
      if (job_.limits.max_bytes > 0 && store.bytes() >= job_.limits.max_bytes) {
        limit_reached = "max_bytes";
      } else if (job_.limits.max_duration_s > 0 &&
                 SecondsSince(start) >= job_.limits.max_duration_s) {
        limit_reached = "max_duration_s";
      }
      if (!limit_reached.empty()) {
        config::Log(LogLevel::kInfo, "engine",
                    "limits." + limit_reached +
                        " reached: finishing the pages in flight");
        counters_.Add("limit/" + limit_reached);
        frontier.Close();
      }
    }
    if (options_.on_progress &&
        Clock::now() - last_progress >=
            std::chrono::milliseconds(options_.progress_interval_ms)) {
      last_progress = Clock::now();
      options_.on_progress(Progress{
          store.pages(), store.items(), store.failed(), frontier.queued(),
          frontier.outstanding(), SecondsSince(start)});
    }
  }
  // No new outcomes after this; whatever was already received is committed.
  stage->Stop();

  CrawlSummary summary;
  summary.crawl_id = *crawl_id;
  summary.state = state;
  summary.pages = store.pages();
  summary.failed = store.failed();
  summary.items = store.items();
  summary.bytes = store.bytes();
  summary.seconds = SecondsSince(start);
  summary.left_queued =
      frontier.queued() + static_cast<size_t>(frontier.abandoned());
  if (limit_reached.empty() && frontier.Budgetless())
    limit_reached = "max_pages";
  summary.limit_reached = limit_reached;
  if (options_.on_progress) {
    options_.on_progress(Progress{summary.pages, summary.items, summary.failed,
                                  frontier.queued(), 0, summary.seconds});
  }
  if (store.fatal()) {
    store_->FinishCrawl(*crawl_id, "failed", counters_.ToJson()).ok();
    return store.fatal_status();
  }
  s = store_->FinishCrawl(*crawl_id, state, counters_.ToJson());
  if (!s.ok()) return s;
  return summary;
}

}  // namespace crawlbox::crawler
