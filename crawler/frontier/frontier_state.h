// The Frontier's private state, shared by its two .cc files (scheduling in
// frontier.cc, the queue's durable side and the end of requests in
// frontier_queue.cc). Not a contract: nothing outside crawler/frontier/
// includes it.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "crawler/frontier/frontier.h"
#include "parser/robots.h"
#include "storage/rows.h"

namespace crawlbox::crawler {

// Everything the Frontier takes from the job, read in one place.
struct Frontier::Settings {
  int max_outstanding;
  size_t window;       // queued URLs in memory, all hosts together
  size_t host_window;  // queued URLs in memory for one host
  int per_host_concurrency;
  std::chrono::milliseconds delay;      // between request starts to one host
  std::chrono::milliseconds max_delay;  // cap of the adaptive delay
  bool adaptive;
  int64_t max_pages;  // requests in all, earlier runs included; 0 = none
  // Requests to one host at most, earlier runs included; 0 = none.
  int64_t max_pages_per_host;
  // Fetch each host's robots.txt before its first page and hold back the URLs
  // it disallows (they come out of TakeBlocked() instead).
  bool robots;
  std::string robots_token;  // our product token, e.g. "crawlbox"
  std::chrono::milliseconds max_crawl_delay;
  // An unavailable robots.txt (5xx, unreachable) pauses its host and is tried
  // again after robots_retry, doubling, robots_attempts times in all; after
  // that the host's URLs are blocked with reason robots_unavailable.
  std::chrono::milliseconds robots_retry;
  int robots_attempts;
  // Fetch each host's sitemaps (robots.txt's Sitemap: lines and /sitemap.xml)
  // once its robots.txt is known, before its pages.
  bool sitemaps;
  // How long a robots.txt is obeyed before it is fetched again.
  std::chrono::milliseconds robots_ttl;
  // Hosts at one address share one Group (politeness.group_by = "ip").
  bool group_by_ip;
};

// One politeness window: what per_host_concurrency and the delay bound. A
// host's own, or with group_by = "ip" that of every host at one address.
struct Frontier::Group {
  // The address, or the host name of a host with a window of its own (group
  // by host, or a name that did not resolve).
  std::string key;
  std::vector<Host*> hosts;  // members, in the order they joined
  int in_flight = 0;         // requests of all members handed out, not ended
  Clock::time_point next_start{};
  std::chrono::milliseconds delay{0};  // current gap, adaptive
  // The job's delay raised by the largest Crawl-delay among the members: the
  // strictest robots.txt of a shared server sets the pace for all its hosts.
  std::chrono::milliseconds base_delay{0};
  double ewma_ms = 0;  // response time, all members together
  int samples = 0;
};

struct Frontier::Host {
  std::string name;
  std::deque<storage::QueuedUrl> queue;  // window, ascending ids
  int64_t in_db = 0;                     // queued only in the database
  int64_t cursor = 0;                    // highest id ever put in the window
  bool refill_listed = false;
  // Its window; null while its address is looked up (nothing is handed out
  // until it joins a group).
  Group* group = nullptr;
  int in_flight = 0;  // of group->in_flight, this host's requests
  std::multimap<Clock::time_point, storage::QueuedUrl> retries;
  uint64_t ready_seq = 0;  // seq of its live entry in ready_; 0 = none
  int64_t fetched = 0;     // requests handed out, earlier runs included
  bool exhausted = false;  // reached max_pages_per_host
  // Its queued URLs dropped while exhausted (of Frontier::abandoned_): back in
  // in_db when a control raises max_pages_per_host past `fetched`.
  int64_t abandoned = 0;
  bool paused = false;  // by a control: nothing of it is handed out
  // Its robots.txt's Crawl-delay (capped), 0 when none; raises its group's
  // base_delay.
  std::chrono::milliseconds crawl_delay{0};
  // kReady → kFetching again once robots_expires passes (robots_ttl).
  enum class Robots { kUnknown, kFetching, kWaiting, kReady };
  Robots robots_state = Robots::kUnknown;
  std::shared_ptr<const parser::RobotsTxt> robots;  // null: unavailable
  // Set when robots.txt failed in a way no retry fixes ("tls"): every URL of
  // the host ends failed with this reason, never requested.
  std::string robots_failure;
  int robots_tries = 0;
  Clock::time_point robots_retry_at{};
  // Some robots.txt (or its unavailability) has been in force; a failed
  // refresh then keeps it.
  bool robots_known = false;
  Clock::time_point robots_expires{};
  int robots_refresh_failures = 0;   // in a row
  std::deque<std::string> sitemaps;  // to fetch
  std::vector<std::string> sitemaps_seen;
  bool sitemaps_seeded = false;
  int64_t fetches = 0;  // finished this run, robots.txt and sitemaps included
  int64_t errors = 0;   // of which without a response or with status >= 400
};

}  // namespace crawlbox::crawler
