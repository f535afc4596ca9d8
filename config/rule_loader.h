// Internal to config/: the `[[rules]]` part of a job file → validated Rules
// with compiled regexes.
#pragma once

#include <toml++/toml.h>

#include <string>
#include <string_view>
#include <vector>

#include "config/job.h"
#include "config/toml_reader.h"

namespace crawlbox::config {

// Reads the root key `rules` (`rules_node`; null when the file has none) into
// rules in file order, adding every problem found to `problems`. Rules with
// problems are still returned, partially filled (the caller discards the job
// when there is any problem). Borrows both arguments for the duration of the
// call only.
std::vector<Rule> LoadRules(ProblemList* problems,
                            const toml::node* rules_node);

// The `{name}` placeholders of a field template, in order. `{{` and `}}` are
// literal braces. Returns false and sets `error` (a "got" text) on a lone `}`,
// an unclosed `{` or an empty `{}`.
bool ParseFieldTemplate(std::string_view text, std::vector<std::string>* names,
                        std::string* error);

}  // namespace crawlbox::config
