// The XHR capture keys of [render] as the job loader reads them
// (config/render_loader.h): render.capture and render.capture_max_bytes,
// their defaults, and each bad value at its line.
#include "config/render_loader.h"

#include <gtest/gtest.h>

#include <string>

#include "config/job.h"
#include "config/job_loader.h"
#include "tests/support/job_problems.h"

namespace crawlbox::config {
namespace {

using crawlbox::testing::ProblemsText;

// Lines 1-3; what follows starts at line 4.
constexpr char kJob[] =
    "[job]\nname = \"t\"\nstart_urls = [\"https://e.com/\"]\n";

// Lines 4-6: a rule that renders.
constexpr char kRenderRule[] = "[[rules]]\nname = \"app\"\nrender = true\n";

TEST(RenderLoaderTest, CapturesNothingByDefault) {
  LoadedJob loaded = LoadJobText(kJob, "job.toml");
  ASSERT_TRUE(loaded.ok()) << ProblemsText(loaded);
  EXPECT_TRUE(loaded.job.render.capture.empty());
  EXPECT_EQ(loaded.job.render.capture_max_bytes, 10'485'760);
}

TEST(RenderLoaderTest, ReadsCapturePatternsAndTheirBound) {
  LoadedJob loaded =
      LoadJobText(std::string(kJob) + kRenderRule +
                      "[render]\ncapture = ['/api/', 'graphql\\?op=\\w+']\n"
                      "capture_max_bytes = 1000\n",
                  "job.toml");
  ASSERT_TRUE(loaded.ok()) << ProblemsText(loaded);
  ASSERT_EQ(loaded.job.render.capture.size(), 2u);
  EXPECT_TRUE(re2::RE2::PartialMatch("https://e.com/api/items",
                                     *loaded.job.render.capture[0]));
  EXPECT_TRUE(re2::RE2::PartialMatch("https://e.com/graphql?op=list",
                                     *loaded.job.render.capture[1]));
  EXPECT_EQ(loaded.job.render.capture_max_bytes, 1000);

  // render.urls is as good a reason to capture as a render rule.
  LoadedJob by_urls = LoadJobText(
      std::string(kJob) + "[render]\nurls = ['/app/']\ncapture = ['/api/']\n",
      "job.toml");
  EXPECT_TRUE(by_urls.ok()) << ProblemsText(by_urls);
}

TEST(RenderLoaderTest, EachBadValueIsAProblemAtItsLine) {
  struct Case {
    std::string render;  // the [render] lines, from line 8
    std::string want;    // the one problem
  };
  const Case cases[] = {
      {"capture = ['/api/(']\n",
       "job.toml:8:12: render.capture[0]: expected a valid RE2 regular "
       "expression"},
      {"capture = '/api/'\n",
       "job.toml:8:11: render.capture: expected an array of strings, got a "
       "string"},
      {"capture_max_bytes = 0\n",
       "job.toml:8:21: render.capture_max_bytes: expected an integer in "
       "1..2147483648, got 0"},
      {"capture_max_bytes = 2147483649\n",
       "job.toml:8:21: render.capture_max_bytes: expected an integer in "
       "1..2147483648, got 2147483649"},
      {"capture = [1]\n",
       "job.toml:8:12: render.capture[0]: expected a string, got an integer"},
  };
  for (const Case& c : cases) {
    LoadedJob loaded = LoadJobText(
        std::string(kJob) + kRenderRule + "[render]\n" + c.render, "job.toml");
    ASSERT_EQ(loaded.problems.size(), 1u) << c.render << ProblemsText(loaded);
    EXPECT_EQ(loaded.problems[0].ToString().substr(0, c.want.size()), c.want)
        << c.render << ProblemsText(loaded);
  }
}

// Only rendered pages capture: patterns and nothing to render is a mistake,
// not a job that silently captures nothing.
TEST(RenderLoaderTest, CaptureWithNothingToRenderIsAProblem) {
  LoadedJob loaded = LoadJobText(
      std::string(kJob) + "[render]\ncapture = ['/api/']\n", "job.toml");
  ASSERT_EQ(loaded.problems.size(), 1u) << ProblemsText(loaded);
  EXPECT_EQ(loaded.problems[0].ToString(),
            "job.toml:5:11: render.capture: expected pages to render (a rule "
            "with render = true, or render.urls), got none: only rendered "
            "pages capture");

  // An empty list asks for nothing.
  LoadedJob none =
      LoadJobText(std::string(kJob) + "[render]\ncapture = []\n", "job.toml");
  EXPECT_TRUE(none.ok()) << ProblemsText(none);
}

}  // namespace
}  // namespace crawlbox::config
