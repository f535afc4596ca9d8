// Internal to config/: the [render] section of a job file → RenderConfig,
// checked.
#pragma once

#include "config/job.h"
#include "config/toml_reader.h"

namespace crawlbox::config {

// Reads root key `render` (absent: the defaults).
void LoadRenderSection(ProblemList* problems, const toml::table& root,
                       RenderConfig* render);

}  // namespace crawlbox::config
