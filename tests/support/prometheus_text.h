// A strict parser of the Prometheus text exposition format (version 0.0.4),
// for tests of /metrics: every line must be a HELP, TYPE, comment or sample
// line of the format, or the parse fails naming the line.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "config/status.h"

namespace crawlbox::testing {

struct PromSample {
  std::string name;
  std::map<std::string, std::string> labels;  // unescaped values
  double value = 0;
};

struct PromFamily {
  std::string name;
  std::string type;  // counter, gauge, histogram, summary, untyped
  std::string help;  // unescaped
  std::vector<PromSample> samples;
};

// Parses `text`. Checks: the text ends with a newline; metric names match
// [a-zA-Z_:][a-zA-Z0-9_:]*, label names [a-zA-Z_][a-zA-Z0-9_]* (not "__"
// reserved); label values use only the \\, \" and \n escapes; values parse as
// floats (NaN, +Inf, -Inf included) with an optional integer timestamp; each
// family has at most one HELP and one TYPE, both before its samples; a
// family's samples are contiguous; no sample (name and labels) repeats;
// counters are not negative. Returns the families in order, or
// InvalidArgument "line N: what is wrong: the line".
config::Result<std::vector<PromFamily>> ParsePrometheusText(
    std::string_view text);

// The family named `name`, or nullptr.
const PromFamily* FindFamily(const std::vector<PromFamily>& families,
                             std::string_view name);

}  // namespace crawlbox::testing
