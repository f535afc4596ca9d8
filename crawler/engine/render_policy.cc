// Which pages are rendered.
#include "crawler/engine/render_policy.h"

#include <re2/re2.h>

namespace crawlbox::crawler {

bool RenderPolicy::Any() const {
  if (!job_.render.urls.empty()) return true;
  for (const config::Rule& rule : job_.rules) {
    if (rule.render) return true;
  }
  return false;
}

bool RenderPolicy::Wants(std::string_view url, RenderOptions* options) const {
  const re2::StringPiece text(url.data(), url.size());
  options->wait_for = job_.render.wait_for;
  options->network_idle = job_.render.network_idle;
  for (const config::Rule& rule : job_.rules) {
    if (!rule.render || !re2::RE2::PartialMatch(text, *rule.url)) continue;
    if (!rule.wait_for.empty()) options->wait_for = rule.wait_for;
    return true;
  }
  for (const auto& pattern : job_.render.urls) {
    if (re2::RE2::PartialMatch(text, *pattern)) return true;
  }
  return false;
}

RenderSettings RenderPolicy::Settings() const {
  RenderSettings settings;
  settings.chromium = job_.render.chromium;
  settings.chromium_flags = job_.render.chromium_flags;
  settings.tabs = job_.render.tabs;
  settings.timeout_ms = job_.render.timeout_ms;
  settings.load_images = job_.render.load_images;
  settings.block = job_.render.block;
  settings.user_agent = job_.fetch.user_agent;
  settings.recycle_tab_after = job_.render.recycle_tab_after;
  settings.recycle_browser_after = job_.render.recycle_browser_after;
  settings.capture.urls = job_.render.capture;
  settings.capture.max_bytes = job_.render.capture_max_bytes;
  settings.archive = job_.store.warc;
  return settings;
}

}  // namespace crawlbox::crawler
