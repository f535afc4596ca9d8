// Pipeline: the fetch-and-parse half of a crawl — a Fetcher taking Requests
// from a RequestSource, a oneTBB flow graph whose parse node (parallel) runs
// the PageProcessor on each Response, and a serial node that hands the
// outcomes on in batches. The local Engine's serial node stores them; a
// Worker's sends them to the master.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "config/job.h"
#include "config/status.h"
#include "crawler/fetcher.h"
#include "crawler/page_processor.h"
#include "crawler/request.h"

namespace crawlbox::crawler {

// Where a Pipeline's outcomes go. Fetched runs on the fetcher thread, Robots
// and Processed on the parse node (many threads at once), Flush on the serial
// node (one call at a time). None may throw.
class PipelineSink {
 public:
  virtual ~PipelineSink() = default;
  // A transfer ended (before it is parsed): the moment a host's slot frees.
  virtual void Fetched(const Response& response) = 0;
  // A robots.txt response, unparsed: the sink decides where it is read.
  virtual void Robots(const Response& response) = 0;
  // The outcome of a page or a sitemap; `nested_sitemaps` are the sitemaps a
  // sitemap index listed.
  virtual void Processed(const Response& response, ProcessedPage page,
                         std::vector<std::string> nested_sitemaps) = 0;
  // Called after outcomes were delivered (and on Pipeline::Flush): hand on
  // what is pending.
  virtual void Flush() = 0;
};

// Wakeup and Flush may be called from any thread (also by the sink); Start
// and Stop by the owner only.
class Pipeline {
 public:
  // `settings.concurrency` transfers in flight; `parse_threads` parse
  // callbacks at once (0 = one per core). `processor`, `source` and `sink`
  // must outlive the Pipeline. Nothing runs until Start().
  Pipeline(const config::FetchSettings& settings, int parse_threads,
           const PageProcessor& processor, RequestSource* source,
           PipelineSink* sink);
  ~Pipeline();  // Stop()s.
  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;

  // Builds the graph and starts the fetcher thread. Fails (Unavailable) when
  // libcurl cannot start.
  config::Status Start();
  // The source may have requests again.
  void Wakeup();
  // Runs the sink's Flush on the serial node soon.
  void Flush();
  // Aborts transfers in flight (they reach no sink), then waits until every
  // response already fetched is parsed and flushed. Idempotent.
  void Stop();
  // Transfers in flight now.
  int in_flight() const;

 private:
  struct Graph;

  config::FetchSettings settings_;
  int parse_threads_;
  const PageProcessor& processor_;
  RequestSource* source_;
  PipelineSink* sink_;
  std::unique_ptr<Graph> graph_;
  std::unique_ptr<Fetcher> fetcher_;
};

}  // namespace crawlbox::crawler
