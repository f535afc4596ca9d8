// WARC output in a fleet: workers build the records, the master writes them.
// With one worker killed by SIGKILL and another stopped past its lease (its
// tasks handed out again, then its late answers arriving as duplicates),
// every file reads to its end with warcio.js and the index (CDXJ and
// warc_records) lists exactly one response per page.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <set>
#include <string>
#include <thread>

#include "tests/e2e/fleet_support.h"
#include "tests/e2e/warc_support.h"

namespace crawlbox {
namespace {

using e2e::milliseconds;

constexpr int kPages = 800;

TEST(FleetWarcTest, OneResponsePerPageAfterAWorkerIsKilledAndOneIsLate) {
  // 3 workers × 4 transfers, 40 ms a page: about 300 pages/s, so the crawl
  // outlasts the stopped worker's lease (2 s).
  auto f = e2e::MakeFleet(kPages, milliseconds(40),
                          "per_host_concurrency = 16\ndelay_ms = 0\n",
                          "[store]\nwarc = true\nwarc_max_bytes = 1000000\n");
  CRAWLBOX_SKIP_WITHOUT_REDIS(f);
  f->StartWorkers(3, 4);
  auto master = f->StartMaster(f->redis->Url());
  ASSERT_TRUE(e2e::WaitForPages(f->db, 100, std::chrono::seconds(30)));
  f->workers[1]->Signal(SIGSTOP);
  e2e::KillMidCrawl(*f, f->workers[0].get(), 200, kPages);
  // Past the lease: the stopped worker's tasks go to the third worker, and
  // what it fetched before the stop arrives late, a second answer.
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  f->workers[1]->Signal(SIGCONT);
  e2e::ProcessResult m = master->Wait(60'000);
  ASSERT_EQ(m.exit_code, 0) << m.err;
  EXPECT_NE(m.err.find("finished: " + std::to_string(kPages) + " pages"),
            std::string::npos)
      << m.err;
  EXPECT_GT(e2e::SummaryNumber(m.err, "claimed back"), 0) << m.err;
  const int64_t duplicates = e2e::SummaryNumber(m.err, "duplicate results");
  EXPECT_GT(duplicates, 0) << "the stopped worker's late answers\n" << m.err;
  e2e::ExpectWorkersDone(*f, 1);

  const e2e::ArchiveCheck archive =
      e2e::ExpectOneResponsePerPage(f->db, f->dir.File("dist-warc"), kPages);
  std::printf("[ info ] %lld duplicate results dropped, %zu WARC files\n",
              static_cast<long long>(duplicates), archive.files.size());
  if (!archive.warcio_missing.empty()) GTEST_SKIP() << archive.warcio_missing;
}

}  // namespace
}  // namespace crawlbox
