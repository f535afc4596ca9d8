// SeenUrls: the set of URLs known to be in the frontier, kept in memory as
// 64-bit hashes in about 6 bytes each, so that the links a crawl rediscovers
// on every page are dropped before they cost an SQLite statement. SQLite's
// unique constraint stays the truth: the set may forget (then a known URL is
// merely asked of the database again), but it must never hold a URL the
// database does not, except by a 64-bit hash collision (with ~10^6 URLs the
// chance that one new URL is taken for known is ~10^-7, an accepted cost).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace crawlbox::crawler {

// Not thread-safe: the store node (serial) owns it.
class SeenUrls {
 public:
  // The default bound: 8,388,608 URLs, about 51 MB at most. A crawl that
  // discovers more forgets them all and starts over, which is always safe.
  static constexpr size_t kDefaultMaxUrls = size_t{1} << 23;

  // Holds at most `max_urls` URLs. Memory grows with the URLs held (about
  // 6 bytes each, plus at most 0.3 MB), never with the bound.
  explicit SeenUrls(size_t max_urls = kDefaultMaxUrls);
  ~SeenUrls();
  SeenUrls(const SeenUrls&) = delete;
  SeenUrls& operator=(const SeenUrls&) = delete;

  // True if `url` was inserted before (or shares its 64-bit hash with a URL
  // that was). Otherwise inserts it and returns false. When the set holds
  // `max_urls` already it is emptied first: forgetting is always safe.
  bool CheckAndInsert(std::string_view url) {
    return CheckAndInsert(Hash(url));
  }

  // The same for a URL given by its Hash(): callers that hash a batch of URLs
  // first can Prefetch() each lookup some URLs ahead.
  bool CheckAndInsert(uint64_t hash);

  // The 64-bit hash CheckAndInsert keeps of `url` (never 0).
  static uint64_t Hash(std::string_view url);

  // A hint only: starts loading the memory a lookup of `hash` reads (the
  // run of the sorted array it falls in, megabytes away from the last one at
  // a million URLs), so that it has arrived when the lookup comes. Changes
  // nothing.
  void Prefetch(uint64_t hash) const;
  // The step before Prefetch(), for a lookup further ahead: starts loading
  // the bounds of the run, which Prefetch() reads.
  void PrefetchBounds(uint64_t hash) const;

  size_t size() const { return sorted_count_ + recent_used_; }

 private:
  bool InRecent(uint64_t h) const;
  bool InSorted(uint64_t h) const;
  void AddRecent(uint64_t h);
  void MergeRecent();
  void Clear();

  const size_t max_urls_;

  // A direct-mapped table of hashes found in the set, in front of recent_ and
  // sorted_: the links every page repeats (nav bars, pagers) are answered
  // from here, 32 KB that stay in the L1/L2 cache, instead of from two random
  // reads of the large arrays. Only hashes of the set go in; Clear() empties
  // it with the set. 0 = empty.
  std::vector<uint64_t> hot_;

  // Most URLs: the low 48 bits of each hash, 6 bytes, sorted by hash, in
  // 2^16 runs by the top 16 bits (bucket_end_[b] = end of run b). An
  // anonymous mapping reserved for max_urls_ entries and touched only as far
  // as it is filled, so growing it copies nothing and RSS follows the count.
  uint8_t* sorted_ = nullptr;
  size_t sorted_bytes_ = 0;  // reserved
  size_t sorted_count_ = 0;
  std::vector<uint32_t> bucket_end_;  // empty until the first merge

  // The newest URLs: full hashes, open addressing, 0 = empty (hashes are
  // forced non-zero); merged into sorted_ when 3/4 full at its largest size.
  std::vector<uint64_t> recent_;
  size_t recent_used_ = 0;
};

}  // namespace crawlbox::crawler
