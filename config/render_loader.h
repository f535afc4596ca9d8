// Internal to config/: the [render] section of a job file → RenderConfig,
// checked.
#pragma once

#include <vector>

#include "config/job.h"
#include "config/toml_reader.h"

namespace crawlbox::config {

// Reads root key `render` (absent: the defaults). `rules` are the job's,
// loaded already: render.capture with nothing to render is a problem.
void LoadRenderSection(ProblemList* problems, const toml::table& root,
                       const std::vector<Rule>& rules, RenderConfig* render);

}  // namespace crawlbox::config
