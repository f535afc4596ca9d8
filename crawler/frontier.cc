// Per-host windows, a ready queue ordered by when each host may next be
// contacted, retries held until their backoff passes, and the accounting that
// makes the end of a crawl exact.
#include "crawler/frontier.h"

#include <algorithm>
#include <cctype>

namespace crawlbox::crawler {

using std::chrono::milliseconds;

struct Frontier::Host {
  std::string name;
  std::deque<storage::QueuedUrl> queue;  // window, ascending ids
  int64_t in_db = 0;                     // queued only in the database
  int64_t cursor = 0;                    // highest id ever put in the window
  bool refill_listed = false;
  int in_flight = 0;
  Clock::time_point next_start{};
  milliseconds delay{0};
  double ewma_ms = 0;
  int samples = 0;
  std::multimap<Clock::time_point, storage::QueuedUrl> retries;
  uint64_t ready_seq = 0;      // seq of its live entry in ready_; 0 = none
  int64_t fetched = 0;         // requests handed out, earlier runs included
  bool exhausted = false;      // reached max_pages_per_host
  milliseconds base_delay{0};  // configured delay, raised by Crawl-delay
  enum class Robots { kUnknown, kFetching, kWaiting, kReady };
  Robots robots_state = Robots::kUnknown;
  std::shared_ptr<const parser::RobotsTxt> robots;  // null: unavailable
  int robots_tries = 0;
  Clock::time_point robots_retry_at{};
  std::deque<std::string> sitemaps;  // to fetch
  std::vector<std::string> sitemaps_seen;
  bool sitemaps_seeded = false;
  int64_t fetches = 0;  // finished this run, robots.txt and sitemaps included
  int64_t errors = 0;   // of which without a response or with status >= 400
};

namespace {

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

}  // namespace

Frontier::Frontier(FrontierOptions options)
    : options_(options), page_budget_(options.page_budget) {}

Frontier::~Frontier() = default;

Frontier::Host& Frontier::HostFor(const std::string& name) {
  auto& slot = hosts_[name];
  if (slot == nullptr) {
    slot = std::make_unique<Host>();
    slot->name = name;
    slot->delay = options_.delay;
    slot->base_delay = options_.delay;
    if (!options_.robots) slot->robots_state = Host::Robots::kReady;
  }
  return *slot;
}

bool Frontier::HasWork(const Host& host) const {
  // With the page budget spent only retries of pages already counted remain.
  if (page_budget_ == 0) return !host.retries.empty();
  return !host.queue.empty() || !host.retries.empty() || !host.sitemaps.empty();
}

std::optional<Frontier::Clock::time_point> Frontier::ReadyTime(
    const Host& host) const {
  if (!HasWork(host) || host.in_flight >= options_.per_host_concurrency) {
    return std::nullopt;
  }
  Clock::time_point at = host.next_start;
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
  if (options_.sitemaps && !options_.robots && !host.sitemaps_seeded &&
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

void Frontier::Start(
    const std::vector<std::pair<std::string, int64_t>>& queued_per_host,
    const std::vector<std::pair<std::string, int64_t>>& fetched_per_host) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [name, count] : fetched_per_host)
    HostFor(name).fetched = count;
  for (const auto& [name, count] : queued_per_host) {
    Host& host = HostFor(name);
    host.in_db += count;
    in_db_ += count;
    if (count > 0) host.refill_listed = true;
    if (options_.max_pages_per_host > 0 &&
        host.fetched >= options_.max_pages_per_host) {
      Exhaust(host);
    }
  }
  changed_.notify_all();
}

void Frontier::Exhaust(Host& host) {
  host.exhausted = true;
  abandoned_ += static_cast<int64_t>(host.queue.size() + host.retries.size()) +
                host.in_db;
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
  *wait = milliseconds(1000);
  if (closed_ ||
      outstanding_ >= static_cast<size_t>(options_.max_outstanding)) {
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
    if (host.robots_state == Host::Robots::kUnknown ||
        host.robots_state == Host::Robots::kWaiting) {
      // robots.txt first: it uses the host's slot and delay like a page.
      const std::string& any_url = !host.queue.empty() ? host.queue.front().url
                                   : !host.retries.empty()
                                       ? host.retries.begin()->second.url
                                       : host.sitemaps.front();
      host.robots_state = Host::Robots::kFetching;
      ++host.in_flight;
      host.next_start = now + host.delay;
      Request robots{0, RobotsUrl(any_url), host.name, 0, host.robots_tries};
      robots.kind = Request::Kind::kRobots;
      return robots;
    }
    if (!host.sitemaps.empty() && page_budget_ != 0) {
      // Sitemaps before pages: what they list joins the queue early.
      Request sitemap{0, std::move(host.sitemaps.front()), host.name, 0, 0};
      sitemap.kind = Request::Kind::kSitemap;
      host.sitemaps.pop_front();
      --sitemaps_queued_;
      ++sitemaps_pending_;
      ++host.in_flight;
      host.next_start = now + host.delay;
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
          host.queue.size() <= options_.host_window / 2) {
        host.refill_listed = true;
      }
    } else {
      Schedule(host);
      continue;
    }
    if (options_.robots &&
        (host.robots == nullptr ||
         !host.robots->Allowed(options_.robots_token, PathAndQuery(url.url)))) {
      // Never requested; recorded as blocked by the store node.
      blocked_.emplace_back(std::move(url), host.robots == nullptr
                                                ? "robots_unavailable"
                                                : "robots");
      ++outstanding_;
      Schedule(host);
      continue;
    }
    ++host.in_flight;
    host.next_start = now + host.delay;
    if (options_.max_pages_per_host > 0 &&
        ++host.fetched >= options_.max_pages_per_host) {
      Exhaust(host);
    }
    Schedule(host);
    ++outstanding_;
    ++handed_out_;
    // The budget counts pages, not tries: a retry was counted the first time.
    if (page_budget_ > 0 && url.attempts == 0) --page_budget_;
    Request request{url.id, std::move(url.url), std::move(url.host), url.depth,
                    url.attempts};
    request.etag = std::move(url.etag);
    request.last_modified = std::move(url.last_modified);
    return request;
  }
  return std::nullopt;
}

