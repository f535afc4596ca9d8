// Rendering in the fleet: a job that renders the single-page app's pages and
// fetches a static site, run by a master with one worker that renders and one
// started --no-render. Every render task reaches the rendering worker (the
// other never takes one: it would store the page without its records), every
// record is exact, and the plain pages are shared. Captured JSON
// (render.capture) gives the rendering worker's pages their records.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "tests/e2e/crawl_support.h"
#include "tests/support/redis_server.h"
#include "tests/support/spa_site.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_server.h"

namespace crawlbox {
namespace {

using testing::BuiltProgram;
using testing::ChildProcess;
using testing::ProcessResult;
using testing::RedisServer;
using testing::TempDir;
using testing::TestServer;

constexpr const char* kRedisPassword = "fleet-render-redis-83c1";
// SPA pages 1..kSpaCrawled are followed (page N links to N-1 and N+1).
constexpr int kSpaCrawled = 30;
constexpr int kStaticPages = 120;

bool HaveChromium() { return ::access("/usr/bin/chromium", X_OK) == 0; }

std::string Job(const TestServer& server) {
  return "[job]\nname = \"fleetspa\"\nstart_urls = [\"" +
         server.Url("/spa/page/1") + "\", \"" + server.Url("/site/0.html") +
         "\"]\n"
         "[fetch]\nconcurrency = 4\n"
         "[politeness]\nper_host_concurrency = 8\ndelay_ms = 0\n"
         "[render]\ntabs = 2\ntimeout_ms = 20000\n"
         "[[rules]]\nname = \"films\"\nurl = '/spa/page/\\d+$'\n"
         "render = true\nwait_for = \"#ready\"\nselect = \"dd.film\"\n"
         "follow = ['/spa/page/([1-9]|[12]\\d|30)$']\n"
         "[rules.fields]\nrank = { css = \"span.rank\", type = \"int\" }\n"
         "title = \"a.title\"\nscore = { css = \"span.score\", type = "
         "\"real\" }\n"
         "[[rules]]\nname = \"board\"\nurl = '/site/'\n"
         "pattern = '<dd>.*?board-index.*?>(?P<rank>\\d+)</i>'\n"
         "follow = ['/site/\\d+\\.html$']\n"
         "[rules.fields]\nrank = { type = \"int\" }\n";
}

using Entry = std::tuple<int64_t, std::string, double>;

TEST(FleetRenderTest, RenderTasksGoOnlyToAWorkerThatRenders) {
  if (!HaveChromium()) GTEST_SKIP() << "Debian's chromium is not installed";
  TempDir dir;
  auto started = RedisServer::Start(kRedisPassword, dir.path().string());
  if (!started.ok()) {
    if (started.status().code() == config::Status::Code::kNotFound)
      GTEST_SKIP() << started.status().message();
    FAIL() << started.status().ToString();
  }
  std::unique_ptr<RedisServer> redis = std::move(*started);
  testing::TestServerOptions options;
  options.site = testing::SiteOptions{};
  options.site->pages = kStaticPages;
  TestServer site(options);
  const std::string job = dir.File("job.toml");
  std::ofstream(job) << Job(site);
  int processes = 0;
  auto process_dir = [&] {
    std::string d = dir.File("p" + std::to_string(++processes));
    std::filesystem::create_directories(d);
    return d;
  };

  std::vector<std::unique_ptr<ChildProcess>> workers;
  for (bool render : {true, false}) {
    std::vector<std::string> args = {BuiltProgram("crawlbox"),
                                     "worker",
                                     "--redis",
                                     redis->Url(),
                                     "--job",
                                     "fleetspa"};
    if (!render) args.push_back("--no-render");
    workers.push_back(std::make_unique<ChildProcess>(
        args, std::map<std::string, std::string>{}, process_dir()));
  }
  const std::string db = dir.File("fleet.db");
  ChildProcess master({BuiltProgram("crawlbox"), "master", job, "--db", db,
                       "--redis", redis->Url(), "--lease-ms", "5000", "-q"},
                      {}, process_dir());
  ProcessResult m = master.Wait(120'000);
  ASSERT_EQ(m.exit_code, 0) << m.err;
  std::vector<ProcessResult> ended;
  for (auto& worker : workers) {
    ended.push_back(worker->Wait(30'000));
    EXPECT_EQ(ended.back().exit_code, 0) << ended.back().err;
  }
  // The worker without a renderer says so once, and took part.
  const std::string& plain = ended[1].err;
  const size_t said = plain.find("not rendering");
  EXPECT_NE(said, std::string::npos) << plain;
  EXPECT_EQ(plain.find("not rendering", said + 1), std::string::npos) << plain;

  std::set<Entry> expected, stored;
  for (int page = 1; page <= kSpaCrawled; ++page) {
    for (const testing::SpaEntry& e : testing::SpaEntries(page))
      expected.emplace(e.rank, e.title, e.score);
  }
  for (const auto& row :
       e2e::QueryDb(db, "SELECT rank, title, score FROM films").rows) {
    stored.emplace(std::get<int64_t>(row[0]), std::get<std::string>(row[1]),
                   std::get<double>(row[2]));
  }
  EXPECT_EQ(stored, expected);
  EXPECT_EQ(e2e::CountDb(db,
                         "SELECT count(*) FROM pages WHERE rendered = 1 AND "
                         "status = 200 AND url LIKE '%/spa/page/%'"),
            kSpaCrawled);
  EXPECT_EQ(e2e::CountDb(db,
                         "SELECT count(*) FROM pages WHERE rendered = 0 AND "
                         "status = 200 AND url LIKE '%/site/%'"),
            kStaticPages);
  // Each SPA page was loaded once, by the browser, and never fetched
  // plainly by the worker that does not render.
  for (int page = 1; page <= kSpaCrawled; ++page) {
    EXPECT_EQ(site.Hits("/spa/page/" + std::to_string(page)), 1) << page;
  }
}

// XHR capture in the fleet: the worker that renders a page reads the JSON
// its script fetched, and the page's records (from a JSON rule, none from the
// DOM) and its "next" links reach the master with the page, as its own.
TEST(FleetRenderTest, CapturedRecordsTravelWithTheirPage) {
  if (!HaveChromium()) GTEST_SKIP() << "Debian's chromium is not installed";
  TempDir dir;
  auto started = RedisServer::Start(kRedisPassword, dir.path().string());
  if (!started.ok()) {
    if (started.status().code() == config::Status::Code::kNotFound)
      GTEST_SKIP() << started.status().message();
    FAIL() << started.status().ToString();
  }
  std::unique_ptr<RedisServer> redis = std::move(*started);
  TestServer site;
  constexpr int kPages = 10;
  const std::string job = dir.File("job.toml");
  std::ofstream(job)
      << "[job]\nname = \"fleetcapture\"\nstart_urls = [\""
      << site.Url("/spa/page/1") << "\", \"" << site.Url("/spa/page/6")
      << "\"]\n"
         "[politeness]\nper_host_concurrency = 8\ndelay_ms = 0\n"
         "[render]\ntabs = 2\ntimeout_ms = 20000\ncapture = [\"/spa/api/\"]\n"
         "[[rules]]\nname = \"shell\"\nurl = '/spa/page/\\d+$'\nrender = true\n"
         "[[rules]]\nname = \"films\"\nurl = '/spa/api/page/\\d+\\.json$'\n"
         "records = \"$.entries[*]\"\nfollow_json = [\"$.next\"]\n"
         "follow = ['/spa/page/([1-9]|10)$']\n"
         "[rules.fields]\nrank = { json = \"$.rank\", type = \"int\" }\n"
         "title = \"$.title\"\nscore = { json = \"$.score\", type = "
         "\"real\" }\n";
  const std::string worker_dir = dir.File("w");
  const std::string master_dir = dir.File("m");
  std::filesystem::create_directories(worker_dir);
  std::filesystem::create_directories(master_dir);
  ChildProcess worker({BuiltProgram("crawlbox"), "worker", "--redis",
                       redis->Url(), "--job", "fleetcapture"},
                      {}, worker_dir);
  const std::string db = dir.File("fleet.db");
  ChildProcess master({BuiltProgram("crawlbox"), "master", job, "--db", db,
                       "--redis", redis->Url(), "--lease-ms", "5000", "-q"},
                      {}, master_dir);
  ProcessResult m = master.Wait(120'000);
  ASSERT_EQ(m.exit_code, 0) << m.err;
  ProcessResult w = worker.Wait(30'000);
  EXPECT_EQ(w.exit_code, 0) << w.err;

  std::set<Entry> expected, stored;
  for (int page = 1; page <= kPages; ++page) {
    for (const testing::SpaEntry& e : testing::SpaEntries(page))
      expected.emplace(e.rank, e.title, e.score);
  }
  for (const auto& row :
       e2e::QueryDb(db, "SELECT rank, title, score FROM films").rows) {
    stored.emplace(std::get<int64_t>(row[0]), std::get<std::string>(row[1]),
                   std::get<double>(row[2]));
  }
  EXPECT_EQ(stored, expected);
  EXPECT_EQ(e2e::CountDb(db,
                         "SELECT count(*) FROM items i JOIN pages p ON p.id = "
                         "i.page_id WHERE p.rendered = 1 AND p.url LIKE "
                         "'%/spa/page/%'"),
            kPages * testing::kSpaEntriesPerPage);
  EXPECT_EQ(e2e::CountDb(db, "SELECT count(*) FROM pages"), kPages);
  EXPECT_EQ(
      e2e::CountDb(
          db, "SELECT count(*) FROM frontier WHERE url LIKE '%/spa/api/%'"),
      0);
}

}  // namespace
}  // namespace crawlbox
