// warcio.js, webrecorder's WARC reader (npm `warcio`), as the outside parser
// that tests check crawlbox's WARC files with. Installed on first use into a
// cache folder under the temporary directory, by npm from its registry.
#pragma once

#include <string>
#include <vector>

#include "tests/support/subprocess.h"

namespace crawlbox::testing {

// The version tests install.
inline constexpr const char* kWarcioVersion = "2.4.11";

// The path of warcio's command-line script (node runs it), installing the
// package first when needed; "" with *why set when node or npm is missing or
// the install failed (the caller skips or fails, as it decides).
std::string WarcioCli(std::string* why);

// Runs `node <cli> args...` and returns what it printed.
ProcessResult RunWarcio(const std::string& cli,
                        const std::vector<std::string>& args);

}  // namespace crawlbox::testing