void Frontier::Fetched(const std::string& host_name, int status, bool timed_out,
                       double total_ms,
                       std::optional<milliseconds> retry_after) {
  std::lock_guard<std::mutex> lock(mu_);
  Host& host = HostFor(host_name);
  if (host.in_flight > 0) --host.in_flight;
  ++host.fetches;
  if (status == 0 || status >= 400) ++host.errors;
  if (options_.adaptive) {
    if (status == 429 || status == 503 || timed_out) {
      host.delay = std::min(options_.max_delay,
                            std::max(host.delay * 2, milliseconds(250)));
    } else if (status > 0 && status < 400) {
      if (host.samples >= 5 && total_ms > 4 * host.ewma_ms) {
        // Latency jumped: the host is struggling; add its usual latency to the
        // gap.
        host.delay = std::min(
            options_.max_delay,
            host.delay + milliseconds(static_cast<int64_t>(host.ewma_ms)));
      } else {
        host.delay = std::max(host.base_delay, host.delay * 9 / 10);
      }
      host.ewma_ms =
          host.samples == 0 ? total_ms : 0.8 * host.ewma_ms + 0.2 * total_ms;
      ++host.samples;
    }
  }
  if (retry_after) {
    // The whole host asked for a pause, not just this URL.
    host.next_start =
        std::max(host.next_start,
                 Clock::now() + std::min(*retry_after, options_.max_delay));
  }
  Schedule(host);
  changed_.notify_all();
}

void Frontier::SetRobots(const std::string& host_name,
                         std::shared_ptr<const parser::RobotsTxt> robots) {
  std::lock_guard<std::mutex> lock(mu_);
  Host& host = HostFor(host_name);
  ++host.robots_tries;
  if (robots == nullptr && host.robots_tries < options_.robots_attempts) {
    host.robots_state = Host::Robots::kWaiting;
    host.robots_retry_at =
        Clock::now() + options_.robots_retry * (1 << (host.robots_tries - 1));
  } else {
    // After the last try an unavailable robots.txt disallows everything.
    host.robots_state = Host::Robots::kReady;
    host.robots = std::move(robots);
    if (host.robots != nullptr) {
      if (auto seconds =
              host.robots->CrawlDelaySeconds(options_.robots_token)) {
        auto crawl_delay =
            std::min(options_.max_crawl_delay,
                     milliseconds(static_cast<int64_t>(*seconds * 1000.0)));
        host.base_delay = std::max(host.base_delay, crawl_delay);
        host.delay = std::max(host.delay, host.base_delay);
      }
    }
  }
  if (options_.sitemaps && host.robots_state == Host::Robots::kReady &&
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
  changed_.notify_all();
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
  changed_.notify_all();
}

void Frontier::SitemapsDone(size_t count) {
  std::lock_guard<std::mutex> lock(mu_);
  sitemaps_pending_ -= std::min(count, sitemaps_pending_);
  changed_.notify_all();
}

std::vector<std::pair<storage::QueuedUrl, std::string>>
Frontier::TakeBlocked() {
  std::lock_guard<std::mutex> lock(mu_);
  return std::exchange(blocked_, {});
}

bool Frontier::HasBlocked() const {
  std::lock_guard<std::mutex> lock(mu_);
  return !blocked_.empty();
}

void Frontier::Complete(size_t count,
                        std::vector<storage::QueuedUrl> discovered,
                        std::vector<Retry> retries) {
  std::lock_guard<std::mutex> lock(mu_);
  for (storage::QueuedUrl& url : discovered) {
    Host& host = HostFor(url.host);
    if (host.exhausted) {
      ++abandoned_;
      continue;
    }
    // Once anything of a host waits in the database, its newer URLs wait behind
    // it: FIFO.
    if (host.in_db == 0 && host.queue.size() < options_.host_window &&
        in_memory_ < options_.window) {
      host.cursor = std::max(host.cursor, url.id);
      host.queue.push_back(std::move(url));
      ++in_memory_;
      Schedule(host);
    } else {
      ++host.in_db;
      ++in_db_;
      if (!host.refill_listed &&
          host.queue.size() <= options_.host_window / 2) {
        host.refill_listed = true;
      }
    }
  }
  for (Retry& retry : retries) {
    Host& host = HostFor(retry.url.host);
    if (host.exhausted) {
      ++abandoned_;
      continue;
    }
    host.retries.emplace(retry.not_before, std::move(retry.url));
    ++retrying_;
    Schedule(host);
  }
  outstanding_ -= std::min(count, outstanding_);
  changed_.notify_all();
}

std::vector<Frontier::RefillRequest> Frontier::RefillWanted() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<RefillRequest> out;
  if (closed_ || in_db_ == 0) return out;
  size_t room = options_.window > in_memory_ ? options_.window - in_memory_ : 0;
  for (const auto& [name, host] : hosts_) {
    if (room == 0) break;
    if (!host->refill_listed || host->in_db == 0 ||
        host->queue.size() > options_.host_window / 2) {
      continue;
    }
    size_t limit = std::min(options_.host_window - host->queue.size(), room);
    room -= limit;
    out.push_back(RefillRequest{name, host->cursor, limit});
  }
  return out;
}

