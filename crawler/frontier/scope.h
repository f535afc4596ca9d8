// Scope: which discovered URLs belong to the crawl — allowed hosts, allow/deny
// patterns — and which look like crawler traps (overlong URLs, paths repeating
// a segment, query explosions).
#pragma once

#include <atomic>
#include <string>
#include <string_view>
#include <vector>

#include "config/job.h"
#include "crawler/frontier/live_deny.h"
#include "parser/url.h"

namespace crawlbox::crawler {

// Fixed after construction but for its deny patterns (which may follow a
// LiveDeny) and the link limits a control changes (SetLimits); safe for
// concurrent use.
class Scope {
 public:
  // Allowed hosts are the job's, or the seeds' hosts when the job lists none.
  // `job` must outlive the Scope.
  Scope(const config::Job& job, const std::vector<parser::Url>& seeds);

  // "" when a link to `url` on `host` may be enqueued; otherwise why not, as a
  // counter name suffix: "host", "deny", "allow", "url_too_long",
  // "path_repeats", "query_params".
  std::string_view Rejects(std::string_view url, std::string_view host) const;
  // Whether `host` (lowercase, no port) is one of the crawl's hosts: the
  // first of Rejects' tests alone.
  bool AllowsHost(std::string_view host) const;

  // Whether a link found on a page at `depth` - 1 (so at `depth` hops from a
  // seed) lies beyond limits.max_depth.
  bool TooDeep(int depth) const {
    const int max = max_depth_.load(std::memory_order_relaxed);
    return max >= 0 && depth > max;
  }

  // From now on links are tested against the max_depth, max_url_length,
  // max_path_repeats and max_query_params of `limits` (a control changed
  // one). Any thread; a page being processed may still see the old ones.
  void SetLimits(const config::Limits& limits);

  // From now on the deny patterns are those of `deny` (not owned; must
  // outlive the Scope) once a control has changed them. Before links are
  // tested.
  void SetLiveDeny(const LiveDeny* deny) { live_deny_ = deny; }

 private:
  const config::Scope& scope_;
  std::atomic<int> max_depth_;
  std::atomic<int> max_url_length_;
  std::atomic<int> max_path_repeats_;
  std::atomic<int> max_query_params_;
  std::vector<std::string> hosts_;
  const LiveDeny* live_deny_ = nullptr;
};

}  // namespace crawlbox::crawler
