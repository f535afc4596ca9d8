// crawlbox's WARC files side by side with GNU wget's (`wget --warc-file
// --recursive`, Debian's wget) on one small site: 25 generated pages, a
// redirect, a 404 and robots.txt. tests/support/warc_compare.py reads both
// with Python's own gzip and checks the same (URL, status) set of responses
// and the same record types per URL and per file, after the normalisations it
// and the README's "Web archives" section document, and no others.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "tests/e2e/crawl_support.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_server.h"

namespace crawlbox {
namespace {

using testing::TempDir;
using testing::TestServer;

constexpr char kWget[] = "/usr/bin/wget";

std::vector<std::string> FilesEndingWith(const std::string& dir,
                                         std::string_view suffix) {
  std::vector<std::string> out;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().string().ends_with(suffix))
      out.push_back(entry.path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST(WgetWarcCompareTest, SameResponsesAndRecordTypesAsWget) {
  if (!std::filesystem::exists(kWget))
    GTEST_SKIP() << "no " << kWget << " (Debian's wget; scripts/setup.sh)";
  testing::TestServerOptions options;
  options.site = testing::SiteOptions{};
  options.site->pages = 25;
  options.site->links_per_page = 5;
  options.site->min_bytes = 500;
  options.site->max_bytes = 900;
  // Board pages carry <img> tags, which wget -r fetches and crawlbox does not
  // (it follows links): left out, so the sites the two crawl are the same.
  options.site->board_every = 0;
  TestServer server(options);
  // The start page: the site, a redirect (302 to /redirect/0, a text page)
  // and a path no route serves (404). Links only, as both follow them.
  server.Get("/", [](const httplib::Request&, const std::smatch&,
                     httplib::Response& res) {
    res.set_content(
        "<html><body><a href=\"/site/0.html\">site</a> "
        "<a href=\"/redirect/1\">moved</a> <a href=\"/gone\">gone</a>"
        "</body></html>",
        "text/html");
  });
  TempDir dir;

  // wget, as archivists run it, without the machine's wgetrc or proxy
  // settings. Exit 8: the server answered an error (the 404), as expected.
  const std::string wget_dir = dir.File("wget");
  std::filesystem::create_directories(wget_dir);
  testing::ProcessResult wget = testing::RunProcess(
      {kWget, "--no-config", "--no-proxy", "--timeout=20",
       "--warc-file=" + wget_dir + "/site", "--recursive", "--level=inf",
       "--no-parent", "--no-verbose",
       "--directory-prefix=" + wget_dir + "/files", server.Url("/")},
      {}, 60'000);
  ASSERT_TRUE(wget.exit_code == 0 || wget.exit_code == 8)
      << wget.exit_code << " " << wget.err;

  // crawlbox with WARC on, following every link.
  const std::string db = dir.File("crawl.db");
  const std::string warc_dir = dir.File("archive");
  e2e::JobRun run = e2e::RunJobText(
      "[job]\nname = \"compare\"\nstart_urls = [\"" + server.Url("/") +
          "\"]\n"
          "[fetch]\nconcurrency = 4\n"
          "[politeness]\nper_host_concurrency = 4\ndelay_ms = 0\n"
          "[store]\nwarc = true\nwarc_dir = \"" +
          warc_dir +
          "\"\n"
          "[[rules]]\nname = \"links\"\nfollow = ['.']\n",
      db);
  ASSERT_EQ(run.summary.state, "finished");

  std::vector<std::string> argv = {
      "/usr/bin/python3",
      std::string(CRAWLBOX_SOURCE_DIR) + "/tests/support/warc_compare.py",
      "--crawlbox"};
  for (const std::string& f : FilesEndingWith(warc_dir, ".warc.gz"))
    argv.push_back(f);
  argv.push_back("--wget");
  for (const std::string& f : FilesEndingWith(wget_dir, ".warc.gz"))
    argv.push_back(f);
  testing::ProcessResult compare = testing::RunProcess(argv, {}, 60'000);
  const nlohmann::json report =
      nlohmann::json::parse(compare.out, nullptr, false);
  ASSERT_TRUE(report.is_object()) << compare.out << compare.err;
  EXPECT_EQ(compare.exit_code, 0) << report.dump(1);
  EXPECT_EQ(report["only_crawlbox"], nlohmann::json::array());
  EXPECT_EQ(report["only_wget"], nlohmann::json::array());
  EXPECT_EQ(report["types_differ"], nlohmann::json::object());

  // The comparison covered what the site offers: every page crawlbox stored
  // is one of the responses compared, a redirect and a 404 among them.
  std::set<std::string> compared;
  std::set<int> statuses;
  for (const auto& response : report["crawlbox"]["responses"]) {
    compared.insert(response[0].get<std::string>());
    statuses.insert(response[1].get<int>());
  }
  for (const auto& row : e2e::QueryDb(db, "SELECT url FROM pages").rows)
    EXPECT_TRUE(compared.count(std::get<std::string>(row[0])))
        << std::get<std::string>(row[0]);
  EXPECT_TRUE(statuses.count(302) && statuses.count(404) && statuses.count(200))
      << report["crawlbox"]["responses"];
}

}  // namespace
}  // namespace crawlbox