void Frontier::Refill(const RefillRequest& request,
                      std::vector<storage::QueuedUrl> urls) {
  std::lock_guard<std::mutex> lock(mu_);
  Host& host = HostFor(request.host);
  if (host.exhausted) return;
  const int64_t loaded = static_cast<int64_t>(urls.size());
  for (storage::QueuedUrl& url : urls) {
    host.cursor = std::max(host.cursor, url.id);
    host.queue.push_back(std::move(url));
  }
  in_memory_ += urls.size();
  int64_t taken = std::min(loaded, host.in_db);
  host.in_db -= taken;
  in_db_ -= taken;
  // Fewer rows than asked: the database holds no more of this host; trust it.
  if (urls.size() < request.limit) {
    in_db_ -= host.in_db;
    host.in_db = 0;
  }
  host.refill_listed = host.in_db > 0;
  Schedule(host);
  changed_.notify_all();
}

void Frontier::Close() {
  std::lock_guard<std::mutex> lock(mu_);
  closed_ = true;
  changed_.notify_all();
}

bool Frontier::IdleLocked() const {
  bool nothing_more = closed_ || (page_budget_ == 0 && retrying_ == 0) ||
                      (in_memory_ == 0 && in_db_ == 0 && retrying_ == 0 &&
                       sitemaps_queued_ == 0);
  return outstanding_ == 0 && sitemaps_pending_ == 0 && nothing_more;
}

bool Frontier::Idle() const {
  std::lock_guard<std::mutex> lock(mu_);
  return IdleLocked();
}

bool Frontier::WaitIdle(milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  return changed_.wait_for(lock, timeout, [this] { return IdleLocked(); });
}

size_t Frontier::queued() const {
  std::lock_guard<std::mutex> lock(mu_);
  return in_memory_ + static_cast<size_t>(in_db_) + retrying_;
}

size_t Frontier::outstanding() const {
  std::lock_guard<std::mutex> lock(mu_);
  return outstanding_;
}

bool Frontier::Budgetless() const {
  std::lock_guard<std::mutex> lock(mu_);
  return page_budget_ == 0 && (in_memory_ > 0 || in_db_ > 0);
}

int64_t Frontier::abandoned() const {
  std::lock_guard<std::mutex> lock(mu_);
  return abandoned_;
}

int64_t Frontier::handed_out() const {
  std::lock_guard<std::mutex> lock(mu_);
  return handed_out_;
}

milliseconds Frontier::HostDelay(const std::string& name) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = hosts_.find(name);
  return it == hosts_.end() ? options_.delay : it->second->delay;
}

int64_t Frontier::page_budget() const {
  std::lock_guard<std::mutex> lock(mu_);
  return page_budget_;
}

std::vector<Frontier::HostState> Frontier::HostsSnapshot() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<HostState> out;
  out.reserve(hosts_.size());
  for (const auto& [name, host] : hosts_) {
    HostState state;
    state.host = name;
    state.in_flight = host->in_flight;
    state.queued =
        static_cast<int64_t>(host->queue.size() + host->retries.size()) +
        host->in_db;
    state.delay = host->delay;
    switch (host->robots_state) {
      case Host::Robots::kUnknown:
        state.robots = "pending";
        break;
      case Host::Robots::kFetching:
        state.robots = "fetching";
        break;
      case Host::Robots::kWaiting:
        state.robots = "retrying";
        break;
      case Host::Robots::kReady:
        state.robots = !options_.robots          ? "off"
                       : host->robots == nullptr ? "unavailable"
                                                 : "ok";
        break;
    }
    state.fetched = host->fetches;
    state.errors = host->errors;
    out.push_back(std::move(state));
  }
  return out;
}

}  // namespace crawlbox::crawler
