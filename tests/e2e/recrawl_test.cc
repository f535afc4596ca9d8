// `crawlbox run --recrawl`: known pages are revisited with their validators;
// the run reports exactly how many pages are new, changed, unchanged and gone,
// 304s keep their records (and the run those came from), changed pages replace
// theirs, vanished pages lose theirs.
#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <string>

#include "tests/e2e/crawl_support.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_server.h"

namespace crawlbox {
namespace {

using testing::BuiltProgram;
using testing::ProcessResult;
using testing::TempDir;
using testing::TestServer;

constexpr int kPages = 1000;  // /p/0 (the index) .. /p/999

// The second visit: 10% of the pages changed, 10% answer 304 to their ETag,
// 1% are gone; the rest are served again unchanged, without validators.
bool Changes(int i) { return i % 10 == 2; }
bool HasEtag(int i) { return i % 10 == 1; }
bool Vanishes(int i) { return i % 100 == 3; }

class RecrawlSite {
 public:
  explicit RecrawlSite(TestServer* server) {
    server->Get(R"(/p/(\d+))",
                [this](const httplib::Request& req, const std::smatch& m,
                       httplib::Response& res) {
                  Serve(std::stoi(m[1].str()), req, res);
                });
    server->Get(R"(/new/(\d+))",
                [](const httplib::Request&, const std::smatch& m,
                   httplib::Response& res) {
                  res.set_content("<p class=rec>new " + m[1].str() + "</p>",
                                  "text/html; charset=utf-8");
                });
  }
  void NextVisit() { second_.store(true); }
  int conditional_requests() const { return conditional_.load(); }

 private:
  void Serve(int i, const httplib::Request& req, httplib::Response& res) {
    if (i < 0 || i >= kPages) {
      res.status = 404;
      return;
    }
    const bool second = second_.load();
    if (req.has_header("If-None-Match") ||
        req.has_header("If-Modified-Since")) {
      conditional_.fetch_add(1);
    }
    if (second && Vanishes(i)) {
      res.status = 404;
      res.set_content("gone", "text/plain");
      return;
    }
    if (HasEtag(i)) {
      const std::string etag = "\"v1-" + std::to_string(i) + "\"";
      res.set_header("ETag", etag);
      if (req.get_header_value("If-None-Match") == etag) {
        res.status = 304;
        return;
      }
    }
    const int version = second && Changes(i) ? 2 : 1;
    std::string html = "<html><body><p class=rec>page " + std::to_string(i) +
                       " version " + std::to_string(version) + "</p>";
    if (i == 0) {
      for (int k = 1; k < kPages; ++k) {
        html += "<a href=\"/p/" + std::to_string(k) + "\">" +
                std::to_string(k) + "</a>\n";
      }
    }
    if (version == 2)
      html += "<a href=\"/new/" + std::to_string(i) + "\">n</a>";
    res.set_content(html + "</body></html>", "text/html; charset=utf-8");
  }

  std::atomic<bool> second_{false};
  std::atomic<int> conditional_{0};
};

TEST(RecrawlTest, ReportsExactlyTheNewChangedUnchangedAndGonePages) {
  TestServer server;
  RecrawlSite site(&server);
  TempDir dir;
  const std::string job = dir.File("job.toml");
  const std::string db = dir.File("crawl.db");
  std::ofstream(job) << "[job]\nname = \"recrawl\"\nstart_urls = [\""
                     << server.Url("/p/0")
                     << "\"]\n"
                        "[fetch]\nconcurrency = 8\n"
                        "[politeness]\nper_host_concurrency = 8\n"
                        "delay_ms = 0\n"
                        "[retry]\nmax_attempts = 1\n"
                        "[[rules]]\nname = \"rec\"\n"
                        "pattern = '<p class=rec>(?P<text>[^<]*)</p>'\n"
                        "follow = ['/p/\\d+$', '/new/\\d+$']\n"
                        "[rules.fields]\ntext = {}\n";

  ProcessResult first = testing::RunProcess(
      {BuiltProgram("crawlbox"), "run", job, "-q", "--db", db});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_NE(first.err.find("pages: 1000 new, 0 changed, 0 unchanged, 0 gone"),
            std::string::npos)
      << first.err;
  EXPECT_EQ(e2e::CountDb(db, "SELECT count(*) FROM rec"), kPages);
  EXPECT_EQ(site.conditional_requests(), 0);

  // Without --recrawl a finished crawl has nothing to do.
  ProcessResult idle = testing::RunProcess(
      {BuiltProgram("crawlbox"), "run", job, "-q", "--db", db});
  ASSERT_EQ(idle.exit_code, 0) << idle.err;
  EXPECT_NE(idle.err.find("--recrawl revisits"), std::string::npos) << idle.err;
  EXPECT_EQ(e2e::CountDb(db, "SELECT count(*) FROM pages WHERE crawl_id = 2"),
            0);

  site.NextVisit();
  server.ResetCounts();
  ProcessResult again = testing::RunProcess(
      {BuiltProgram("crawlbox"), "run", job, "-q", "--db", db, "--recrawl"});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  // 100 changed pages each link to one new page; 100 answer 304 and 790 come
  // back byte-identical: both are unchanged.
  EXPECT_NE(
      again.err.find("pages: 100 new, 100 changed, 890 unchanged, 10 gone"),
      std::string::npos)
      << again.err;
  EXPECT_EQ(e2e::CountDb(db,
                         "SELECT count(*) FROM pages WHERE crawl_id = 3 "
                         "AND status = 304"),
            0)
      << "a 304 keeps the stored page row";
  EXPECT_EQ(e2e::CountDb(db,
                         "SELECT count(*) FROM pages WHERE change = "
                         "'unchanged' AND crawl_id = 3"),
            890);
  // Validators were sent for the pages that had them, and only for those.
  EXPECT_EQ(site.conditional_requests(), 100);

  // Records: changed pages carry version 2 from run 3; 304 pages keep
  // version 1 from run 1; gone pages have none; new pages add theirs.
  EXPECT_EQ(e2e::CountDb(db,
                         "SELECT count(*) FROM rec WHERE text LIKE "
                         "'%version 2' AND _crawl_id = 3"),
            100);
  EXPECT_EQ(e2e::CountDb(db,
                         "SELECT count(*) FROM rec r JOIN pages p ON "
                         "p.url = r._url WHERE p.etag IS NOT NULL AND "
                         "r.text LIKE '%version 1' AND r._crawl_id = 1"),
            100);
  EXPECT_EQ(e2e::CountDb(db,
                         "SELECT count(*) FROM pages WHERE change = 'gone' "
                         "AND status = 404"),
            10);
  EXPECT_EQ(e2e::CountDb(db,
                         "SELECT count(*) FROM items i JOIN pages p ON "
                         "p.id = i.page_id WHERE p.change = 'gone'"),
            0);
  EXPECT_EQ(e2e::CountDb(db, "SELECT count(*) FROM rec"), kPages - 10 + 100);
  EXPECT_EQ(e2e::CountDb(db, "SELECT count(*) FROM rec WHERE text LIKE 'new%'"),
            100);
}

}  // namespace
}  // namespace crawlbox
