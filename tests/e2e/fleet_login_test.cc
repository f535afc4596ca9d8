// Distributed mode with a [login]: a master without the login password and
// two workers that have it, against the API test site's members area. Every
// member stored once, the workers logged in, and the password nowhere in
// Redis (watched with MONITOR for the whole run and dumped key by key during
// and after it), in any process's output or in the database files.
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "crawler/fleet/redis_client.h"
#include "tests/e2e/crawl_support.h"
#include "tests/support/api_data.h"
#include "tests/support/redis_server.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_server.h"

namespace crawlbox {
namespace {

using crawler::RedisClient;
using crawler::RedisReply;
using testing::BuiltProgram;
using testing::ChildProcess;
using testing::ProcessResult;
using testing::RedisServer;
using testing::TempDir;
using testing::TestServer;

constexpr const char* kRedisPassword = "fleet-login-redis-5d21";
constexpr const char* kRedisCli = "/usr/bin/redis-cli";

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// A password no page, job or log could hold by chance.
std::string RandomPassword() {
  std::random_device random;
  std::string out = "pw-";
  static const char kHex[] = "0123456789abcdef";
  for (int i = 0; i < 24; ++i) out += kHex[random() % 16];
  return out;
}

std::string ToBase64(const std::string& bytes) {
  static const char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  uint32_t bits = 0;
  int pending = 0;
  for (unsigned char c : bytes) {
    bits = (bits << 8) | c;
    pending += 8;
    while (pending >= 6) {
      pending -= 6;
      out.push_back(kAlphabet[(bits >> pending) & 0x3F]);
    }
  }
  if (pending > 0) out.push_back(kAlphabet[(bits << (6 - pending)) & 0x3F]);
  return out;
}

// The forms in which `secret` would show in stored bytes: itself, and the
// base64 characters that depend on its bytes alone at each of the three
// alignments (the wire carries bodies and request data base64-encoded).
std::vector<std::string> SecretForms(const std::string& secret) {
  std::vector<std::string> forms = {secret};
  for (size_t shift = 0; shift < 3; ++shift) {
    const std::string encoded = ToBase64(std::string(shift, '\0') + secret);
    const size_t first = (shift * 8 + 5) / 6;
    const size_t end = (shift + secret.size()) * 8 / 6;
    forms.push_back(encoded.substr(first, end - first));
  }
  return forms;
}

// The form of `secret` found in `bytes`, or empty.
std::string FindSecret(const std::string& bytes, const std::string& secret) {
  for (const std::string& form : SecretForms(secret)) {
    if (bytes.find(form) != std::string::npos) return form;
  }
  return {};
}

void Flatten(const RedisReply& reply, std::string* out) {
  out->append(reply.str);
  out->push_back('\n');
  for (const RedisReply& e : reply.elements) Flatten(e, out);
}

// Every key of the Redis database with its whole value, as text: streams
// entry by entry, hashes field by field. Fails the test when Redis does not
// answer.
std::string DumpRedis(RedisClient* redis) {
  std::string out;
  std::string cursor = "0";
  do {
    auto scan = redis->Command({"SCAN", cursor, "COUNT", "1000"});
    if (!scan.ok() || scan->elements.size() != 2) {
      ADD_FAILURE() << "SCAN: " << scan.status().ToString();
      return out;
    }
    cursor = scan->elements[0].str;
    for (const RedisReply& key : scan->elements[1].elements) {
      auto type = redis->Command({"TYPE", key.str});
      if (!type.ok()) continue;  // gone meanwhile
      std::vector<std::string> read;
      if (type->str == "string") read = {"GET", key.str};
      if (type->str == "hash") read = {"HGETALL", key.str};
      if (type->str == "stream") read = {"XRANGE", key.str, "-", "+"};
      if (type->str == "set") read = {"SMEMBERS", key.str};
      if (type->str == "list") read = {"LRANGE", key.str, "0", "-1"};
      if (type->str == "zset") read = {"ZRANGE", key.str, "0", "-1"};
      if (type->str == "none") continue;
      if (read.empty()) {
        ADD_FAILURE() << "a key of type " << type->str << ": " << key.str;
        continue;
      }
      out += key.str + " (" + type->str + ")\n";
      auto value = redis->Command(read);
      if (value.ok()) Flatten(*value, &out);
    }
  } while (cursor != "0");
  return out;
}

// Member records as (name, since), the site's and the database's.
using Members = std::multiset<std::pair<std::string, int64_t>>;

Members ExpectedMembers() {
  Members out;
  for (int page = 1; page <= testing::kMemberPages; ++page) {
    for (const testing::MemberRecord& m : testing::MembersOnPage(page))
      out.emplace(m.name, m.since);
  }
  return out;
}

Members StoredMembers(const std::string& db) {
  Members out;
  for (const auto& row :
       e2e::QueryDb(db, "SELECT name, since FROM members").rows) {
    const auto* name = std::get_if<std::string>(&row[0]);
    const auto* since = std::get_if<int64_t>(&row[1]);
    out.emplace(name ? *name : "<not text>", since ? *since : -1);
  }
  return out;
}

std::string JobPath(const std::string& name) {
  return std::string(CRAWLBOX_SOURCE_DIR) + "/config/jobs/" + name;
}

// Runs login.toml with a master that lacks the password and two workers
// that have it, against a site whose sessions end after
// `session_max_requests` members pages (0 = never), and checks the records,
// the logins and every place the password must not reach.
void CrawlWithFleet(int session_max_requests) {
  // The master must not have the password: children inherit this process'
  // environment plus what each is given.
  unsetenv("CRAWLBOX_LOGIN_PASSWORD");
  TempDir dir;
  auto started = RedisServer::Start(kRedisPassword, dir.path().string());
  if (!started.ok()) {
    if (started.status().code() == config::Status::Code::kNotFound)
      GTEST_SKIP() << started.status().message();
    FAIL() << started.status().ToString();
  }
  std::unique_ptr<RedisServer> redis = std::move(*started);
  const std::string password = RandomPassword();
  testing::TestServerOptions options;
  options.login_password = password;
  options.session_max_requests = session_max_requests;
  TestServer site(options);
  int processes = 0;
  auto process_dir = [&] {
    std::string d = dir.File("p" + std::to_string(++processes));
    std::filesystem::create_directories(d);
    return d;
  };

  // MONITOR prints every command any client sends, with its arguments.
  if (!std::filesystem::exists(kRedisCli))
    GTEST_SKIP() << "redis-cli is not installed (Debian package redis-tools)";
  ChildProcess monitor(
      {kRedisCli, "-h", "127.0.0.1", "-p", std::to_string(redis->port()),
       "--no-auth-warning", "-a", kRedisPassword, "monitor"},
      {}, process_dir());
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (ReadFile(monitor.out_path()).find("OK") == std::string::npos &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_NE(ReadFile(monitor.out_path()).find("OK"), std::string::npos)
      << ReadFile(monitor.err_path());

  auto address = crawler::ParseRedisUrl(redis->Url());
  ASSERT_TRUE(address.ok()) << address.status().ToString();
  std::vector<std::unique_ptr<ChildProcess>> workers;
  for (int i = 0; i < 2; ++i) {
    workers.push_back(std::make_unique<ChildProcess>(
        // --job: a worker waiting for any job could poll between the
        // master's publishing and its finishing this short crawl, and go on
        // waiting for the next job; a named job is seen as finished.
        std::vector<std::string>{BuiltProgram("crawlbox"), "worker", "--redis",
                                 redis->Url(), "--concurrency", "2", "--job",
                                 "login"},
        std::map<std::string, std::string>{
            {"CRAWLBOX_LOGIN_PASSWORD", password}},
        process_dir()));
  }
  const std::string db = dir.File("login.db");
  ChildProcess master(
      {BuiltProgram("crawlbox"), "master", JobPath("login.toml"), "--db", db,
       "--redis", redis->Url(), "--lease-ms", "2000"},
      {{"API_SITE", site.Url("")}}, process_dir());

  // The whole keyspace, read again and again while the fleet works.
  std::atomic<bool> running = true;
  int dumps = 0;
  std::string found_during;
  std::thread watcher([&] {
    auto client = RedisClient::Connect(*address);
    if (!client.ok()) return;
    while (running) {
      const std::string dump = DumpRedis(client->get());
      ++dumps;
      if (found_during.empty() && !FindSecret(dump, password).empty())
        found_during = dump;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  });
  ProcessResult m = master.Wait(25'000);
  running = false;
  watcher.join();
  ASSERT_EQ(m.exit_code, 0) << m.err;
  EXPECT_NE(m.err.find("finished"), std::string::npos) << m.err;
  std::vector<ProcessResult> ended;
  for (auto& worker : workers) {
    ended.push_back(worker->Wait(15'000));
    EXPECT_EQ(ended.back().exit_code, 0) << ended.back().err;
  }

  EXPECT_EQ(e2e::CountDb(db, "SELECT count(*) FROM members"),
            testing::kMemberPages * testing::kMembersPerPage);
  EXPECT_EQ(StoredMembers(db), ExpectedMembers());
  const testing::LoginCounts logins = site.api_site().Logins();
  // Each worker that fetched pages logged in itself, and again after each
  // session ended; its login counters reached the master.
  EXPECT_EQ(logins.failed, 0);
  EXPECT_EQ(site.Hits("/app/logout"), 0);
  int working = 0;
  for (const ProcessResult& w : ended) {
    if (w.err.find(": 0 pages") != std::string::npos) continue;
    ++working;
    EXPECT_NE(w.err.find("logged in at"), std::string::npos) << w.err;
  }
  EXPECT_GE(working, 1);
  EXPECT_GE(logins.succeeded, working);
  if (session_max_requests > 0) {
    EXPECT_GE(logins.succeeded,
              testing::kMemberPages / session_max_requests + 1);
  }
  auto stats = e2e::QueryDb(db, "SELECT stats FROM crawls");
  ASSERT_EQ(stats.rows.size(), 1u);
  const auto* stats_text = std::get_if<std::string>(&stats.rows[0][0]);
  ASSERT_NE(stats_text, nullptr);
  const nlohmann::json counters =
      nlohmann::json::parse(*stats_text, nullptr, false);
  EXPECT_EQ(counters.value("login/ok", int64_t{-1}), logins.succeeded)
      << *stats_text;

  // Redis: during the run, after it, and every command sent to it.
  EXPECT_GT(dumps, 0);
  EXPECT_EQ(found_during, "") << "the password was in Redis during the run";
  {
    auto client = RedisClient::Connect(*address);
    ASSERT_TRUE(client.ok()) << client.status().ToString();
    const std::string after = DumpRedis(client->get());
    EXPECT_NE(after.find("crawlbox:login:job"), std::string::npos) << after;
    EXPECT_EQ(FindSecret(after, password), "") << after;
  }
  monitor.Signal(SIGTERM);
  monitor.Wait(5'000);
  const std::string commands = ReadFile(monitor.out_path());
  // MONITOR really saw the fleet: tasks, results and the published job.
  EXPECT_NE(commands.find("\"XADD\""), std::string::npos);
  EXPECT_NE(commands.find("/app/members/20"), std::string::npos);
  EXPECT_NE(commands.find(site.Url("")), std::string::npos)
      << "the master publishes API_SITE";
  EXPECT_EQ(FindSecret(commands, password), "")
      << "a command sent to Redis held the password";

  // The processes' output.
  EXPECT_EQ(FindSecret(ReadFile(master.out_path()) + m.err, password), "")
      << m.err;
  for (size_t i = 0; i < workers.size(); ++i) {
    EXPECT_EQ(
        FindSecret(ReadFile(workers[i]->out_path()) + ended[i].err, password),
        "")
        << ended[i].err;
  }
  // The database files, the stored job text and stats included.
  for (const std::string& path : {db, db + "-wal", db + "-shm"}) {
    if (!std::filesystem::exists(path)) continue;
    EXPECT_EQ(FindSecret(ReadFile(path), password), "") << path;
  }
  for (const auto& row :
       e2e::QueryDb(db, "SELECT job_text || coalesce(stats, '') FROM crawls")
           .rows) {
    const auto* text = std::get_if<std::string>(&row[0]);
    ASSERT_NE(text, nullptr);
    EXPECT_EQ(FindSecret(*text, password), "");
  }
}

TEST(FleetLoginTest, WorkersLogInAndThePasswordNeverReachesTheMaster) {
  CrawlWithFleet(0);
}

TEST(FleetLoginTest, WorkersLogInAgainWhenSessionsEnd) { CrawlWithFleet(7); }

}  // namespace
}  // namespace crawlbox
