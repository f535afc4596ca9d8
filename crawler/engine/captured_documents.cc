// A rendered page's captured documents through the rules, merged into the
// page's Parsed within the page's bounds and robots directives.
#include "crawler/engine/captured_documents.h"

#include <algorithm>
#include <string>
#include <unordered_set>
#include <utility>

#include "config/log.h"
#include "parser/fields.h"

namespace crawlbox::crawler {
namespace {

void Failed(const Response& response, const Captured& captured,
            std::string_view reason, std::string_view detail,
            Counters* counters) {
  counters->Add("render/capture_failed/" + std::string(reason));
  config::Log(config::LogLevel::kDebug, "render",
              response.final_url + ": captured " + captured.url +
                  " not read: " + std::string(reason) +
                  (detail.empty() ? "" : " (" + std::string(detail) + ")"));
}

}  // namespace

void MergeCaptured(const parser::PageParser& parser, const config::Job& job,
                   const Response& response, std::string_view only_rule,
                   Counters* counters, parser::Parsed* page) {
  const bool obey = job.politeness.meta_robots;
  const bool want_items = !(obey && page->robots.noindex);
  const bool want_links = !(obey && page->robots.nofollow);
  const size_t max_records =
      static_cast<size_t>(std::max(parser.max_records_per_page(), 0));
  const size_t max_links =
      static_cast<size_t>(std::max(parser.max_links_per_page(), 0));
  std::unordered_set<std::string> seen;
  for (const parser::Link& link : page->links) seen.insert(link.url);

  for (const Captured& captured : response.captured) {
    if (!captured.error.empty()) {
      Failed(response, captured, captured.error, captured.error_detail,
             counters);
      continue;
    }
    counters->Add("render/capture_bytes",
                  static_cast<int64_t>(captured.body.size()));
    parser::Parsed doc = parser.Parse(captured.url, captured.content_type,
                                      captured.body, {}, only_rule);
    if (!doc.unreadable.empty()) {
      Failed(response, captured, doc.unreadable, "", counters);
      continue;
    }
    counters->Add("render/captured");
    page->logged_out = page->logged_out || doc.logged_out;
    page->bad_links += doc.bad_links;
    page->encoding_errors = page->encoding_errors || doc.encoding_errors;
    for (const parser::Cut& cut : doc.cuts)
      parser::AddCut(page, cut.what, cut.count);

    if (want_items) {
      for (parser::Item& item : doc.items) {
        if (page->items.size() >= max_records) {
          parser::AddCut(page, "records", 1);
          continue;
        }
        page->items.push_back(std::move(item));
      }
      for (const parser::DroppedItems& d : doc.dropped) {
        auto it = std::find_if(
            page->dropped.begin(), page->dropped.end(),
            [&](const parser::DroppedItems& p) { return p.rule == d.rule; });
        if (it == page->dropped.end()) {
          page->dropped.push_back(d);
        } else {
          it->count += d.count;
        }
      }
    }

    if (!want_links) {
      page->nofollow_dropped +=
          static_cast<int64_t>(doc.links.size() + doc.requests.size());
      continue;
    }
    for (parser::Link& link : doc.links) {
      if (seen.count(link.url) > 0) continue;
      if (page->links.size() >= max_links) {
        parser::AddCut(page, "links", 1);
        continue;
      }
      seen.insert(link.url);
      page->links.push_back(std::move(link));
    }
    for (parser::RequestSpec& request : doc.requests)
      page->requests.push_back(std::move(request));
  }
}

}  // namespace crawlbox::crawler
