// The crawl run: seeds and resumed URLs into the frontier, the fetcher thread
// feeding a oneTBB flow graph, and the engine thread watching for the end, for
// signals and for fatal errors.
#include "crawler/engine.h"

#include <oneapi/tbb/concurrent_queue.h>
#include <oneapi/tbb/flow_graph.h>
#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/task_arena.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "config/log.h"
#include "crawler/fetcher.h"
#include "crawler/frontier.h"
#include "crawler/page_processor.h"
#include "crawler/retry_policy.h"
#include "crawler/scope.h"
#include "crawler/seen_urls.h"
#include "parser/robots.h"

namespace crawlbox::crawler {

using config::LogLevel;
using config::Result;
using config::Status;
namespace flow = oneapi::tbb::flow;

namespace {

using Clock = std::chrono::steady_clock;

// Stored pages per transaction at most: large enough to amortize the commit,
// small enough to keep the frontier fed while a batch is written.
constexpr size_t kMaxBatch = 512;
// Discovered links per transaction at most: pages of a link-heavy site (100
// new links each) would otherwise hold tens of thousands of URLs in memory
// per batch.
constexpr size_t kMaxBatchLinks = 8192;

// Queued URLs the Frontier keeps in memory at least, all hosts and per host;
// the rest wait in SQLite.
constexpr size_t kMinWindow = 4096;
constexpr size_t kMinHostWindow = 512;

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

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
  frontier_options.max_outstanding = concurrency + pending;
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
  // Runs on the store node (or here, before the graph exists): the Store has
  // one user at a time.
  auto refill = [&]() -> Status {
    for (const Frontier::RefillRequest& want : frontier.RefillWanted()) {
      std::vector<storage::QueuedUrl> more;
      Status st =
          store_->LoadQueued(want.host, want.after_id, want.limit, &more);
      if (!st.ok()) return st;
      frontier.Refill(want, std::move(more));
    }
    return Status::Ok();
  };
  s = refill();
  if (!s.ok()) return s;
  config::Log(LogLevel::kInfo, "engine",
              "crawl " + std::to_string(*crawl_id) + " of job '" + job_.name +
                  "': " + std::to_string(frontier.queued()) + " URLs queued");

  Scope scope(job_, parser_.seeds());
  RetryPolicy retry_policy(job_.retry);
  PageProcessor processor(job_, parser_, scope, retry_policy, &counters_);

  // Parse callbacks run on their own arena so that `parse.threads` workers
  // really run in parallel; the fetcher thread only puts messages in.
  const int parse_threads =
      job_.parse.threads > 0
          ? job_.parse.threads
          : static_cast<int>(std::thread::hardware_concurrency());
  oneapi::tbb::global_control parallelism(
      oneapi::tbb::global_control::max_allowed_parallelism,
      static_cast<size_t>(parse_threads) + 1);
  // One slot beyond the workers is reserved for this thread's final
  // wait_for_all.
  oneapi::tbb::task_arena arena(parse_threads + 1, 1);

  oneapi::tbb::concurrent_queue<ProcessedPage> ready;
  std::atomic<bool> fatal{false};
  Status fatal_status;
  std::mutex fatal_mu;
  auto set_fatal = [&](const Status& st) {
    std::lock_guard<std::mutex> lock(fatal_mu);
    fatal_status = st;
    fatal.store(true);
    frontier.Close();
  };
  std::atomic<int64_t> pages{0}, failed{0}, items{0}, bytes{0};
  std::unique_ptr<Fetcher> fetcher;

  using ResponsePtr = std::shared_ptr<Response>;
  std::unique_ptr<flow::graph> graph;
  std::unique_ptr<flow::function_node<ResponsePtr, flow::continue_msg>>
      parse_node;
  std::unique_ptr<flow::function_node<flow::continue_msg>> store_node;

  auto parse = [&](const ResponsePtr& response) -> flow::continue_msg {
    const Response& r = *response;
    if (r.request.kind == Request::Kind::kRobots) {
      // RFC 9309 §2.3.1: 4xx means no rules; 5xx or no answer means none of
      // the site may be crawled until robots.txt can be read.
      std::shared_ptr<const parser::RobotsTxt> robots;
      if (r.ok() && r.status < 500) {
        robots = std::make_shared<const parser::RobotsTxt>(
            r.status >= 400 ? parser::RobotsTxt::AllowAll()
                            : parser::RobotsTxt::Parse(r.body));
        counters_.Add("robots/status/" + std::to_string(r.status));
      } else {
        counters_.Add("robots/unavailable");
        config::Log(
            LogLevel::kDebug, "robots",
            r.request.url + " unavailable: " + RetryPolicy::FailureReason(r));
      }
      frontier.SetRobots(r.request.host, std::move(robots));
      if (fetcher != nullptr) fetcher->Wakeup();
      return flow::continue_msg();
    }
    if (r.request.kind == Request::Kind::kSitemap) {
      std::vector<std::string> nested;
      ready.push(processor.ProcessSitemap(r, &nested));
      if (!nested.empty()) frontier.AddSitemaps(r.request.host, nested);
      return flow::continue_msg();
    }
    ready.push(processor.Process(r));
    return flow::continue_msg();
  };

