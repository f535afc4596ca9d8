// The link cache's key rules and its bounded map. Why the rules are sound, in
// terms of the basic URL parser (parser/url.cc) run on an href against an
// http(s) base: the base is read only in the relative states. An href that
// starts with '/' or '\' takes just the base's scheme and authority; "//..."
// and any other scheme take nothing from the base (file: takes its host and
// path only from a file: base). Every other relative href, which LinkCacheKey
// lets through only when it does not start with '?' or '#', takes the base's
// path less its last segment and none of its query: the scope. The fragment
// state only appends, and the lookaheads before it (one byte after the
// pointer, a drive letter's third byte) treat '#' as an end, so the bytes up
// to the first '#' decide everything else.
#include "parser/link_cache.h"

#include <functional>

#include "parser/url_encoding.h"

namespace crawlbox::parser {

namespace {}  // namespace

std::optional<LinkScope> LinkCacheScope(const Url& base) {
  if (!base.IsHttp() || base.has_opaque_path) return std::nullopt;
  Url directory = base;
  directory.path.resize(directory.path.rfind('/') + 1);
  directory.query.reset();
  directory.fragment.reset();
  LinkScope scope;
  scope.text = directory.HrefWithoutFragment();
  scope.hash = std::hash<std::string_view>()(scope.text);
  return scope;
}

std::optional<std::string_view> LinkCacheKey(std::string_view href,
                                             std::string_view base_scheme) {
  std::string_view trimmed = href;
  while (!trimmed.empty() && IsC0ControlOrSpace(trimmed.front())) {
    trimmed.remove_prefix(1);
  }
  while (!trimmed.empty() && IsC0ControlOrSpace(trimmed.back())) {
    trimmed.remove_suffix(1);
  }
  if (trimmed.empty() || trimmed.front() == '?' || trimmed.front() == '#' ||
      HasTabOrNewline(trimmed)) {
    return std::nullopt;
  }
  // "http:?q" against an http base is the base with another query.
  if (IsAsciiAlpha(trimmed.front())) {
    size_t colon = 1;
    while (colon < trimmed.size() && IsSchemeByte(trimmed[colon])) ++colon;
    if (colon < trimmed.size() && trimmed[colon] == ':' &&
        colon == base_scheme.size()) {
      bool same_scheme = true;
      for (size_t i = 0; i < colon; ++i) {
        same_scheme = same_scheme && AsciiLower(trimmed[i]) == base_scheme[i];
      }
      if (same_scheme &&
          (colon + 1 == trimmed.size() || trimmed[colon + 1] == '?' ||
           trimmed[colon + 1] == '#')) {
        return std::nullopt;
      }
    }
  }
  const size_t hash = href.find('#');
  return hash == std::string_view::npos ? href : href.substr(0, hash + 1);
}

LinkCache::LinkCache(size_t slots) {
  size_t size = 1;
  while (size < slots) size *= 2;
  slots_.resize(size);
}

LinkCache::Slot& LinkCache::SlotFor(const LinkScope& scope,
                                    std::string_view key) {
  const size_t hash = std::hash<std::string_view>()(key) * 31 + scope.hash;
  return slots_[hash & (slots_.size() - 1)];
}

void LinkCache::SetOwner(uint64_t owner) {
  if (owner == owner_) return;
  for (Slot& slot : slots_) slot.used = false;
  owner_ = owner;
}

LinkCache& ThreadLinkCache() {
  thread_local LinkCache cache;
  return cache;
}

}  // namespace crawlbox::parser
