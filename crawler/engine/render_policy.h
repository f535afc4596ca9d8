// RenderPolicy: which pages of a job are loaded in headless Chromium rather
// than fetched, and what the render waits for. Built once from the job: a
// page is rendered when a rule with render = true matches its URL, or one of
// [render] urls does; the first such rule's wait_for wins over
// render.wait_for.
#pragma once

#include <string_view>

#include "config/job.h"
#include "crawler/render/renderer.h"

namespace crawlbox::crawler {

// Immutable; safe to use from any thread. `job` must outlive it.
class RenderPolicy {
 public:
  explicit RenderPolicy(const config::Job& job) : job_(job) {}

  // Whether the job renders any page at all (a Renderer is worth starting).
  bool Any() const;
  // Whether the page at `url` is rendered; if so *options says what the
  // render waits for.
  bool Wants(std::string_view url, RenderOptions* options) const;

  // The Renderer's settings from the job's [render] and fetch.user_agent.
  RenderSettings Settings() const;

 private:
  const config::Job& job_;
};

}  // namespace crawlbox::crawler
