// Captured documents: the JSON responses a rendered page's scripts fetched
// (render.capture), run through the rules whose `url` matches each, their
// records and links merged into the rendered page's own Parsed, so the page
// row owns them and the XHR URLs need no frontier entries.
#pragma once

#include <string_view>

#include "config/job.h"
#include "crawler/engine/counters.h"
#include "crawler/fetch/request.h"
#include "parser/page_parser.h"
#include "parser/parsed.h"

namespace crawlbox::crawler {

// Adds to *page (what `parser` made of the rendered page `response`) what the
// rules make of each of response.captured, as PageParser::Parse would on a
// fetched response of that URL, Content-Type and body (no headers; `only_rule`
// as Parse's):
// - records and dropped-record counts, except under the page's obeyed
//   noindex (politeness.meta_robots);
// - links (resolved against the captured URL; those the page has already
//   are not repeated) and requests, except under the page's obeyed nofollow,
//   where they count in page->nofollow_dropped;
// - limits.max_records_per_page and limits.max_links_per_page bound the page
//   and its documents together: what goes past them is the page's cut
//   "records" or "links"; a document's own cuts become the page's;
// - a rule's logged_out marker on a document marks the page logged out;
//   bad links and encoding errors count as the page's.
// Counters: render/captured and render/capture_bytes per document read;
// render/capture_failed/<reason> per one not read (Captured::error) or that
// its rules could not read ("json_syntax", "json_depth"), each also logged
// at debug with its URL. Never fails. Safe to call from many threads at once
// (`counters` is thread-safe; the rest is read only).
void MergeCaptured(const parser::PageParser& parser, const config::Job& job,
                   const Response& response, std::string_view only_rule,
                   Counters* counters, parser::Parsed* page);

}  // namespace crawlbox::crawler
