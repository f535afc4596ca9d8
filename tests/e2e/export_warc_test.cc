// `crawlbox export-warc`: a database crawled with [store] bodies and WARC off
// becomes WARC files that warcio.js reads to their end, one response per
// stored page with the pages table's URLs and statuses, every digest
// recomputed by Python, each body the one the server sent (decoded), and a
// warcinfo record that says the records are reconstructed.
#include <gtest/gtest.h>
#include <httplib.h>

#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "crawler/archive/stored_records.h"
#include "crawler/archive/warc_scan.h"
#include "tests/e2e/crawl_support.h"
#include "tests/e2e/warc_support.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_server.h"

namespace crawlbox {
namespace {

using testing::BuiltProgram;
using testing::TempDir;
using testing::TestServer;

constexpr int kPages = 60;

std::string Job(const TestServer& server, bool bodies) {
  return "[job]\nname = \"exported\"\nstart_urls = [\"" +
         server.Url("/site/0.html") + "\", \"" + server.Url("/gzip") +
         "\", \"" + server.Url("/status/404") + "\", \"" +
         server.Url("/redirect/1") +
         "\"]\n"
         "[politeness]\nper_host_concurrency = 8\ndelay_ms = 0\n"
         "[store]\nbodies = " +
         (bodies ? "true" : "false") +
         "\n"
         "[[rules]]\nname = \"board\"\nurl = '/site/'\n"
         "pattern = '<dd>.*?board-index.*?>(?P<rank>\\d+)</i>'\n"
         "follow = ['/site/\\d+\\.html$']\n";
}

TEST(ExportWarcTest, StoredPagesBecomeOneReconstructedResponseEach) {
  testing::TestServerOptions options;
  options.site = testing::SiteOptions{};
  options.site->pages = kPages;
  TestServer server(options);
  TempDir dir;
  const std::string db = dir.File("bodies.db");
  ASSERT_EQ(e2e::CrawlText(Job(server, true), db).state, "finished");
  // The site, the gzip page, a 404, a redirect and its target.
  const std::multiset<std::string> pages = e2e::PageStatuses(db);
  ASSERT_EQ(pages.size(), static_cast<size_t>(kPages + 4));
  ASSERT_EQ(e2e::CountDb(db, "SELECT count(*) FROM warc_records"), 0);

  const std::string out = dir.File("export");
  testing::ProcessResult r =
      testing::RunProcess({BuiltProgram("crawlbox"), "export-warc", db, "-o",
                           out, "--max-bytes", "1000000"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find(std::to_string(kPages + 4) + " pages written"),
            std::string::npos)
      << r.err;
  const std::vector<std::string> files = e2e::WarcFiles(out);
  ASSERT_EQ(files.size(), 1u);

  nlohmann::json check = e2e::PythonCheck(files);
  ASSERT_TRUE(check.is_object());
  EXPECT_EQ(check["problems"], nlohmann::json::array()) << check["problems"];
  EXPECT_EQ(check["counts"]["response"], kPages + 4);
  EXPECT_EQ(check["counts"]["warcinfo"], 1);
  EXPECT_EQ(check["counts"].size(), 2u) << "no request records: not stored";
  EXPECT_TRUE(e2e::CheckedResponses(check) == pages);
  EXPECT_TRUE(e2e::IndexedResponses(files) == pages);

  // The warcinfo says what these records are; each body is the page as the
  // server sent it, decoded; the redirect keeps its target.
  httplib::Client client("127.0.0.1", server.port());
  auto served = client.Get("/site/3.html");
  ASSERT_TRUE(served);
  int seen = 0;
  auto scan = crawler::ScanWarcFile(
      files[0], [&](const crawler::WarcRecord& record, uint64_t, uint64_t) {
        if (record.type == "warcinfo") {
          EXPECT_NE(record.block.find(std::string("description: ") +
                                      crawler::kReconstructedDescription),
                    std::string::npos)
              << record.block;
          EXPECT_NE(record.block.find("isPartOf: exported\r\n"),
                    std::string::npos);
          return;
        }
        const std::string url(record.Field("WARC-Target-URI").value_or(""));
        const std::string& block = record.block;
        const std::string body = block.substr(block.find("\r\n\r\n") + 4);
        EXPECT_NE(block.find("Content-Length: " + std::to_string(body.size()) +
                             "\r\n"),
                  std::string::npos)
            << url;
        if (url == server.Url("/site/3.html")) {
          ++seen;
          EXPECT_EQ(body, served->body);
          EXPECT_EQ(block.rfind("HTTP/1.1 200 OK\r\n", 0), 0u);
          EXPECT_NE(block.find("Content-Type: text/html"), std::string::npos);
        } else if (url == server.Url("/gzip")) {
          ++seen;
          EXPECT_EQ(block.find("Content-Encoding"), std::string::npos);
          EXPECT_NE(body.substr(0, 2), "\x1f\x8b") << "decoded";
        } else if (url == server.Url("/redirect/1")) {
          ++seen;
          EXPECT_EQ(block.rfind("HTTP/1.1 302 Found\r\n", 0), 0u) << block;
          EXPECT_NE(block.find("Location: "), std::string::npos) << block;
        }
      });
  ASSERT_TRUE(scan.ok());
  EXPECT_TRUE(scan->complete);
  EXPECT_EQ(seen, 3);

  std::string why;
  const std::string cli = testing::WarcioCli(&why);
  if (cli.empty()) GTEST_SKIP() << why;
  EXPECT_TRUE(e2e::WarcioResponses(cli, files) == pages);
}

TEST(ExportWarcTest, ADatabaseWithoutBodiesOrABadPrefixIsOneClearLine) {
  TestServer server;
  TempDir dir;
  const std::string db = dir.File("plain.db");
  ASSERT_EQ(e2e::CrawlText(Job(server, false), db).state, "finished");
  testing::ProcessResult r = testing::RunProcess(
      {BuiltProgram("crawlbox"), "export-warc", db, "-o", dir.File("out")});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_NE(r.err.find("[store] bodies"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir.File("out")));
  // A prefix is a file name, never a path.
  r = testing::RunProcess({BuiltProgram("crawlbox"), "export-warc", db, "-o",
                           dir.File("out"), "--prefix", "../up"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("--prefix"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace crawlbox
