// Frontier: the crawl's scheduler, owner of its queue on both sides. The
// durable truth (every URL seen, its state and tries) is the database's
// frontier table, which the store node writes; the Frontier reads it through
// its own read-only storage::QueueReader and keeps, per host, a bounded window
// of that host's oldest queued URLs, refilled by itself as the window drains,
// so a frontier of millions costs no memory. It hands requests out host by
// host: no more than the job's per-host concurrency at once, starts at least
// the host's delay apart (adaptive: slower when the host answers 429/503,
// times out or its latency rises), hosts served in order of readiness so one
// slow host never starves the rest; robots.txt first (again after its TTL),
// then sitemaps, then pages. With politeness.group_by = "ip" the window of
// concurrency and delay belongs to a group: every host resolving to one
// address. It holds retries until their backoff has passed, enforces the page
// budget and the bound on work in flight, and knows exactly when the crawl is
// over.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <queue>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "config/job.h"
#include "config/status.h"
#include "crawler/fetch/request.h"
#include "crawler/frontier/live_deny.h"
#include "parser/robots.h"
#include "storage/queue_reader.h"
#include "storage/rows.h"

namespace crawlbox::crawler {

// What the Frontier may hold, beyond the job's settings; 0 = the default
// derived from the job.
struct FrontierBounds {
  // Requests handed out and not yet ended; default 2 × fetch.concurrency (the
  // transfers in flight plus as many responses waiting to be parsed and
  // stored). Each waiting outcome holds its links and records: 3 × cost 2.2
  // to 2.9 MB more peak RSS on the realistic bench crawl, for no more pages/s.
  int max_outstanding = 0;
  // Queued URLs in memory, all hosts together (default max(4096, 8 ×
  // fetch.concurrency)) and for one host (default max(512, 4 ×
  // per_host_concurrency)); the rest wait in the database.
  size_t window = 0;
  size_t host_window = 0;
};

// How a transfer ended, as the Frontier's politeness needs it.
struct FetchReport {
  int status = 0;  // HTTP status; 0 for a transport failure
  bool timed_out = false;
  double total_ms = 0;
  // The server's Retry-After, if any: the whole host pauses that long.
  std::optional<std::chrono::milliseconds> retry_after;
};

// A request robots.txt keeps us from: never sent; the store node records it,
// as blocked, or as failed when its host cannot be fetched at all.
struct BlockedRequest {
  Request request;
  std::string reason;  // "robots", "robots_unavailable"; "tls" when failed
  // End the URL failed with `reason` (its host's robots.txt failed for good),
  // not blocked.
  bool failed = false;
};

// One request's end as the Frontier sees it: the request it handed out and
// the fate the store node committed for it. Both references stay valid for
// the call that receives them.
struct Ended {
  const Request& request;
  const storage::Fate& fate;
};

// The Frontier at one moment, for the status page, the progress line and the
// end-of-run summary.
struct FrontierSnapshot {
  // Queued in memory, in the database and waiting for a retry, plus the URLs
  // of hosts past limits.max_pages_per_host (still queued in the database,
  // no longer handed out).
  int64_t queued = 0;
  int64_t outstanding = 0;   // handed out and not yet ended
  int64_t page_budget = -1;  // pages it may still hand out; -1 = no limit
  // True when the page budget is spent while URLs were still queued.
  bool budget_spent = false;
  struct Host {
    std::string host;
    int in_flight = 0;
    int64_t queued = 0;  // window, database and retries
    // Its politeness window: the address its group shares with
    // politeness.group_by = "ip", else (and for a name that does not
    // resolve) the host itself; "" while its address is being looked up.
    std::string group;
    int group_hosts = 0;      // hosts in the group, this one included
    int group_in_flight = 0;  // requests in flight to the whole group
    // The group's current gap between request starts.
    std::chrono::milliseconds delay{0};
    // "off", "pending", "fetching", "retrying", "ok" or "unavailable".
    std::string robots;
    // Fetches finished this run (robots.txt and sitemaps included), and of
    // them those without a response or with a status >= 400.
    int64_t fetched = 0;
    int64_t errors = 0;
  };
  std::vector<Host> hosts;  // filled only when asked for; no particular order
};

class HostResolver;

// Thread-safe: the fetcher thread takes requests and reports fetches, the
// parse node reports robots.txt and sitemaps, the store node (one thread at a
// time) takes blocked requests and reports ends, the engine waits on it and
// anyone may take a snapshot.
class Frontier : public RequestSource {
 public:
  using Clock = std::chrono::steady_clock;

