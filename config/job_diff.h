// Which parts of a job file changed between two versions of its text, so that
// a resumed crawl can say what it is resuming with.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace crawlbox::config {

// The top-level keys (tables such as "rules", "scope", "limits") whose values
// differ between the two TOML texts, in sorted order; comments and formatting
// do not count. {"(file)"} when the old text no longer parses.
std::vector<std::string> ChangedJobKeys(std::string_view old_text,
                                        std::string_view new_text);

}  // namespace crawlbox::config
