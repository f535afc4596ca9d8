// Host allow-list plus allow/deny URL patterns.
#include "crawler/scope.h"

#include <algorithm>

namespace crawlbox::crawler {

Scope::Scope(const config::Scope& scope, const std::vector<parser::Url>& seeds)
    : scope_(scope) {
  hosts_ = scope.allowed_hosts;
  if (hosts_.empty()) {
    for (const parser::Url& seed : seeds) hosts_.push_back(seed.host);
  }
  std::sort(hosts_.begin(), hosts_.end());
  hosts_.erase(std::unique(hosts_.begin(), hosts_.end()), hosts_.end());
}

bool Scope::Allows(std::string_view url, std::string_view host) const {
  if (!std::binary_search(hosts_.begin(), hosts_.end(), host)) return false;
  re2::StringPiece text(url.data(), url.size());
  for (const auto& deny : scope_.deny) {
    if (re2::RE2::PartialMatch(text, *deny)) return false;
  }
  if (scope_.allow.empty()) return true;
  for (const auto& allow : scope_.allow) {
    if (re2::RE2::PartialMatch(text, *allow)) return true;
  }
  return false;
}

}  // namespace crawlbox::crawler
