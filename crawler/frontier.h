// Frontier: the crawl's scheduler. The durable truth (every URL seen, its state
// and tries) lives in SQLite via storage::Store; the Frontier holds, per host,
// a bounded window of that host's queued URLs (the oldest ones) and hands URLs
// to the Fetcher host by host: no more than `per_host_concurrency` transfers to
// a host at once, starts at least the host's delay apart (adaptive: slower when
// the host answers 429/503, times out or its latency rises), hosts served in
// order of readiness so one slow host never starves the rest. It also holds
// retries until their backoff has passed, enforces the page budget and the
// bound on work in flight, and knows exactly when the crawl is over. URLs
// beyond a host's window wait only in SQLite and are loaded back as the window
// drains, so a frontier of millions costs no memory.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <queue>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "crawler/fetcher.h"
#include "parser/robots.h"
#include "storage/records.h"

namespace crawlbox::crawler {

struct FrontierOptions {
  int64_t page_budget = -1;  // requests it may still hand out; < 0 = unlimited
  int max_outstanding = 64;  // handed out but not yet completed, at most
  size_t window = 4096;      // queued URLs in memory, all hosts together
  size_t host_window = 512;  // queued URLs in memory for one host
  int per_host_concurrency = 2;
  std::chrono::milliseconds delay{0};  // between request starts to one host
  std::chrono::milliseconds max_delay{60'000};  // cap of the adaptive delay
  bool adaptive = true;
  // Requests to one host at most, those of earlier runs included; 0 = none.
  int64_t max_pages_per_host = 0;
  // Fetch each host's robots.txt before its first page and hold back the URLs
  // it disallows (they come out of TakeBlocked() instead).
  bool robots = false;
  std::string robots_token;  // our product token, e.g. "crawlbox"
  std::chrono::milliseconds max_crawl_delay{30'000};
  // An unavailable robots.txt (5xx, unreachable) pauses its host and is tried
  // again after robots_retry, doubling, robots_attempts times in all; after
  // that the host's URLs are blocked with reason robots_unavailable.
  std::chrono::milliseconds robots_retry{30'000};
  int robots_attempts = 3;
  // Fetch each host's sitemaps (robots.txt's Sitemap: lines and /sitemap.xml)
  // once its robots.txt is known, before its pages.
  bool sitemaps = false;
};

// Thread-safe: the fetcher thread takes requests and reports fetches, the store
// node completes, retries and refills, the engine waits on it.
class Frontier : public RequestSource {
 public:
  using Clock = std::chrono::steady_clock;

  explicit Frontier(FrontierOptions options);
  ~Frontier() override;

  // Starts with the queued URLs per host as the database counts them; windows
  // fill through RefillWanted()/Refill().
  // `fetched_per_host` counts the pages earlier runs fetched, for
  // max_pages_per_host.
  void Start(
      const std::vector<std::pair<std::string, int64_t>>& queued_per_host,
      const std::vector<std::pair<std::string, int64_t>>& fetched_per_host =
          {});

  // RequestSource: the next URL whose host may be contacted now, or nullopt
  // (with *wait set to when to ask again) when none is ready, the budget is
  // spent, too much is in flight, or the frontier is closed. Counts the request
  // as outstanding.
  std::optional<Request> NextRequest(std::chrono::milliseconds* wait) override;

  // The fetch of a request to `host` finished (called by the fetcher thread as
  // the transfer ends, before the page is parsed): frees the host's slot and
  // feeds its adaptive delay. `status` is 0 for a transport failure;
  // `retry_after` is the server's Retry-After, if any.
  void Fetched(const std::string& host, int status, bool timed_out,
               double total_ms,
               std::optional<std::chrono::milliseconds> retry_after);

  // The robots.txt of `host` was fetched: `robots` is what applies (null when
  // it was unavailable: 5xx or no response).
  void SetRobots(const std::string& host,
                 std::shared_ptr<const parser::RobotsTxt> robots);

  // More sitemaps of `host` to fetch (from a sitemap index). Sitemaps of other
  // hosts are ignored.
  void AddSitemaps(const std::string& host,
                   const std::vector<std::string>& urls);
  // `count` sitemap requests are finished and the URLs they listed are queued
  // (or were found in nothing). Until then the crawl is not idle.
  void SitemapsDone(size_t count);

  // URLs robots.txt keeps us from, each with its reason ("robots",
  // "robots_unavailable"); they count as outstanding until Complete()d.
  std::vector<std::pair<storage::QueuedUrl, std::string>> TakeBlocked();
  bool HasBlocked() const;

  // A retry of `url` (its attempts already counted) not before `not_before`.
  struct Retry {
    storage::QueuedUrl url;
    Clock::time_point not_before;
  };

  // `count` outstanding requests are finished (stored or set to retry);
  // `discovered` are the new URLs their pages added (ascending ids); `retries`
  // go back to their hosts. Adding before releasing makes Idle() exact: there
  // is no gap between a page being done and its links being queued.
  void Complete(size_t count, std::vector<storage::QueuedUrl> discovered,
                std::vector<Retry> retries);

  // What to load from the database to top the windows up: for each host, queued
  // URLs with ids above `after_id`, at most `limit`.
  struct RefillRequest {
    std::string host;
    int64_t after_id;
    size_t limit;
  };
  std::vector<RefillRequest> RefillWanted() const;
  // Adds what was loaded for `request` (ascending ids).
  void Refill(const RefillRequest& request,
              std::vector<storage::QueuedUrl> urls);

  // Stops handing out requests (graceful shutdown). Outstanding ones still
  // complete.
  void Close();

  // True when nothing is outstanding and nothing more will be handed out
  // (nothing queued in memory, in the database or waiting to be retried; budget
  // spent; or closed).
  bool Idle() const;
  // Waits until Idle() or the timeout; returns Idle().
  bool WaitIdle(std::chrono::milliseconds timeout);

  size_t queued() const;  // in memory, in the database and waiting for a retry
  int64_t abandoned() const;  // queued URLs of hosts past max_pages_per_host
  // True when the page budget is spent while URLs were still queued.
  bool Budgetless() const;
  size_t outstanding() const;
  int64_t handed_out() const;
  // The current delay of a host (adaptive), for the status page and tests.
  std::chrono::milliseconds HostDelay(const std::string& host) const;
  // Requests it may still hand out under the page budget; -1 = unlimited.
  int64_t page_budget() const;

  // One host as the status page shows it.
  struct HostState {
    std::string host;
    int in_flight = 0;
    int64_t queued = 0;  // window, database and retries
    std::chrono::milliseconds delay{0};
    // "off", "pending", "fetching", "retrying", "ok" or "unavailable".
    std::string robots;
    // Fetches finished this run (robots.txt and sitemaps included), and of
    // them those without a response or with a status >= 400.
    int64_t fetched = 0;
    int64_t errors = 0;
  };
  // Every host seen, in no particular order; copies under the lock, O(hosts).
  std::vector<HostState> HostsSnapshot() const;

 private:
  struct Host;
  struct ReadyEntry {
    Clock::time_point at;
    uint64_t seq;
    Host* host;
    bool operator>(const ReadyEntry& other) const { return at > other.at; }
  };

  Host& HostFor(const std::string& name);
  // Puts the host in the ready queue if it has work and a free slot and is not
  // there yet.
  void Schedule(Host& host);
  bool HasWork(const Host& host) const;
  // When the host may be asked for its next request, or nullopt when it has
  // nothing to hand out (no work, no free slot, robots.txt being fetched).
  std::optional<Clock::time_point> ReadyTime(const Host& host) const;
  // Drops a host that reached max_pages_per_host: its URLs stay queued in the
  // database but are no longer handed out (nor counted as queued).
  void Exhaust(Host& host);
  // Queues the sitemaps of `host` among `urls` not queued before.
  void SeedSitemaps(Host& host, const std::vector<std::string>& urls);
  bool IdleLocked() const;

  const FrontierOptions options_;
  mutable std::mutex mu_;
  std::condition_variable changed_;
  std::unordered_map<std::string, std::unique_ptr<Host>> hosts_;
  std::priority_queue<ReadyEntry, std::vector<ReadyEntry>, std::greater<>>
      ready_;
  uint64_t next_seq_ = 1;
  int64_t page_budget_;
  size_t in_memory_ = 0;         // queued URLs in host windows
  int64_t in_db_ = 0;            // queued URLs only in the database
  size_t retrying_ = 0;          // URLs waiting for their backoff
  int64_t abandoned_ = 0;        // queued URLs of exhausted hosts
  size_t sitemaps_queued_ = 0;   // sitemap URLs not yet handed out
  size_t sitemaps_pending_ = 0;  // handed out, their URLs not yet queued
  std::vector<std::pair<storage::QueuedUrl, std::string>> blocked_;
  size_t outstanding_ = 0;
  int64_t handed_out_ = 0;
  bool closed_ = false;
};

}  // namespace crawlbox::crawler
