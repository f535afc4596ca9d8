// Scope: which discovered URLs belong to the crawl (allowed hosts, allow/deny
// patterns).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "config/job.h"
#include "parser/url.h"

namespace crawlbox::crawler {

// Immutable after construction; safe for concurrent use.
class Scope {
 public:
  // Allowed hosts are the job's, or the seeds' hosts when the job lists none.
  Scope(const config::Scope& scope, const std::vector<parser::Url>& seeds);

  // True when a link to `url` on `host` may be enqueued.
  bool Allows(std::string_view url, std::string_view host) const;

 private:
  const config::Scope& scope_;
  std::vector<std::string> hosts_;
};

}  // namespace crawlbox::crawler
