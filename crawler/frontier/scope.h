// Scope: which discovered URLs belong to the crawl — allowed hosts, allow/deny
// patterns — and which look like crawler traps (overlong URLs, paths repeating
// a segment, query explosions).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "config/job.h"
#include "crawler/frontier/live_deny.h"
#include "parser/url.h"

namespace crawlbox::crawler {

// Immutable after construction (its deny patterns may follow a LiveDeny);
// safe for concurrent use.
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

  // From now on the deny patterns are those of `deny` (not owned; must
  // outlive the Scope) once a control has changed them. Before links are
  // tested.
  void SetLiveDeny(const LiveDeny* deny) { live_deny_ = deny; }

 private:
  const config::Scope& scope_;
  const config::Limits& limits_;
  std::vector<std::string> hosts_;
  const LiveDeny* live_deny_ = nullptr;
};

}  // namespace crawlbox::crawler
