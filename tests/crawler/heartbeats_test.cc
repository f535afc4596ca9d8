// WorkerWatch on readings of the worker table at chosen moments: a worker is
// declared lost once its heartbeat has stood still for misses × interval by
// the master's clock, whatever the worker's own clock says, and stays lost.
#include "crawler/fleet/heartbeats.h"

#include <gtest/gtest.h>

namespace crawlbox::crawler {
namespace {

using std::chrono::milliseconds;
using Clock = WorkerWatch::Clock;

WorkerStatus Beat(const std::string& id, int64_t last_seen_ms,
                  const std::string& state = "working") {
  WorkerStatus w;
  w.id = id;
  w.last_seen_ms = last_seen_ms;
  w.state = state;
  return w;
}

// The master's wall clock in these tests; workers' clocks differ from it.
constexpr int64_t kWall = 1'800'000'000'000;

TEST(WorkerWatchTest, DeclaresAWorkerLostAfterItsMissesOnce) {
  WorkerWatch watch(3, milliseconds(1000));
  EXPECT_EQ(watch.limit(), milliseconds(3000));
  const Clock::time_point t0 = Clock::now();
  // "a" beats every second; "b" stops after its first beat. "b"'s clock is
  // an hour behind the master's, which must not matter once it has beaten.
  const int64_t b_clock = kWall - 3'600'000;
  std::vector<WorkerStatus> r = {Beat("a", kWall), Beat("b", b_clock)};
  EXPECT_TRUE(watch.Observe(&r, t0, kWall).empty());
  EXPECT_EQ(r[0].joined, 1);
  EXPECT_EQ(r[1].joined, 2);
  EXPECT_EQ(r[1].state, "lost") << "stale by the wall clock at first sight";
  r = {Beat("a", kWall + 1000), Beat("b", b_clock + 1000)};
  EXPECT_TRUE(watch.Observe(&r, t0 + milliseconds(1000), kWall + 1000).empty());
  EXPECT_EQ(r[1].state, "working") << "it beats: it is alive";
  for (int s = 2; s <= 4; ++s) {
    r = {Beat("a", kWall + s * 1000), Beat("b", b_clock + 1000)};
    EXPECT_TRUE(watch.Observe(&r, t0 + milliseconds(s * 1000), kWall).empty())
        << "second " << s << ": b's heartbeat is only " << (s - 1) * 1000
        << " ms old";
    EXPECT_EQ(r[1].state, "working");
  }
  r = {Beat("a", kWall + 4250), Beat("b", b_clock + 1000)};
  EXPECT_EQ(watch.Observe(&r, t0 + milliseconds(4250), kWall),
            std::vector<std::string>{"b"});
  EXPECT_EQ(r[0].state, "working");
  EXPECT_EQ(r[1].state, "lost");
  EXPECT_TRUE(watch.Declared("b"));
  EXPECT_FALSE(watch.Declared("a"));
  // Declared once; a heartbeat from it later does not bring it back.
  r = {Beat("a", kWall + 5000), Beat("b", b_clock + 5000)};
  EXPECT_TRUE(watch.Observe(&r, t0 + milliseconds(5000), kWall).empty());
  EXPECT_EQ(r[1].state, "lost");
  // It re-registered under a new id: the old one leaves the table, the new
  // one joins as the third worker (shown lost until its clock, an hour
  // behind, has shown a second heartbeat).
  r = {Beat("a", kWall + 6000), Beat("b.2", b_clock + 6000)};
  EXPECT_TRUE(watch.Observe(&r, t0 + milliseconds(6000), kWall).empty());
  EXPECT_EQ(r[1].state, "lost");
  EXPECT_EQ(r[1].joined, 3);
  r = {Beat("a", kWall + 7000), Beat("b.2", b_clock + 7000)};
  EXPECT_TRUE(watch.Observe(&r, t0 + milliseconds(7000), kWall).empty());
  EXPECT_EQ(r[1].state, "working");
  EXPECT_TRUE(watch.Declared("b"));
}

TEST(WorkerWatchTest, AWorkerThatLeftOrWasDeadBeforeIsNeverDeclared) {
  WorkerWatch watch(2, milliseconds(500));
  const Clock::time_point t0 = Clock::now();
  // "gone" left cleanly; "old" was dead before this master started.
  std::vector<WorkerStatus> r = {Beat("gone", kWall, "left"),
                                 Beat("old", kWall - 60'000)};
  for (int ms = 0; ms <= 5000; ms += 250) {
    std::vector<WorkerStatus> reading = r;
    EXPECT_TRUE(
        watch.Observe(&reading, t0 + milliseconds(ms), kWall + ms).empty())
        << ms;
    EXPECT_EQ(reading[0].state, "left");
    EXPECT_EQ(reading[1].state, "lost");
  }
  EXPECT_FALSE(watch.Declared("old"));
}

TEST(WorkerWatchTest, MissesBelowOneCountAsOne) {
  WorkerWatch watch(0, milliseconds(1000));
  EXPECT_EQ(watch.limit(), milliseconds(1000));
  EXPECT_EQ(watch.misses(), 1);
}

}  // namespace
}  // namespace crawlbox::crawler
