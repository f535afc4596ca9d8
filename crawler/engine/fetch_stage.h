// FetchStage: the pluggable half of a crawl run between the Frontier and the
// store node. Locally it is a FetchGraph (Fetcher + parse node) in this
// process; in distributed mode it is the Master's dispatcher, which hands the
// requests to workers through Redis and turns their results into the same
// outcomes.
#pragma once

#include "config/job.h"
#include "config/status.h"
#include "crawler/engine/counters.h"
#include "crawler/engine/page_processor.h"
#include "crawler/engine/store_node.h"
#include "crawler/fetch/request.h"
#include "crawler/frontier/frontier.h"
#include "parser/page_parser.h"

namespace crawlbox::crawler {

// What the Frontier's politeness takes from a finished transfer.
FetchReport ReportOf(const Response& response);

// What a stage works with; every pointer and reference stays valid until the
// stage's Stop() returns.
struct StageContext {
  const config::Job& job;
  const parser::PageParser& parser;
  const PageProcessor& processor;
  Frontier* frontier;  // where requests come from and fetches are reported
  StoreNode* store;    // where outcomes go
  Counters* counters;
};

// The Engine calls Start once, Wakeup any number of times from its thread,
// then Stop once.
class FetchStage {
 public:
  virtual ~FetchStage() = default;
  // Starts taking the frontier's requests and delivering their outcomes:
  // Frontier::Fetched as each fetch ends; robots.txt rules and nested
  // sitemaps to the Frontier; outcomes to StoreNode::Accept, and
  // StoreNode::Drain on one thread at a time. Fails when the stage cannot
  // start (libcurl, Redis).
  virtual config::Status Start(const StageContext& context) = 0;
  // The frontier may hand out requests again, or wants a Drain() soon (a
  // window to refill, blocked URLs to record).
  virtual void Wakeup() = 0;
  // A page showed the session has ended: the [login] step should run again
  // before more pages are fetched. A stage without one ignores it.
  virtual void RequestLogin() {}
  // fetch.concurrency changed while the crawl runs: the transfers this stage
  // keeps in flight at most (a master's: each of its workers'). Any thread.
  virtual void SetConcurrency(int concurrency) = 0;
  // A control changed the job's limits while the crawl runs. A local stage
  // ignores it: its parse node shares the run's Scope and PageParser, which
  // the control changes itself. A master's passes them to its workers,
  // whose parse nodes have their own. Any thread.
  virtual void SetLimits(const config::Limits& limits) { (void)limits; }
  // Ends the stage: requests still out are abandoned (they stay queued in the
  // database), outcomes already received are drained. Nothing touches the
  // context after it returns.
  virtual void Stop() = 0;
};

}  // namespace crawlbox::crawler
