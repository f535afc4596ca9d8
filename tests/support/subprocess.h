// Runs a program to completion and captures its exit code, standard output and
// standard error.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace crawlbox::testing {

struct ProcessResult {
  int exit_code =
      -1;  // exit status, or 128 + signal number when killed by a signal
  std::string out;
  std::string err;
};

// Runs argv[0] (a path) with the given arguments and extra environment
// variables, waiting at most `timeout_ms` (then kills it with SIGKILL and
// reports exit_code 137).
ProcessResult RunProcess(const std::vector<std::string>& argv,
                         const std::map<std::string, std::string>& env = {},
                         int timeout_ms = 120'000);

// Path of a program built into the build tree's root (crawlbox,
// crawlbox-testsite).
std::string BuiltProgram(const std::string& name);

}  // namespace crawlbox::testing
