// Internal to parser/page_parser: a per-thread memo of what the hrefs of pages
// come to. Most hrefs of a site repeat from page to page (nav bars, pagers,
// footers), and a relative href resolves the same against every page of one
// directory, so PageParser resolves each (directory, href) pair once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "parser/url.h"

namespace crawlbox::parser {

// What one href of a page comes to for the crawl.
struct ResolvedHref {
  enum class Kind : uint8_t {
    kBad,    // not a valid URL (counted in Parsed::bad_links)
    kOther,  // a valid URL that is not http(s): mailto:, javascript:, ...
    kHttp,   // an http(s) URL: key and host are set
  };
  Kind kind = Kind::kBad;
  std::string key;   // PageParser::CrawlKey of the URL
  std::string host;  // Url::host of the URL
  // Bit r of follow_known is set once the follow patterns of the parser's
  // rule r have been matched against `key`; bit r of `follows` then says
  // whether one of them matched. Rules from index 64 on are never recorded.
  uint64_t follow_known = 0;
  uint64_t follows = 0;
};

// The part of a base URL that decides what an href accepted by LinkCacheKey
// resolves to: its scheme, userinfo, host, port and path up to and including
// the last '/', serialized (so two bases give the same text exactly when those
// parts are equal), with the text's hash.
struct LinkScope {
  std::string text;
  size_t hash = 0;
};

// The scope of `base`, or nullopt when `base` is not http(s): only there has
// the equivalence been worked out (file: and opaque bases resolve
// differently). `base` must come from ParseUrl. Thread-safe.
std::optional<LinkScope> LinkCacheScope(const Url& base);

// What `href` is keyed on within a scope, or nullopt when its result may
// depend on more of the base than the scope (a base of scheme `base_scheme`).
// The key is `href` up to and including its first '#' (the whole href when it
// has none): the fragment does not change the crawl key, and every byte before
// it is parsed the same whatever follows the '#'. nullopt, after the leading
// and trailing C0 controls and spaces that ParseUrl trims, for an empty href,
// one starting with '?' or '#' (they keep the base's last segment or query),
// "<base scheme>:" followed by nothing, '?' or '#' (the same, spelled with the
// scheme), and, to keep this check simple, an href with a tab or newline
// inside. The key points into `href`. Thread-safe.
std::optional<std::string_view> LinkCacheKey(std::string_view href,
                                             std::string_view base_scheme);

// A fixed number of slots, each holding one (scope, href key) pair and its
// ResolvedHref; a pair goes to the slot its hash picks, replacing what was
// there. Memory is bounded by the slot count (160 bytes a slot plus its
// strings: about 0.4 MB at the default size with links of 30-40 bytes; 4096
// slots cost each parse thread 1.5 MB of the crawl's peak RSS for a few
// more hits beyond the nav bars and pagers that repeat on every page), and a
// miss costs no allocation once the slots' strings have grown: on a large site
// most hrefs are seen only once per thread, so misses must stay cheap. Not
// thread-safe: each thread has its own (ThreadLinkCache).
class LinkCache {
 public:
  static constexpr size_t kDefaultSlots = 1024;

  // `slots` is rounded up to a power of two (at least 1).
  explicit LinkCache(size_t slots = kDefaultSlots);

  // The result for `key` within `scope`: the stored one, or else
  // `resolve()` (a callable returning ResolvedHref), stored first in place of
  // whatever held the slot; a callable taking a ResolvedHref* instead
  // overwrites the slot's value itself (every field), reusing its strings'
  // capacity. The reference stays valid until the next Get or SetOwner call.
  template <typename Resolve>
  ResolvedHref& Get(const LinkScope& scope, std::string_view key,
                    Resolve&& resolve) {
    Slot& slot = SlotFor(scope, key);
    if (!Holds(slot, scope, key)) {
      if constexpr (std::is_invocable_v<Resolve&, ResolvedHref*>) {
        resolve(&slot.value);
      } else {
        slot.value = resolve();
      }
      slot.scope.assign(scope.text);
      slot.key.assign(key);
      slot.used = true;
      ++misses_;
    } else {
      ++hits_;
    }
    return slot.value;
  }

  // Entries are only valid for the PageParser that made them (its job's
  // CrawlKey and rules): drops them all when `owner` differs from the owner
  // of the last call.
  void SetOwner(uint64_t owner);

  // Lookups answered from a slot and lookups that resolved, since creation.
  uint64_t hits() const { return hits_; }
  uint64_t misses() const { return misses_; }

 private:
  struct Slot {
    bool used = false;
    std::string scope;
    std::string key;
    ResolvedHref value;
  };

  Slot& SlotFor(const LinkScope& scope, std::string_view key);
  static bool Holds(const Slot& slot, const LinkScope& scope,
                    std::string_view key) {
    return slot.used && slot.key == key && slot.scope == scope.text;
  }

  std::vector<Slot> slots_;
  uint64_t owner_ = 0;
  uint64_t hits_ = 0;
  uint64_t misses_ = 0;
};

// The calling thread's cache (created on first use, with the default size).
LinkCache& ThreadLinkCache();

}  // namespace crawlbox::parser
