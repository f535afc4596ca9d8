// RenderMetrics through the strict exposition-format parser, and the parser
// itself on text that breaks the format (so a pass means something).
#include "web/metrics.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>

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

TEST(MetricsTest, FleetFamiliesLabelTheFirstWorkersAndSumTheRest) {
  StatusData d;
  d.state = "running";
  // A local run has no fleet families.
  auto families = ParsePrometheusText(RenderMetrics(d));
  ASSERT_OK(families);
  EXPECT_EQ(FindFamily(*families, "crawlbox_fleet_workers"), nullptr);

  d.fleet.distributed = true;
  d.fleet.epoch = 4;
  d.fleet.pending = 12;
  d.fleet.dispatched = 530;
  d.fleet.reclaimed = 9;
  d.fleet.reclaimed_lost = 7;
  d.fleet.results = 515;
  d.fleet.duplicates = 3;
  d.fleet.redis_rtt_s = 0.0004;
  // 20 workers, joined in the reverse order of their ids; the last 4 the
  // master saw are summed under "other".
  int64_t other_pages = 0;
  for (int i = 0; i < 20; ++i) {
    WorkerRow w;
    w.id = "host-" + std::to_string(100 + i);
    w.state = i == 3 ? "lost" : i == 5 ? "left" : "working";
    w.pages = 10 * i;
    w.pages_per_s = i;
    w.joined = 20 - i;
    if (w.joined > 16) other_pages += w.pages;
    d.fleet.workers.push_back(w);
  }
  families = ParsePrometheusText(RenderMetrics(d));
  ASSERT_OK(families);
  const testing::PromFamily* workers =
      FindFamily(*families, "crawlbox_fleet_workers");
  ASSERT_NE(workers, nullptr);
  EXPECT_EQ(workers->type, "gauge");
  std::map<std::string, double> by_state;
  for (const auto& sample : workers->samples)
    by_state[sample.labels.at("state")] = sample.value;
  EXPECT_EQ(by_state,
            (std::map<std::string, double>{
                {"left", 1}, {"lost", 1}, {"stopping", 0}, {"working", 18}}));
  const testing::PromFamily* claimed =
      FindFamily(*families, "crawlbox_fleet_tasks_claimed_back_total");
  ASSERT_NE(claimed, nullptr);
  ASSERT_EQ(claimed->samples.size(), 2u);
  EXPECT_EQ(claimed->samples[0].labels.at("reason"), "worker_lost");
  EXPECT_EQ(claimed->samples[0].value, 7);
  EXPECT_EQ(claimed->samples[1].value, 2);
  EXPECT_EQ(FindFamily(*families, "crawlbox_fleet_tasks_handed_out_total")
                ->samples[0]
                .value,
            530);
  EXPECT_EQ(FindFamily(*families, "crawlbox_fleet_duplicate_results_total")
                ->samples[0]
                .value,
            3);
  EXPECT_EQ(FindFamily(*families, "crawlbox_fleet_redis_round_trip_seconds")
                ->samples[0]
                .value,
            0.0004);
  const testing::PromFamily* pages =
      FindFamily(*families, "crawlbox_fleet_worker_pages_total");
  ASSERT_NE(pages, nullptr);
  ASSERT_EQ(pages->samples.size(), 17u) << "16 workers and \"other\"";
  std::map<std::string, double> by_worker;
  for (const auto& sample : pages->samples)
    by_worker[sample.labels.at("worker")] = sample.value;
  EXPECT_EQ(by_worker.at("host-119"), 190) << "the first the master saw";
  EXPECT_EQ(by_worker.count("host-100"), 0u) << "the last it saw";
  EXPECT_EQ(by_worker.at("other"), other_pages);
  const testing::PromFamily* rates =
      FindFamily(*families, "crawlbox_fleet_worker_pages_per_second");
  ASSERT_NE(rates, nullptr);
  EXPECT_EQ(rates->samples.size(), 17u);
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
