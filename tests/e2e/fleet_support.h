// Shared by the fleet tests: a real redis-server with a password, the real
// crawlbox binary as master and worker processes, the generated site served
// by the test server, and what the tests wait for and read back.
#pragma once

#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "tests/e2e/crawl_support.h"
#include "tests/support/redis_server.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_server.h"

namespace crawlbox::e2e {

using std::chrono::milliseconds;
using testing::BuiltProgram;
using testing::ChildProcess;
using testing::ProcessResult;
using testing::RedisServer;
using testing::TempDir;
using testing::TestServer;

inline constexpr const char* kPassword = "fleet-key-7f3a";

// A Redis server, the generated site and a job crawling it.
struct Fleet {
  TempDir dir;
  std::unique_ptr<RedisServer> redis;
  std::unique_ptr<TestServer> site;
  std::string job;
  std::string db;
  std::vector<std::unique_ptr<ChildProcess>> workers;
  int processes = 0;

  // A directory of its own per process: ChildProcess writes its output there.
  std::string ProcessDir() {
    std::string d = dir.File("p" + std::to_string(++processes));
    std::filesystem::create_directories(d);
    return d;
  }
  std::unique_ptr<ChildProcess> StartMaster(const std::string& url) {
    master_dir = ProcessDir();
    return std::make_unique<ChildProcess>(
        std::vector<std::string>{BuiltProgram("crawlbox"), "master", job,
                                 "--db", db, "--redis", url, "--lease-ms",
                                 "2000", "-q"},
        std::map<std::string, std::string>{}, master_dir);
  }
  std::string master_dir;  // of the latest master
  void StartWorkers(int n, int concurrency) {
    for (int i = 0; i < n; ++i) {
      workers.push_back(std::make_unique<ChildProcess>(
          std::vector<std::string>{BuiltProgram("crawlbox"), "worker",
                                   "--redis", redis->Url(), "--concurrency",
                                   std::to_string(concurrency)},
          std::map<std::string, std::string>{}, ProcessDir()));
    }
  }
};

// Starts Redis and the site (latency per response, `pages` pages) and writes
// the job (`tables`: more TOML tables, such as [store], with their headers);
// null when redis-server is missing (the caller skips).
inline std::unique_ptr<Fleet> MakeFleet(int pages, milliseconds latency,
                                        const std::string& politeness,
                                        const std::string& tables = "") {
  auto f = std::make_unique<Fleet>();
  auto redis = RedisServer::Start(kPassword, f->dir.path().string());
  if (!redis.ok()) {
    if (redis.status().code() == config::Status::Code::kNotFound) return {};
    ADD_FAILURE() << redis.status().ToString();
    return {};
  }
  f->redis = std::move(*redis);
  testing::TestServerOptions options;
  options.site = testing::SiteOptions{};
  options.site->pages = pages;
  f->site = std::make_unique<TestServer>(options);
  f->site->SetLatency(latency);
  f->job = f->dir.File("job.toml");
  f->db = f->dir.File("dist.db");
  std::ofstream(f->job) << "[job]\nname = \"dist\"\nstart_urls = [\""
                        << f->site->Url("/site/0.html") << "\"]\n"
                        << "[fetch]\nconcurrency = 8\n"
                        << "[politeness]\n"
                        << politeness << tables
                        << "[[rules]]\nname = \"board\"\nurl = '/site/'\n"
                           "pattern = "
                           "'<dd>.*?board-index.*?>(?P<rank>\\d+)</i>.*?title="
                           "\"(?P<title>[^\"]*)\".*?</dd>'\n"
                           "follow = ['/site/\\d+\\.html$']\n"
                           "[rules.fields]\nrank = { type = \"int\" }\n"
                           "title = {}\n";
  return f;
}

// Waits until the database holds at least `want` pages.
inline bool WaitForPages(const std::string& db, int64_t want,
                         std::chrono::seconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    // Read as another process would; the master may not have created the
    // schema yet.
    auto reader = storage::Reader::Open(db);
    if (reader.ok()) {
      auto rows = (*reader)->QueryAll("SELECT count(*) FROM pages");
      if (rows.ok() && !rows->rows.empty() &&
          std::get<int64_t>(rows->rows[0][0]) >= want) {
        return true;
      }
    }
    std::this_thread::sleep_for(milliseconds(50));
  }
  return false;
}

// Kills `process` (a worker or the master) with SIGKILL once the fleet has
// stored `after` of the site's `pages` pages; returns the pages stored at
// that moment.
inline int64_t KillMidCrawl(const Fleet& f, ChildProcess* process,
                            int64_t after = 300, int64_t pages = 2000) {
  EXPECT_TRUE(WaitForPages(f.db, after, std::chrono::seconds(30)));
  process->Signal(SIGKILL);
  ProcessResult killed = process->Wait(5'000);
  EXPECT_EQ(killed.exit_code, 128 + SIGKILL);
  const int64_t stored = e2e::CountDb(f.db, "SELECT count(*) FROM pages");
  EXPECT_LT(stored, pages) << "the kill came too late to test anything";
  return stored;
}

// Workers from `first` on exit 0 once the master has marked the job over.
inline void ExpectWorkersDone(Fleet& f, size_t first = 0) {
  for (size_t i = first; i < f.workers.size(); ++i) {
    ProcessResult w = f.workers[i]->Wait(15'000);
    EXPECT_EQ(w.exit_code, 0) << w.err;
  }
}

// The number before `label` in the master's summary line, or -1.
inline int64_t SummaryNumber(const std::string& err, const std::string& label) {
  std::smatch m;
  if (!std::regex_search(err, m, std::regex("(\\d+) " + label))) return -1;
  return std::stoll(m[1]);
}

}  // namespace crawlbox::e2e

#define CRAWLBOX_SKIP_WITHOUT_REDIS(fleet)                              \
  if (fleet == nullptr) {                                               \
    if (!::testing::Test::HasFailure())                                 \
      GTEST_SKIP() << "redis-server is not installed (apt-get install " \
                      "redis-server)";                                  \
    return;                                                             \
  }
