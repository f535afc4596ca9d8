// Shared by the WARC end-to-end tests: the finished files of a WARC folder and
// tests/support/warc_check.py's report on them.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/support/subprocess.h"

namespace crawlbox::e2e {

// The .warc.gz files of `dir`, by name (their names sort by creation time).
inline std::vector<std::string> WarcFiles(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().string().ends_with(".warc.gz"))
      out.push_back(entry.path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// warc_check.py's report on `files`; a failed run fails the test.
inline nlohmann::json PythonCheck(const std::vector<std::string>& files) {
  std::vector<std::string> argv = {
      "/usr/bin/python3",
      std::string(CRAWLBOX_SOURCE_DIR) + "/tests/support/warc_check.py"};
  argv.insert(argv.end(), files.begin(), files.end());
  testing::ProcessResult r = testing::RunProcess(argv, {}, 300'000);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return nlohmann::json::parse(r.out, nullptr, false);
}

}  // namespace crawlbox::e2e
