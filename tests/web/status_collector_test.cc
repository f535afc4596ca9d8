// StatusCollector with a live source: per-host rows show their politeness
// window, and windows shared by several hosts (politeness.group_by = "ip")
// are summed up once in /api/hosts' `groups`.
#include "web/status_collector.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "web/api_json.h"

namespace crawlbox::web {
namespace {

using nlohmann::json;

class TwoHostsAtOneAddress : public StatusSource {
 public:
  LiveTotals Totals() const override { return {}; }
  std::vector<HostRow> Hosts() const override {
    auto row = [](std::string host, std::string group, int64_t hosts,
                  int64_t in_flight, int64_t group_in_flight, int64_t queued) {
      HostRow r;
      r.host = std::move(host);
      r.group = std::move(group);
      r.group_hosts = hosts;
      r.in_flight = in_flight;
      r.group_in_flight = group_in_flight;
      r.queued = queued;
      r.delay_ms = 300;
      r.robots = "ok";
      return r;
    };
    return {row("a.test", "10.0.0.1", 2, 1, 2, 3),
            row("b.test", "10.0.0.1", 2, 1, 2, 4),
            row("c.test", "c.test", 1, 0, 0, 9)};
  }
  std::map<std::string, int64_t> Counters() const override { return {}; }
};

TEST(StatusCollectorTest, HostsShowTheirGroupAndSharedWindowsOnce) {
  TwoHostsAtOneAddress source;
  StatusCollector collector("unused.db", &source);
  auto hosts = collector.Hosts(50);
  ASSERT_TRUE(hosts.ok()) << hosts.status().ToString();
  ASSERT_EQ(hosts->groups.size(), 1u) << "c.test's window is its own";
  EXPECT_EQ(hosts->groups[0].group, "10.0.0.1");
  EXPECT_EQ(hosts->groups[0].hosts, 2);
  EXPECT_EQ(hosts->groups[0].in_flight, 2);
  EXPECT_EQ(hosts->groups[0].queued, 7);
  EXPECT_EQ(hosts->groups[0].delay_ms, 300);

  json body = json::parse(HostsJson(*hosts));
  ASSERT_EQ(body["hosts"].size(), 3u);
  EXPECT_EQ(body["hosts"][0]["host"], "c.test");  // most queued first
  EXPECT_EQ(body["hosts"][0]["group"], "c.test");
  EXPECT_EQ(body["hosts"][1]["group"], "10.0.0.1");
  EXPECT_EQ(body["hosts"][1]["group_hosts"], 2);
  EXPECT_EQ(body["hosts"][1]["group_in_flight"], 2);
  EXPECT_EQ(body["groups"],
            json::parse(R"([{"group": "10.0.0.1", "hosts": 2, "in_flight": 2,
                             "queued": 7, "delay_ms": 300}])"));
}

}  // namespace
}  // namespace crawlbox::web
