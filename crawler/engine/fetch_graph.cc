// The fetcher thread puts Responses into a oneTBB flow graph: a parallel parse
// node, then a serial node that flushes the sink.
#include "crawler/engine/fetch_graph.h"

#include <oneapi/tbb/flow_graph.h>
#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/task_arena.h>

#include <atomic>
#include <thread>

#include "config/log.h"

namespace crawlbox::crawler {

namespace flow = oneapi::tbb::flow;
using ResponsePtr = std::shared_ptr<Response>;

struct FetchGraph::Graph {
  explicit Graph(int parse_threads)
      : parallelism(oneapi::tbb::global_control::max_allowed_parallelism,
                    static_cast<size_t>(parse_threads) + 1),
        // One slot beyond the workers is reserved for the thread that waits
        // for the graph in Stop().
        arena(parse_threads + 1, 1) {}

  // Parse callbacks run on their own arena so that `parse_threads` workers
  // really run in parallel; the fetcher thread only puts messages in.
  oneapi::tbb::global_control parallelism;
  oneapi::tbb::task_arena arena;
  std::unique_ptr<flow::graph> graph;
  std::unique_ptr<flow::function_node<ResponsePtr, flow::continue_msg>> parse;
  std::unique_ptr<flow::function_node<flow::continue_msg>> flush;
  std::atomic<bool> stopped{false};
};

FetchGraph::FetchGraph(const config::FetchSettings& settings, int parse_threads,
                       const PageProcessor& processor, RequestSource* source,
                       FetchGraphSink* sink)
    : settings_(settings),
      parse_threads_(
          parse_threads > 0
              ? parse_threads
              : static_cast<int>(std::thread::hardware_concurrency())),
      processor_(processor),
      source_(source),
      sink_(sink) {}

FetchGraph::~FetchGraph() { Stop(); }

config::Status FetchGraph::Start() {
  graph_ = std::make_unique<Graph>(parse_threads_);
  Graph& g = *graph_;
  auto parse = [this](const ResponsePtr& response) -> flow::continue_msg {
    processor_.Handle(*response, sink_);
    return flow::continue_msg();
  };
  auto flush = [this](const flow::continue_msg&) { sink_->Flush(); };
  g.arena.execute([&] {
    g.graph = std::make_unique<flow::graph>();
    g.parse =
        std::make_unique<flow::function_node<ResponsePtr, flow::continue_msg>>(
            *g.graph, static_cast<size_t>(parse_threads_), parse);
    g.flush = std::make_unique<flow::function_node<flow::continue_msg>>(
        *g.graph, flow::serial, flush);
    flow::make_edge(*g.parse, *g.flush);
  });
  fetcher_ = std::make_unique<Fetcher>(
      settings_, source_, [this](Response&& r) { Deliver(std::move(r)); });
  if (login_step_) fetcher_->SetLoginStep(login_step_);
  if (cookies_hook_) fetcher_->SetCookiesHook(cookies_hook_);
  if (diverter_) fetcher_->SetDiverter(diverter_);
  return fetcher_->Start();
}

void FetchGraph::Deliver(Response&& r) {
  sink_->Fetched(r);
  // try_put from this foreign thread spawns the parse task into the graph's
  // arena; the shared_ptr keeps the body from being copied on its way
  // through the graph.
  graph_->parse->try_put(std::make_shared<Response>(std::move(r)));
}

void FetchGraph::RequestLogin() {
  if (fetcher_ != nullptr) fetcher_->RequestLogin();
}

void FetchGraph::Wakeup() {
  if (fetcher_ != nullptr) fetcher_->Wakeup();
}

void FetchGraph::Flush() {
  if (graph_ != nullptr && graph_->flush != nullptr && !graph_->stopped.load())
    graph_->flush->try_put(flow::continue_msg());
}

void FetchGraph::Stop() {
  if (graph_ == nullptr || graph_->stopped.exchange(true)) return;
  // No new responses after this; whatever is already in the graph is parsed
  // and flushed.
  if (fetcher_ != nullptr) fetcher_->Stop();
  graph_->arena.execute([&] { graph_->graph->wait_for_all(); });
  fetcher_.reset();
}

int FetchGraph::in_flight() const {
  return fetcher_ != nullptr ? fetcher_->in_flight() : 0;
}

void FetchGraph::SetConcurrency(int concurrency) {
  if (fetcher_ != nullptr) fetcher_->SetConcurrency(concurrency);
}

}  // namespace crawlbox::crawler
