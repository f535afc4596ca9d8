// ProgressLine: the text of the line, in place on a terminal, a plain line
// every few seconds elsewhere.
#include "crawler/cli/progress_line.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>

namespace crawlbox::crawler {
namespace {

std::string Contents(std::FILE* f) {
  std::fflush(f);
  std::rewind(f);
  std::string out;
  char buffer[4096];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, f)) > 0)
    out.append(buffer, n);
  return out;
}

RunSnapshot At(int64_t pages, double seconds) {
  RunSnapshot p;
  p.pages = pages;
  p.items = pages * 2;
  p.failed = 3;
  p.queued = 1234567;
  p.in_flight = 4;
  p.seconds = seconds;
  return p;
}

TEST(ProgressLineTest, FormatsPagesRateQueuedErrorsElapsedAndEta) {
  EXPECT_EQ(ProgressLine::Format(At(1234, 14.2), 85.25, 32.4),
            "1,234 pages, 85.2/s, 2,468 items, 1,234,567 queued, 3 errors, "
            "0:14 elapsed, ETA 0:32");
  EXPECT_EQ(ProgressLine::Format(At(5, 3725), 1234.4, std::nullopt),
            "5 pages, 1234/s, 10 items, 1,234,567 queued, 3 errors, 1:02:05 "
            "elapsed");
}

TEST(ProgressLineTest, ATerminalGetsOneLineRewrittenInPlace) {
  std::FILE* out = std::tmpfile();
  ASSERT_NE(out, nullptr);
  config::Limits limits;
  limits.max_duration_s = 100;
  ProgressLine line(out, /*tty=*/true, limits);
  line.Update(At(10, 1));
  line.Update(At(30, 2));
  line.Finish();
  const std::string text = Contents(out);
  std::fclose(out);
  EXPECT_EQ(text.rfind("\r\033[K10 pages, 10.0/s", 0), 0u) << text;
  // The rate is the recent one (20 pages in the last second), the ETA the
  // time limit's.
  EXPECT_NE(text.find("\r\033[K30 pages, 20.0/s"), std::string::npos) << text;
  EXPECT_NE(text.find("ETA 1:38"), std::string::npos) << text;
  EXPECT_EQ(text.back(), '\n');
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 1);
}

TEST(ProgressLineTest, ElsewhereAPlainLineEveryFewSeconds) {
  std::FILE* out = std::tmpfile();
  ASSERT_NE(out, nullptr);
  ProgressLine line(out, /*tty=*/false, config::Limits{});
  // Calls within the interval print nothing (a short crawl prints no line).
  line.Update(At(1, 1));
  line.Update(At(2, 2));
  line.Finish();
  EXPECT_EQ(Contents(out), "");
  std::fclose(out);
}

}  // namespace
}  // namespace crawlbox::crawler