  SeenUrls seen;  // used by the store node only
  auto store = [&](const flow::continue_msg&) {
    std::vector<storage::PageResult> batch;
    std::vector<Frontier::Retry> retries;
    ProcessedPage next;
    while (true) {
      batch.clear();
      retries.clear();
      size_t links = 0;
      while (batch.size() < kMaxBatch && links < kMaxBatchLinks &&
             ready.try_pop(next)) {
        links += next.result.links.size();
        if (next.retry) retries.push_back(std::move(*next.retry));
        batch.push_back(std::move(next.result));
      }
      for (auto& [url, reason] : frontier.TakeBlocked()) {
        storage::PageResult blocked;
        blocked.blocked = true;
        blocked.page.url_id = url.id;
        blocked.page.url = std::move(url.url);
        blocked.page.error = std::move(reason);
        counters_.Add("frontier/blocked/" + blocked.page.error);
        batch.push_back(std::move(blocked));
      }
      if (batch.empty()) {
        if (!fatal.load()) {
          Status st = refill();
          if (!st.ok()) set_fatal(st);
        }
        if (fetcher != nullptr) fetcher->Wakeup();
        return;
      }
      // Links already known never reach SQLite: most of a page's links are.
      int64_t known = 0;
      for (storage::PageResult& p : batch) {
        known += static_cast<int64_t>(
            std::erase_if(p.links, [&](const storage::NewUrl& l) {
              return seen.CheckAndInsert(l.url);
            }));
      }
      counters_.Add("frontier/known_links", known);
      std::vector<storage::QueuedUrl> added;
      Status st = fatal.load() ? Status::Ok()
                               : store_->CommitPages(*crawl_id, batch, &added);
      if (!st.ok()) {
        set_fatal(st);
      } else if (!fatal.load()) {
        int64_t stored = 0;
        for (const storage::PageResult& p : batch) {
          if (p.retry || p.blocked || p.links_only) continue;
          ++stored;
          if (p.failed) failed.fetch_add(1);
          items.fetch_add(static_cast<int64_t>(p.items.size()));
          bytes.fetch_add(p.page.bytes);
        }
        pages.fetch_add(stored);
        counters_.Add("store/pages", stored);
        counters_.Add("store/new_urls", static_cast<int64_t>(added.size()));
        counters_.Add("store/transactions");
      }
      // Sitemaps were never outstanding pages: they are released separately,
      // after the URLs they listed are queued.
      const size_t sitemaps = static_cast<size_t>(std::count_if(
          batch.begin(), batch.end(),
          [](const storage::PageResult& p) { return p.links_only; }));
      frontier.Complete(batch.size() - sitemaps, std::move(added),
                        std::move(retries));
      if (sitemaps > 0) frontier.SitemapsDone(sitemaps);
      if (!fatal.load()) {
        Status refilled = refill();
        if (!refilled.ok()) set_fatal(refilled);
      }
      if (fetcher != nullptr) fetcher->Wakeup();
    }
  };

  arena.execute([&] {
    graph = std::make_unique<flow::graph>();
    parse_node =
        std::make_unique<flow::function_node<ResponsePtr, flow::continue_msg>>(
            *graph, static_cast<size_t>(parse_threads), parse);
    store_node = std::make_unique<flow::function_node<flow::continue_msg>>(
        *graph, flow::serial, store);
    flow::make_edge(*parse_node, *store_node);
  });

  fetcher = std::make_unique<Fetcher>(job_.fetch, &frontier, [&](Response&& r) {
    // The host's slot frees as the transfer ends, not when the page is stored.
    frontier.Fetched(r.request.host, r.ok() ? r.status : 0,
                     r.error == FetchError::kTimeout, r.timings.total_ms,
                     RetryAfter(r));
    // try_put from this foreign thread spawns the parse task into the graph's
    // arena; the shared_ptr keeps the body from being copied on its way through
    // the graph.
    parse_node->try_put(std::make_shared<Response>(std::move(r)));
  });
  s = fetcher->Start();
  if (!s.ok()) return s;

  // Wait for the end: frontier idle (done or limits), a signal, or a fatal
  // store error.
  std::string state = "finished";
  int seen_signals = 0;
  std::string limit_reached;
  Clock::time_point last_progress = Clock::now();
  while (!frontier.WaitIdle(std::chrono::milliseconds(100))) {
    if (fatal.load()) break;
    // A window drained while nothing was being stored: let the store node load
    // the next one.
    if (!frontier.RefillWanted().empty() || frontier.HasBlocked()) {
      store_node->try_put(flow::continue_msg());
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
      if (job_.limits.max_bytes > 0 && bytes.load() >= job_.limits.max_bytes) {
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
      options_.on_progress(Progress{pages.load(), items.load(), failed.load(),
                                    frontier.queued(), frontier.outstanding(),
                                    SecondsSince(start)});
    }
  }
  // No new responses after this; whatever is already in the graph is parsed and
  // committed.
  fetcher->Stop();
  arena.execute([&] { graph->wait_for_all(); });
  fetcher.reset();

  CrawlSummary summary;
  summary.crawl_id = *crawl_id;
  summary.state = state;
  summary.pages = pages.load();
  summary.failed = failed.load();
  summary.items = items.load();
  summary.bytes = bytes.load();
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
  if (fatal.load()) {
    store_->FinishCrawl(*crawl_id, "failed", counters_.ToJson()).ok();
    return fatal_status;
  }
  s = store_->FinishCrawl(*crawl_id, state, counters_.ToJson());
  if (!s.ok()) return s;
  return summary;
}

}  // namespace crawlbox::crawler
