// Open addressing with linear probing over 64-bit URL hashes.
#include "crawler/frontier/seen_urls.h"

#include <functional>

namespace crawlbox::crawler {

SeenUrls::SeenUrls(size_t max_slots) : slots_(1024, 0), max_slots_(max_slots) {}

bool SeenUrls::CheckAndInsert(std::string_view url) {
  uint64_t h = std::hash<std::string_view>{}(url);
  if (h == 0) h = 1;
  // Keep the load under 3/4 so probes stay short.
  if ((used_ + 1) * 4 > slots_.size() * 3) {
    if (slots_.size() < max_slots_) {
      Grow();
    } else {
      std::fill(slots_.begin(), slots_.end(), 0);
      used_ = 0;
    }
  }
  const size_t mask = slots_.size() - 1;
  for (size_t i = (h * 0x9E3779B97F4A7C15ull) >> 20 & mask;;
       i = (i + 1) & mask) {
    if (slots_[i] == h) return true;
    if (slots_[i] == 0) {
      slots_[i] = h;
      ++used_;
      return false;
    }
  }
}

void SeenUrls::Grow() {
  std::vector<uint64_t> old;
  old.swap(slots_);
  slots_.assign(old.size() * 2, 0);
  const size_t mask = slots_.size() - 1;
  for (uint64_t h : old) {
    if (h == 0) continue;
    size_t i = (h * 0x9E3779B97F4A7C15ull) >> 20 & mask;
    while (slots_[i] != 0) i = (i + 1) & mask;
    slots_[i] = h;
  }
}

}  // namespace crawlbox::crawler
