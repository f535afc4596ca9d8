// PageProcessor: the body of the parse node — one Response in, what to store
// (or retry) out. Applies the job's rules, scope, depth limit and retry policy.
#pragma once

#include <memory>
#include <optional>

#include "config/job.h"
#include "crawler/counters.h"
#include "crawler/frontier.h"
#include "crawler/request.h"
#include "crawler/retry_policy.h"
#include "crawler/scope.h"
#include "parser/page_parser.h"
#include "parser/robots.h"
#include "storage/records.h"

namespace crawlbox::crawler {

// A stable digest of a body (hex), stored to tell a changed page from an
// unchanged one on a re-crawl.
std::string BodyHash(std::string_view body);

// What the store node receives for one response.
struct ProcessedPage {
  storage::PageResult result;
  std::optional<Frontier::Retry> retry;  // set when result.retry
};

// Immutable after construction apart from the counters it updates; Process is
// safe to call from many threads at once. Everything passed in must outlive it.
class PageProcessor {
 public:
  PageProcessor(const config::Job& job, const parser::PageParser& parser,
                const Scope& scope, const RetryPolicy& retry,
                Counters* counters)
      : job_(job),
        parser_(parser),
        scope_(scope),
        retry_(retry),
        counters_(counters) {}

  // Never throws: a failure inside parsing marks the page failed with reason
  // "parse_error".
  ProcessedPage Process(const Response& response) const;

  // A fetched sitemap: the URLs it lists (resolved, keyed and scoped like
  // links, depth 0) as a links-only result; sitemaps it lists go to *nested.
  ProcessedPage ProcessSitemap(const Response& response,
                               std::vector<std::string>* nested) const;

  // A fetched robots.txt: the rules that apply to its host, or null when it
  // was unavailable (5xx or no response), which keeps the host waiting (RFC
  // 9309 §2.3.1; a 4xx means no rules).
  std::shared_ptr<const parser::RobotsTxt> ProcessRobots(
      const Response& response) const;

 private:
  void Extract(const Response& response, storage::PageResult* result) const;

  const config::Job& job_;
  const parser::PageParser& parser_;
  const Scope& scope_;
  const RetryPolicy& retry_;
  Counters* counters_;
};

}  // namespace crawlbox::crawler
