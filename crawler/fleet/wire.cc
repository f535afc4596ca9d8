// Task and TaskResult ↔ JSON with nlohmann-json; its exceptions stop here and
// become Status.
#include "crawler/fleet/wire.h"

#include <nlohmann/json.hpp>

#include "config/base64.h"

namespace crawlbox::crawler {

using config::FromBase64;
using config::Result;
using config::Status;
using config::ToBase64;
using nlohmann::json;

namespace {

const char* KindName(Request::Kind kind) {
  switch (kind) {
    case Request::Kind::kRobots:
      return "robots";
    case Request::Kind::kSitemap:
      return "sitemap";
    case Request::Kind::kPage:
      break;
  }
  return "page";
}

Request::Kind KindFromName(std::string_view name) {
  if (name == "robots") return Request::Kind::kRobots;
  if (name == "sitemap") return Request::Kind::kSitemap;
  return Request::Kind::kPage;
}

FetchError FetchErrorFromName(std::string_view name) {
  for (int e = static_cast<int>(FetchError::kNone);
       e <= static_cast<int>(FetchError::kOther); ++e) {
    if (name == FetchErrorName(static_cast<FetchError>(e)))
      return static_cast<FetchError>(e);
  }
  return FetchError::kOther;
}

// A fate as {"kind": ..., fields}: one alternative, its name and its own
// fields, so a fate that does not parse is never half-applied.
json FateJson(const storage::Fate& fate) {
  return std::visit(
      [](const auto& f) -> json {
        using F = std::decay_t<decltype(f)>;
        if constexpr (std::is_same_v<F, storage::Stored>) {
          return {{"kind", "stored"}};
        } else if constexpr (std::is_same_v<F, storage::NotModified>) {
          return {{"kind", "not_modified"}};
        } else if constexpr (std::is_same_v<F, storage::Redirected>) {
          return {{"kind", "redirected"},
                  {"target", f.target},
                  {"permanent", f.permanent}};
        } else if constexpr (std::is_same_v<F, storage::Failed>) {
          return {{"kind", "failed"}, {"reason", f.reason}};
        } else if constexpr (std::is_same_v<F, storage::Retry>) {
          return {{"kind", "retry"},
                  {"reason", f.reason},
                  {"backoff_ms", f.backoff_ms}};
        } else if constexpr (std::is_same_v<F, storage::Blocked>) {
          return {{"kind", "blocked"}, {"reason", f.reason}};
        } else {
          static_assert(std::is_same_v<F, storage::LinksOnly>);
          return {{"kind", "links_only"}};
        }
      },
      fate);
}

storage::Fate FateFrom(const json& j) {
  const std::string kind = j.at("kind").get<std::string>();
  if (kind == "stored") return storage::Stored{};
  if (kind == "not_modified") return storage::NotModified{};
  if (kind == "redirected") {
    return storage::Redirected{j.at("target").get<std::string>(),
                               j.at("permanent").get<bool>()};
  }
  if (kind == "failed")
    return storage::Failed{j.at("reason").get<std::string>()};
  if (kind == "retry") {
    return storage::Retry{j.at("reason").get<std::string>(),
                          j.at("backoff_ms").get<int64_t>()};
  }
  if (kind == "blocked")
    return storage::Blocked{j.at("reason").get<std::string>()};
  if (kind == "links_only") return storage::LinksOnly{};
  throw json::other_error::create(501, "unknown fate '" + kind + "'", &j);
}

// A response record's id, date and payload digest, as an array.
json CaptureJson(const storage::WarcCapture& c) {
  return {c.record_id, c.date, c.payload_digest};
}

storage::WarcCapture CaptureFrom(const json& j) {
  return {j.at(0).get<std::string>(), j.at(1).get<std::string>(),
          j.at(2).get<std::string>()};
}

json OutcomeJson(const storage::PageOutcome& r) {
  const storage::PageRow& p = r.page;
  json page = {{"url_id", p.url_id},
               {"url", p.url},
               {"final_url", p.final_url},
               {"status", p.status},
               {"content_type", p.content_type},
               {"bytes", p.bytes},
               {"total_ms", p.total_ms},
               {"ttfb_ms", p.ttfb_ms},
               {"error", p.error},
               {"etag", p.etag},
               {"last_modified", p.last_modified},
               {"body_hash", p.body_hash},
               {"body", ToBase64(p.body)},
               {"body_encoding", p.body_encoding},
               {"robots", p.robots},
               {"canonical", p.canonical},
               {"cuts", p.cuts},
               {"follow_canonical", p.follow_canonical},
               {"rendered", p.rendered},
               {"render_ms", p.render_ms}};
  json items = json::array();
  for (const storage::ItemRow& i : r.items) items.push_back({i.rule, i.json});
  json links = json::array();
  for (const storage::NewUrl& l : r.links) {
    json link = {
        l.url,      l.host, l.depth, l.discovered_from, static_cast<int>(l.via),
        l.redirects};
    // A request beyond a plain GET adds its parts; most links have none.
    if (l.request.method != "GET" || !l.request.encoded.empty()) {
      link.push_back(l.request.method);
      link.push_back(l.request.body_key);
      link.push_back(ToBase64(l.request.encoded));
    }
    links.push_back(std::move(link));
  }
  json dropped = json::array();
  for (const storage::DroppedItems& d : r.dropped)
    dropped.push_back({d.rule, d.count});
  json out = {{"page", std::move(page)},
              {"items", std::move(items)},
              {"links", std::move(links)},
              {"dropped", std::move(dropped)},
              {"fate", FateJson(r.fate)}};
  // WARC records the worker prepared: the master writes them.
  if (!r.archive.empty()) {
    json archive = json::array();
    for (const storage::ArchiveMember& m : r.archive) {
      json member = {m.type, ToBase64(m.deflated), m.crc,
                     m.size, m.index_key,          m.index_fields};
      if (!m.capture.record_id.empty())
        member.push_back(CaptureJson(m.capture));
      archive.push_back(std::move(member));
    }
    out["archive"] = std::move(archive);
  }
  if (!r.archived.empty()) {
    json archived = json::array();
    for (const storage::ArchiveLocation& a : r.archived) {
      json location = {a.type, a.file, a.offset, a.length};
      if (!a.capture.record_id.empty())
        location.push_back(CaptureJson(a.capture));
      archived.push_back(std::move(location));
    }
    out["archived"] = std::move(archived);
  }
  return out;
}

storage::PageOutcome OutcomeFrom(const json& j) {
  storage::PageOutcome r;
  const json& page = j.at("page");
  storage::PageRow& p = r.page;
  p.url_id = page.at("url_id").get<int64_t>();
  p.url = page.at("url").get<std::string>();
  p.final_url = page.at("final_url").get<std::string>();
  p.status = page.at("status").get<int>();
  p.content_type = page.at("content_type").get<std::string>();
  p.bytes = page.at("bytes").get<int64_t>();
  p.total_ms = page.at("total_ms").get<double>();
  p.ttfb_ms = page.at("ttfb_ms").get<double>();
  p.error = page.at("error").get<std::string>();
  p.etag = page.at("etag").get<std::string>();
  p.last_modified = page.at("last_modified").get<std::string>();
  p.body_hash = page.at("body_hash").get<std::string>();
  std::optional<std::string> body =
      FromBase64(page.at("body").get<std::string>());
  if (!body) throw json::other_error::create(501, "body is not base64", &page);
  p.body = std::move(*body);
  p.body_encoding = page.at("body_encoding").get<std::string>();
  p.robots = page.at("robots").get<std::string>();
  p.canonical = page.at("canonical").get<std::string>();
  p.cuts = page.at("cuts").get<std::string>();
  p.follow_canonical = page.at("follow_canonical").get<bool>();
  p.rendered = page.value("rendered", false);
  p.render_ms = page.value("render_ms", 0.0);
  for (const json& i : j.at("items"))
    r.items.push_back({i.at(0).get<std::string>(), i.at(1).get<std::string>()});
  for (const json& l : j.at("links")) {
    const int via = l.at(4).get<int>();
    if (via < 0 || via > static_cast<int>(storage::Via::kCanonical))
      throw json::other_error::create(501, "unknown link kind", &l);
    storage::NewUrl link{l.at(0).get<std::string>(),
                         l.at(1).get<std::string>(),
                         l.at(2).get<int>(),
                         l.at(3).get<int64_t>(),
                         static_cast<storage::Via>(via),
                         l.at(5).get<int>(),
                         {}};
    if (l.size() > 6) {
      link.request.method = l.at(6).get<std::string>();
      link.request.body_key = l.at(7).get<std::string>();
      std::optional<std::string> encoded =
          FromBase64(l.at(8).get<std::string>());
      if (!encoded)
        throw json::other_error::create(501, "request is not base64", &l);
      link.request.encoded = std::move(*encoded);
    }
    r.links.push_back(std::move(link));
  }
  for (const json& d : j.at("dropped"))
    r.dropped.push_back({d.at(0).get<std::string>(), d.at(1).get<int64_t>()});
  r.fate = FateFrom(j.at("fate"));
  if (auto it = j.find("archive"); it != j.end()) {
    for (const json& m : *it) {
      std::optional<std::string> deflated =
          FromBase64(m.at(1).get<std::string>());
      if (!deflated)
        throw json::other_error::create(501, "record is not base64", &m);
      r.archive.push_back(
          {m.at(0).get<std::string>(), std::move(*deflated),
           m.at(2).get<uint32_t>(), m.at(3).get<uint64_t>(),
           m.at(4).get<std::string>(), m.at(5).get<std::string>(),
           m.size() > 6 ? CaptureFrom(m.at(6)) : storage::WarcCapture()});
    }
  }
  if (auto it = j.find("archived"); it != j.end()) {
    for (const json& a : *it) {
      r.archived.push_back(
          {a.at(0).get<std::string>(), a.at(1).get<std::string>(),
           a.at(2).get<int64_t>(), a.at(3).get<int64_t>(),
           a.size() > 4 ? CaptureFrom(a.at(4)) : storage::WarcCapture()});
    }
  }
  return r;
}

std::string Dump(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace

std::string EncodeTask(const Task& task) {
  const Request& r = task.request;
  json j = {{"epoch", task.epoch},
            {"id", task.id},
            {"delivery", task.delivery},
            {"kind", KindName(r.kind)},
            {"url_id", r.url_id},
            {"url", r.url},
            {"host", r.host},
            {"depth", r.depth},
            {"attempts", r.attempts},
            {"redirects", r.redirects},
            {"etag", r.etag},
            {"last_modified", r.last_modified}};
  // The revisit's reference: only a re-crawl with WARC on has one.
  if (!r.last_capture.record_id.empty()) {
    j["capture"] = {r.last_capture.record_id, r.last_capture.date,
                    r.last_capture.payload_digest};
  }
  if (!r.IsPlainGet()) {
    j["method"] = r.method;
    j["headers"] = r.headers;
    j["body"] = ToBase64(r.body);
  }
  return Dump(j);
}

Result<Task> DecodeTask(std::string_view text) {
  try {
    json j = json::parse(text);
    Task task;
    task.epoch = j.at("epoch").get<int64_t>();
    task.id = j.at("id").get<int64_t>();
    task.delivery = j.value("delivery", 1);
    Request& r = task.request;
    r.kind = KindFromName(j.at("kind").get<std::string>());
    r.url_id = j.at("url_id").get<int64_t>();
    r.url = j.at("url").get<std::string>();
    r.host = j.at("host").get<std::string>();
    r.depth = j.at("depth").get<int>();
    r.attempts = j.at("attempts").get<int>();
    r.redirects = j.at("redirects").get<int>();
    r.etag = j.at("etag").get<std::string>();
    r.last_modified = j.at("last_modified").get<std::string>();
    if (auto it = j.find("capture"); it != j.end()) {
      r.last_capture.record_id = it->at(0).get<std::string>();
      r.last_capture.date = it->at(1).get<std::string>();
      r.last_capture.payload_digest = it->at(2).get<std::string>();
    }
    if (j.contains("method")) {
      r.method = j.at("method").get<std::string>();
      r.headers = j.at("headers").get<std::vector<std::string>>();
      std::optional<std::string> body =
          FromBase64(j.at("body").get<std::string>());
      if (!body) return Status::Corruption("not a crawlbox task: bad body");
      r.body = std::move(*body);
    }
    return task;
  } catch (const json::exception& e) {
    return Status::Corruption(std::string("not a crawlbox task: ") + e.what());
  }
}

std::string EncodeResult(const TaskResult& result) {
  json j = {{"epoch", result.epoch},
            {"task", result.task},
            {"delivery", result.delivery},
            {"url", result.url},
            {"worker", result.worker},
            {"status", result.report.status},
            {"timed_out", result.report.timed_out},
            {"total_ms", result.report.total_ms},
            {"error", FetchErrorName(result.error)},
            {"robots_body", ToBase64(result.robots_body)},
            {"outcome", OutcomeJson(result.outcome)},
            {"nested_sitemaps", result.nested_sitemaps},
            {"counters", result.counters}};
  if (result.report.retry_after)
    j["retry_after_ms"] = result.report.retry_after->count();
  return Dump(j);
}

Result<TaskResult> DecodeResult(std::string_view text) {
  try {
    json j = json::parse(text);
    TaskResult r;
    r.epoch = j.at("epoch").get<int64_t>();
    r.task = j.at("task").get<int64_t>();
    r.delivery = j.value("delivery", 1);
    r.url = j.at("url").get<std::string>();
    r.worker = j.at("worker").get<std::string>();
    r.report.status = j.at("status").get<int>();
    r.report.timed_out = j.at("timed_out").get<bool>();
    r.report.total_ms = j.at("total_ms").get<double>();
    r.error = FetchErrorFromName(j.at("error").get<std::string>());
    std::optional<std::string> robots =
        FromBase64(j.at("robots_body").get<std::string>());
    if (!robots)
      return Status::Corruption("a result's robots_body is not base64");
    r.robots_body = std::move(*robots);
    r.outcome = OutcomeFrom(j.at("outcome"));
    r.nested_sitemaps = j.at("nested_sitemaps").get<std::vector<std::string>>();
    r.counters = j.at("counters").get<std::map<std::string, int64_t>>();
    if (j.contains("retry_after_ms"))
      r.report.retry_after =
          std::chrono::milliseconds(j.at("retry_after_ms").get<int64_t>());
    return r;
  } catch (const json::exception& e) {
    return Status::Corruption(std::string("not a crawlbox result: ") +
                              e.what());
  }
}

std::string EncodeWorkerStatus(const WorkerStatus& w) {
  return Dump({{"id", w.id},
               {"host", w.host},
               {"pid", w.pid},
               {"concurrency", w.concurrency},
               {"in_flight", w.in_flight},
               {"pages", w.pages},
               {"rate", w.rate},
               {"last_seen_ms", w.last_seen_ms},
               {"state", w.state}});
}

Result<WorkerStatus> DecodeWorkerStatus(std::string_view text) {
  try {
    json j = json::parse(text);
    WorkerStatus w;
    w.id = j.at("id").get<std::string>();
    w.host = j.at("host").get<std::string>();
    w.pid = j.at("pid").get<int64_t>();
    w.concurrency = j.at("concurrency").get<int>();
    w.in_flight = j.at("in_flight").get<int64_t>();
    w.pages = j.at("pages").get<int64_t>();
    w.rate = j.at("rate").get<double>();
    w.last_seen_ms = j.at("last_seen_ms").get<int64_t>();
    w.state = j.at("state").get<std::string>();
    return w;
  } catch (const json::exception& e) {
    return Status::Corruption(std::string("not a worker heartbeat: ") +
                              e.what());
  }
}

std::string EncodeLiveSettings(const std::map<std::string, int64_t>& live) {
  return Dump(json(live));
}

Result<std::map<std::string, int64_t>> DecodeLiveSettings(
    std::string_view text) {
  try {
    return json::parse(text).get<std::map<std::string, int64_t>>();
  } catch (const json::exception& e) {
    return Status::Corruption(std::string("not live settings: ") + e.what());
  }
}

}  // namespace crawlbox::crawler
