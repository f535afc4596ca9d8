// Live numbers win where the crawl in this process knows better (totals,
// counters, hosts); the database supplies what only it holds (frontier states,
// items per rule, the per-second history, reasons of failed URLs).
#include "web/status_collector.h"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <utility>

#include "config/job_loader.h"
#include "storage/summary.h"
#include "web/eta.h"

namespace crawlbox::web {

using config::Result;

namespace {

constexpr double kRateWindowS = 10;

double NowUnix() {
  return std::chrono::duration<double>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The counters under `prefix` ("fetch/status/") keyed by the rest of the path.
template <typename Map>
Counts Family(const Map& counters, std::string_view prefix) {
  Counts out;
  for (const auto& [name, value] : counters) {
    if (name.size() > prefix.size() &&
        name.compare(0, prefix.size(), prefix) == 0)
      out[name.substr(prefix.size())] += value;
  }
  return out;
}

// A run's stored counters; empty when it has none or they do not parse.
Counts ParseCounters(const std::string& json_text) {
  Counts out;
  if (json_text.empty()) return out;
  nlohmann::json j = nlohmann::json::parse(json_text, nullptr,
                                           /*allow_exceptions=*/false);
  if (!j.is_object()) return out;
  for (const auto& [name, value] : j.items()) {
    if (value.is_number_integer()) out[name] = value.get<int64_t>();
  }
  return out;
}

bool Running(const std::string& state) {
  return state == "running" || state == "stopping" || state == "starting";
}

}  // namespace

StatusCollector::StatusCollector(std::string db_path,
                                 const StatusSource* source)
    : db_path_(std::move(db_path)), source_(source) {}

StatusCollector::~StatusCollector() = default;

config::Status StatusCollector::EnsureReader() {
  if (reader_ != nullptr) return config::Status::Ok();
  auto reader = storage::Reader::Open(db_path_);
  if (!reader.ok()) return reader.status();
  auto has = (*reader)->HasRelation("crawls");
  if (!has.ok()) return has.status();
  if (!*has) {
    return config::Status::InvalidArgument(
        db_path_ +
        " is not a crawlbox database (no crawls "
        "table)");
  }
  reader_ = std::move(reader).value();
  return config::Status::Ok();
}

void StatusCollector::LimitsOf(const storage::CrawlRun& run, StatusData* data) {
  if (limits_crawl_id_ != run.id) {
    // Problems (an unset ${VAR} in a seed) do not matter here: the limits are
    // read whatever else the file holds.
    limits_ = config::LoadJobText(run.job_text, "job").job.limits;
    limits_crawl_id_ = run.id;
  }
  data->max_pages = limits_.max_pages;
  data->max_bytes = limits_.max_bytes;
  data->max_duration_s = limits_.max_duration_s;
}

config::Status StatusCollector::UpdateHistory(int64_t crawl_id,
                                              double started_unix) {
  if (history_.crawl_id() != crawl_id) history_.Reset(crawl_id, started_unix);
  int64_t last = history_.last_page_id();
  auto seconds = storage::PagesPerSecond(*reader_, crawl_id, last, &last);
  if (!seconds.ok()) return seconds.status();
  history_.Add(*seconds);
  history_.set_last_page_id(last);
  return config::Status::Ok();
}

Result<StatusData> StatusCollector::Collect() {
  std::lock_guard<std::mutex> lock(mu_);
  const auto now = std::chrono::steady_clock::now();
  if (cached_ && now - cached_at_ < kMaxAge) return *cached_;
  auto data = CollectLocked();
  if (!data.ok()) return data.status();
  cached_ = *data;
  cached_at_ = now;
  return data;
}

Result<StatusData> StatusCollector::CollectLocked() {
  config::Status s = EnsureReader();
  if (!s.ok()) return s;
  storage::Reader& reader = *reader_;
  StatusData data;
  data.seq = ++seq_;
  data.generated_unix = NowUnix();

  std::optional<storage::CrawlRun> run;
  if (source_ != nullptr) {
    const LiveTotals live = source_->Totals();
    data.source = "live";
    data.job = live.job;
    data.crawl_id = live.crawl_id;
    data.state = live.state;
    data.elapsed_s = live.elapsed_s;
    data.pages = live.pages;
    data.failed = live.failed;
    data.items = live.items;
    data.bytes = live.bytes;
    data.queued = live.queued;
    data.in_flight = live.in_flight;
    data.max_pages = live.max_pages;
    data.max_bytes = live.max_bytes;
    data.max_duration_s = live.max_duration_s;
    if (live.page_budget >= 0) {
      data.remaining_pages =
          std::min(live.page_budget, live.queued) + live.in_flight;
    }
    for (const auto& [name, value] : source_->Counters())
      data.counters[name] = value;
    data.hosts = static_cast<int64_t>(source_->Hosts().size());
    data.fleet = source_->Fleet();
    if (live.crawl_id > 0) {
      auto found = storage::CrawlById(reader, live.crawl_id);
      if (!found.ok()) return found.status();
      run = *found;
    }
  } else {
    data.source = "database";
    auto latest = storage::LatestCrawl(reader);
    if (!latest.ok()) return latest.status();
    run = *latest;
    if (run) {
      data.job = run->job_name;
      data.crawl_id = run->id;
      data.state = run->state;
      data.elapsed_s = run->elapsed_s;
      auto totals = storage::TotalsOfRun(reader, run->id);
      if (!totals.ok()) return totals.status();
      data.pages = totals->pages;
      data.failed = totals->failed;
      data.items = totals->items;
      data.bytes = totals->bytes;
      data.counters = ParseCounters(run->stats_json);
      LimitsOf(*run, &data);
    }
  }
  if (run) {
    data.started_at = run->started_at;
    data.finished_at = run->finished_at;
  }

  auto frontier = storage::FrontierByState(reader);
  if (!frontier.ok()) return frontier.status();
  data.frontier = *frontier;
  if (source_ == nullptr) {
    auto it = data.frontier.find("queued");
    data.queued = it == data.frontier.end() ? 0 : it->second;
    if (data.max_pages > 0) {
      int64_t fetched = 0;
      for (const auto& [state, count] : data.frontier)
        if (state != "queued") fetched += count;
      data.remaining_pages =
          std::min(std::max<int64_t>(0, data.max_pages - fetched), data.queued);
    }
  }

  // Fetch outcomes: the run's counters when there are any (live, or stored at
  // the end of the run); a run still going in another process has none yet, so
  // its pages stand in.
  data.status_codes = Family(data.counters, "fetch/status/");
  data.fetch_errors = Family(data.counters, "fetch/error/");
  if (data.counters.empty() && run) {
    auto codes = storage::PagesByStatus(reader, run->id);
    if (!codes.ok()) return codes.status();
    data.status_codes = *codes;
    auto errors = storage::PageErrorsOfRun(reader, run->id);
    if (!errors.ok()) return errors.status();
    data.fetch_errors = *errors;
  }
  auto failed = storage::FrontierReasons(reader, "failed");
  if (!failed.ok()) return failed.status();
  data.failed_reasons = *failed;
  auto blocked = storage::FrontierReasons(reader, "blocked");
  if (!blocked.ok()) return blocked.status();
  data.blocked_reasons = *blocked;
  auto rules = storage::ItemsByRule(reader);
  if (!rules.ok()) return rules.status();
  data.items_per_rule = *rules;

  if (run) {
    s = UpdateHistory(run->id, run->started_unix);
    if (!s.ok()) return s;
    // A run that has ended is drawn up to its end, not up to now.
    const double end = Running(data.state) ? data.generated_unix
                                           : run->started_unix + run->elapsed_s;
    data.history = history_.Points(end, kMaxHistoryPoints);
    if (Running(data.state)) {
      data.pages_per_s = history_.PagesPerSecond(end, kRateWindowS);
      data.bytes_per_s = history_.BytesPerSecond(end, kRateWindowS);
    } else if (data.elapsed_s > 0) {
      data.pages_per_s = static_cast<double>(data.pages) / data.elapsed_s;
      data.bytes_per_s = static_cast<double>(data.bytes) / data.elapsed_s;
    }
  }
  if (Running(data.state)) {
    EtaInput eta;
    eta.elapsed_s = data.elapsed_s;
    eta.pages_per_s = data.pages_per_s;
    eta.bytes_per_s = data.bytes_per_s;
    eta.remaining_pages = data.remaining_pages;
    eta.bytes = data.bytes;
    eta.max_bytes = data.max_bytes;
    eta.max_duration_s = data.max_duration_s;
    data.eta_s = EstimateEta(eta);
  }
  data.process = process_.Sample();
  return data;
}

Result<HostsData> StatusCollector::Hosts(int64_t limit) {
  HostsData out;
  if (source_ != nullptr) {
    out.live = true;
    out.rows = source_->Hosts();
    out.total = static_cast<int64_t>(out.rows.size());
    std::map<std::string, HostsData::Group> groups;
    for (const HostRow& row : out.rows) {
      if (row.group_hosts < 2) continue;
      HostsData::Group& g = groups[row.group];
      g.group = row.group;
      g.hosts = row.group_hosts;
      g.in_flight = row.group_in_flight;
      g.delay_ms = row.delay_ms;
      g.queued += row.queued;
    }
    for (auto& [key, group] : groups) out.groups.push_back(std::move(group));
    std::sort(out.groups.begin(), out.groups.end(),
              [](const HostsData::Group& a, const HostsData::Group& b) {
                if (a.queued != b.queued) return a.queued > b.queued;
                return a.group < b.group;
              });
    if (static_cast<int64_t>(out.groups.size()) > limit)
      out.groups.resize(static_cast<size_t>(limit));
    std::sort(out.rows.begin(), out.rows.end(),
              [](const HostRow& a, const HostRow& b) {
                if (a.queued != b.queued) return a.queued > b.queued;
                if (a.in_flight != b.in_flight)
                  return a.in_flight > b.in_flight;
                return a.host < b.host;
              });
    if (static_cast<int64_t>(out.rows.size()) > limit)
      out.rows.resize(static_cast<size_t>(limit));
    return out;
  }
  std::lock_guard<std::mutex> lock(mu_);
  config::Status s = EnsureReader();
  if (!s.ok()) return s;
  auto hosts = storage::HostsByQueued(*reader_, limit, &out.total);
  if (!hosts.ok()) return hosts.status();
  for (const storage::HostCounts& h : *hosts) {
    HostRow row;
    row.host = h.host;
    row.queued = h.queued;
    row.delay_ms = -1;
    row.fetched = h.done + h.failed;
    row.errors = h.failed;
    out.rows.push_back(std::move(row));
  }
  return out;
}

Result<ErrorsData> StatusCollector::Errors(int64_t recent) {
  auto status = Collect();
  if (!status.ok()) return status.status();
  ErrorsData out;
  out.status_codes = status->status_codes;
  out.fetch_errors = status->fetch_errors;
  out.failed_reasons = status->failed_reasons;
  out.blocked_reasons = status->blocked_reasons;
  std::lock_guard<std::mutex> lock(mu_);
  auto pages = storage::RecentFailures(*reader_, recent);
  if (!pages.ok()) return pages.status();
  out.recent = std::move(pages).value();
  return out;
}

Result<ItemsData> StatusCollector::Items(const std::string& rule, int64_t limit,
                                         int64_t offset) {
  std::lock_guard<std::mutex> lock(mu_);
  config::Status s = EnsureReader();
  if (!s.ok()) return s;
  ItemsData out;
  out.rule = rule;
  out.limit = limit;
  out.offset = offset;
  auto rules = storage::ItemsByRule(*reader_);
  if (!rules.ok()) return rules.status();
  out.per_rule = std::move(rules).value();
  if (rule.empty()) {
    for (const auto& [name, count] : out.per_rule) out.total += count;
  } else {
    auto it = out.per_rule.find(rule);
    out.total = it == out.per_rule.end() ? 0 : it->second;
  }
  auto items = storage::LatestItems(*reader_, rule, limit, offset);
  if (!items.ok()) return items.status();
  out.items = std::move(items).value();
  return out;
}

}  // namespace crawlbox::web
