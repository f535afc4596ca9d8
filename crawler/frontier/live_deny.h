// LiveDeny: the crawl's deny patterns as they stand now — the job's
// scope.deny with the patterns a control added or removed while the crawl
// runs. The Scope tests links against all of them; the Frontier tests URLs
// it is about to hand out against the added ones (they were queued before
// the pattern existed).
#pragma once

#include <re2/re2.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace crawlbox::crawler {

// Thread-safe. Readers copy a shared pointer under a short lock, and only
// once a control has changed anything: a crawl never controlled pays one
// relaxed load per test.
class LiveDeny {
 public:
  using Pattern = std::shared_ptr<const re2::RE2>;

  // Starts from the job's patterns.
  explicit LiveDeny(const std::vector<Pattern>& job_patterns);

  // Adds the compiled `patterns` (already checked) not yet in force; removes
  // those whose text equals one of `remove` (job patterns included).
  void Change(const std::vector<Pattern>& add,
              const std::vector<std::string>& remove);

  // Whether `url` partially matches any pattern in force.
  bool Matches(std::string_view url) const;
  // Whether `url` matches a pattern added by a control (not from the job).
  bool MatchesAdded(std::string_view url) const;
  // Whether any control changed the patterns (then Matches differs from the
  // job's scope.deny).
  bool changed() const { return changed_.load(std::memory_order_relaxed); }

  // The texts of the patterns in force, in order (the job's first).
  std::vector<std::string> Patterns() const;

 private:
  struct Set {
    std::vector<Pattern> all;    // in force
    std::vector<Pattern> added;  // of which added by a control
  };
  std::shared_ptr<const Set> Load() const;

  mutable std::mutex mu_;
  std::shared_ptr<const Set> set_;
  std::atomic<bool> changed_{false};
};

}  // namespace crawlbox::crawler