  // Settings come from `job` (politeness, limits.max_pages and
  // max_pages_per_host, retry, scope.sitemaps, the user agent's product token
  // for robots.txt, fetch.resolve), copied at construction. `queue` (not
  // owned) must outlive the Frontier and is used by one thread at a time:
  // Start()'s, then the store node's. With group_by = "ip" a host is
  // resolved when first seen: at once when pinned or an IP literal, else on
  // a resolver thread the Frontier owns (never under its lock); until then
  // its requests wait. The destructor waits for lookups in progress.
  Frontier(const config::Job& job, storage::QueueReader* queue,
           FrontierBounds bounds = {});
  ~Frontier() override;

  // Plans the per-host windows from what the database holds queued (seeds, or
  // what an interrupted run left) and fetched (for the page budget and
  // max_pages_per_host), and loads the first windows. Fails when the
  // database cannot be read.
  config::Status Start();

  // RequestSource: the next request whose host may be contacted now, or
  // nullopt (with *wait set to when to ask again) when none is ready, the
  // budget is spent, too much is in flight, or the frontier is closed. Counts
  // the request as outstanding. While host addresses are being looked up
  // *wait is at most a few milliseconds: a host that has just resolved is
  // picked up without anyone waking the caller.
  std::optional<Request> NextRequest(std::chrono::milliseconds* wait) override;

  // A transfer of `request` ended (on the fetcher thread, before the page is
  // parsed): frees its host's slot and feeds the host's adaptive delay.
  void Fetched(const Request& request, const FetchReport& report);

  // The robots.txt of `host` was read: `robots` is what applies (null when it
  // was unavailable: 5xx or no response). `error` is the transport failure
  // that left it unavailable, if any. An unavailable robots.txt is tried again
  // later, except after a TLS failure: a certificate the job does not trust
  // stays untrusted, so the host's URLs end failed with reason "tls" at once
  // (out of TakeBlocked()), never requested.
  void SetRobots(const std::string& host,
                 std::shared_ptr<const parser::RobotsTxt> robots,
                 FetchError error = FetchError::kNone);

  // What robots.txt, as the Frontier knows it now, says about the absolute
  // http(s) `url`: true when it may be fetched (or the job does not obey
  // robots.txt), false when it is disallowed or its host's robots.txt is
  // unavailable for good, nullopt while the host's robots.txt has not been
  // read (a host no URL of the crawl is on). Never fetches anything.
  std::optional<bool> RobotsAllows(std::string_view url) const;

  // More sitemaps of `host` to fetch (from a sitemap index). Sitemaps of
  // other hosts are ignored.
  void AddSitemaps(const std::string& host,
                   const std::vector<std::string>& urls);

  // Requests robots.txt keeps us from; they count as outstanding until they
  // are Finished() with a storage::Blocked fate.
  std::vector<BlockedRequest> TakeBlocked();
  bool HasBlocked() const;

  // The store node committed `ended` and, with them, the new URLs
  // `discovered` (ascending ids). Retry fates go back to their hosts after
  // their backoff; everything else is released. Queuing before releasing
  // makes Idle() exact: there is no gap between a page being done and its
  // links being queued. Then tops the windows up from the database. Fails
  // only when the database cannot be read.
  config::Status Finished(std::span<const Ended> ended,
                          std::vector<storage::QueuedUrl> discovered);

  // Stops handing out requests (graceful shutdown, limits reached, a fatal
  // error). Outstanding ones still end.
  void Close();

  // True when nothing is outstanding and nothing more will be handed out
  // (nothing queued in memory, in the database or waiting to be retried;
  // budget spent; or closed).
  bool Idle() const;
  // Waits until Idle() or the timeout; returns Idle().
  bool WaitIdle(std::chrono::milliseconds timeout);

  // Copies the numbers under the lock; with `hosts`, every host too (O(hosts)).
  FrontierSnapshot Snapshot(bool hosts = false) const;

  // Live controls (crawler/frontier/frontier_control.cc), from any thread;
  // each applies from the next request handed out. Called before Start()
  // they set the run up as the job file would.
  //
  // While paused nothing is handed out, robots.txt included; requests out
  // end as usual. A paused crawl is not idle while anything is queued.
  void SetPaused(bool paused);
  // The same for one host (lowercase, as requests name it); a host not seen
  // yet is paused when it appears.
  void SetHostPaused(const std::string& host, bool paused);
  // politeness.delay_ms and per_host_concurrency: every window starts over
  // from the new delay (raised by its hosts' Crawl-delays; adaptive again
  // from there), and a start planned further out than the new delay moves
  // in.
  void SetPoliteness(std::chrono::milliseconds delay, int per_host_concurrency);
  // fetch.concurrency: the bound on requests handed out follows it (3 ×),
  // unless FrontierBounds fixed that bound.
  void SetConcurrency(int concurrency);
  // limits.max_pages (0 = none), counting the pages of earlier runs as
  // Start() does.
  void SetMaxPages(int64_t max_pages);
  // limits.max_pages_per_host (0 = none), counted as Start() does: a host
  // now at or past it hands out nothing more (its URLs stay queued in the
  // database); one that was, and is no longer, is loaded again at the next
  // Finished().
  void SetMaxPagesPerHost(int64_t max_pages_per_host);
  // URLs matching a pattern a control added to `deny` (not owned; it must
  // outlive the Frontier) are never handed out: they come out of
  // TakeBlocked() with reason "denied_by_control". Before Start().
  void SetLiveDeny(const LiveDeny* deny);

