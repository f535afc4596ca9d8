// EstimateEta: which limit ends the run first, and when nothing is knowable.
#include "web/eta.h"

#include <gtest/gtest.h>

namespace crawlbox::web {
namespace {

TEST(EtaTest, TheSoonestLimitWins) {
  struct Case {
    const char* name;
    EtaInput in;
    std::optional<double> eta;
  };
  auto with = [](auto f) {
    EtaInput in;
    f(in);
    return in;
  };
  const std::vector<Case> cases = {
      {"no limits", with([](EtaInput&) {}), std::nullopt},
      {"no limits, a rate", with([](EtaInput& in) { in.pages_per_s = 10; }),
       std::nullopt},
      {"pages left at 10/s", with([](EtaInput& in) {
         in.pages_per_s = 10;
         in.remaining_pages = 250;
       }),
       25.0},
      {"pages left, rate still 0",
       with([](EtaInput& in) { in.remaining_pages = 250; }), std::nullopt},
      {"no pages left", with([](EtaInput& in) { in.remaining_pages = 0; }),
       0.0},
      {"time limit", with([](EtaInput& in) {
         in.max_duration_s = 60;
         in.elapsed_s = 45;
       }),
       15.0},
      {"time limit passed", with([](EtaInput& in) {
         in.max_duration_s = 60;
         in.elapsed_s = 70;
       }),
       0.0},
      {"bytes limit", with([](EtaInput& in) {
         in.max_bytes = 1000;
         in.bytes = 400;
         in.bytes_per_s = 100;
       }),
       6.0},
      {"pages sooner than time", with([](EtaInput& in) {
         in.pages_per_s = 100;
         in.remaining_pages = 100;
         in.max_duration_s = 60;
         in.elapsed_s = 10;
       }),
       1.0},
      {"time sooner than pages", with([](EtaInput& in) {
         in.pages_per_s = 1;
         in.remaining_pages = 100;
         in.max_duration_s = 60;
         in.elapsed_s = 10;
       }),
       50.0},
  };
  for (const Case& c : cases) {
    std::optional<double> eta = EstimateEta(c.in);
    ASSERT_EQ(eta.has_value(), c.eta.has_value()) << c.name;
    if (eta) {
      EXPECT_DOUBLE_EQ(*eta, *c.eta) << c.name;
    }
  }
}

}  // namespace
}  // namespace crawlbox::web
