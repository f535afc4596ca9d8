// Per-host windows, a ready queue ordered by when each host may next be
// contacted, retries held until their backoff passes, and the accounting that
// makes the end of a crawl exact.
#include "crawler/frontier/frontier.h"

#include <algorithm>
#include <cctype>
#include <utility>

#include "crawler/frontier/frontier_state.h"
#include "crawler/frontier/host_resolver.h"

namespace crawlbox::crawler {

using config::Status;
using std::chrono::milliseconds;

namespace {

// Queued URLs the Frontier keeps in memory at least, all hosts and per host;
// the rest wait in SQLite.
constexpr size_t kMinWindow = 4096;
constexpr size_t kMinHostWindow = 512;
// Lookups of host addresses at once (group_by = "ip"): a crawl of many hosts
// is not held up behind one slow DNS server.
constexpr int kResolverThreads = 4;
// How soon the fetcher asks again while addresses are being looked up.
constexpr milliseconds kResolvePoll(5);

// "http://h:8080/robots.txt" for any URL of that origin.
std::string RobotsUrl(std::string_view url) {
  size_t scheme = url.find("://");
  size_t path =
      url.find('/', scheme == std::string_view::npos ? 0 : scheme + 3);
  return std::string(url.substr(0, path)) + "/robots.txt";
}

// "http://h:8080" of a URL.
std::string_view Origin(std::string_view url) {
  size_t scheme = url.find("://");
  size_t path =
      url.find('/', scheme == std::string_view::npos ? 0 : scheme + 3);
  return url.substr(0, path);
}

// The host of an absolute http(s) URL, lowercase as the frontier keys it.
std::string HostOf(std::string_view url) {
  std::string_view origin = Origin(url);
  size_t scheme = origin.find("://");
  std::string_view authority =
      scheme == std::string_view::npos ? origin : origin.substr(scheme + 3);
  authority = authority.substr(authority.rfind('@') + 1);
  if (!authority.empty() && authority.front() == '[') {
    return std::string(authority.substr(0, authority.find(']') + 1));
  }
  std::string host(authority.substr(0, authority.find(':')));
  for (char& c : host)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return host;
}

// The path and query robots.txt rules are matched against.
std::string_view PathAndQuery(std::string_view url) {
  size_t scheme = url.find("://");
  size_t path =
      url.find('/', scheme == std::string_view::npos ? 0 : scheme + 3);
  if (path == std::string_view::npos) return "/";
  std::string_view rest = url.substr(path);
  return rest.substr(0, rest.find('#'));
}

// A queued frontier row as the Fetcher's request.
Request ToRequest(storage::QueuedUrl&& url) {
  Request request;
  request.url_id = url.id;
  request.url = std::move(url.url);
  request.host = std::move(url.host);
  request.depth = url.depth;
  request.attempts = url.attempts;
  request.etag = std::move(url.etag);
  request.last_modified = std::move(url.last_modified);
  request.last_capture = CaptureRef{std::move(url.last_capture.record_id),
                                    std::move(url.last_capture.date),
                                    std::move(url.last_capture.payload_digest)};
  request.redirects = url.redirects;
  request.method = std::move(url.request.method);
  DecodeRequestExtras(url.request.encoded, &request.headers, &request.body);
  return request;
}

}  // namespace

Frontier::Frontier(const config::Job& job, storage::QueueReader* queue,
                   FrontierBounds bounds)
    : settings_(std::make_unique<Settings>(Settings{
          bounds.max_outstanding > 0 ? bounds.max_outstanding
                                     : 2 * job.fetch.concurrency,
          bounds.window > 0
              ? bounds.window
              : std::max<size_t>(
                    kMinWindow, 8 * static_cast<size_t>(job.fetch.concurrency)),
          bounds.host_window > 0
              ? bounds.host_window
              : std::max<size_t>(kMinHostWindow,
                                 4 * static_cast<size_t>(
                                         job.politeness.per_host_concurrency)),
          job.politeness.per_host_concurrency,
          milliseconds(job.politeness.delay_ms),
          milliseconds(job.politeness.max_delay_ms),
          job.politeness.adaptive,
          job.limits.max_pages,
          job.limits.max_pages_per_host,
          job.politeness.robots,
          parser::UserAgentToken(job.fetch.user_agent),
          milliseconds(job.politeness.max_crawl_delay_ms),
          milliseconds(job.retry.backoff_ms),
          job.retry.max_attempts,
          job.scope.sitemaps,
          std::chrono::seconds(job.politeness.robots_ttl_s),
          job.politeness.group_by == config::Politeness::GroupBy::kIp,
      })),
      queue_(queue),
      outstanding_fixed_(bounds.max_outstanding > 0) {
  if (settings_->group_by_ip) {
    resolver_ = std::make_unique<HostResolver>(
        job.fetch.resolve, kResolverThreads,
        [this](const std::string& name, const std::string& address) {
          Resolved(name, address);
        });
  }
}

Frontier::~Frontier() { resolver_.reset(); }

Frontier::Host& Frontier::HostFor(const std::string& name) {
  auto& slot = hosts_[name];
  if (slot == nullptr) {
    slot = std::make_unique<Host>();
    Host& host = *slot;
    host.name = name;
    host.paused = paused_hosts_.contains(name);
    if (!settings_->robots) host.robots_state = Host::Robots::kReady;
    if (!settings_->group_by_ip) {
      JoinGroup(host, name);
    } else if (std::optional<std::string> address = resolver_->Lookup(name)) {
      JoinGroup(host, *address);
    } else {
      // getaddrinfo may take seconds: never under mu_, never on the fetcher
      // thread. The host's requests wait until it has joined its group.
      ++resolving_;
      resolver_->Resolve(name);
    }
  }
  return *slot;
}

Frontier::Group& Frontier::GroupFor(const std::string& key) {
  auto& slot = groups_[key];
  if (slot == nullptr) {
    slot = std::make_unique<Group>();
    slot->key = key;
    slot->delay = settings_->delay;
    slot->base_delay = settings_->delay;
  }
  return *slot;
}

void Frontier::JoinGroup(Host& host, const std::string& key) {
  Group& group = GroupFor(key);
  group.hosts.push_back(&host);
  host.group = &group;
  UpdateBaseDelay(group);
}

void Frontier::Resolved(const std::string& name, const std::string& address) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = hosts_.find(name);
  if (it == hosts_.end() || it->second->group != nullptr) return;
  if (resolving_ > 0) --resolving_;
  // A name that does not resolve keeps a window of its own; its fetches fail
  // with reason dns as they would without grouping.
  JoinGroup(*it->second, address.empty() ? name : address);
  Schedule(*it->second);
  NotifyIfIdle();
}