 private:
  struct Settings;
  struct Group;
  struct Host;
  struct ReadyEntry {
    Clock::time_point at;
    uint64_t seq;
    Host* host;
    bool operator>(const ReadyEntry& other) const { return at > other.at; }
  };
  // What to load from the database to top one host's window up: queued URLs
  // with ids above `after_id`, at most `limit`.
  struct RefillWant {
    std::string host;
    int64_t after_id;
    size_t limit;
  };

  Host& HostFor(const std::string& name);
  Group& GroupFor(const std::string& key);
  // Makes `host` a member of the group `key` (created when new).
  void JoinGroup(Host& host, const std::string& key);
  // A lookup ended (resolver thread): `address` is "" when `name` did not
  // resolve, and the host keeps a group of its own.
  void Resolved(const std::string& name, const std::string& address);
  // The group's base delay from the job's delay and its members'
  // Crawl-delays.
  void UpdateBaseDelay(Group& group);
  // Counts a request to `host` as started now in its window.
  void Take(Host& host, Clock::time_point now);
  std::optional<Request> NextRequestLocked(std::chrono::milliseconds* wait);
  // Puts the host in the ready queue if it has work and a free slot and is
  // not there yet.
  void Schedule(Host& host);
  // Schedule()s every host of the group (a slot of the window came free).
  void ScheduleGroup(Group& group);
  bool HasWork(const Host& host) const;
  // When the host may be asked for its next request, or nullopt when it has
  // nothing to hand out (no work, no free slot, robots.txt being fetched).
  std::optional<Clock::time_point> ReadyTime(const Host& host) const;
  // Drops a host that reached max_pages_per_host: its URLs stay queued in the
  // database but are no longer handed out.
  void Exhaust(Host& host);
  // Queues the sitemaps of `host` among `urls` not queued before.
  void SeedSitemaps(Host& host, const std::vector<std::string>& urls);
  bool IdleLocked() const;
  // Wakes WaitIdle() when the crawl has become idle (mu_ held).
  void NotifyIfIdle();
  std::vector<RefillWant> RefillWantsLocked() const;
  // Reads what the windows want (outside the lock: the fetcher keeps taking
  // requests meanwhile) and adds it. One caller at a time (see the
  // constructor).
  config::Status Refill();

  // Live controls change some of them, under mu_.
  const std::unique_ptr<Settings> settings_;
  storage::QueueReader* const queue_;
  mutable std::mutex mu_;
  std::condition_variable changed_;
  std::unordered_map<std::string, std::unique_ptr<Host>> hosts_;
  std::priority_queue<ReadyEntry, std::vector<ReadyEntry>, std::greater<>>
      ready_;
  uint64_t next_seq_ = 1;
  int64_t page_budget_ = -1;
  size_t in_memory_ = 0;         // queued URLs in host windows
  int64_t in_db_ = 0;            // queued URLs only in the database
  size_t retrying_ = 0;          // URLs waiting for their backoff
  int64_t abandoned_ = 0;        // queued URLs of exhausted hosts
  size_t sitemaps_queued_ = 0;   // sitemap URLs not yet handed out
  size_t sitemaps_pending_ = 0;  // handed out, their URLs not yet queued
  std::vector<BlockedRequest> blocked_;
  size_t outstanding_ = 0;
  bool closed_ = false;
  std::unordered_map<std::string, std::unique_ptr<Group>> groups_;
  size_t resolving_ = 0;  // hosts whose address is being looked up
  bool paused_ = false;
  std::unordered_set<std::string> paused_hosts_;
  // Pages handed out (first tries) plus those fetched by earlier runs: what
  // limits.max_pages counts.
  int64_t pages_counted_ = 0;
  bool outstanding_fixed_ = false;  // FrontierBounds set max_outstanding
  const LiveDeny* live_deny_ = nullptr;
  // Last: destroyed first, so no lookup ends into a half-destroyed Frontier.
  std::unique_ptr<HostResolver> resolver_;  // group_by = "ip" only
};

}  // namespace crawlbox::crawler
