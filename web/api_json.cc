// nlohmann-json builds the documents; dump() is told to replace invalid UTF-8
// instead of throwing, since stored URLs and items are bytes from the web.
#include "web/api_json.h"

#include <cmath>
#include <nlohmann/json.hpp>

namespace crawlbox::web {

namespace {

using json = nlohmann::ordered_json;

// '<', '>' and '&' occur only inside JSON strings; as \u escapes they keep
// a body that is sniffed or pasted into HTML from ever holding a tag.
std::string Dump(const json& j) {
  const std::string text =
      j.dump(-1, ' ', false, json::error_handler_t::replace);
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '<') {
      out += "\\u003c";
    } else if (c == '>') {
      out += "\\u003e";
    } else if (c == '&') {
      out += "\\u0026";
    } else {
      out += c;
    }
  }
  return out;
}

// Rates and times to the millisecond or thousandth: more digits are noise.
double Round3(double x) {
  if (!std::isfinite(x)) return 0;
  return std::round(x * 1000.0) / 1000.0;
}

json CountsJson(const Counts& counts) {
  json j = json::object();
  for (const auto& [name, value] : counts) j[name] = value;
  return j;
}

json NullIfEmpty(const std::string& text) {
  return text.empty() ? json(nullptr) : json(text);
}

}  // namespace

std::string StatusJson(const StatusData& d) {
  json j;
  j["seq"] = d.seq;
  j["generated_at"] = Round3(d.generated_unix);
  j["source"] = d.source;
  j["job"] = d.job;
  j["crawl_id"] = d.crawl_id == 0 ? json(nullptr) : json(d.crawl_id);
  j["state"] = NullIfEmpty(d.state);
  j["started_at"] = NullIfEmpty(d.started_at);
  j["finished_at"] = NullIfEmpty(d.finished_at);
  j["elapsed_s"] = Round3(d.elapsed_s);
  j["pages"] = d.pages;
  j["failed"] = d.failed;
  j["items"] = d.items;
  j["bytes"] = d.bytes;
  j["queued"] = d.queued;
  j["in_flight"] = d.in_flight;
  j["pages_per_s"] = Round3(d.pages_per_s);
  j["bytes_per_s"] = Round3(d.bytes_per_s);
  j["remaining_pages"] =
      d.remaining_pages < 0 ? json(nullptr) : json(d.remaining_pages);
  j["eta_s"] = d.eta_s ? json(Round3(*d.eta_s)) : json(nullptr);
  j["limits"] = {{"max_pages", d.max_pages},
                 {"max_bytes", d.max_bytes},
                 {"max_duration_s", d.max_duration_s}};
  j["frontier"] = CountsJson(d.frontier);
  j["status_codes"] = CountsJson(d.status_codes);
  j["fetch_errors"] = CountsJson(d.fetch_errors);
  j["failed_reasons"] = CountsJson(d.failed_reasons);
  j["blocked_reasons"] = CountsJson(d.blocked_reasons);
  j["items_per_rule"] = CountsJson(d.items_per_rule);
  j["hosts"] = d.hosts < 0 ? json(nullptr) : json(d.hosts);
  json history = json::array();
  for (const RatePoint& p : d.history) {
    history.push_back({{"t_s", Round3(p.t_s)},
                       {"pages_per_s", Round3(p.pages_per_s)},
                       {"bytes_per_s", Round3(p.bytes_per_s)}});
  }
  j["history"] = std::move(history);
  j["process"] = {{"rss_bytes", d.process.rss_bytes},
                  {"cpu_seconds", Round3(d.process.cpu_seconds)},
                  {"cpu_percent", Round3(d.process.cpu_percent)},
                  {"threads", d.process.threads}};
  j["counters"] = CountsJson(d.counters);
  return Dump(j);
}

std::string HostsJson(const HostsData& d) {
  json rows = json::array();
  for (const HostRow& h : d.rows) {
    json row;
    row["host"] = h.host;
    row["in_flight"] = d.live ? json(h.in_flight) : json(nullptr);
    row["queued"] = h.queued;
    row["delay_ms"] = h.delay_ms < 0 ? json(nullptr) : json(h.delay_ms);
    row["robots"] = NullIfEmpty(h.robots);
    row["fetched"] = h.fetched;
    row["errors"] = h.errors;
    row["group"] = NullIfEmpty(h.group);
    row["group_hosts"] = d.live ? json(h.group_hosts) : json(nullptr);
    row["group_in_flight"] = d.live ? json(h.group_in_flight) : json(nullptr);
    rows.push_back(std::move(row));
  }
  json groups = json::array();
  for (const HostsData::Group& g : d.groups) {
    groups.push_back(json{{"group", g.group},
                          {"hosts", g.hosts},
                          {"in_flight", g.in_flight},
                          {"queued", g.queued},
                          {"delay_ms", g.delay_ms}});
  }
  return Dump(json{{"live", d.live},
                   {"total", d.total},
                   {"hosts", rows},
                   {"groups", groups}});
}

std::string FleetJson(const FleetData& d) {
  json workers = json::array();
  for (const WorkerRow& w : d.workers) {
    workers.push_back({{"id", w.id},
                       {"host", w.host},
                       {"state", w.state},
                       {"in_flight", w.in_flight},
                       {"pages", w.pages},
                       {"pages_per_s", w.pages_per_s},
                       {"seen_s_ago", w.seen_s_ago}});
  }
  return Dump(json{{"distributed", d.distributed},
                   {"epoch", d.epoch},
                   {"pending", d.pending},
                   {"dispatched", d.dispatched},
                   {"reclaimed", d.reclaimed},
                   {"duplicates", d.duplicates},
                   {"workers", workers}});
}

std::string ErrorsJson(const ErrorsData& d) {
  json recent = json::array();
  for (const storage::FailedPage& p : d.recent) {
    recent.push_back(
        {{"url", p.url},
         {"status", p.status == 0 ? json(nullptr) : json(p.status)},
         {"error", NullIfEmpty(p.error)},
         {"fetched_at", p.fetched_at}});
  }
  return Dump(json{{"status_codes", CountsJson(d.status_codes)},
                   {"fetch_errors", CountsJson(d.fetch_errors)},
                   {"failed_reasons", CountsJson(d.failed_reasons)},
                   {"blocked_reasons", CountsJson(d.blocked_reasons)},
                   {"recent", recent}});
}

std::string ItemsJson(const ItemsData& d) {
  json items = json::array();
  for (const storage::StoredItem& item : d.items) {
    // "record" is the documented API key (README), named after the
    // items.record column; renaming it would break API clients.
    json record = json::parse(item.json, nullptr, /*allow_exceptions=*/false);
    if (record.is_discarded()) record = item.json;
    items.push_back({{"id", item.id},
                     {"rule", item.rule},
                     {"url", item.url},
                     {"crawl_id", item.crawl_id},
                     {"created_at", item.created_at},
                     {"record", std::move(record)}});
  }
  return Dump(json{{"rule", NullIfEmpty(d.rule)},
                   {"total", d.total},
                   {"limit", d.limit},
                   {"offset", d.offset},
                   {"rules", CountsJson(d.per_rule)},
                   {"items", items}});
}

std::string ErrorJson(std::string_view message) {
  return Dump(json{{"error", std::string(message)}});
}

}  // namespace crawlbox::web
