// Tests of config/job_diff.h: which top-level tables of a job file changed.
#include "config/job_diff.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace crawlbox::config {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST(JobDiffTest, NamesTheTopLevelTablesThatChanged) {
  const std::string base = R"([job]
name = "j"  # a comment
start_urls = ["https://example.com/"]
[limits]
max_pages = 10
[[rules]]
name = "r"
pattern = '(?P<a>.)'
)";
  // Comments, spacing and key order are not changes.
  EXPECT_THAT(ChangedJobKeys(base, R"([job]
start_urls = [ "https://example.com/" ]
name = "j"
[limits]
max_pages = 10
[[rules]]
name = "r"
pattern = '(?P<a>.)'
)"),
              IsEmpty());
  std::string edited = base;
  edited.replace(edited.find("(?P<a>.)"), 8, "(?P<a>..)");
  edited.replace(edited.find("max_pages = 10"), 14, "max_pages = 20");
  EXPECT_THAT(ChangedJobKeys(base, edited), ElementsAre("limits", "rules"));
  EXPECT_THAT(ChangedJobKeys(base, base + "[store]\nbodies = true\n"),
              ElementsAre("store"));
  EXPECT_THAT(ChangedJobKeys("[job", base), ElementsAre("(file)"));
}

}  // namespace
}  // namespace crawlbox::config
