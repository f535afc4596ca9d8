// Stopping a running crawl with SIGINT/SIGTERM, reading its database while it
// runs, and resuming it: nothing lost, nothing doubled, the database consistent
// at every stop.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "storage/reader.h"
#include "tests/e2e/crawl_support.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_server.h"

namespace crawlbox {
namespace {

using testing::BuiltProgram;
using testing::ChildProcess;
using testing::ProcessResult;
using testing::TempDir;
using testing::TestServer;

constexpr int kPages = 200;

struct Fixture {
  std::unique_ptr<TestServer> server;
  TempDir dir;
  std::string job;
  std::string db;
};

std::unique_ptr<Fixture> MakeFixture() {
  auto f = std::make_unique<Fixture>();
  testing::TestServerOptions options;
  options.site = testing::SiteOptions{};
  options.site->pages = kPages;
  f->server = std::make_unique<TestServer>(options);
  // Slow enough that a signal lands mid-crawl: 200 pages × 40 ms / 4 transfers
  // ≈ 2 s.
  f->server->SetLatency(std::chrono::milliseconds(40));
  f->job = f->dir.File("job.toml");
  f->db = f->dir.File("crawl.db");
  std::ofstream(f->job)
      << "[job]\nname = \"stop\"\nstart_urls = [\""
      << f->server->Url("/site/0.html") << "\"]\n"
      << "[fetch]\nconcurrency = 4\n"
      << "[politeness]\nper_host_concurrency = 4\ndelay_ms = 0\n"
         "[[rules]]\nname = \"board\"\nurl = '/site/'\n"
         "pattern = '<dd>.*?board-index.*?>(?P<rank>\\d+)</i>.*?</dd>'\n"
         "follow = ['/site/\\d+\\.html$']\n"
         "[rules.fields]\nrank = { type = \"int\" }\n";
  return f;
}

using e2e::WaitForCount;

int64_t Count(const std::string& db, const std::string& sql) {
  return e2e::CountDb(db, sql);
}

// Every stored page is 'done', every 'done' URL has exactly one page row, and
// every board page stored has exactly its entries as items: no half-written
// page anywhere.
void ExpectConsistent(const Fixture& f) {
  EXPECT_EQ(
      Count(f.db, "SELECT count(*) FROM pages"),
      Count(f.db, "SELECT count(*) FROM frontier WHERE state != 'queued'"));
  EXPECT_EQ(
      Count(f.db,
            "SELECT count(*) FROM pages p JOIN frontier u ON u.id = p.url_id "
            "WHERE u.state = 'queued'"),
      0);
  const auto& site = *f.server->site();
  int64_t expected_items = 0;
  auto reader = storage::Reader::Open(f.db);
  ASSERT_TRUE(reader.ok());
  auto urls = (*reader)->QueryAll("SELECT url FROM pages");
  ASSERT_TRUE(urls.ok());
  for (const auto& row : urls->rows) {
    const std::string& url = std::get<std::string>(row[0]);
    for (int i = 0; i < site.page_count(); ++i) {
      if (url == f.server->Url(site.PagePath(i)))
        expected_items += site.BoardEntries(i);
    }
  }
  EXPECT_EQ(Count(f.db, "SELECT count(*) FROM items"), expected_items);
  EXPECT_EQ(Count(f.db, "SELECT count(*) FROM board"), expected_items);
}

TEST(StopResumeTest,
     SigintStopsGracefullyAndTheNextRunFinishesWithEveryPageFetchedOnce) {
  auto f = MakeFixture();
  {
    ChildProcess crawl(
        {BuiltProgram("crawlbox"), "run", f->job, "--db", f->db, "-q"}, {},
        f->dir.path().string());
    // A second process reads the database while the crawl writes it.
    ASSERT_TRUE(WaitForCount(f->db, "SELECT count(*) FROM pages", 20,
                             std::chrono::seconds(60)));
    crawl.Signal(SIGINT);
    ProcessResult r = crawl.Wait();
    EXPECT_EQ(r.exit_code, 130) << r.err;
    EXPECT_NE(r.err.find("to resume"), std::string::npos) << r.err;
  }
  const int64_t after_stop = Count(f->db, "SELECT count(*) FROM pages");
  EXPECT_LT(after_stop, kPages) << "the signal came too late to test anything";
  EXPECT_EQ(Count(f->db, "SELECT count(*) FROM crawls WHERE state = 'stopped'"),
            1);
  ExpectConsistent(*f);

  ProcessResult again = testing::RunProcess(
      {BuiltProgram("crawlbox"), "run", f->job, "--db", f->db, "-q"});
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(Count(f->db, "SELECT count(*) FROM pages"), kPages);
  ExpectConsistent(*f);
  // A graceful stop lets transfers in flight finish and commit: no page is
  // fetched twice.
  const auto& site = *f->server->site();
  for (int i = 0; i < site.page_count(); ++i) {
    EXPECT_EQ(f->server->Hits(site.PagePath(i)), 1) << site.PagePath(i);
  }
}

TEST(StopResumeTest, SecondSignalStopsAtOnceAndTheDatabaseStaysConsistent) {
  auto f = MakeFixture();
  {
    ChildProcess crawl(
        {BuiltProgram("crawlbox"), "run", f->job, "--db", f->db, "-q"}, {},
        f->dir.path().string());
    ASSERT_TRUE(WaitForCount(f->db, "SELECT count(*) FROM pages", 10,
                             std::chrono::seconds(60)));
    crawl.Signal(SIGTERM);
    crawl.Signal(SIGTERM);
    ProcessResult r = crawl.Wait();
    EXPECT_EQ(r.exit_code, 130) << r.err;
  }
  ExpectConsistent(*f);
  ProcessResult again = testing::RunProcess(
      {BuiltProgram("crawlbox"), "run", f->job, "--db", f->db, "-q"});
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(Count(f->db, "SELECT count(*) FROM pages"), kPages);
  ExpectConsistent(*f);
  // Aborted transfers are fetched again, but never more than once more.
  const auto& site = *f->server->site();
  for (int i = 0; i < site.page_count(); ++i) {
    EXPECT_GE(f->server->Hits(site.PagePath(i)), 1) << site.PagePath(i);
    EXPECT_LE(f->server->Hits(site.PagePath(i)), 2) << site.PagePath(i);
  }
}

}  // namespace
}  // namespace crawlbox
