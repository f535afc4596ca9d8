// Copy-on-write pattern sets: a change builds a new set, readers keep the one
// they loaded for as long as they test against it.
#include "crawler/frontier/live_deny.h"

#include <algorithm>

namespace crawlbox::crawler {

namespace {

bool AnyMatches(const std::vector<LiveDeny::Pattern>& patterns,
                std::string_view url) {
  re2::StringPiece text(url.data(), url.size());
  for (const LiveDeny::Pattern& p : patterns) {
    if (re2::RE2::PartialMatch(text, *p)) return true;
  }
  return false;
}

bool HasText(const std::vector<LiveDeny::Pattern>& patterns,
             const std::string& text) {
  return std::any_of(
      patterns.begin(), patterns.end(),
      [&](const LiveDeny::Pattern& p) { return p->pattern() == text; });
}

}  // namespace

LiveDeny::LiveDeny(const std::vector<Pattern>& job_patterns)
    : set_(std::make_shared<const Set>(Set{job_patterns, {}})) {}

std::shared_ptr<const LiveDeny::Set> LiveDeny::Load() const {
  std::lock_guard<std::mutex> lock(mu_);
  return set_;
}

void LiveDeny::Change(const std::vector<Pattern>& add,
                      const std::vector<std::string>& remove) {
  std::lock_guard<std::mutex> lock(mu_);
  Set next = *set_;
  auto removed = [&](const Pattern& p) {
    return std::find(remove.begin(), remove.end(), p->pattern()) !=
           remove.end();
  };
  std::erase_if(next.all, removed);
  std::erase_if(next.added, removed);
  for (const Pattern& p : add) {
    if (HasText(next.all, p->pattern())) continue;
    next.all.push_back(p);
    next.added.push_back(p);
  }
  set_ = std::make_shared<const Set>(std::move(next));
  changed_.store(true, std::memory_order_relaxed);
}

bool LiveDeny::Matches(std::string_view url) const {
  return AnyMatches(Load()->all, url);
}

bool LiveDeny::MatchesAdded(std::string_view url) const {
  if (!changed()) return false;
  return AnyMatches(Load()->added, url);
}

std::vector<std::string> LiveDeny::Patterns() const {
  std::vector<std::string> out;
  for (const Pattern& p : Load()->all) out.push_back(p->pattern());
  return out;
}

}  // namespace crawlbox::crawler
