// Per-test temporary directories and paths of test data files.
#include "tests/support/temp_dir.h"

#include <stdlib.h>

#include <cassert>
#include <system_error>

namespace crawlbox::testing {

TempDir::TempDir() {
  std::string tmpl =
      (std::filesystem::temp_directory_path() / "crawlbox-test-XXXXXX")
          .string();
  char* made = mkdtemp(tmpl.data());
  assert(made != nullptr && "mkdtemp failed");
  path_ = made;
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

std::string TestDataPath(const std::string& relative) {
  return std::string(CRAWLBOX_SOURCE_DIR) + "/tests/data/" + relative;
}

std::string SharedTestDataPath(const std::string& relative) {
  return std::string(CRAWLBOX_SOURCE_DIR) + "/../shared/testdata/" + relative;
}

}  // namespace crawlbox::testing
