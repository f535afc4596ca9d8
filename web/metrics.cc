// Counter slash paths map to one family per area ("retry/given_up" →
// crawlbox_retry_events_total{name="given_up"}), except the fetch outcomes,
// which get the dedicated families dashboards query.
#include "web/metrics.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace crawlbox::web {

namespace {

std::string Number(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  char buffer[64];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  if (ec != std::errc()) return "NaN";
  return std::string(buffer, end);
}

std::string Number(int64_t value) { return std::to_string(value); }

// Metric name characters outside [a-zA-Z0-9_] become '_'.
std::string SanitizeName(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '_';
    if (!ok) c = '_';
  }
  return out;
}

// Collects families in order and writes them whole, so every family's HELP
// and TYPE come once, before its samples.
class Exposition {
 public:
  void Family(const std::string& name, const char* type, const char* help) {
    current_ = name;
    out_ += "# HELP " + name + " " + help + "\n";
    out_ += "# TYPE " + name + " " + type + "\n";
  }
  void Sample(
      const std::string& value,
      const std::vector<std::pair<std::string, std::string>>& labels = {}) {
    out_ += current_;
    if (!labels.empty()) {
      out_ += '{';
      for (size_t i = 0; i < labels.size(); ++i) {
        if (i > 0) out_ += ',';
        out_ +=
            labels[i].first + "=\"" + EscapeLabelValue(labels[i].second) + "\"";
      }
      out_ += '}';
    }
    out_ += ' ' + value + '\n';
  }
  void Gauge(const std::string& name, const char* help,
             const std::string& value) {
    Family(name, "gauge", help);
    Sample(value);
  }
  void Counter(const std::string& name, const char* help,
               const std::string& value) {
    Family(name, "counter", help);
    Sample(value);
  }
  void Labelled(const std::string& name, const char* type, const char* help,
                const char* label, const Counts& counts) {
    Family(name, type, help);
    for (const auto& [key, value] : counts)
      Sample(Number(value), {{label, key}});
  }
  std::string Take() { return std::move(out_); }

 private:
  std::string out_;
  std::string current_;
};

// The fleet families of a master. Per-worker samples are labelled for the
// first kLabelledWorkers workers the master saw (a stable set, so a series
// does not hop between labels) and summed under worker="other" beyond them:
// a fleet of hundreds, or workers restarted for days, stays a few series.
void RenderFleet(const FleetData& f, Exposition* e) {
  constexpr size_t kLabelledWorkers = 16;
  e->Gauge("crawlbox_fleet_epoch",
           "The master run (each master start begins a new one).",
           Number(f.epoch));
  Counts states = {{"working", 0}, {"stopping", 0}, {"left", 0}, {"lost", 0}};
  for (const WorkerRow& w : f.workers) ++states[w.state];
  e->Labelled("crawlbox_fleet_workers", "gauge",
              "Workers in the master's table, by state.", "state", states);
  e->Gauge("crawlbox_fleet_tasks_pending",
           "Tasks handed out and not answered yet.", Number(f.pending));
  e->Counter("crawlbox_fleet_tasks_handed_out_total",
             "Tasks handed out to the fleet (claimed-back ones again).",
             Number(f.dispatched));
  e->Family("crawlbox_fleet_tasks_claimed_back_total", "counter",
            "Tasks claimed back and handed out again, by why: their worker "
            "was declared lost, or their lease ran out.");
  e->Sample(Number(f.reclaimed_lost), {{"reason", "worker_lost"}});
  e->Sample(Number(f.reclaimed - f.reclaimed_lost), {{"reason", "lease"}});
  e->Counter("crawlbox_fleet_results_total", "Results accepted from workers.",
             Number(f.results));
  e->Counter("crawlbox_fleet_duplicate_results_total",
             "Results dropped: answered already, stale, or late from a lost "
             "worker.",
             Number(f.duplicates));

  std::vector<const WorkerRow*> order;
  for (const WorkerRow& w : f.workers) order.push_back(&w);
  std::stable_sort(order.begin(), order.end(),
                   [](const WorkerRow* a, const WorkerRow* b) {
                     return a->joined < b->joined;
                   });
  std::vector<std::pair<std::string, std::pair<int64_t, double>>> per_worker;
  for (size_t i = 0; i < order.size(); ++i) {
    if (i < kLabelledWorkers) {
      per_worker.push_back(
          {order[i]->id, {order[i]->pages, order[i]->pages_per_s}});
      continue;
    }
    if (i == kLabelledWorkers) per_worker.push_back({"other", {0, 0.0}});
    per_worker.back().second.first += order[i]->pages;
    per_worker.back().second.second += order[i]->pages_per_s;
  }
  e->Family("crawlbox_fleet_worker_pages_total", "counter",
            "Results a worker sent (the first 16 workers the master saw, by "
            "id; the rest summed as worker=\"other\").");
  for (const auto& [id, numbers] : per_worker)
    e->Sample(Number(numbers.first), {{"worker", id}});
  e->Family("crawlbox_fleet_worker_pages_per_second", "gauge",
            "Results a worker sent per second lately (labelled as "
            "crawlbox_fleet_worker_pages_total).");
  for (const auto& [id, numbers] : per_worker)
    e->Sample(Number(numbers.second), {{"worker", id}});
  e->Gauge("crawlbox_fleet_redis_round_trip_seconds",
           "The master's latest round trip to Redis (a read of the worker "
           "table).",
           Number(f.redis_rtt_s));
}

}  // namespace