void Frontier::UpdateBaseDelay(Group& group) {
  milliseconds base = settings_->delay;
  for (const Host* member : group.hosts)
    base = std::max(base, member->crawl_delay);
  group.base_delay = base;
  // The adaptive delay comes down to a lowered base by itself; a fixed one
  // is the base.
  group.delay = settings_->adaptive ? std::max(group.delay, base) : base;
}

void Frontier::Take(Host& host, Clock::time_point now) {
  ++host.in_flight;
  ++host.group->in_flight;
  host.group->next_start = now + host.group->delay;
}

void Frontier::ScheduleGroup(Group& group) {
  for (Host* member : group.hosts) Schedule(*member);
}

bool Frontier::HasWork(const Host& host) const {
  // With the page budget spent only retries of pages already counted remain.
  if (page_budget_ == 0) return !host.retries.empty();
  return !host.queue.empty() || !host.retries.empty() || !host.sitemaps.empty();
}

std::optional<Frontier::Clock::time_point> Frontier::ReadyTime(
    const Host& host) const {
  if (host.group == nullptr || host.paused || !HasWork(host) ||
      host.group->in_flight >= settings_->per_host_concurrency) {
    return std::nullopt;
  }
  Clock::time_point at = host.group->next_start;
  switch (host.robots_state) {
    case Host::Robots::kFetching:
      return std::nullopt;
    case Host::Robots::kWaiting:
      return std::max(at, host.robots_retry_at);
    case Host::Robots::kUnknown:
      return at;
    case Host::Robots::kReady:
      break;
  }
  if (page_budget_ == 0 || (host.queue.empty() && host.sitemaps.empty())) {
    at = std::max(at, host.retries.begin()->first);
  }
  return at;
}

