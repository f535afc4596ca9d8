// Response → stored page, records and links, or a scheduled retry.
#include "crawler/engine/page_processor.h"

#include <strings.h>

#include <cstdio>

#include "config/compression.h"
#include "config/log.h"
#include "crawler/archive/exchange_records.h"
#include "crawler/archive/extra_records.h"
#include "crawler/archive/revisit_records.h"
#include "crawler/engine/captured_documents.h"
#include "crawler/engine/item_json.h"
#include "crawler/fetch/body_hash.h"
#include "crawler/frontier/request_parts.h"
#include "parser/sitemap.h"

namespace crawlbox::crawler {

using config::LogLevel;

void PageProcessor::Handle(const Response& r, ParseSink* sink) const {
  switch (r.request.kind) {
    case Request::Kind::kRobots:
      // Its records travel with it: the rules go to the Frontier, the
      // records to the store node, whoever fetched it.
      sink->Robots(r, r.wire != nullptr
                          ? ExchangeRecords(r, job_.store.warc_gzip_level)
                          : std::vector<storage::ArchiveMember>{});
      return;
    case Request::Kind::kSitemap: {
      std::vector<std::string> nested;
      storage::PageOutcome outcome = ProcessSitemap(r, &nested);
      if (!nested.empty()) sink->Sitemaps(r.request, std::move(nested));
      Archive(r, nullptr, &outcome);
      sink->Outcome(r.request, std::move(outcome));
      return;
    }
    case Request::Kind::kPage: {
      PageMetadata metadata;
      const bool with_metadata = job_.store.warc_metadata && r.wire != nullptr;
      storage::PageOutcome outcome =
          Process(r, with_metadata ? &metadata.outlinks : nullptr);
      if (const auto* hop = std::get_if<storage::Redirected>(&outcome.fate);
          hop != nullptr && with_metadata)
        metadata.outlinks.push_back(hop->target);
      Archive(r, with_metadata ? &metadata : nullptr, &outcome);
      sink->Outcome(r.request, std::move(outcome));
      return;
    }
  }
}

void PageProcessor::Archive(const Response& r, const PageMetadata* metadata,
                            storage::PageOutcome* out) const {
  // Compressed here, on a parse thread, so that the store node only appends.
  if (r.wire == nullptr) return;
  // An unchanged page of a re-crawl: a revisit record (with its request),
  // not a second copy of the payload, nor a second metadata record.
  out->archive = RevisitRecords(r, job_.store.warc_gzip_level);
  if (!out->archive.empty()) {
    counters_->Add("warc/revisits");
    return;
  }
  out->archive = PageRecords(r, metadata, job_.store.warc_gzip_level);
}

storage::PageOutcome PageProcessor::Process(
    const Response& r, std::vector<std::string>* outlinks) const {
  storage::PageOutcome out;
  storage::PageRow& page = out.page;
  page.url_id = r.request.url_id;
  page.url = r.request.url;
  page.final_url = r.final_url;
  page.status = r.status;
  page.content_type = r.content_type;
  page.bytes = static_cast<int64_t>(r.body.size());
  page.total_ms = r.timings.total_ms;
  page.ttfb_ms = r.timings.ttfb_ms;
  page.rendered = r.rendered;
  page.render_ms = r.render_ms;
  if (r.rendered) counters_->Add("render/pages");

  if (r.ok()) {
    counters_->Add("fetch/status/" + std::to_string(r.status));
    counters_->Add("fetch/bytes", page.bytes);
  } else {
    counters_->Add(std::string("fetch/error/") + FetchErrorName(r.error));
  }
  std::string reason = RetryPolicy::FailureReason(r);
  const int attempts = r.request.attempts + 1;
  if (!reason.empty() && RetryPolicy::Retryable(r)) {
    if (UnsafeToRetry(r)) {
      counters_->Add("retry/unsafe_method");
      config::Log(LogLevel::kWarning, "retry",
                  "not retrying " + r.request.method + " " + r.request.url +
                      ": " + reason +
                      " after the request was sent (retry.unsafe_methods)");
      out.fate = storage::Failed{std::move(reason)};
      return out;
    }
    if (retry_.ShouldRetry(r, attempts)) {
      auto wait = retry_.Backoff(r.request.url, attempts, RetryAfter(r));
      counters_->Add("retry/scheduled");
      config::Log(LogLevel::kDebug, "retry",
                  r.request.url + ": " + reason + ", attempt " +
                      std::to_string(attempts) + " of " +
                      std::to_string(job_.retry.max_attempts) + ", next in " +
                      std::to_string(wait.count()) + " ms" +
                      (r.ok() ? "" : " (" + r.error_detail + ")"));
      out.fate = storage::Retry{std::move(reason), wait.count()};
      return out;
    }
    // Given up: stored with its reason (and its status, if there was a
    // response).
    counters_->Add("retry/given_up");
    config::Log(LogLevel::kWarning, "retry",
                "giving up on " + r.request.url + " after " +
                    std::to_string(attempts) + " attempts: " + reason +
                    (r.ok() ? "" : " (" + r.error_detail + ")"));
    out.fate = storage::Failed{std::move(reason)};
    return out;
  }
  if (!r.ok()) {  // a transport failure a retry would not fix
    out.fate = storage::Failed{std::move(reason)};
    return out;
  }
  if (r.status == 304) {
    // Only a conditional request (re-crawl) gets one: the stored page and its
    // items stand.
    counters_->Add("recrawl/not_modified");
    out.fate = storage::NotModified{};
    return out;
  }
  if (r.status >= 300 && r.status < 400) {
    if (auto location = r.Header("location"); location && !location->empty()) {
      Redirect(r, *location, &out);
      return out;
    }
  }
  if (r.truncated) {
    page.error = "truncated";
    counters_->Add("fetch/truncated");
  }
  page.etag = std::string(r.Header("etag").value_or(""));
  page.last_modified = std::string(r.Header("last-modified").value_or(""));
  page.body_hash = BodyHash(r.body);
  if (job_.store.bodies) {
    page.body = config::Deflate(r.body);
    page.body_encoding = "zlib";
  }
  out.fate = storage::Stored{};
  try {
    Extract(r, &out, outlinks);
  } catch (const std::exception& e) {
    // A page must never take the crawl down: it is stored as failed with the
    // reason.
    out.fate = storage::Failed{std::string("parse_error: ") + e.what()};
    out.items.clear();
    out.links.clear();
    counters_->Add("parse/error");
  }
  return out;
}

bool PageProcessor::UnsafeToRetry(const Response& r) const {
  if (job_.retry.unsafe_methods || IsSafeMethod(r.request.method)) return false;
  if (r.ok()) return r.status != 429;  // 429 says the request was refused
  // Nothing reached the server when the connection never stood.
  return r.error != FetchError::kDns && r.error != FetchError::kConnect &&
         r.error != FetchError::kTls && r.error != FetchError::kBadUrl;
}

void PageProcessor::Redirect(const Response& r, std::string_view location,
                             storage::PageOutcome* out) const {
  auto base = parser::ParseUrl(r.request.url);
  auto target = parser::ParseUrl(location, base.ok() ? &*base : nullptr);
  if (!target.ok() || !target->IsHttp()) {
    counters_->Add("redirect/bad_location");
    out->fate = storage::Failed{"bad_redirect"};
    return;
  }
  // RFC 9110 §15.4: 303 continues as GET (HEAD stays HEAD), and so do 301
  // and 302 after a POST, as every browser does; 307 and 308 repeat the
  // method and body. A request that becomes a GET loses its body and the
  // headers that described it, and credentials stay with their host.
  const std::string& method = r.request.method;
  const bool to_get =
      method != "HEAD" &&
      (r.status == 303 ||
       ((r.status == 301 || r.status == 302) && method == "POST"));
  const bool same_host = target->host == r.request.host;
  std::vector<std::string> headers;
  for (const std::string& h : r.request.headers) {
    auto named = [&](std::string_view name) {
      return h.size() > name.size() && h[name.size()] == ':' &&
             strncasecmp(h.data(), name.data(), name.size()) == 0;
    };
    if (to_get && (named("content-type") || named("content-length"))) continue;
    if (!same_host && (named("authorization") || named("cookie"))) continue;
    headers.push_back(h);
  }
  Hop(r, parser::Link{parser_.CrawlKey(*target), target->host},
      r.status == 301 || r.status == 308, storage::Via::kRedirect,
      PartsOf(to_get ? std::string_view("GET") : std::string_view(method),
              headers, to_get ? std::string_view() : r.request.body),
      out);
}

void PageProcessor::Hop(const Response& r, parser::Link target, bool permanent,
                        storage::Via via, storage::RequestParts request,
                        storage::PageOutcome* out) const {
  const int hops = r.request.redirects + 1;
  if (hops > job_.fetch.max_redirects) {
    counters_->Add("redirect/too_many");
    out->fate = storage::Failed{"too_many_redirects"};
    return;
  }
  out->fate = storage::Redirected{target.url, permanent};
  std::string_view rejected = scope_.Rejects(target.url, target.host);
  if (!rejected.empty()) {
    // The hop is recorded; its target is not a URL of this crawl.
    counters_->Add("redirect/rejected/" + std::string(rejected));
    out->page.error = "redirect_rejected/" + std::string(rejected);
    return;
  }
  counters_->Add("redirect/queued");
  out->links.push_back({std::move(target.url), std::move(target.host),
                        r.request.depth, r.request.url_id, via, hops,
                        std::move(request)});
}

void PageProcessor::RecordDirectives(const parser::Parsed& parsed,
                                     storage::PageRow* page) const {
  if (parsed.robots.noindex) {
    page->robots = "noindex";
    counters_->Add("parse/noindex");
  }
  if (parsed.robots.nofollow) {
    page->robots += page->robots.empty() ? "nofollow" : ",nofollow";
    counters_->Add("parse/nofollow");
  }
  if (parsed.nofollow_dropped > 0)
    counters_->Add("frontier/rejected/nofollow", parsed.nofollow_dropped);
  if (!parsed.rel_nofollow.empty()) {
    counters_->Add("frontier/rejected/rel_nofollow",
                   static_cast<int64_t>(parsed.rel_nofollow.size()));
  }
  if (parsed.canonical) page->canonical = parsed.canonical->url;
  page->follow_canonical = job_.scope.follow_canonical;
  for (const parser::Cut& cut : parsed.cuts) {
    if (!page->cuts.empty()) page->cuts += ' ';
    page->cuts += cut.what + ":" + std::to_string(cut.count);
    counters_->Add("parse/cut/" + cut.what);
  }
}

storage::PageOutcome PageProcessor::ProcessSitemap(
    const Response& r, std::vector<std::string>* nested) const {
  storage::PageOutcome out;
  out.fate = storage::LinksOnly{};
  if (!r.ok() || r.status < 200 || r.status >= 300) {
    counters_->Add("sitemap/unavailable");
    return out;
  }
  parser::SitemapContents contents = parser::ParseSitemap(
      r.body, static_cast<size_t>(job_.fetch.max_body_bytes));
  if (!contents.error.empty()) {
    counters_->Add("sitemap/unreadable");
    config::Log(LogLevel::kDebug, "sitemap",
                r.request.url + ": " + contents.error);
    return out;
  }
  counters_->Add("sitemap/fetched");
  if (contents.truncated) counters_->Add("sitemap/truncated");
  auto base = parser::ParseUrl(r.final_url);
  for (const std::string& loc : contents.sitemaps) {
    auto url = parser::ParseUrl(loc, base.ok() ? &*base : nullptr);
    if (url.ok() && url->IsHttp())
      nested->push_back(url->HrefWithoutFragment());
  }
  for (const std::string& loc : contents.urls) {
    auto url = parser::ParseUrl(loc, base.ok() ? &*base : nullptr);
    if (!url.ok() || !url->IsHttp()) {
      counters_->Add("sitemap/bad_url");
      continue;
    }
    std::string key = parser_.CrawlKey(*url);
    std::string_view rejected = scope_.Rejects(key, url->host);
    if (!rejected.empty()) {
      counters_->Add(std::string("frontier/rejected/") + std::string(rejected));
      continue;
    }
    out.links.push_back(
        {std::move(key), url->host, 0, 0, storage::Via::kSitemap});
  }
  counters_->Add("sitemap/urls", static_cast<int64_t>(out.links.size()));
  return out;
}

std::shared_ptr<const parser::RobotsTxt> PageProcessor::ProcessRobots(
    const Response& r) const {
  if (r.ok() && r.status < 500) {
    counters_->Add("robots/status/" + std::to_string(r.status));
    return std::make_shared<const parser::RobotsTxt>(
        r.status >= 400 ? parser::RobotsTxt::AllowAll()
                        : parser::RobotsTxt::Parse(r.body));
  }
  counters_->Add("robots/unavailable");
  config::Log(LogLevel::kDebug, "robots",
              r.request.url + " unavailable: " + RetryPolicy::FailureReason(r));
  return nullptr;
}

void PageProcessor::Extract(const Response& r, storage::PageOutcome* result,
                            std::vector<std::string>* outlinks) const {
  if (r.status < 200 || r.status >= 300 ||
      !parser::IsTextContent(r.content_type))
    return;
  parser::Parsed parsed =
      parser_.Parse(r.final_url, r.content_type, r.body, r.headers);
  // A rendered page's captured documents are the page's: their records and
  // links join its own before anything below looks at them.
  if (!r.captured.empty())
    MergeCaptured(parser_, job_, r, {}, counters_, &parsed);
  RecordDirectives(parsed, &result->page);
  if (parsed.logged_out) {
    // Served to a session that has ended: log in again, and fetch the page
    // again once that is done (the Fetcher starts nothing meanwhile).
    counters_->Add("login/logged_out_pages");
    if (on_logged_out_) on_logged_out_();
    if (r.request.attempts + 1 < job_.retry.max_attempts) {
      result->fate = storage::Retry{"logged_out", 0};
    } else {
      result->fate = storage::Failed{"logged_out"};
    }
    return;
  }
  if (!parsed.unreadable.empty()) {
    // Stored with its status, without records: the body is not what the
    // rules expected (a JSON API answering with broken or hostile JSON).
    counters_->Add("parse/unreadable/" + parsed.unreadable);
    result->page.error = parsed.unreadable;
  }
  if (parsed.refresh && parsed.refresh->target) {
    if (!parsed.refresh->ignored) {
      // A refresh to another page is a redirect hop: the page it leads to is
      // the one whose records count (Scrapy's MetaRefreshMiddleware too).
      counters_->Add("refresh/followed");
      Hop(r, std::move(*parsed.refresh->target), false, storage::Via::kRefresh,
          storage::RequestParts{}, result);
      return;
    }
    counters_->Add("refresh/ignored");
  }
  result->items.reserve(parsed.items.size());
  for (const parser::Item& item : parsed.items) {
    result->items.push_back({item.rule, ItemToJson(item)});
  }
  for (const parser::DroppedItems& d : parsed.dropped) {
    result->dropped.push_back({d.rule, d.count});
    counters_->Add("items/dropped/" + d.rule, d.count);
  }
  if (!parsed.encoding.empty()) {
    counters_->Add("parse/encoding/" + parsed.encoding);
  }
  if (parsed.encoding_errors) counters_->Add("parse/invalid_encoding");
  if (parsed.bad_links > 0) counters_->Add("parse/bad_url", parsed.bad_links);
  const int depth = r.request.depth + 1;
  const bool too_deep = scope_.TooDeep(depth);
  // Rejections are counted once per reason and page: a counter update takes
  // a lock that every parse thread shares.
  std::string_view last_rejected;
  int64_t rejected_run = 0;
  auto count_rejected = [&] {
    if (rejected_run == 0) return;
    counters_->Add(
        std::string("frontier/rejected/") + std::string(last_rejected),
        rejected_run);
    rejected_run = 0;
  };
  if (!too_deep) result->links.reserve(parsed.links.size());
  for (parser::Link& link : parsed.links) {
    if (outlinks != nullptr) outlinks->push_back(link.url);
    if (too_deep) continue;
    std::string_view rejected = scope_.Rejects(link.url, link.host);
    if (!rejected.empty()) {
      if (rejected != last_rejected) {
        count_rejected();
        last_rejected = rejected;
      }
      ++rejected_run;
      continue;
    }
    result->links.push_back(
        {std::move(link.url), std::move(link.host), depth, r.request.url_id});
  }
  count_rejected();
  if (job_.scope.follow_canonical && parsed.canonical &&
      parsed.canonical->url != r.request.url) {
    // The canonical page is the same page under its preferred URL: same
    // depth. Its items replace this page's once it is stored (the store's
    // canonical rule); out of scope, blocked or failed, it never is.
    if (scope_.Rejects(parsed.canonical->url, parsed.canonical->host).empty()) {
      counters_->Add("canonical/queued");
      result->links.push_back(
          {std::move(parsed.canonical->url), std::move(parsed.canonical->host),
           r.request.depth, r.request.url_id, storage::Via::kCanonical, 0});
    } else {
      counters_->Add("canonical/rejected");
    }
  }
  for (parser::RequestSpec& spec : parsed.requests) {
    if (too_deep) break;
    std::string_view rejected = scope_.Rejects(spec.url, spec.host);
    if (!rejected.empty()) {
      counters_->Add(std::string("frontier/rejected/") + std::string(rejected));
      continue;
    }
    counters_->Add("frontier/requests");
    result->links.push_back({std::move(spec.url), std::move(spec.host), depth,
                             r.request.url_id, storage::Via::kLink, 0,
                             PartsOf(spec.method, spec.headers, spec.body)});
  }
  if (too_deep && !parsed.links.empty()) {
    counters_->Add("frontier/too_deep",
                   static_cast<int64_t>(parsed.links.size()));
  }
}

}  // namespace crawlbox::crawler
