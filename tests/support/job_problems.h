// Job-file problems as text, for the failure messages of tests that load jobs.
#pragma once

#include <string>

#include "config/job_loader.h"

namespace crawlbox::testing {

// Every problem of `loaded`, one per line.
inline std::string ProblemsText(const config::LoadedJob& loaded) {
  std::string out;
  for (const config::JobProblem& problem : loaded.problems)
    out += problem.ToString() + "\n";
  return out;
}

}  // namespace crawlbox::testing