void Frontier::Schedule(Host& host) {
  if (settings_->sitemaps && !settings_->robots && !host.sitemaps_seeded &&
      !host.queue.empty()) {
    // Without robots.txt there are no Sitemap: lines, only /sitemap.xml.
    host.sitemaps_seeded = true;
    SeedSitemaps(
        host, {std::string(Origin(host.queue.front().url)) + "/sitemap.xml"});
  }
  if (host.ready_seq != 0) return;
  std::optional<Clock::time_point> at = ReadyTime(host);
  if (!at) return;
  host.ready_seq = next_seq_++;
  ready_.push(ReadyEntry{*at, host.ready_seq, &host});
}

void Frontier::Exhaust(Host& host) {
  host.exhausted = true;
  const int64_t dropped =
      static_cast<int64_t>(host.queue.size() + host.retries.size()) +
      host.in_db;
  abandoned_ += dropped;
  host.abandoned += dropped;
  // Should a control lift the limit, the window is read again from its first
  // URL not handed out: those handed out (lower ids) may still be in flight.
  // Retries waiting here stay queued in the database for the next run.
  if (!host.queue.empty()) host.cursor = host.queue.front().id - 1;
  in_memory_ -= host.queue.size();
  retrying_ -= host.retries.size();
  in_db_ -= host.in_db;
  host.queue.clear();
  host.retries.clear();
  host.in_db = 0;
  host.refill_listed = false;
}

std::optional<Request> Frontier::NextRequest(milliseconds* wait) {
  std::lock_guard<std::mutex> lock(mu_);
  std::optional<Request> request = NextRequestLocked(wait);
  if (!request && resolving_ > 0) *wait = std::min(*wait, kResolvePoll);
  return request;
}

