// A fresh directory per test, removed with everything in it when the object
// goes out of scope.
#pragma once

#include <filesystem>
#include <string>

namespace crawlbox::testing {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  // path()/name as a string.
  std::string File(const std::string& name) const {
    return (path_ / name).string();
  }

 private:
  std::filesystem::path path_;
};

// Path of a file under the repository's tests/data/ (or "../shared/testdata"
// via SharedTestData).
std::string TestDataPath(const std::string& relative);
// Path of a file under ../shared/testdata/ beside the repository.
std::string SharedTestDataPath(const std::string& relative);

}  // namespace crawlbox::testing
