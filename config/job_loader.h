// Loading a job file: TOML text → validated Job, or the full list of problems
// in it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "config/job.h"

namespace crawlbox::config {

// A loaded job, valid exactly when `problems` is empty. Loading never stops at
// the first problem: every key is checked so that one run of `crawlbox check`
// lists everything to fix. A TOML syntax error is the one exception (the file
// cannot be read past it): it is reported alone.
struct LoadedJob {
  Job job;
  std::vector<JobProblem> problems;
  bool ok() const { return problems.empty(); }
};

// Reads and validates the job file at `path`. An unreadable file is one problem
// at line 0. Thread-safe (no shared state). `${NAME}` and `${NAME:-default}` in
// `job.start_urls` and `job.database` are replaced from the environment; an
// unset NAME without a default is a problem.
LoadedJob LoadJobFile(const std::string& path);

// As LoadJobFile, for text already in memory; `file_name` is used in locations
// and messages.
LoadedJob LoadJobText(std::string_view text, const std::string& file_name);

}  // namespace crawlbox::config
