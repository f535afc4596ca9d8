// A sorted array of 48-bit hash remainders in 2^16 runs (the top 16 bits say
// which run), fed by a small open-addressing table of the newest hashes that
// is merged in, in place and from the back, whenever it fills. 6 bytes a URL
// against the 11 to 21 of a table of full hashes at a load of 3/8 to 3/4: a
// million-page crawl keeps every URL it discovered in 6.3 MB, where the
// previous cache, at 8 MB, forgot them at 786,000 URLs and sent known links
// to the database's URL index, far larger than its page cache (the crawl took
// 1.5x the CPU it takes now).
#include "crawler/frontier/seen_urls.h"

#include <sys/mman.h>

#include <algorithm>
#include <cassert>
#include <cstring>
#include <functional>

namespace crawlbox::crawler {

namespace {

constexpr int kBucketBits = 16;
constexpr int kRemainderBits = 64 - kBucketBits;
constexpr size_t kBuckets = size_t{1} << kBucketBits;
constexpr uint64_t kRemainderMask = (uint64_t{1} << kRemainderBits) - 1;
constexpr size_t kEntryBytes = kRemainderBits / 8;
// The recent table's first and largest size, in slots: at most 64 KB. A
// merge, once per ~6,000 new URLs, moves the sorted array (6 MB at a million
// URLs, well under 1 ms; a million-URL crawl merges 160 times): a larger
// table would cost more RSS than it saves CPU.
constexpr size_t kRecentMinSlots = 1024;
constexpr size_t kRecentMaxSlots = size_t{1} << 13;
// The hot table's slots (8 bytes each).
constexpr size_t kHotSlots = size_t{1} << 12;

// std::hash of a string is not meant to spread its top bits; this bijection
// (splitmix64's finalizer) does, and keeps distinct hashes distinct.
uint64_t Mix(uint64_t h) {
  h ^= h >> 30;
  h *= 0xBF58476D1CE4E5B9ull;
  h ^= h >> 27;
  h *= 0x94D049BB133111EBull;
  h ^= h >> 31;
  return h;
}

uint64_t Load48(const uint8_t* p) {
  uint64_t v = 0;
  std::memcpy(&v, p, kEntryBytes);  // little-endian, as x86 and arm64 are
  return v;
}

void Store48(uint8_t* p, uint64_t v) { std::memcpy(p, &v, kEntryBytes); }

size_t RecentSlot(uint64_t h, size_t mask) {
  return (h * 0x9E3779B97F4A7C15ull) >> 20 & mask;
}

}  // namespace

SeenUrls::SeenUrls(size_t max_urls)
    : max_urls_(max_urls), hot_(kHotSlots, 0), recent_(kRecentMinSlots, 0) {
  assert(max_urls > 0 && max_urls < (size_t{1} << 32));
}

SeenUrls::~SeenUrls() {
  if (sorted_ != nullptr) munmap(sorted_, sorted_bytes_);
}

uint64_t SeenUrls::Hash(std::string_view url) {
  const uint64_t h = Mix(std::hash<std::string_view>{}(url));
  return h == 0 ? 1 : h;
}

void SeenUrls::Prefetch(uint64_t h) const {
  __builtin_prefetch(&hot_[h & (kHotSlots - 1)]);
  if (sorted_count_ == 0) return;
  // Reads the run's bounds: PrefetchBounds() should have loaded them.
  const size_t b = h >> kRemainderBits;
  const size_t lo = b == 0 ? 0 : bucket_end_[b - 1];
  const size_t hi = bucket_end_[b];
  if (lo == hi) return;
  __builtin_prefetch(sorted_ + lo * kEntryBytes);
  __builtin_prefetch(sorted_ + hi * kEntryBytes - 1);
}

void SeenUrls::PrefetchBounds(uint64_t h) const {
  if (bucket_end_.empty()) return;
  const size_t b = h >> kRemainderBits;
  __builtin_prefetch(&bucket_end_[b == 0 ? 0 : b - 1]);
  __builtin_prefetch(&bucket_end_[b]);
}

bool SeenUrls::CheckAndInsert(uint64_t h) {
  // Mix spreads every bit, so the low ones pick the slot.
  uint64_t& hot = hot_[h & (kHotSlots - 1)];
  if (hot == h) return true;
  if (InRecent(h) || InSorted(h)) {
    hot = h;
    return true;
  }
  if (size() >= max_urls_) Clear();
  AddRecent(h);
  return false;
}

bool SeenUrls::InRecent(uint64_t h) const {
  const size_t mask = recent_.size() - 1;
  for (size_t i = RecentSlot(h, mask);; i = (i + 1) & mask) {
    if (recent_[i] == h) return true;
    if (recent_[i] == 0) return false;
  }
}

bool SeenUrls::InSorted(uint64_t h) const {
  if (sorted_count_ == 0) return false;
  const size_t b = h >> kRemainderBits;
  const uint64_t rem = h & kRemainderMask;
  size_t lo = b == 0 ? 0 : bucket_end_[b - 1];
  size_t hi = bucket_end_[b];
  while (lo < hi) {  // a run holds ~15 entries at a million URLs
    const size_t mid = lo + (hi - lo) / 2;
    const uint64_t v = Load48(sorted_ + mid * kEntryBytes);
    if (v == rem) return true;
    if (v < rem) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return false;
}

void SeenUrls::AddRecent(uint64_t h) {
  // Keep the load under 3/4 so probes stay short.
  if ((recent_used_ + 1) * 4 > recent_.size() * 3) {
    if (recent_.size() < kRecentMaxSlots) {
      std::vector<uint64_t> old(recent_.size() * 2, 0);
      old.swap(recent_);
      const size_t mask = recent_.size() - 1;
      for (uint64_t v : old) {
        if (v == 0) continue;
        size_t i = RecentSlot(v, mask);
        while (recent_[i] != 0) i = (i + 1) & mask;
        recent_[i] = v;
      }
    } else {
      MergeRecent();
    }
  }
  const size_t mask = recent_.size() - 1;
  size_t i = RecentSlot(h, mask);
  while (recent_[i] != 0) i = (i + 1) & mask;
  recent_[i] = h;
  ++recent_used_;
}

void SeenUrls::MergeRecent() {
  if (sorted_ == nullptr) {
    // Reserved, not used: pages are backed only once written.
    const size_t bytes = (max_urls_ * kEntryBytes + 4095) / 4096 * 4096;
    void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) {
      // No address space for the sorted part: stay a small cache instead.
      Clear();
      return;
    }
    sorted_ = static_cast<uint8_t*>(p);
    sorted_bytes_ = bytes;
    bucket_end_.assign(kBuckets, 0);
  }
  // The new hashes, sorted, at the front of recent_ (which is emptied after).
  size_t k = 0;
  for (uint64_t v : recent_)
    if (v != 0) recent_[k++] = v;
  assert(k == recent_used_);
  std::sort(recent_.begin(), recent_.begin() + k);
  assert(sorted_count_ + k <= max_urls_);

  // Run by run from the last, each merged from its back: every entry moves
  // only towards the end, so nothing is overwritten before it is read.
  size_t r = k;  // recent_[0, r) not yet placed
  size_t dest_end = sorted_count_ + k;
  for (size_t b = kBuckets; b-- > 0 && r > 0;) {
    const size_t old_begin = b == 0 ? 0 : bucket_end_[b - 1];
    const size_t old_end = bucket_end_[b];
    size_t r_begin = r;
    while (r_begin > 0 && (recent_[r_begin - 1] >> kRemainderBits) == b)
      --r_begin;
    bucket_end_[b] = static_cast<uint32_t>(dest_end);
    size_t i = old_end;  // sorted_[old_begin, i) not yet placed
    size_t out = dest_end;
    while (r > r_begin) {
      const uint64_t rem = recent_[r - 1] & kRemainderMask;
      if (i > old_begin && Load48(sorted_ + (i - 1) * kEntryBytes) > rem) {
        --i;
        Store48(sorted_ + --out * kEntryBytes,
                Load48(sorted_ + i * kEntryBytes));
      } else {
        Store48(sorted_ + --out * kEntryBytes, rem);
        --r;
      }
    }
    if (out != i)
      std::memmove(sorted_ + (out - (i - old_begin)) * kEntryBytes,
                   sorted_ + old_begin * kEntryBytes,
                   (i - old_begin) * kEntryBytes);
    dest_end = out - (i - old_begin);  // where run b now begins
  }
  // Runs below the last one that took a new hash did not move.
  sorted_count_ += k;
  std::fill(recent_.begin(), recent_.end(), 0);
  recent_used_ = 0;
}

void SeenUrls::Clear() {
  if (sorted_ != nullptr) {
    // Give the pages back; the reservation stays for the next merges.
    madvise(sorted_, sorted_bytes_, MADV_DONTNEED);
    std::fill(bucket_end_.begin(), bucket_end_.end(), 0);
  }
  sorted_count_ = 0;
  std::fill(hot_.begin(), hot_.end(), 0);
  std::vector<uint64_t>(kRecentMinSlots, 0).swap(recent_);
  recent_used_ = 0;
}

}  // namespace crawlbox::crawler
