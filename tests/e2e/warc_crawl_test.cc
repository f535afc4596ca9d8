// WARC output end to end: a 2,000-page crawl of the generated site with
// [store] warc, checked by two outside readers. warcio.js (npm) reads every
// file to its end and its cdx-index lists one response per page with the
// pages table's URLs and statuses; Python's gzip, hashlib and base64
// (tests/support/warc_check.py) recompute every digest and resolve every
// WARC-Concurrent-To. The robots.txt is archived too. A gzip-encoded page is
// archived as sent and parsed decoded.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "crawler/archive/warc_record.h"
#include "crawler/archive/warc_scan.h"
#include "tests/e2e/crawl_support.h"
#include "tests/e2e/warc_support.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_server.h"
#include "tests/support/warcio.h"

namespace crawlbox {
namespace {

using e2e::PythonCheck;
using e2e::WarcFiles;
using testing::TempDir;
using testing::TestServer;

constexpr int kPages = 2000;

TEST(WarcCrawlTest, EveryFileReadsToItsEndAndListsOneResponsePerPage) {
  testing::TestServerOptions options;
  options.site = testing::SiteOptions{};
  options.site->pages = kPages;
  TestServer server(options);
  TempDir dir;
  const std::string db = dir.File("warc.db");
  const std::string warc_dir = dir.File("archive");
  e2e::JobRun run = e2e::RunJobText(
      "[job]\nname = \"warc\"\nstart_urls = [\"" + server.Url("/site/0.html") +
          "\", \"" + server.Url("/gzip") +
          "\"]\n"
          "[fetch]\nconcurrency = 16\n"
          "[politeness]\nper_host_concurrency = 16\ndelay_ms = 0\n"
          "[store]\nwarc = true\nwarc_dir = \"" +
          warc_dir +
          "\"\nwarc_max_bytes = 3000000\n"
          "[[rules]]\nname = \"board\"\nurl = '/site/'\n"
          "pattern = '<dd>.*?board-index.*?>(?P<rank>\\d+)</i>'\n"
          "follow = ['/site/\\d+\\.html$']\n"
          "[rules.fields]\nrank = { type = \"int\" }\n",
      db);
  ASSERT_EQ(run.summary.state, "finished");
  const int64_t pages = e2e::CountDb(db, "SELECT count(*) FROM pages");
  ASSERT_EQ(pages, kPages + 1);
  const std::vector<std::string> files = e2e::WarcFiles(warc_dir);
  ASSERT_GE(files.size(), 2u) << "files rotate at warc_max_bytes";
  for (const std::string& file : files) {
    EXPECT_FALSE(std::filesystem::exists(file + ".open"));
    EXPECT_TRUE(std::filesystem::exists(file + ".cdxj")) << file;
  }

  // The pages table, as "url status".
  std::multiset<std::string> expected;
  for (const auto& row :
       e2e::QueryDb(db, "SELECT url, status FROM pages").rows) {
    expected.insert(std::get<std::string>(row[0]) + " " +
                    std::to_string(std::get<int64_t>(row[1])));
  }
  // The robots.txt is archived too (it has no pages row): Python counts it
  // below; WarcioResponses leaves it out, as `expected` does.

  // Python: digests, links, and the responses.
  nlohmann::json check = e2e::PythonCheck(files);
  ASSERT_TRUE(check.is_object());
  EXPECT_EQ(check["problems"], nlohmann::json::array()) << check["problems"];
  EXPECT_EQ(check["counts"]["response"], pages + 1);
  EXPECT_EQ(check["counts"]["request"], pages + 1);
  EXPECT_EQ(check["counts"]["warcinfo"], static_cast<int64_t>(files.size()));
  EXPECT_EQ(check["links"], pages + 1) << "each request names its response";

  // warcio.js: every file to its end, one response per page.
  std::string why;
  const std::string cli = testing::WarcioCli(&why);
  if (cli.empty()) GTEST_SKIP() << why;
  const std::multiset<std::string> listed = e2e::WarcioResponses(cli, files);
  EXPECT_EQ(listed, expected);

  // The table points at each record; the gzip page is archived as sent.
  EXPECT_EQ(e2e::CountDb(db,
                         "SELECT count(*) FROM warc_records WHERE type = "
                         "'response' AND url_id IN (SELECT url_id FROM pages)"),
            pages);
  EXPECT_EQ(
      e2e::CountDb(db, "SELECT count(*) FROM warc_records WHERE url_id = 0"), 2)
      << "the robots.txt's request and response";
  EXPECT_EQ(e2e::ExpectRecordsTablePointsAtRecords(db, warc_dir),
            2 * pages + 2);
  auto gzip = e2e::QueryDb(
      db,
      "SELECT w.file, w.offset, w.length FROM warc_records w JOIN pages p "
      "ON p.url_id = w.url_id WHERE w.type = 'response' AND p.url LIKE "
      "'%/gzip'");
  ASSERT_EQ(gzip.rows.size(), 1u);
  const std::string path =
      warc_dir + "/" + std::get<std::string>(gzip.rows[0][0]);
  bool found = false;
  auto scan = crawler::ScanWarcFile(path, [&](const crawler::WarcRecord& r,
                                              uint64_t offset, uint64_t) {
    if (static_cast<int64_t>(offset) != std::get<int64_t>(gzip.rows[0][1]))
      return;
    found = true;
    EXPECT_EQ(r.type, "response");
    EXPECT_NE(r.block.find("Content-Encoding: gzip\r\n"), std::string::npos);
    const std::string entity = r.block.substr(r.block.find("\r\n\r\n") + 4);
    EXPECT_EQ(entity.substr(0, 2), "\x1f\x8b") << "the body as sent";
  });
  ASSERT_TRUE(scan.ok());
  EXPECT_TRUE(found);
  EXPECT_EQ(e2e::CountDb(db,
                         "SELECT count(*) FROM pages WHERE url LIKE "
                         "'%/gzip' AND status = 200 AND bytes > 2000"),
            1)
      << "the parser saw the decoded page";
}

}  // namespace
}  // namespace crawlbox