std::optional<Request> Frontier::NextRequestLocked(milliseconds* wait) {
  *wait = milliseconds(1000);
  if (closed_ || paused_ ||
      outstanding_ >= static_cast<size_t>(settings_->max_outstanding)) {
    return std::nullopt;
  }
  const Clock::time_point now = Clock::now();
  while (!ready_.empty()) {
    ReadyEntry entry = ready_.top();
    Host& host = *entry.host;
    if (entry.seq != host.ready_seq) {  // superseded
      ready_.pop();
      continue;
    }
    std::optional<Clock::time_point> at = ReadyTime(host);
    if (!at) {  // nothing to hand out any more
      ready_.pop();
      host.ready_seq = 0;
      continue;
    }
    if (*at > entry.at) {  // the host was slowed down since it was queued
      ready_.pop();
      host.ready_seq = next_seq_++;
      ready_.push(ReadyEntry{*at, host.ready_seq, &host});
      continue;
    }
    if (entry.at > now) {
      *wait = std::chrono::ceil<milliseconds>(entry.at - now);
      return std::nullopt;
    }
    ready_.pop();
    host.ready_seq = 0;
    const bool robots_expired = settings_->robots &&
                                host.robots_state == Host::Robots::kReady &&
                                now >= host.robots_expires;
    if (robots_expired) host.robots_tries = 0;
    if (host.robots_state == Host::Robots::kUnknown ||
        host.robots_state == Host::Robots::kWaiting || robots_expired) {
      // robots.txt first: it uses the host's slot and delay like a page. An
      // expired copy is fetched again before the next page (RFC 9309 2.4);
      // the host's pages wait for the new one.
      const std::string& any_url = !host.queue.empty() ? host.queue.front().url
                                   : !host.retries.empty()
                                       ? host.retries.begin()->second.url
                                       : host.sitemaps.front();
      host.robots_state = Host::Robots::kFetching;
      Take(host, now);
      Request robots;
      robots.url = RobotsUrl(any_url);
      robots.host = host.name;
      robots.attempts = host.robots_tries;
      robots.kind = Request::Kind::kRobots;
      return robots;
    }
    if (!host.sitemaps.empty() && page_budget_ != 0) {
      // Sitemaps before pages: what they list joins the queue early.
      Request sitemap;
      sitemap.url = std::move(host.sitemaps.front());
      sitemap.host = host.name;
      sitemap.kind = Request::Kind::kSitemap;
      host.sitemaps.pop_front();
      --sitemaps_queued_;
      ++sitemaps_pending_;
      Take(host, now);
      Schedule(host);
      return sitemap;
    }
    storage::QueuedUrl url;
    if (!host.retries.empty() && host.retries.begin()->first <= now) {
      url = std::move(host.retries.begin()->second);
      host.retries.erase(host.retries.begin());
      --retrying_;
    } else if (!host.queue.empty() && page_budget_ != 0) {
      url = std::move(host.queue.front());
      host.queue.pop_front();
      --in_memory_;
      if (host.in_db > 0 && !host.refill_listed &&
          host.queue.size() <= settings_->host_window / 2) {
        host.refill_listed = true;
      }
    } else {
      Schedule(host);
      continue;
    }
    if (live_deny_ != nullptr && live_deny_->MatchesAdded(url.url)) {
      // Queued before a control denied it: recorded, never requested.
      blocked_.push_back(BlockedRequest{ToRequest(std::move(url)),
                                        "denied_by_control", false});
      ++outstanding_;
      Schedule(host);
      continue;
    }
    if (settings_->robots && (host.robots == nullptr ||
                              !host.robots->Allowed(settings_->robots_token,
                                                    PathAndQuery(url.url)))) {
      // Never requested; recorded as blocked (or failed) by the store node.
      const bool failed =
          host.robots == nullptr && !host.robots_failure.empty();
      blocked_.push_back(BlockedRequest{ToRequest(std::move(url)),
                                        failed ? host.robots_failure
                                        : host.robots == nullptr
                                            ? "robots_unavailable"
                                            : "robots",
                                        failed});
      ++outstanding_;
      Schedule(host);
      continue;
    }
    Take(host, now);
    // Counted whatever the job's max_pages_per_host: a control may set one.
    if (++host.fetched >= settings_->max_pages_per_host &&
        settings_->max_pages_per_host > 0) {
      Exhaust(host);
    }
    Schedule(host);
    ++outstanding_;
    // The budget counts pages, not tries: a retry was counted the first time.
    if (url.attempts == 0) {
      ++pages_counted_;
      if (page_budget_ > 0) --page_budget_;
    }
    return ToRequest(std::move(url));
  }
  return std::nullopt;
}

void Frontier::Fetched(const Request& request, const FetchReport& report) {
  const int status = report.status;
  const bool timed_out = report.timed_out;
  const double total_ms = report.total_ms;
  const std::optional<milliseconds>& retry_after = report.retry_after;
  std::lock_guard<std::mutex> lock(mu_);
  Host& host = HostFor(request.host);
  if (host.in_flight > 0) --host.in_flight;
  ++host.fetches;
  if (status == 0 || status >= 400) ++host.errors;
  if (host.group == nullptr) return;  // nothing of it was handed out
  // The window is the group's: what one host of a shared server suffers
  // slows all of them.
  Group& group = *host.group;
  if (group.in_flight > 0) --group.in_flight;
  if (settings_->adaptive) {
    if (status == 429 || status == 503 || timed_out) {
      group.delay = std::min(settings_->max_delay,
                             std::max(group.delay * 2, milliseconds(250)));
    } else if (status > 0 && status < 400) {
      if (group.samples >= 5 && total_ms > 4 * group.ewma_ms) {
        // Latency jumped: the host is struggling; add its usual latency to the
        // gap.
        group.delay = std::min(
            settings_->max_delay,
            group.delay + milliseconds(static_cast<int64_t>(group.ewma_ms)));
      } else {
        group.delay = std::max(group.base_delay, group.delay * 9 / 10);
      }
      group.ewma_ms =
          group.samples == 0 ? total_ms : 0.8 * group.ewma_ms + 0.2 * total_ms;
      ++group.samples;
    }
  }
  if (retry_after) {
    // The whole host asked for a pause, not just this URL.
    group.next_start =
        std::max(group.next_start,
                 Clock::now() + std::min(*retry_after, settings_->max_delay));
  }
  ScheduleGroup(group);
  NotifyIfIdle();
}

