// Job control of a fleet: the master runs the same Engine and Frontier as
// `crawlbox run`, so a pause, a resume and a stop given to the master's status
// server hold for its workers too; fetch.concurrency, each worker's own, is
// refused there.
#include <gtest/gtest.h>
#include <signal.h>

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
  testing::TestServerOptions options;
  options.site = testing::SiteOptions{};
  options.site->pages = 400;
  testing::TestServer server(options);
  server.SetLatency(std::chrono::milliseconds(20));
  const std::string job = dir.File("job.toml");
  const std::string db = dir.File("crawl.db");
  std::ofstream(job) << "[job]\nname = \"control-fleet\"\nstart_urls = [\""
                     << server.Url("/site/0.html") << "\"]\n"
                     << "[politeness]\nper_host_concurrency = 1\n"
                        "delay_ms = 100\nrobots = false\n"
                     << kFollowSite;
  auto own_dir = [&](const std::string& name) {
    std::filesystem::create_directory(dir.File(name));
    return dir.File(name);
  };
  ChildProcess master({BuiltProgram("crawlbox"), "master", job, "--db", db,
                       "--redis", (*redis)->Url(), "-q"},
                      {}, own_dir("master"));
  ChildProcess worker({BuiltProgram("crawlbox"), "worker", "--redis",
                       (*redis)->Url(), "--concurrency", "2"},
                      {}, own_dir("worker"));
  const int port = WaitForPort(master.err_path());
  ASSERT_GT(port, 0) << ReadText(master.err_path());
  ASSERT_TRUE(WaitFor([&] { return SiteRequests(server).size() >= 3; },
                      std::chrono::seconds(20)))
      << ReadText(master.err_path());

  ProcessResult c = Ctl({db, "pause"});
  ASSERT_EQ(c.exit_code, 0) << c.err;
  EXPECT_EQ(json::parse(c.out)["distributed"], true) << c.out;
  ASSERT_TRUE(WaitFor([&] { return GetStatus(port)["in_flight"] == 0; },
                      std::chrono::seconds(10)));
  const size_t paused_count = SiteRequests(server).size();
  std::this_thread::sleep_for(std::chrono::seconds(2));
  EXPECT_EQ(SiteRequests(server).size(), paused_count)
      << "a worker fetched while the master was paused";

  c = Ctl({db, "set", "fetch.concurrency=4"});
  EXPECT_EQ(c.exit_code, 1) << c.err;
  EXPECT_NE(c.err.find("each worker"), std::string::npos) << c.err;
  c = Ctl({db, "resume"});
  ASSERT_EQ(c.exit_code, 0) << c.err;
  EXPECT_TRUE(
      WaitFor([&] { return SiteRequests(server).size() >= paused_count + 3; },
              std::chrono::seconds(10)));
  c = Ctl({db, "stop"});
  ASSERT_EQ(c.exit_code, 0) << c.err;
  ProcessResult m = master.Wait(30'000);
  EXPECT_EQ(m.exit_code, 130) << m.err;
  worker.Signal(SIGTERM);
  worker.Wait(30'000);

  std::vector<std::string> seen;
  for (const ControlRow& row : ControlRows(db)) {
    seen.push_back(row.what.value("command", "") + ":" +
                   (row.applied ? "applied" : "refused"));
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"pause:applied", "set:refused",
                                            "resume:applied", "stop:applied"}));
}

}  // namespace
}  // namespace crawlbox::control_test
