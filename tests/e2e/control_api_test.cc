// POST /api/control and `crawlbox ctl` against a running `crawlbox run`: the
// token is required even from loopback, a cross-site form post is refused, a
// bad value gets `crawlbox check`'s message, every command lands in the
// controls table, and a paused crawl stays paused when it is run again.
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>

#include "tests/e2e/control_support.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"

namespace crawlbox::control_test {
namespace {

using testing::BuiltProgram;
using testing::ChildProcess;
using testing::ProcessResult;
using testing::TempDir;
using testing::TestServer;

constexpr char kToken[] = "control-test-token-1";

httplib::Headers WithToken() {
  return {{"Authorization", std::string("Bearer ") + kToken},
          {"X-Crawlbox-Control", "test"}};
}

// What `crawlbox check` prints for a job whose politeness.delay_ms is
// `value`.
std::string CheckMessage(const TempDir& dir, const std::string& value) {
  return control_test::CheckMessage(dir.File("bad.toml"), "politeness",
                                    "delay_ms", value);
}

ProcessResult Ctl(const std::vector<std::string>& args,
                  const std::map<std::string, std::string>& env = {}) {
  std::vector<std::string> argv = {BuiltProgram("crawlbox"), "ctl"};
  argv.insert(argv.end(), args.begin(), args.end());
  return testing::RunProcess(argv, env, 30'000);
}

TEST(ControlApiTest, GuardsValidatesRecordsAndKeepsAPauseAcrossARestart) {
  testing::TestServerOptions options;
  options.site = testing::SiteOptions{};
  options.site->pages = 400;
  TestServer server(options);
  server.SetLatency(std::chrono::milliseconds(20));
  TempDir dir;
  const std::string job = dir.File("job.toml");
  const std::string db = dir.File("crawl.db");
  std::ofstream(job) << "[job]\nname = \"control-api\"\nstart_urls = [\""
                     << server.Url("/site/0.html") << "\"]\n"
                     << "[politeness]\nper_host_concurrency = 1\n"
                        "delay_ms = 100\nrobots = false\n"
                        "[fetch]\nconcurrency = 2\n"
                     << kFollowSite;
  std::vector<std::string> run = {
      BuiltProgram("crawlbox"), "run", job, "--db", db, "-q",
      "--status-token",         kToken};
  ChildProcess crawl(run, {}, dir.path().string());
  const int port = WaitForPort(crawl.err_path());
  ASSERT_GT(port, 0) << ReadText(crawl.err_path());
  const std::string pause = R"({"command":"pause"})";

  // No token: refused, from loopback too, whatever the headers.
  Reply r = Call(port, "POST", pause, {{"X-Crawlbox-Control", "test"}});
  EXPECT_EQ(r.status, 401) << r.body.dump();
  // A cross-site form post (even one that somehow knew the token) and a
  // no-cors text/plain fetch: neither can carry the custom header or type.
  r = Call(port, "POST", "command=pause",
           {{"Authorization", std::string("Bearer ") + kToken}},
           "application/x-www-form-urlencoded");
  EXPECT_EQ(r.status, 415) << r.body.dump();
  r = Call(port, "POST", pause,
           {{"Authorization", std::string("Bearer ") + kToken}}, "text/plain");
  EXPECT_EQ(r.status, 415) << r.body.dump();
  r = Call(port, "POST", pause,
           {{"Authorization", std::string("Bearer ") + kToken}});
  EXPECT_EQ(r.status, 403) << r.body.dump();
  r = Call(port, "GET", "", WithToken());
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.body["paused"], false) << r.body.dump();
  EXPECT_EQ(r.body["running"], true);

  // A bad value: 400 with `crawlbox check`'s words, nothing changed.
  for (const std::string value : {"-5", "\"fast\""}) {
    r = Call(port, "POST",
             R"({"command":"set","key":"politeness.delay_ms","value":)" +
                 value + "}",
             WithToken());
    EXPECT_EQ(r.status, 400) << value;
    EXPECT_EQ(r.body["error"], CheckMessage(dir, value)) << value;
  }
  // ctl: the same message and exit 2; no token → 2 as well.
  ProcessResult c =
      Ctl({db, "set", "politeness.delay_ms=-5", "--token", kToken});
  EXPECT_EQ(c.exit_code, 2) << c.err;
  EXPECT_NE(c.err.find(CheckMessage(dir, "-5")), std::string::npos) << c.err;
  c = Ctl({db, "pause"});
  EXPECT_EQ(c.exit_code, 2) << c.err;

  // Pause through ctl (the token from the environment), then stop.
  c = Ctl({db, "pause"}, {{"CRAWLBOX_STATUS_TOKEN", kToken}});
  ASSERT_EQ(c.exit_code, 0) << c.err;
  EXPECT_EQ(json::parse(c.out)["paused"], true) << c.out;
  ASSERT_TRUE(WaitFor([&] { return GetStatus(port, kToken)["in_flight"] == 0; },
                      std::chrono::seconds(10)));
  const size_t paused_at = SiteRequests(server).size();
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  EXPECT_EQ(SiteRequests(server).size(), paused_at);
  c = Ctl({"http://127.0.0.1:" + std::to_string(port) + "/", "stop", "--token",
           kToken});
  ASSERT_EQ(c.exit_code, 0) << c.err;
  ProcessResult first = crawl.Wait(30'000);
  EXPECT_EQ(first.exit_code, 130) << first.err;
  // The run is over: its address is cleared, nothing answers.
  c = Ctl({db, "resume", "--token", kToken});
  EXPECT_EQ(c.exit_code, 1) << c.err;

  // Run again: still paused, nothing requested until a resume.
  const size_t before_restart = SiteRequests(server).size();
  ASSERT_GT(before_restart, 0u);
  // A folder of its own: the first run's stderr must not be read as its.
  const std::string second_dir = dir.File("second");
  std::filesystem::create_directory(second_dir);
  ChildProcess again(run, {}, second_dir);
  const int port2 = WaitForPort(again.err_path());
  ASSERT_GT(port2, 0) << ReadText(again.err_path());
  ASSERT_TRUE(WaitFor(
      [&] {
        return Call(port2, "GET", "", WithToken()).body["running"] == true;
      },
      std::chrono::seconds(10)));
  EXPECT_EQ(Call(port2, "GET", "", WithToken()).body["paused"], true);
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  EXPECT_EQ(SiteRequests(server).size(), before_restart);
  c = Ctl({db, "resume", "--token", kToken});
  ASSERT_EQ(c.exit_code, 0) << c.err;
  EXPECT_TRUE(
      WaitFor([&] { return SiteRequests(server).size() > before_restart + 2; },
              std::chrono::seconds(10)));
  again.Signal(SIGINT);
  ProcessResult second = again.Wait(30'000);
  EXPECT_EQ(second.exit_code, 130) << second.err;

  // Every command given to a running crawl is recorded; the token never.
  std::vector<ControlRow> rows = ControlRows(db);
  std::vector<std::string> seen;
  for (const ControlRow& row : rows) {
    seen.push_back(row.what.value("command", "") + ":" +
                   (row.applied ? "applied" : "refused"));
    EXPECT_EQ(row.who.find(kToken), std::string::npos);
    EXPECT_EQ(row.who.rfind("token", 0), 0u) << row.who;
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"set:refused", "set:refused",
                                            "set:refused", "pause:applied",
                                            "stop:applied", "resume:applied"}));
  ASSERT_GE(rows.size(), 1u);
  EXPECT_EQ(rows[0].message, CheckMessage(dir, "-5"));
  EXPECT_EQ(rows[3].who, "token/ctl");
}

TEST(ControlApiTest, ServeOfAFinishedDatabaseAnswers409) {
  TempDir dir;
  testing::TestServerOptions options;
  options.site = testing::SiteOptions{};
  options.site->pages = 5;
  TestServer server(options);
  const std::string job = dir.File("job.toml");
  const std::string db = dir.File("crawl.db");
  std::ofstream(job) << "[job]\nname = \"done\"\nstart_urls = [\""
                     << server.Url("/site/0.html") << "\"]\n"
                     << "[politeness]\ndelay_ms = 0\n";
  ProcessResult done = testing::RunProcess(
      {BuiltProgram("crawlbox"), "run", job, "--db", db, "-q", "--no-status"});
  ASSERT_EQ(done.exit_code, 0) << done.err;
  ChildProcess serve({BuiltProgram("crawlbox"), "serve", db}, {},
                     dir.path().string());
  const std::regex line(R"(http://127\.0\.0\.1:(\d+)/)");
  int port = 0;
  ASSERT_TRUE(WaitFor(
      [&] {
        std::smatch m;
        const std::string err = ReadText(serve.err_path());
        if (!std::regex_search(err, m, line)) return false;
        port = std::stoi(m[1]);
        return true;
      },
      std::chrono::seconds(20)));
  Reply r = Call(port, "POST", R"({"command":"pause"})",
                 {{"X-Crawlbox-Control", "test"}});
  EXPECT_EQ(r.status, 409) << r.body.dump();
  r = Call(port, "GET", "", {});
  EXPECT_EQ(r.body["running"], false) << r.body.dump();
  ProcessResult c =
      Ctl({"http://127.0.0.1:" + std::to_string(port) + "/", "pause"});
  EXPECT_EQ(c.exit_code, 1) << c.err;
  serve.Signal(SIGINT);
  serve.Wait(10'000);
}

}  // namespace
}  // namespace crawlbox::control_test
