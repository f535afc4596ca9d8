// SeenUrls: an in-memory, bounded cache of URLs known to be in the frontier, so
// that the links a crawl rediscovers on every page (navigation, pagers) are
// dropped before they cost an SQLite insert. SQLite's unique constraint stays
// the truth; the cache only saves work.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace crawlbox::crawler {

// Not thread-safe: the store node (serial) owns it.
class SeenUrls {
 public:
  // Memory stays below 8 × max_slots bytes; the table starts small and doubles
  // as it fills. The default, 8 MB, holds the 786,000 URLs of a crawl that
  // large before it forgets: with 2 MB, a million-page crawl of a site whose
  // links spread over all its pages sent two thirds of its known links to the
  // database's URL index, far larger than its page cache, and its CPU per
  // page grew by 80%.
  explicit SeenUrls(size_t max_slots = size_t{1} << 20);

  // True if `url` was inserted before (or shares its 64-bit hash with a URL
  // that was — with ~10^6 URLs the chance is ~10^-7, an accepted cost).
  // Otherwise inserts it and returns false. When the table is full at its
  // maximum size it is emptied first: forgetting is always safe.
  bool CheckAndInsert(std::string_view url);

  size_t size() const { return used_; }

 private:
  void Grow();

  std::vector<uint64_t> slots_;  // 0 = empty; hashes are forced non-zero
  size_t used_ = 0;
  size_t max_slots_;
};

}  // namespace crawlbox::crawler
