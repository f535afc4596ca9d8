// Counters: the crawl's statistics as slash-path names ("fetch/status/200",
// "fetch/error/timeout", "parse/bad_url") with 64-bit values. Thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

namespace crawlbox::crawler {

class Counters {
 public:
  void Add(std::string_view name, int64_t delta = 1);
  int64_t Get(std::string_view name) const;
  std::map<std::string, int64_t, std::less<>> Snapshot() const;
  // The counters as one JSON object {"name": value, ...}.
  std::string ToJson() const;

 private:
  mutable std::mutex mu_;
  std::map<std::string, int64_t, std::less<>> values_;
};

}  // namespace crawlbox::crawler
