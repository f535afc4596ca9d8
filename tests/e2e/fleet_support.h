// Shared by the fleet's end-to-end tests: a real redis-server with a password,
// the generated site and a job crawling it, master and worker processes of
// the real binary, and checks that a fleet's crawl equals a local run's.
#pragma once

#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
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

inline constexpr const char* kFleetPassword = "fleet-key-7f3a";
inline constexpr const char* kPassword = kFleetPassword;

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
  // A master with `options` (by default a lease of 2 s, so that the tests
  // of the lease need not wait 30 s).
  std::unique_ptr<ChildProcess> StartMaster(const std::string& url,
                                            std::vector<std::string> options = {
                                                "--lease-ms", "2000"}) {
    master_dir = ProcessDir();
    std::vector<std::string> args = {BuiltProgram("crawlbox"),
                                     "master",
                                     job,
                                     "--db",
                                     db,
                                     "--redis",
                                     url,
                                     "-q"};
    args.insert(args.end(), options.begin(), options.end());
    return std::make_unique<ChildProcess>(
        args, std::map<std::string, std::string>{}, master_dir);
  }
  std::string master_dir;  // of the latest master
  void StartWorkers(int n, int concurrency,
                    const std::vector<std::string>& extra = {}) {
    for (int i = 0; i < n; ++i) {
      std::vector<std::string> argv = {BuiltProgram("crawlbox"),
                                       "worker",
                                       "--redis",
                                       redis->Url(),
                                       "--concurrency",
                                       std::to_string(concurrency)};
      argv.insert(argv.end(), extra.begin(), extra.end());
      workers.push_back(std::make_unique<ChildProcess>(
          argv, std::map<std::string, std::string>{}, ProcessDir()));
    }
  }
  // Writes a job named `name` crawling the site (board records from every
  // page) with `politeness` ([politeness] lines) and `tables` (more TOML
  // tables, such as [store], with their headers) to `path`.
  void WriteJob(const std::string& path, const std::string& name,
                const std::string& politeness,
                const std::string& tables = "") const {
    std::ofstream(path) << "[job]\nname = \"" << name << "\"\nstart_urls = [\""
                        << site->Url("/site/0.html") << "\"]\n"
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
  }
};

// Starts Redis (with `redis_options`, RedisServer::Start) and the site
// (latency per response, `pages` pages) and writes the job; null when
// redis-server is missing (the caller skips).
inline std::unique_ptr<Fleet> MakeFleet(
    int pages, milliseconds latency, const std::string& politeness,
    const std::string& tables = "",
    const std::vector<std::string>& redis_options = {}) {
  auto f = std::make_unique<Fleet>();
  auto redis =
      RedisServer::Start(kFleetPassword, f->dir.path().string(), redis_options);
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
  f->WriteJob(f->job, "dist", politeness, tables);
  return f;
}

#define CRAWLBOX_SKIP_WITHOUT_REDIS(fleet)                              \
  if (fleet == nullptr) {                                               \
    if (!::testing::Test::HasFailure())                                 \
      GTEST_SKIP() << "redis-server is not installed (apt-get install " \
                      "redis-server)";                                  \
    return;                                                             \
  }

// Every row of `sql` as one string, rows sorted.
inline std::vector<std::string> Rows(const std::string& db,
                                     const std::string& sql) {
  std::vector<std::string> out;
  for (const auto& row : QueryDb(db, sql).rows) {
    std::string line;
    for (const auto& v : row) {
      if (auto* i = std::get_if<int64_t>(&v)) line += std::to_string(*i);
      if (auto* d = std::get_if<double>(&v)) line += std::to_string(*d);
      if (auto* s = std::get_if<std::string>(&v)) line += *s;
      line += "|";
    }
    out.push_back(std::move(line));
  }
  std::sort(out.begin(), out.end());
  return out;
}

// The records, pages and frontier the fleet stored are exactly those of a
// local run of the same job on the same site.
inline void ExpectSameAsLocalRun(const Fleet& f) {
  // Named after the fleet's database: a test may check two fleets' crawls.
  const std::string local = f.db + ".local";
  f.site->SetLatency(milliseconds(0));  // the reference run need not be slow
  auto loaded = config::LoadJobFile(f.job);
  JobRun run = RunJob(loaded, local);
  const int pages = f.site->site()->page_count();
  ASSERT_EQ(run.summary.pages, pages);

  EXPECT_EQ(CountDb(f.db, "SELECT count(*) FROM pages"), pages);
  EXPECT_EQ(CountDb(f.db, "SELECT count(DISTINCT url_id) FROM pages"), pages);
  EXPECT_EQ(CountDb(f.db, "SELECT count(*) FROM frontier WHERE state = 'done'"),
            pages);
  EXPECT_EQ(CountDb(f.db, "SELECT count(*) FROM frontier"), pages);
  const std::string items =
      "SELECT i.rule, p.url, i.record FROM items i JOIN pages p ON p.id = "
      "i.page_id";
  const std::vector<std::string> expected = Rows(local, items);
  EXPECT_EQ(static_cast<int>(expected.size()),
            f.site->site()->TotalBoardEntries());
  EXPECT_EQ(Rows(f.db, items), expected);
  const std::string page_rows =
      "SELECT url, final_url, status, content_type, bytes, error FROM pages";
  EXPECT_EQ(Rows(f.db, page_rows), Rows(local, page_rows));
  // Not the depth: which page discovers a URL first depends on timing, in a
  // local run as much as in a distributed one.
  EXPECT_EQ(Rows(f.db, "SELECT url, state, attempts FROM frontier"),
            Rows(local, "SELECT url, state, attempts FROM frontier"));
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

// The port of the running master's status page (from its stderr), or 0.
inline int StatusPort(const Fleet& f) {
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(10);
  const std::regex line("status page at http://127\\.0\\.0\\.1:(\\d+)/");
  while (std::chrono::steady_clock::now() < deadline) {
    std::ifstream in(f.master_dir + "/child.err");
    std::string text((std::istreambuf_iterator<char>(in)),
                     std::istreambuf_iterator<char>());
    std::smatch m;
    if (std::regex_search(text, m, line)) return std::stoi(m[1]);
    std::this_thread::sleep_for(milliseconds(50));
  }
  return 0;
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
  const int64_t stored = CountDb(f.db, "SELECT count(*) FROM pages");
  EXPECT_LT(stored, pages) << "the kill came too late to test anything";
  return stored;
}

// /api/fleet of the master's status page; an empty object when unreachable.
inline nlohmann::json FleetApi(int port) {
  httplib::Client client("127.0.0.1", port);
  auto res = client.Get("/api/fleet");
  if (!res || res->status != 200) return nlohmann::json::object();
  return nlohmann::json::parse(res->body, nullptr, false);
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
