// Mutex-guarded counter map; updates are per page, not per byte, so a lock is
// cheap enough.
#include "crawler/engine/counters.h"

#include <nlohmann/json.hpp>

namespace crawlbox::crawler {

void Counters::Add(std::string_view name, int64_t delta) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = values_.find(name);
  if (it == values_.end()) {
    values_.emplace(std::string(name), delta);
  } else {
    it->second += delta;
  }
}

int64_t Counters::Get(std::string_view name) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = values_.find(name);
  return it == values_.end() ? 0 : it->second;
}

std::map<std::string, int64_t, std::less<>> Counters::Snapshot() const {
  std::lock_guard<std::mutex> lock(mu_);
  return values_;
}

std::string Counters::ToJson() const {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [k, v] : Snapshot()) j[k] = v;
  return j.dump();
}

}  // namespace crawlbox::crawler