std::string EscapeLabelValue(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string RenderMetrics(const StatusData& d) {
  Exposition e;
  e.Family("crawlbox_crawl_info", "gauge",
           "The crawl run shown: job, run id, state and where the numbers "
           "come from (always 1).");
  e.Sample("1", {{"job", d.job},
                 {"crawl_id", std::to_string(d.crawl_id)},
                 {"state", d.state},
                 {"source", d.source}});
  e.Labelled("crawlbox_pages_total", "counter",
             "Fetches answered, by HTTP status (retries included).", "status",
             d.status_codes);
  e.Labelled("crawlbox_fetch_errors_total", "counter",
             "Fetches without a response, by reason (retries included).",
             "reason", d.fetch_errors);
  e.Counter("crawlbox_pages_stored_total", "Pages the run stored.",
            Number(d.pages));
  e.Counter("crawlbox_pages_failed_total",
            "Stored pages that failed for good (after retries).",
            Number(d.failed));
  e.Counter("crawlbox_items_stored_total", "Items the run stored.",
            Number(d.items));
  e.Counter("crawlbox_bytes_total", "Body bytes of the pages the run stored.",
            Number(d.bytes));
  e.Labelled("crawlbox_frontier_urls", "gauge",
             "URLs in the database's frontier, by state.", "state", d.frontier);
  e.Gauge("crawlbox_queued_urls", "URLs waiting to be fetched.",
          Number(d.queued));
  e.Gauge("crawlbox_in_flight",
          "Pages handed to the fetcher and not yet stored.",
          Number(d.in_flight));
  e.Labelled("crawlbox_items", "gauge",
             "Items in the database, by rule (every run).", "rule",
             d.items_per_rule);
  e.Labelled("crawlbox_failed_urls", "gauge",
             "Frontier URLs that failed, by reason.", "reason",
             d.failed_reasons);
  e.Labelled("crawlbox_blocked_urls", "gauge",
             "Frontier URLs never requested (robots.txt), by reason.", "reason",
             d.blocked_reasons);
  e.Gauge("crawlbox_pages_per_second", "Pages stored per second, recently.",
          Number(d.pages_per_s));
  e.Gauge("crawlbox_bytes_per_second",
          "Body bytes stored per second, recently.", Number(d.bytes_per_s));
  e.Gauge("crawlbox_elapsed_seconds", "Seconds since the run started.",
          Number(d.elapsed_s));
  if (d.eta_s) {
    e.Gauge("crawlbox_eta_seconds",
            "Estimated seconds until a limit ends the run.", Number(*d.eta_s));
  }
  if (d.hosts >= 0) {
    e.Gauge("crawlbox_hosts", "Hosts the run has seen.", Number(d.hosts));
  }

  // Every other counter, one family per area.
  std::map<std::string, Counts> areas;
  int64_t fetched_bytes = -1;
  for (const auto& [name, value] : d.counters) {
    if (name == "fetch/bytes") {
      fetched_bytes = value;
      continue;
    }
    if (name.rfind("fetch/status/", 0) == 0 ||
        name.rfind("fetch/error/", 0) == 0)
      continue;
    const size_t slash = name.find('/');
    const std::string area =
        slash == std::string::npos ? "other" : name.substr(0, slash);
    const std::string rest =
        slash == std::string::npos ? name : name.substr(slash + 1);
    areas[SanitizeName(area)][rest] += value;
  }
  if (fetched_bytes >= 0) {
    e.Counter("crawlbox_fetched_bytes_total",
              "Body bytes fetched (after decoding), retries included.",
              Number(fetched_bytes));
  }
  for (const auto& [area, counts] : areas) {
    e.Labelled("crawlbox_" + area + "_events_total", "counter",
               "The run's counters of this area, by the rest of their path.",
               "name", counts);
  }

  if (d.fleet.distributed) RenderFleet(d.fleet, &e);

  e.Gauge("process_resident_memory_bytes", "Resident memory of this process.",
          Number(d.process.rss_bytes));
  e.Counter("process_cpu_seconds_total",
            "User and system CPU time of this process.",
            Number(d.process.cpu_seconds));
  e.Gauge("crawlbox_process_threads", "Threads of this process.",
          Number(d.process.threads));
  return e.Take();
}

}  // namespace crawlbox::web
