// Fate: what became of one request, as the store needs to know it. One
// std::variant instead of parallel flags, so a page cannot be both retried
// and stored, and every consumer handles every case (std::visit).
#pragma once

#include <cstdint>
#include <string>
#include <variant>

namespace crawlbox::storage {

// A response was stored (any HTTP status that is neither a 304 nor a
// redirect) with its items and links. The frontier row becomes 'done'.
// PageOutcome::page.error may carry a note ("truncated"); it is stored as the
// page's error and the frontier row's reason.
struct Stored {};

// A 304 answer to a conditional request (re-crawl): the stored page row and
// its items stand and take this run's crawl_id with change 'unchanged'; links
// are still inserted. The frontier row becomes 'done'. With no stored page to
// keep (the database lost it), the answer is stored like a Stored page.
struct NotModified {};

// A 3xx answer with a Location: the page row is stored (status, and `target`
// in pages.location) without items; the frontier row becomes 'done'. The
// target is also one of PageOutcome::links (via = redirect), so it is queued
// like any link (the store does not add it on its own), unless the scope
// rejected it, which PageOutcome::page.error then says. A hop whose target is
// the URL itself or one of the hops that led to it closes a loop: the store
// writes it as failed with reason "redirect_loop".
struct Redirected {
  std::string target;      // the Location, resolved and normalized
  bool permanent = false;  // 301/308; false for 302/303/307
};

// Given up on: the page row is stored with error = `reason` (and its status
// if a response came, its items and links if it had any), and the frontier
// row becomes 'failed' with that reason. A page stored with a 2xx before keeps
// its row and items (a server having a bad day must not erase them).
struct Failed {
  std::string reason;  // stable lowercase: "timeout", "http_503", ...
};

// A try that will be retried: only the frontier row changes (attempts + 1,
// reason); no page, items or links are stored and the URL stays 'queued'.
struct Retry {
  std::string reason;
  // How long to wait from the end of this fetch before the next try. For the
  // Frontier; the store does not keep it (a resumed crawl tries again at once).
  int64_t backoff_ms = 0;
};

// A URL the crawl may not fetch (robots.txt): the frontier row becomes
// 'blocked' with `reason`; nothing else is stored.
struct Blocked {
  std::string reason;  // "robots", ...
};

// Only PageOutcome::links are stored (the URLs a sitemap listed): no page
// row and no frontier change (page.url_id is 0).
struct LinksOnly {};

using Fate = std::variant<Stored, NotModified, Redirected, Failed, Retry,
                          Blocked, LinksOnly>;

}  // namespace crawlbox::storage
