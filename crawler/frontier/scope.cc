// Host allow-list, allow/deny URL patterns, and cheap trap checks on the URL
// text.
#include "crawler/frontier/scope.h"

#include <algorithm>

namespace crawlbox::crawler {

namespace {

// Whether one segment of the URL's path occurs more than `max` times. Runs
// for every link of every page, so the common case (a path with no more
// segments than `max`) allocates nothing and sorts nothing.
bool PathRepeats(std::string_view url, int max) {
  size_t start = url.find("://");
  start = url.find('/', start == std::string_view::npos ? 0 : start + 3);
  if (start == std::string_view::npos) return false;
  // memchr for each end and a count that the compiler vectorizes: a
  // find_first_of("?#") would test every byte against each character in turn.
  const size_t path_end = std::min(url.find('?', start), url.find('#', start));
  std::string_view path = url.substr(start, path_end - start);
  if (std::count(path.begin(), path.end(), '/') <= max) return false;
  std::vector<std::string_view> segments;
  while (!path.empty()) {
    path.remove_prefix(1);  // the '/'
    size_t end = path.find('/');
    std::string_view segment = path.substr(0, end);
    if (!segment.empty()) segments.push_back(segment);
    if (end == std::string_view::npos) break;
    path.remove_prefix(end);
  }
  std::sort(segments.begin(), segments.end());
  int run = 0;
  for (size_t i = 0; i < segments.size(); ++i) {
    run = (i > 0 && segments[i] == segments[i - 1]) ? run + 1 : 1;
    if (run > max) return true;
  }
  return false;
}

int QueryParams(std::string_view url) {
  size_t q = url.find('?');
  if (q == std::string_view::npos) return 0;
  std::string_view query = url.substr(q + 1);
  query = query.substr(0, query.find('#'));
  if (query.empty()) return 0;
  return static_cast<int>(std::count(query.begin(), query.end(), '&')) + 1;
}

}  // namespace

Scope::Scope(const config::Job& job, const std::vector<parser::Url>& seeds)
    : scope_(job.scope),
      max_depth_(job.limits.max_depth),
      max_url_length_(job.limits.max_url_length),
      max_path_repeats_(job.limits.max_path_repeats),
      max_query_params_(job.limits.max_query_params) {
  hosts_ = scope_.allowed_hosts;
  if (hosts_.empty()) {
    for (const parser::Url& seed : seeds) hosts_.push_back(seed.host);
  }
  std::sort(hosts_.begin(), hosts_.end());
  hosts_.erase(std::unique(hosts_.begin(), hosts_.end()), hosts_.end());
}

void Scope::SetLimits(const config::Limits& limits) {
  max_depth_.store(limits.max_depth, std::memory_order_relaxed);
  max_url_length_.store(limits.max_url_length, std::memory_order_relaxed);
  max_path_repeats_.store(limits.max_path_repeats, std::memory_order_relaxed);
  max_query_params_.store(limits.max_query_params, std::memory_order_relaxed);
}

bool Scope::AllowsHost(std::string_view host) const {
  return std::binary_search(hosts_.begin(), hosts_.end(), host);
}

std::string_view Scope::Rejects(std::string_view url,
                                std::string_view host) const {
  if (!AllowsHost(host)) return "host";
  // Relaxed loads: a control's new limit needs no ordering with the rest.
  if (static_cast<int64_t>(url.size()) >
      max_url_length_.load(std::memory_order_relaxed)) {
    return "url_too_long";
  }
  const int max_query_params =
      max_query_params_.load(std::memory_order_relaxed);
  if (max_query_params > 0 && QueryParams(url) > max_query_params) {
    return "query_params";
  }
  const int max_path_repeats =
      max_path_repeats_.load(std::memory_order_relaxed);
  if (max_path_repeats > 0 && PathRepeats(url, max_path_repeats)) {
    return "path_repeats";
  }
  re2::StringPiece text(url.data(), url.size());
  if (live_deny_ != nullptr && live_deny_->changed()) {
    if (live_deny_->Matches(url)) return "deny";
  } else {
    for (const auto& deny : scope_.deny) {
      if (re2::RE2::PartialMatch(text, *deny)) return "deny";
    }
  }
  if (scope_.allow.empty()) return "";
  for (const auto& allow : scope_.allow) {
    if (re2::RE2::PartialMatch(text, *allow)) return "";
  }
  return "allow";
}

}  // namespace crawlbox::crawler