std::optional<bool> Frontier::RobotsAllows(std::string_view url) const {
  if (!settings_->robots) return true;
  std::lock_guard<std::mutex> lock(mu_);
  auto it = hosts_.find(HostOf(url));
  if (it == hosts_.end()) return std::nullopt;
  const Host& host = *it->second;
  if (!host.robots_known && host.robots_failure.empty()) return std::nullopt;
  return host.robots != nullptr &&
         host.robots->Allowed(settings_->robots_token, PathAndQuery(url));
}

void Frontier::SetRobots(const std::string& host_name,
                         std::shared_ptr<const parser::RobotsTxt> robots,
                         FetchError error) {
  std::lock_guard<std::mutex> lock(mu_);
  Host& host = HostFor(host_name);
  const Clock::time_point now = Clock::now();
  ++host.robots_tries;
  if (robots == nullptr && error == FetchError::kTls) {
    // Not an outage: the next try would meet the same certificate, so it is
    // never fetched again in this run (no retry, no expiry).
    host.robots_state = Host::Robots::kReady;
    host.robots = nullptr;
    host.robots_failure = FetchErrorName(error);
    host.robots_expires = Clock::time_point::max();
  } else if (robots == nullptr && host.robots_known) {
    // A refresh that found robots.txt unavailable: the copy in force stays
    // (RFC 9309 2.4 allows a cached copy while it is unreachable) and the
    // fetch is tried again after the retry backoff, doubling, at most a TTL.
    host.robots_state = Host::Robots::kReady;
    const int shift = std::min(host.robots_refresh_failures++, 16);
    host.robots_expires =
        now + std::min<milliseconds>(settings_->robots_ttl,
                                     settings_->robots_retry * (1 << shift));
  } else if (robots == nullptr &&
             host.robots_tries < settings_->robots_attempts) {
    host.robots_state = Host::Robots::kWaiting;
    host.robots_retry_at =
        now + settings_->robots_retry * (1 << (host.robots_tries - 1));
  } else {
    // After the last try an unavailable robots.txt disallows everything.
    host.robots_state = Host::Robots::kReady;
    host.robots_known = true;
    host.robots_refresh_failures = 0;
    host.robots_expires = now + settings_->robots_ttl;
    host.robots = std::move(robots);
    host.crawl_delay = milliseconds(0);
    if (host.robots != nullptr) {
      if (auto seconds =
              host.robots->CrawlDelaySeconds(settings_->robots_token)) {
        host.crawl_delay =
            std::min(settings_->max_crawl_delay,
                     milliseconds(static_cast<int64_t>(*seconds * 1000.0)));
      }
    }
    if (host.group != nullptr) UpdateBaseDelay(*host.group);
  }
  if (settings_->sitemaps && host.robots_state == Host::Robots::kReady &&
      host.robots != nullptr && !host.sitemaps_seeded) {
    std::string any = !host.queue.empty()     ? host.queue.front().url
                      : !host.retries.empty() ? host.retries.begin()->second.url
                                              : std::string();
    if (!any.empty()) {
      std::vector<std::string> urls = host.robots->sitemaps();
      urls.push_back(std::string(Origin(any)) + "/sitemap.xml");
      host.sitemaps_seeded = true;
      SeedSitemaps(host, urls);
    }
  }
  Schedule(host);
  NotifyIfIdle();
}

void Frontier::SeedSitemaps(Host& host, const std::vector<std::string>& urls) {
  for (const std::string& url : urls) {
    if (HostOf(url) != host.name) continue;
    if (std::find(host.sitemaps_seen.begin(), host.sitemaps_seen.end(), url) !=
        host.sitemaps_seen.end()) {
      continue;
    }
    host.sitemaps_seen.push_back(url);
    host.sitemaps.push_back(url);
    ++sitemaps_queued_;
  }
}

void Frontier::AddSitemaps(const std::string& host_name,
                           const std::vector<std::string>& urls) {
  std::lock_guard<std::mutex> lock(mu_);
  Host& host = HostFor(host_name);
  if (host.exhausted || closed_) return;
  SeedSitemaps(host, urls);
  Schedule(host);
  NotifyIfIdle();
}

}  // namespace crawlbox::crawler
