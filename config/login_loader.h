// Internal to config/: the [login] section of a job file → LoginSettings,
// checked. Values are literal: a secret comes from password_env or
// password_file, so that neither the job text stored with each run nor the
// ${VAR} values a fleet master publishes ever hold it.
#pragma once

#include <string>

#include "config/job.h"
#include "config/toml_reader.h"

namespace crawlbox::config {

// Reads root key `login` (absent: login.enabled stays false). Relative
// password files are relative to the directory of `job_file`.
void LoadLoginSection(ProblemList* problems, const toml::table& root,
                      const std::string& job_file, LoginSettings* login);

}  // namespace crawlbox::config
