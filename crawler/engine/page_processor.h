// PageProcessor: the body of the parse node — one Response in, what to store
// (or retry) out. Applies the job's rules, scope, depth limit and retry policy.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "config/job.h"
#include "crawler/engine/counters.h"
#include "crawler/fetch/request.h"
#include "crawler/fetch/retry_policy.h"
#include "crawler/frontier/scope.h"
#include "parser/page_parser.h"
#include "parser/robots.h"
#include "storage/rows.h"

namespace crawlbox::crawler {

struct PageMetadata;  // crawler/archive/extra_records.h

// Where the parse node's results go. Called from many parse threads at once;
// implementations are thread-safe and never throw.
class ParseSink {
 public:
  virtual ~ParseSink() = default;
  // A robots.txt response of `response.request.host`, unparsed: the sink
  // decides where it is read (locally PageProcessor::ProcessRobots, for the
  // Frontier; a worker sends it to its master). `archive` holds the
  // exchange's WARC records ([store] warc; else empty), for the store node.
  virtual void Robots(const Response& response,
                      std::vector<storage::ArchiveMember> archive) = 0;
  // Sitemaps a sitemap index listed, to fetch from `request.host`.
  virtual void Sitemaps(const Request& request,
                        std::vector<std::string> nested) = 0;
  // The one outcome of a page or sitemap request, for the store node.
  virtual void Outcome(const Request& request,
                       storage::PageOutcome outcome) = 0;
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

  // The parse node's body, and the one place that dispatches on the
  // request's kind: a page becomes one storage::PageOutcome, a sitemap a
  // LinksOnly outcome with the URLs it lists (resolved, keyed and scoped like
  // links, depth 0) plus the sitemaps it lists, a robots.txt goes to
  // sink->Robots. Never throws: a failure inside parsing marks the page
  // failed with reason "parse_error".
  void Handle(const Response& response, ParseSink* sink) const;

  // A fetched page as its one outcome (what Handle gives a page request).
  // `outlinks` (may be null) receives every link of the page its rules
  // follow, before the scope, depth limit and dedup chose among them.
  storage::PageOutcome Process(
      const Response& response,
      std::vector<std::string>* outlinks = nullptr) const;

  // Called (from a parse thread) when a page shows a rule's logged_out
  // marker; the page itself is tried again. Set before pages are processed.
  void SetLoggedOutHook(std::function<void()> hook) {
    on_logged_out_ = std::move(hook);
  }

  // A fetched robots.txt: the rules that apply to its host, or null when it
  // was unavailable (5xx or no response), which keeps the host waiting (RFC
  // 9309 §2.3.1; a 4xx means no rules).
  std::shared_ptr<const parser::RobotsTxt> ProcessRobots(
      const Response& response) const;

 private:
  // With [store] warc: the exchange's WARC records into out->archive, and
  // with `metadata` (warc_metadata, may be null) its metadata record; a
  // revisit record instead of a response when a re-crawl finds it unchanged.
  void Archive(const Response& r, const PageMetadata* metadata,
               storage::PageOutcome* out) const;
  storage::PageOutcome ProcessSitemap(const Response& response,
                                      std::vector<std::string>* nested) const;
  void Extract(const Response& response, storage::PageOutcome* out,
               std::vector<std::string>* outlinks) const;
  // A 3xx answer with a Location: the page row records the hop, and the
  // target becomes a link at the same depth, so it passes the scope, dedup,
  // robots.txt and politeness like any other URL of the crawl.
  void Redirect(const Response& response, std::string_view location,
                storage::PageOutcome* out) const;
  // A redirect or refresh hop to `target` (normalized): Redirected, with the
  // target as a link at the same depth unless the scope rejects it, or Failed
  // with "too_many_redirects" past fetch.max_redirects. `request` is what the
  // hop sends (HTTP's method rules applied by the caller).
  void Hop(const Response& response, parser::Link target, bool permanent,
           storage::Via via, storage::RequestParts request,
           storage::PageOutcome* out) const;
  // Whether a failed `response` must not be tried again although its failure
  // is retryable: its method is not safe, the server may have acted on it,
  // and the job did not set retry.unsafe_methods.
  bool UnsafeToRetry(const Response& response) const;
  // What the page said to crawlers and the bounds it hit, onto its row and
  // the counters.
  void RecordDirectives(const parser::Parsed& parsed,
                        storage::PageRow* page) const;

  const config::Job& job_;
  const parser::PageParser& parser_;
  const Scope& scope_;
  const RetryPolicy& retry_;
  Counters* counters_;
  std::function<void()> on_logged_out_;
};

}  // namespace crawlbox::crawler
