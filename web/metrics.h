// /metrics: the status in the Prometheus text exposition format (version
// 0.0.4): a HELP and a TYPE line per family, then its samples.
#pragma once

#include <string>
#include <string_view>

#include "web/status_data.h"

namespace crawlbox::web {

// Renders every family the README lists. Counters end in _total; label
// values are escaped (backslash, double quote, newline). Pure; never throws.
std::string RenderMetrics(const StatusData& data);

// A label value as the format wants it inside double quotes.
std::string EscapeLabelValue(std::string_view value);

}  // namespace crawlbox::web
