// RenderMetrics through the strict exposition-format parser, and the parser
// itself on text that breaks the format (so a pass means something).
#include "web/metrics.h"

#include <gtest/gtest.h>

#include <cmath>

#include "tests/support/prometheus_text.h"
#include "tests/support/status_matchers.h"

namespace crawlbox::web {
namespace {

using testing::FindFamily;
using testing::ParsePrometheusText;

TEST(MetricsTest, EveryFamilyParsesAndLabelValuesRoundTrip) {
  StatusData d;
  d.source = "live";
  d.job = "job";
  d.crawl_id = 3;
  d.state = "running";
  d.pages = 10;
  d.bytes = 12345;
  d.in_flight = 4;
  d.pages_per_s = 2.5;
  d.eta_s = 12.5;
  d.hosts = 2;
  // Values from the outside world: quotes, backslashes, newlines, UTF-8.
  d.fetch_errors = {{"we\"ird\\reason\nnext", 2}, {"timeout", 1}};
  d.status_codes = {{"200", 9}, {"404", 1}};
  d.frontier = {{"queued", 5}, {"done", 10}};
  d.items_per_rule = {{"board", 7}};
  d.counters = {{"fetch/status/200", 9},  {"fetch/bytes", 999},
                {"retry/given_up", 1},    {"parse/encoding/utf-8", 4},
                {"robots/status/404", 1}, {"odd", 2}};
  d.process.rss_bytes = 1 << 20;
  d.process.cpu_seconds = 0.25;

  const std::string text = RenderMetrics(d);
  auto families = ParsePrometheusText(text);
  ASSERT_OK(families);
  const testing::PromFamily* errors =
      FindFamily(*families, "crawlbox_fetch_errors_total");
  ASSERT_NE(errors, nullptr);
  EXPECT_EQ(errors->type, "counter");
  ASSERT_EQ(errors->samples.size(), 2u);
  EXPECT_EQ(errors->samples[1].labels.at("reason"), "we\"ird\\reason\nnext");
  EXPECT_EQ(errors->samples[1].value, 2);
  EXPECT_NE(text.find(R"(reason="we\"ird\\reason\nnext")"), std::string::npos);

  const testing::PromFamily* encoding =
      FindFamily(*families, "crawlbox_parse_events_total");
  ASSERT_NE(encoding, nullptr);
  EXPECT_EQ(encoding->samples[0].labels.at("name"), "encoding/utf-8");
  ASSERT_NE(FindFamily(*families, "crawlbox_other_events_total"), nullptr);
  // fetch/status and fetch/error have their own families, not the generic one.
  const testing::PromFamily* fetch =
      FindFamily(*families, "crawlbox_fetch_events_total");
  EXPECT_EQ(fetch, nullptr);
  EXPECT_EQ(
      FindFamily(*families, "crawlbox_fetched_bytes_total")->samples[0].value,
      999);
  EXPECT_EQ(FindFamily(*families, "crawlbox_eta_seconds")->samples[0].value,
            12.5);
  EXPECT_EQ(FindFamily(*families, "crawlbox_hosts")->samples[0].value, 2);
  EXPECT_EQ(
      FindFamily(*families, "crawlbox_pages_per_second")->samples[0].value,
      2.5);
  EXPECT_EQ(
      FindFamily(*families, "process_cpu_seconds_total")->samples[0].value,
      0.25);

  // Unknown values leave their families out rather than reporting zeros.
  d.eta_s.reset();
  d.hosts = -1;
  families = ParsePrometheusText(RenderMetrics(d));
  ASSERT_OK(families);
  EXPECT_EQ(FindFamily(*families, "crawlbox_eta_seconds"), nullptr);
  EXPECT_EQ(FindFamily(*families, "crawlbox_hosts"), nullptr);
}

TEST(MetricsTest, EscapesLabelValues) {
  EXPECT_EQ(EscapeLabelValue("plain"), "plain");
  EXPECT_EQ(EscapeLabelValue("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
  EXPECT_EQ(EscapeLabelValue("日本"), "日本");
}

TEST(PrometheusTextTest, AcceptsTheFormat) {
  auto families = ParsePrometheusText(
      "# HELP a_total Things.\n"
      "# TYPE a_total counter\n"
      "a_total{x=\"1\",y=\"q\\\"\"} 3\n"
      "a_total{x=\"2\",} 4 1700000000000\n"
      "# a comment\n"
      "\n"
      "b NaN\n"
      "c:d +Inf\n"
      "e -1.5e-3\n");
  ASSERT_OK(families);
  ASSERT_EQ(families->size(), 4u);
  EXPECT_EQ((*families)[0].samples[0].labels.at("y"), "q\"");
  EXPECT_TRUE(std::isnan((*families)[1].samples[0].value));
  EXPECT_TRUE(std::isinf((*families)[2].samples[0].value));
  EXPECT_EQ((*families)[3].type, "untyped");
}

TEST(PrometheusTextTest, RejectsWhatBreaksTheFormat) {
  for (const char* bad : {
           "a 1",                                    // no final newline
           "1a 1\n",                                 // bad metric name
           "a-b 1\n",                                // bad metric name
           "a{1x=\"v\"} 1\n",                        // bad label name
           "a{__x=\"v\"} 1\n",                       // reserved label name
           "a{x=v} 1\n",                             // unquoted value
           "a{x=\"v} 1\n",                           // unterminated value
           "a{x=\"\\t\"} 1\n",                       // bad escape
           "a{x=\"1\",x=\"2\"} 1\n",                 // repeated label
           "a one\n",                                // bad value
           "a 1 soon\n",                             // bad timestamp
           "a\n",                                    // no value
           "# TYPE a bogus\na 1\n",                  // bad type
           "# TYPE a gauge\n# TYPE a gauge\na 1\n",  // second TYPE
           "# HELP a x\n# HELP a y\na 1\n",          // second HELP
           "a 1\n# TYPE a gauge\n",                  // TYPE after samples
           "a 1\nb 1\na 2\n",                        // split family
           "a{x=\"1\"} 1\na{x=\"1\"} 2\n",           // repeated sample
           "# TYPE a_total counter\na_total -1\n",   // negative counter
       }) {
    EXPECT_FALSE(ParsePrometheusText(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace crawlbox::web
