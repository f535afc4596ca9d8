// The render gate's two questions, answered from the scope and the Frontier.
#include "crawler/engine/render_gate.h"

#include "parser/url.h"

namespace crawlbox::crawler {

bool RenderGate::AllowsDocument(std::string_view url) const {
  auto parsed = parser::ParseUrl(url);
  bool allowed = parsed.ok() && parsed->IsHttp();
  if (allowed) {
    // The crawl's own spelling of the URL, as links are judged.
    const std::string key = parser_.CrawlKey(*parsed);
    allowed = scope_.Rejects(key, parsed->host).empty();
    if (allowed && frontier_ != nullptr)
      allowed = frontier_->RobotsAllows(key).value_or(true);
  }
  if (!allowed) counters_->Add("render/blocked/document");
  return allowed;
}

bool RenderGate::AllowsSubresource(std::string_view url) const {
  auto parsed = parser::ParseUrl(url);
  const bool allowed =
      parsed.ok() && parsed->IsHttp() && scope_.AllowsHost(parsed->host);
  if (!allowed) counters_->Add("render/blocked/subresource");
  return allowed;
}

void RenderGate::Install(RenderSettings* settings) const {
  settings->allow_document = [this](std::string_view url) {
    return AllowsDocument(url);
  };
  if (job_.render.same_site_only) {
    settings->allow_subresource = [this](std::string_view url) {
      return AllowsSubresource(url);
    };
  }
}

}  // namespace crawlbox::crawler
