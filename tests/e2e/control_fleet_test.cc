// Job control of a fleet: the master runs the same Engine and Frontier as
// `crawlbox run`, so a pause, a resume and a stop given to the master's status
// server hold for its workers too; fetch.concurrency, each worker's, is
// forwarded to the workers, whose requests in flight at the server drop, and
// so is a limit their parse applies (max_links_per_page).
#include <gtest/gtest.h>
#include <signal.h>

#include <cstdio>
#include <filesystem>

#include "tests/e2e/control_support.h"
#include "tests/support/redis_server.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"

namespace crawlbox::control_test {
namespace {

using testing::BuiltProgram;
using testing::ChildProcess;
using testing::ProcessResult;

ProcessResult Ctl(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {BuiltProgram("crawlbox"), "ctl"};
  argv.insert(argv.end(), args.begin(), args.end());
  return testing::RunProcess(argv, {}, 30'000);
}

TEST(ControlFleetTest, TheMastersControlsHoldForItsWorkers) {
  testing::TempDir dir;
  auto redis =
      testing::RedisServer::Start("fleet-control-key", dir.path().string());
  if (!redis.ok()) {
    if (redis.status().code() == config::Status::Code::kNotFound)
      GTEST_SKIP() << "redis-server is not installed";
    FAIL() << redis.status().ToString();
  }
  testing::TestServer server(SiteOf(400));
  server.SetLatency(std::chrono::milliseconds(200));
  const std::string job = dir.File("job.toml");
  const std::string db = dir.File("crawl.db");
  std::ofstream(job) << "[job]\nname = \"control-fleet\"\nstart_urls = [\""
                     << server.Url("/site/0.html") << "\"]\n"
                     << "[politeness]\nper_host_concurrency = 8\n"
                        "delay_ms = 0\nadaptive = false\nrobots = false\n"
                     << kFollowSite;
  auto own_dir = [&](const std::string& name) {
    std::filesystem::create_directory(dir.File(name));
    return dir.File(name);
  };
  ChildProcess master({BuiltProgram("crawlbox"), "master", job, "--db", db,
                       "--redis", (*redis)->Url(), "-q"},
                      {}, own_dir("master"));
  ChildProcess worker({BuiltProgram("crawlbox"), "worker", "--redis",
                       (*redis)->Url(), "--concurrency", "6"},
                      {}, own_dir("worker"));
  const int port = WaitForPort(master.err_path());
  ASSERT_GT(port, 0) << ReadText(master.err_path());
  ASSERT_TRUE(WaitFor([&] { return SiteRequests(server).size() >= 3; },
                      std::chrono::seconds(20)))
      << ReadText(master.err_path());
  using std::chrono::milliseconds;
  const int at_six =
      ConcurrentDuring(server, milliseconds(0), milliseconds(1200));

  ProcessResult c = Ctl({db, "pause"});
  ASSERT_EQ(c.exit_code, 0) << c.err;
  EXPECT_EQ(json::parse(c.out)["distributed"], true) << c.out;
  ASSERT_TRUE(WaitFor([&] { return GetStatus(port)["in_flight"] == 0; },
                      std::chrono::seconds(10)));
  const size_t paused_count = SiteRequests(server).size();
  std::this_thread::sleep_for(std::chrono::seconds(2));
  EXPECT_EQ(SiteRequests(server).size(), paused_count)
      << "a worker fetched while the master was paused";

  // Each worker's, whatever its --concurrency: the worker says so within a
  // heartbeat, and its requests in flight at the server drop.
  c = Ctl({db, "set", "fetch.concurrency=2"});
  ASSERT_EQ(c.exit_code, 0) << c.err;
  EXPECT_EQ(json::parse(c.out)["fetch"]["concurrency"], 2) << c.out;
  // A limit the workers' parse applies: pages parsed from now on keep one
  // link each (the site's have 40) and say so in their cuts.
  c = Ctl({db, "set", "limits.max_links_per_page=1"});
  ASSERT_EQ(c.exit_code, 0) << c.err;
  c = Ctl({db, "resume"});
  ASSERT_EQ(c.exit_code, 0) << c.err;
  EXPECT_TRUE(WaitFor(
      [&] {
        return ReadText(worker.err_path())
                   .find(
                       "live settings from the master: fetch.concurrency=2") !=
               std::string::npos;
      },
      std::chrono::seconds(10)))
      << ReadText(worker.err_path());
  const int at_two =
      ConcurrentDuring(server, milliseconds(500), milliseconds(1500));
  std::printf("concurrent requests at the server: %d at 6, %d at 2\n", at_six,
              at_two);
  EXPECT_GE(at_six, 4);
  EXPECT_LE(at_six, 6);
  EXPECT_GE(at_two, 1) << "nothing requested after the resume";
  EXPECT_LE(at_two, 2);
  EXPECT_EQ(Call(port, "GET", "", {}).body["fetch"]["concurrency"], 2);
  c = Ctl({db, "stop"});
  ASSERT_EQ(c.exit_code, 0) << c.err;
  ProcessResult m = master.Wait(30'000);
  EXPECT_EQ(m.exit_code, 130) << m.err;
  worker.Signal(SIGTERM);
  worker.Wait(30'000);

  auto reader = storage::Reader::Open(db);
  ASSERT_TRUE(reader.ok());
  auto cut = (*reader)->QueryAll(
      "SELECT count(*) FROM pages WHERE cuts LIKE '%links:%'");
  ASSERT_TRUE(cut.ok() && !cut->rows.empty());
  EXPECT_GT(std::get<int64_t>(cut->rows[0][0]), 0)
      << "no worker cut a page's links";
  std::vector<std::string> seen;
  for (const ControlRow& row : ControlRows(db)) {
    seen.push_back(row.what.value("command", "") + ":" +
                   (row.applied ? "applied" : "refused"));
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"pause:applied", "set:applied",
                                            "set:applied", "resume:applied",
                                            "stop:applied"}));
}

}  // namespace
}  // namespace crawlbox::control_test
