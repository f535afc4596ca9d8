// FetchGraph: the fetch-and-parse half of a crawl — a Fetcher taking Requests
// from a RequestSource, a oneTBB flow graph whose parse node (parallel) runs
// the PageProcessor on each Response, and a serial node that hands the
// outcomes on in batches. The local Engine's serial node is the store node; a
// Worker's sends the outcomes to its master.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "config/job.h"
#include "config/status.h"
#include "crawler/engine/page_processor.h"
#include "crawler/fetch/fetcher.h"
#include "crawler/fetch/request.h"

namespace crawlbox::crawler {

// Where a FetchGraph's results go: ParseSink's calls from the parse node
// (many threads at once), Fetched on the fetcher thread, Flush on the serial
// node (one call at a time). None may throw.
class FetchGraphSink : public ParseSink {
 public:
  // A transfer ended (before it is parsed): the moment a host's slot frees.
  virtual void Fetched(const Response& response) = 0;
  // Called after outcomes were delivered (and on FetchGraph::Flush): hand on
  // what is pending.
  virtual void Flush() = 0;
};

// Wakeup and Flush may be called from any thread (also by the sink); Start
// and Stop by the owner only.
class FetchGraph {
 public:
  // `settings.concurrency` transfers in flight; `parse_threads` parse
  // callbacks at once (0 = one per core). `processor`, `source` and `sink`
  // must outlive the FetchGraph. Nothing runs until Start().
  FetchGraph(const config::FetchSettings& settings, int parse_threads,
             const PageProcessor& processor, RequestSource* source,
             FetchGraphSink* sink);
  ~FetchGraph();  // Stop()s.
  FetchGraph(const FetchGraph&) = delete;
  FetchGraph& operator=(const FetchGraph&) = delete;

  // Builds the graph and starts the fetcher thread. Fails (Unavailable) when
  // libcurl cannot start.
  config::Status Start();
  // The job's [login] step, run by the Fetcher before its first request
  // (see Fetcher::SetLoginStep). Before Start().
  void SetLoginStep(Fetcher::LoginStep step) { login_step_ = std::move(step); }
  // The jar's cookies after each login (see Fetcher::SetCookiesHook). Before
  // Start().
  void SetCookiesHook(Fetcher::CookiesHook hook) {
    cookies_hook_ = std::move(hook);
  }
  // Logs in again before the next transfer starts. Any thread.
  void RequestLogin();
  // Page requests the diverter takes (the render stage) skip the Fetcher;
  // their responses come back through Deliver(). Before Start().
  void SetDiverter(Fetcher::Diverter diverter) {
    diverter_ = std::move(diverter);
  }
  // A response produced outside the Fetcher (a rendered page): reported to
  // the sink and parsed like a fetched one. Any thread, between Start() and
  // Stop().
  void Deliver(Response&& response);
  // The source may have requests again.
  void Wakeup();
  // Runs the sink's Flush on the serial node soon.
  void Flush();
  // Aborts transfers in flight (they reach no sink), then waits until every
  // response already fetched is parsed and flushed. Idempotent.
  void Stop();
  // Transfers in flight now.
  int in_flight() const;
  // fetch.concurrency changed while running (Fetcher::SetConcurrency). Any
  // thread, between Start() and Stop().
  void SetConcurrency(int concurrency);

 private:
  struct Graph;

  config::FetchSettings settings_;
  int parse_threads_;
  const PageProcessor& processor_;
  RequestSource* source_;
  FetchGraphSink* sink_;
  std::unique_ptr<Graph> graph_;
  std::unique_ptr<Fetcher> fetcher_;
  Fetcher::LoginStep login_step_;
  Fetcher::CookiesHook cookies_hook_;
  Fetcher::Diverter diverter_;
};

}  // namespace crawlbox::crawler
