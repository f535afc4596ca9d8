// The queue's durable side and the end of requests: the Frontier plans its
// windows from the database, refills them through its QueueReader, takes back
// what the store node committed, and knows when the crawl is over.
#include <algorithm>
#include <utility>

#include "crawler/frontier/frontier.h"
#include "crawler/frontier/frontier_state.h"

namespace crawlbox::crawler {

using config::Status;
using std::chrono::milliseconds;

namespace {

// A request that will be tried again, as the frontier row it came from with
// one more attempt made.
storage::QueuedUrl RetryOf(const Request& request) {
  return storage::QueuedUrl{
      request.url_id,
      request.url,
      request.host,
      request.depth,
      request.attempts + 1,
      request.etag,
      request.last_modified,
      request.redirects,
      storage::RequestParts{request.method, RequestBodyKey(request.body),
                            EncodeRequestExtras(request.headers, request.body)},
      storage::WarcCapture{request.last_capture.record_id,
                           request.last_capture.date,
                           request.last_capture.payload_digest}};
}

}  // namespace

Status Frontier::Start() {
  std::vector<std::pair<std::string, int64_t>> queued_per_host;
  Status st = queue_->CountQueuedByHost(&queued_per_host);
  if (!st.ok()) return st;
  // Both counted whatever the job's max_pages and max_pages_per_host: a
  // control may set them later.
  std::vector<std::pair<std::string, int64_t>> fetched_per_host;
  st = queue_->CountFetchedByHost(&fetched_per_host);
  if (!st.ok()) return st;
  auto fetched = queue_->CountFetched();
  if (!fetched.ok()) return fetched.status();
  {
    std::lock_guard<std::mutex> lock(mu_);
    pages_counted_ = *fetched;
    page_budget_ = settings_->max_pages > 0
                       ? std::max<int64_t>(0, settings_->max_pages - *fetched)
                       : -1;
    for (const auto& [name, count] : fetched_per_host)
      HostFor(name).fetched = count;
    for (const auto& [name, count] : queued_per_host) {
      Host& host = HostFor(name);
      host.in_db += count;
      in_db_ += count;
      if (count > 0) host.refill_listed = true;
      if (settings_->max_pages_per_host > 0 &&
          host.fetched >= settings_->max_pages_per_host) {
        Exhaust(host);
      }
    }
  }
  st = Refill();
  std::lock_guard<std::mutex> lock(mu_);
  NotifyIfIdle();
  return st;
}

std::vector<BlockedRequest> Frontier::TakeBlocked() {
  std::lock_guard<std::mutex> lock(mu_);
  return std::exchange(blocked_, {});
}

bool Frontier::HasBlocked() const {
  std::lock_guard<std::mutex> lock(mu_);
  return !blocked_.empty();
}

Status Frontier::Finished(std::span<const Ended> ended,
                          std::vector<storage::QueuedUrl> discovered) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (storage::QueuedUrl& url : discovered) {
      Host& host = HostFor(url.host);
      if (host.exhausted) {
        ++abandoned_;
        ++host.abandoned;
        continue;
      }
      // Once anything of a host waits in the database, its newer URLs wait
      // behind it: the window always holds the host's oldest queued URLs.
      if (host.in_db == 0 && host.queue.size() < settings_->host_window &&
          in_memory_ < settings_->window) {
        host.cursor = std::max(host.cursor, url.id);
        host.queue.push_back(std::move(url));
        ++in_memory_;
        Schedule(host);
      } else {
        ++host.in_db;
        ++in_db_;
        if (!host.refill_listed &&
            host.queue.size() <= settings_->host_window / 2) {
          host.refill_listed = true;
        }
      }
    }
    const Clock::time_point now = Clock::now();
    size_t released = 0;
    size_t sitemaps = 0;
    for (const Ended& end : ended) {
      if (std::holds_alternative<storage::LinksOnly>(end.fate)) {
        // Sitemaps were never outstanding pages: released once the URLs they
        // listed are queued.
        ++sitemaps;
        continue;
      }
      ++released;
      const auto* retry = std::get_if<storage::Retry>(&end.fate);
      if (retry == nullptr) continue;
      Host& host = HostFor(end.request.host);
      if (host.exhausted) {
        ++abandoned_;
        ++host.abandoned;
        continue;
      }
      host.retries.emplace(now + milliseconds(retry->backoff_ms),
                           RetryOf(end.request));
      ++retrying_;
      Schedule(host);
    }
    outstanding_ -= std::min(released, outstanding_);
    sitemaps_pending_ -= std::min(sitemaps, sitemaps_pending_);
    NotifyIfIdle();
  }
  return Refill();
}

