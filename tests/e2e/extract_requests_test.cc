// `crawlbox extract` beyond HTML: a JSON API page by the job's start point,
// the request it would enqueue next, a saved JSON file, a hand-made POST, and
// a page behind the job's [login].
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "tests/support/api_data.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_server.h"

namespace crawlbox {
namespace {

using testing::BuiltProgram;
using testing::ProcessResult;
using testing::RunProcess;
using testing::TempDir;
using testing::TestServer;

ProcessResult Crawlbox(std::vector<std::string> args,
                       const std::map<std::string, std::string>& env) {
  args.insert(args.begin(), BuiltProgram("crawlbox"));
  return RunProcess(args, env);
}

std::string Job(const std::string& name) {
  return std::string(CRAWLBOX_SOURCE_DIR) + "/config/jobs/" + name;
}

int Lines(const std::string& text) {
  int n = 0;
  for (char c : text) n += c == '\n';
  return n;
}

class ExtractRequestsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { server_ = new TestServer(); }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  std::map<std::string, std::string> Env() const {
    return {{"API_SITE", server_->Url("")}};
  }
  static TestServer* server_;
};

TestServer* ExtractRequestsTest::server_ = nullptr;

TEST_F(ExtractRequestsTest, SeedOfAnApiJobGivesItsRecordsAndNextRequest) {
  ProcessResult r =
      Crawlbox({"extract", Job("api.toml"), "--seed", "0"}, Env());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Lines(r.out), testing::kApiItemsPerPage) << r.out;
  EXPECT_NE(r.out.find("\"id\":1,"), std::string::npos) << r.out;
  ProcessResult links =
      Crawlbox({"extract", Job("api.toml"), "--seed", "0", "--links"}, Env());
  ASSERT_EQ(links.exit_code, 0) << links.err;
  EXPECT_EQ(links.out,
            server_->Url("/api/items?cursor=" +
                         testing::ApiCursor(testing::kApiItemsPerPage)) +
                "\n");
}

TEST_F(ExtractRequestsTest, SavedJsonFileNeedsNoNetwork) {
  TempDir dir;
  const std::string file = dir.File("page.json");
  std::ofstream(file) << testing::ApiItemsPageJson(4900);
  ProcessResult r =
      Crawlbox({"extract", Job("api.toml"), "--file", file, "--base-url",
                "http://api.test/api/items", "--json"},
               Env());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Lines(r.out), testing::kApiItemsPerPage);
  EXPECT_NE(r.out.find("\"id\":5000,"), std::string::npos) << r.out;
  // The last page: has_more is false, so nothing follows.
  ProcessResult links =
      Crawlbox({"extract", Job("api.toml"), "--file", file, "--base-url",
                "http://api.test/api/items", "--json", "--links"},
               Env());
  EXPECT_EQ(links.out, "") << links.out;
}

TEST_F(ExtractRequestsTest, HandMadePostAndTheFormItWouldSubmit) {
  server_->ResetCounts();
  ProcessResult r = Crawlbox({"extract", Job("search_form.toml"), "--url",
                              server_->Url("/app/search"), "--links"},
                             Env());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("\"method\":\"POST\""), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("q=sprocket"), std::string::npos) << r.out;
  ProcessResult post = Crawlbox(
      {"extract", Job("api.toml"), "--url", server_->Url("/api/search"),
       "--method", "POST", "-H", "Content-Type: application/json", "--data",
       "{\"q\":\"sprocket\"}", "--rule", "api_items", "--links"},
      Env());
  EXPECT_EQ(post.exit_code, 0) << post.err;
  bool posted = false;
  for (const auto& request : server_->RequestLog()) {
    if (request.method == "POST" && request.target == "/api/search" &&
        request.body == "{\"q\":\"sprocket\"}")
      posted = true;
  }
  EXPECT_TRUE(posted);
}

TEST_F(ExtractRequestsTest, PageBehindTheLoginIsReadAfterLoggingIn) {
  std::map<std::string, std::string> env = Env();
  ProcessResult stranger = Crawlbox(
      {"extract", Job("login.toml"), "--url", server_->Url("/app/members/2")},
      env);
  EXPECT_EQ(Lines(stranger.out), 0) << stranger.out;
  EXPECT_NE(stranger.err.find("logged_out"), std::string::npos) << stranger.err;
  env["CRAWLBOX_LOGIN_PASSWORD"] = testing::kDemoLoginPassword;
  ProcessResult member = Crawlbox(
      {"extract", Job("login.toml"), "--url", server_->Url("/app/members/2")},
      env);
  ASSERT_EQ(member.exit_code, 0) << member.err;
  EXPECT_EQ(Lines(member.out), testing::kMembersPerPage) << member.out;
  EXPECT_EQ(member.err.find(testing::kDemoLoginPassword), std::string::npos);
}

}  // namespace
}  // namespace crawlbox
