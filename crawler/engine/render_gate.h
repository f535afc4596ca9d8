// RenderGate: what a rendered page's browser may load besides the page itself,
// by the rules the crawl's own requests follow. A document (a frame, a page a
// script navigates to) loads when the job's scope takes its URL and robots.txt
// allows it, where the Frontier has read that host's; with
// render.same_site_only any other request (script, XHR, stylesheet, ...)
// loads only from the job's hosts. The page's own redirect never reaches the
// gate: the Renderer hands it back as a 3xx, and its target goes through the
// Frontier like any other hop.
#pragma once

#include <string_view>

#include "config/job.h"
#include "crawler/engine/counters.h"
#include "crawler/frontier/frontier.h"
#include "crawler/frontier/scope.h"
#include "crawler/render/renderer.h"
#include "parser/page_parser.h"

namespace crawlbox::crawler {

// Immutable apart from the counters; safe to call from any thread (the
// renderer's). Everything passed in must outlive it.
class RenderGate {
 public:
  // `frontier` may be null: robots.txt is then not asked.
  RenderGate(const config::Job& job, const parser::PageParser& parser,
             const Frontier* frontier, Counters* counters)
      : job_(job),
        parser_(parser),
        scope_(job, parser.seeds()),
        frontier_(frontier),
        counters_(counters) {}

  // Whether a document at `url` may load: an http(s) URL the scope does not
  // reject, which robots.txt does not disallow. A host whose robots.txt the
  // Frontier has not read (no URL of the crawl is on it) is judged by the
  // scope alone: reading it would be a request of its own, outside the
  // Frontier's politeness. A refusal counts render/blocked/document.
  bool AllowsDocument(std::string_view url) const;
  // Whether any other request to `url` may go out: its host is one of the
  // job's hosts. A refusal counts render/blocked/subresource.
  bool AllowsSubresource(std::string_view url) const;

  // Points settings->allow_document at this gate and, with
  // render.same_site_only, settings->allow_subresource.
  void Install(RenderSettings* settings) const;

 private:
  const config::Job& job_;
  const parser::PageParser& parser_;
  const Scope scope_;
  const Frontier* const frontier_;
  Counters* const counters_;
};

}  // namespace crawlbox::crawler