std::vector<Frontier::RefillWant> Frontier::RefillWantsLocked() const {
  std::vector<RefillWant> out;
  if (closed_ || in_db_ == 0) return out;
  size_t room =
      settings_->window > in_memory_ ? settings_->window - in_memory_ : 0;
  for (const auto& [name, host] : hosts_) {
    if (room == 0) break;
    if (!host->refill_listed || host->in_db == 0 ||
        host->queue.size() > settings_->host_window / 2) {
      continue;
    }
    size_t limit = std::min(settings_->host_window - host->queue.size(), room);
    room -= limit;
    out.push_back(RefillWant{name, host->cursor, limit});
  }
  return out;
}

Status Frontier::Refill() {
  std::vector<RefillWant> wants;
  {
    std::lock_guard<std::mutex> lock(mu_);
    wants = RefillWantsLocked();
  }
  for (const RefillWant& want : wants) {
    std::vector<storage::QueuedUrl> urls;
    Status st = queue_->LoadQueued(want.host, want.after_id, want.limit, &urls);
    if (!st.ok()) return st;
    // Only this thread adds to windows and changes in_db, so what was wanted
    // still holds; a host may have been exhausted meanwhile.
    std::lock_guard<std::mutex> lock(mu_);
    Host& host = HostFor(want.host);
    if (host.exhausted) continue;
    const int64_t loaded = static_cast<int64_t>(urls.size());
    for (storage::QueuedUrl& url : urls) {
      host.cursor = std::max(host.cursor, url.id);
      host.queue.push_back(std::move(url));
    }
    in_memory_ += urls.size();
    int64_t taken = std::min(loaded, host.in_db);
    host.in_db -= taken;
    in_db_ -= taken;
    // Fewer rows than asked: the database holds no more of this host; trust
    // it.
    if (urls.size() < want.limit) {
      in_db_ -= host.in_db;
      host.in_db = 0;
    }
    host.refill_listed = host.in_db > 0;
    Schedule(host);
    NotifyIfIdle();
  }
  return Status::Ok();
}

void Frontier::Close() {
  std::lock_guard<std::mutex> lock(mu_);
  closed_ = true;
  NotifyIfIdle();
}

bool Frontier::IdleLocked() const {
  bool nothing_more = closed_ || (page_budget_ == 0 && retrying_ == 0) ||
                      (in_memory_ == 0 && in_db_ == 0 && retrying_ == 0 &&
                       sitemaps_queued_ == 0);
  return outstanding_ == 0 && sitemaps_pending_ == 0 && nothing_more;
}

void Frontier::NotifyIfIdle() {
  // Only the end of the crawl is waited for: waking the waiter on every change
  // would cost two context switches per page.
  if (IdleLocked()) changed_.notify_all();
}

bool Frontier::Idle() const {
  std::lock_guard<std::mutex> lock(mu_);
  return IdleLocked();
}

bool Frontier::WaitIdle(milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  return changed_.wait_for(lock, timeout, [this] { return IdleLocked(); });
}

FrontierSnapshot Frontier::Snapshot(bool hosts) const {
  std::lock_guard<std::mutex> lock(mu_);
  FrontierSnapshot out;
  out.queued =
      static_cast<int64_t>(in_memory_ + retrying_) + in_db_ + abandoned_;
  out.outstanding = static_cast<int64_t>(outstanding_);
  out.page_budget = page_budget_;
  out.budget_spent = page_budget_ == 0 && (in_memory_ > 0 || in_db_ > 0);
  if (!hosts) return out;
  out.hosts.reserve(hosts_.size());
  for (const auto& [name, host] : hosts_) {
    FrontierSnapshot::Host state;
    state.host = name;
    state.in_flight = host->in_flight;
    state.queued =
        static_cast<int64_t>(host->queue.size() + host->retries.size()) +
        host->in_db;
    if (const Group* group = host->group) {
      state.group = group->key;
      state.group_hosts = static_cast<int>(group->hosts.size());
      state.group_in_flight = group->in_flight;
      state.delay = group->delay;
    } else {
      state.delay = settings_->delay;
    }
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
        state.robots = !settings_->robots        ? "off"
                       : host->robots == nullptr ? "unavailable"
                                                 : "ok";
        break;
    }
    state.fetched = host->fetches;
    state.errors = host->errors;
    out.hosts.push_back(std::move(state));
  }
  return out;
}

}  // namespace crawlbox::crawler
