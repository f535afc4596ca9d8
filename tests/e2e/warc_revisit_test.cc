// Revisit records end to end: a 200-page site crawled with [store] warc, then
// `--recrawl` after 10% of its pages changed. Half the pages carry an ETag
// (the server answers If-None-Match with 304: server-not-modified), half do
// not (sent again byte for byte: identical-payload-digest). warc_check.py
// resolves every WARC-Refers-To to a response record of the same payload
// digest, warcio.js reads every file to its end, and the size of a revisit
// with its request record is measured and printed. The same re-crawl by a
// fleet (master --recrawl, two workers) writes the same records.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "crawler/archive/warc_scan.h"
#include "tests/e2e/crawl_support.h"
#include "tests/e2e/warc_support.h"
#include "tests/support/redis_server.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_server.h"
#include "tests/support/warcio.h"

namespace crawlbox {
namespace {

using testing::BuiltProgram;
using testing::ChildProcess;
using testing::ProcessResult;
using testing::RedisServer;
using testing::TempDir;
using testing::TestServer;

constexpr int kPages = 200;  // /r/0 (the index) .. /r/199

// Odd pages carry an ETag and answer a matching If-None-Match with 304; even
// pages have no validators. On the second visit 10% change, as many of each.
bool HasEtag(int i) { return i % 2 == 1; }
bool Changes(int i) { return i % 20 == 4 || i % 20 == 5; }
constexpr int kChanged = kPages / 10;

class RevisitSite {
 public:
  explicit RevisitSite(TestServer* server) {
    server->Get(R"(/r/(\d+))",
                [this](const httplib::Request& req, const std::smatch& m,
                       httplib::Response& res) {
                  Serve(std::stoi(m[1].str()), req, res);
                });
  }
  void NextVisit() { second_.store(true); }

 private:
  void Serve(int i, const httplib::Request& req, httplib::Response& res) {
    if (i < 0 || i >= kPages) {
      res.status = 404;
      return;
    }
    const int version = second_.load() && Changes(i) ? 2 : 1;
    if (HasEtag(i)) {
      const std::string etag =
          "\"v" + std::to_string(version) + "-" + std::to_string(i) + "\"";
      res.set_header("ETag", etag);
      if (req.get_header_value("If-None-Match") == etag) {
        res.status = 304;
        return;
      }
    }
    // A couple of kilobytes per page, so that a second copy would show.
    std::string html = "<html><body><h1>page " + std::to_string(i) +
                       " version " + std::to_string(version) + "</h1>\n";
    for (int row = 0; row < 30; ++row) {
      html += "<p>Row " + std::to_string(row) + " of page " +
              std::to_string(i) + ": " +
              std::to_string(i * 7919 + row * 104729) +
              " units in stock, shipped from warehouse " +
              std::to_string((i + row) % 13) + ".</p>\n";
    }
    if (i == 0) {
      for (int k = 1; k < kPages; ++k) {
        html += "<a href=\"/r/" + std::to_string(k) + "\">" +
                std::to_string(k) + "</a>\n";
      }
    }
    res.set_content(html + "</body></html>", "text/html; charset=utf-8");
  }

  std::atomic<bool> second_{false};
};

// One record of a file, as the size measure and the checks need it.
struct Seen {
  std::string type;
  std::string id;
  std::string url;
  std::string concurrent_to;
  std::string profile;
  std::string status_line;
  uint64_t length = 0;  // of its gzip member
};

// Every record of `files`, keyed by file name and offset.
std::map<std::pair<std::string, int64_t>, Seen> ScanAll(
    const std::vector<std::string>& files) {
  std::map<std::pair<std::string, int64_t>, Seen> out;
  for (const std::string& path : files) {
    const std::string name = path.substr(path.rfind('/') + 1);
    auto scan = crawler::ScanWarcFile(
        path,
        [&](const crawler::WarcRecord& r, uint64_t offset, uint64_t length) {
          Seen seen;
          seen.type = r.type;
          seen.id = r.record_id;
          seen.url = std::string(r.Field("WARC-Target-URI").value_or(""));
          seen.concurrent_to =
              std::string(r.Field("WARC-Concurrent-To").value_or(""));
          seen.profile = std::string(r.Field("WARC-Profile").value_or(""));
          seen.status_line = r.block.substr(0, r.block.find("\r\n"));
          seen.length = length;
          out[{name, static_cast<int64_t>(offset)}] = std::move(seen);
        });
    EXPECT_TRUE(scan.ok() && scan->complete) << path;
  }
  return out;
}

// The site, a job crawling it with WARC on, and its runs.
class WarcRevisitTest : public ::testing::Test {
 protected:
  WarcRevisitTest() : site_(&server_) {
    std::ofstream(job_) << "[job]\nname = \"revisit\"\nstart_urls = [\""
                        << server_.Url("/r/0")
                        << "\"]\n"
                           "[fetch]\nconcurrency = 8\n"
                           "[politeness]\nper_host_concurrency = 8\n"
                           "delay_ms = 0\n"
                           "[retry]\nmax_attempts = 1\n"
                           "[store]\nwarc = true\nwarc_dir = \""
                        << warc_dir_
                        << "\"\n"
                           "[[rules]]\nname = \"site\"\n"
                           "follow = ['/r/\\d+$']\n";
  }

  ProcessResult Crawl(bool recrawl) {
    std::vector<std::string> argv = {
        BuiltProgram("crawlbox"), "run", job_, "-q", "--db", db_};
    if (recrawl) argv.push_back("--recrawl");
    return testing::RunProcess(argv);
  }

  // The files of the WARC folder that are not in `before`.
  std::vector<std::string> NewFiles(const std::vector<std::string>& before) {
    std::vector<std::string> out;
    for (const std::string& file : e2e::WarcFiles(warc_dir_)) {
      if (std::find(before.begin(), before.end(), file) == before.end())
        out.push_back(file);
    }
    return out;
  }

  // The records in `files` of a re-crawl after NextVisit(), run `crawl_id`:
  // a revisit for each unchanged page (of the profile its answer calls for),
  // a response for each changed one, a request for each of them; the run's
  // warc_records rows point at them and the CDXJ files list them. Prints
  // and returns the average size of a revisit with its request record.
  double ExpectSecondVisit(const std::vector<std::string>& files,
                           int64_t crawl_id);

  // A third visit, nothing changed: every page is a revisit, the changed
  // ones referring to the second run's responses. Then warc_check.py on all
  // files: digests, every WARC-Refers-To naming a response record of the
  // same payload digest, URL and date, and no payload stored twice.
  void ExpectThirdVisitAndEveryReference();

  TestServer server_;
  RevisitSite site_;
  TempDir dir_;
  const std::string job_ = dir_.File("job.toml");
  const std::string db_ = dir_.File("crawl.db");
  const std::string warc_dir_ = dir_.File("archive");
};

double WarcRevisitTest::ExpectSecondVisit(const std::vector<std::string>& files,
                                          int64_t crawl_id) {
  const auto records = ScanAll(files);
  std::map<std::string, int> types, profiles;
  std::set<std::string> revisit_ids, revisited_urls, responded_urls;
  int robots = 0;  // the run's robots.txt exchanges, archived as wget does
  for (const auto& [where, r] : records) {
    if (r.url.ends_with("/robots.txt")) {
      robots += r.type == "response";
      continue;
    }
    ++types[r.type];
    if (r.type == "revisit") {
      revisit_ids.insert(r.id);
      revisited_urls.insert(r.url);
      ++profiles[r.profile];
      const int i = std::stoi(r.url.substr(r.url.rfind('/') + 1));
      EXPECT_FALSE(Changes(i)) << r.url;
      EXPECT_EQ(r.status_line,
                HasEtag(i) ? "HTTP/1.1 304 Not Modified" : "HTTP/1.1 200 OK")
          << r.url;
    }
    if (r.type == "response") {
      responded_urls.insert(r.url);
      const int i = std::stoi(r.url.substr(r.url.rfind('/') + 1));
      EXPECT_TRUE(Changes(i)) << r.url;
    }
  }
  EXPECT_EQ(types["revisit"], kPages - kChanged);
  EXPECT_EQ(types["response"], kChanged);
  EXPECT_EQ(types["request"], kPages);
  EXPECT_LE(robots, 1);
  EXPECT_EQ(revisited_urls.size() + responded_urls.size(),
            static_cast<size_t>(kPages));
  EXPECT_EQ(profiles["http://netpreserve.org/warc/1.1/revisit/"
                     "server-not-modified"],
            (kPages - kChanged) / 2);
  EXPECT_EQ(profiles["http://netpreserve.org/warc/1.1/revisit/"
                     "identical-payload-digest"],
            (kPages - kChanged) / 2);

  // What a revisit costs: its gzip member and its request record's.
  uint64_t revisit_bytes = 0, response_bytes = 0;
  std::set<std::string> response_ids;
  for (const auto& [where, r] : records) {
    if (r.type == "response") response_ids.insert(r.id);
  }
  for (const auto& [where, r] : records) {
    if (r.type == "revisit" || revisit_ids.count(r.concurrent_to))
      revisit_bytes += r.length;
    if (r.type == "response" || response_ids.count(r.concurrent_to))
      response_bytes += r.length;
  }
  const double per_revisit =
      static_cast<double>(revisit_bytes) / (kPages - kChanged);
  const double per_response = static_cast<double>(response_bytes) / kChanged;
  std::printf(
      "[ revisit  ] revisit + request record: %.0f bytes gzipped on average "
      "(%d revisits); response + request: %.0f bytes (%d responses)\n",
      per_revisit, kPages - kChanged, per_response, kChanged);

  // SQLite: each unchanged page's row of this run points at its revisit.
  const auto rows = e2e::QueryDb(
      db_,
      "SELECT w.type, w.file, w.offset, p.change FROM warc_records w JOIN "
      "pages p ON p.url_id = w.url_id WHERE w.crawl_id = " +
          std::to_string(crawl_id) + " AND w.type <> 'request'");
  EXPECT_EQ(rows.rows.size(), static_cast<size_t>(kPages));
  for (const auto& row : rows.rows) {
    const std::string type = std::get<std::string>(row[0]);
    EXPECT_EQ(type, std::get<std::string>(row[3]) == "unchanged" ? "revisit"
                                                                 : "response");
    auto it = records.find(
        {std::get<std::string>(row[1]), std::get<int64_t>(row[2])});
    EXPECT_TRUE(it != records.end() && it->second.type == type)
        << std::get<std::string>(row[1]) << " " << std::get<int64_t>(row[2]);
  }

  // The CDXJ index beside each file lists a revisit as warc/revisit.
  int cdxj_revisits = 0;
  for (const std::string& file : files) {
    std::ifstream in(file + ".cdxj");
    for (std::string line; std::getline(in, line);) {
      const auto json = nlohmann::json::parse(line.substr(line.find('{')));
      if (json["mime"] == "warc/revisit") ++cdxj_revisits;
    }
  }
  EXPECT_EQ(cdxj_revisits, kPages - kChanged);
  return per_revisit;
}

void WarcRevisitTest::ExpectThirdVisitAndEveryReference() {
  ProcessResult third = Crawl(true);
  ASSERT_EQ(third.exit_code, 0) << third.err;
  EXPECT_EQ(e2e::CountDb(db_,
                         "SELECT count(*) FROM warc_records WHERE crawl_id "
                         "= 3 AND type = 'revisit'"),
            kPages);

  // Python: digests, and every WARC-Refers-To names a response record of the
  // same payload digest, URL and date; no page's payload is stored twice.
  nlohmann::json check = e2e::PythonCheck(e2e::WarcFiles(warc_dir_));
  ASSERT_TRUE(check.is_object());
  EXPECT_EQ(check["problems"], nlohmann::json::array()) << check["problems"];
  // Each run's robots.txt exchange is archived too (a response record and
  // its request, never a revisit).
  int robots = 0;
  for (const auto& response : check["responses"])
    robots += response[0].get<std::string>().ends_with("/robots.txt");
  EXPECT_GE(robots, 1);
  EXPECT_EQ(check["counts"]["response"], kPages + kChanged + robots);
  EXPECT_EQ(check["counts"]["revisit"], 2 * kPages - kChanged);
  EXPECT_EQ(check["counts"]["request"], 3 * kPages + robots);
  // No page's unchanged payload is stored twice; robots.txt, which has no
  // pages row to carry its last capture, is archived whole by each run.
  EXPECT_EQ(check["repeated_payloads"], robots - 1)
      << "an unchanged payload stored again";
}

TEST_F(WarcRevisitTest, ARecrawlArchivesUnchangedPagesAsRevisits) {
  ProcessResult first = Crawl(false);
  ASSERT_EQ(first.exit_code, 0) << first.err;
  const std::vector<std::string> first_files = e2e::WarcFiles(warc_dir_);
  ASSERT_FALSE(first_files.empty());

  site_.NextVisit();
  ProcessResult second = Crawl(true);
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_NE(second.err.find("pages: 0 new, 20 changed, 180 unchanged, 0 gone"),
            std::string::npos)
      << second.err;
  const double per_revisit = ExpectSecondVisit(NewFiles(first_files), 2);
  RecordProperty("revisit_bytes", static_cast<int>(per_revisit));
  EXPECT_LE(per_revisit, 1200.0);
  ExpectThirdVisitAndEveryReference();

  // warcio.js reads every file to its end and indexes each revisit.
  const std::vector<std::string> all = e2e::WarcFiles(warc_dir_);
  std::string why;
  const std::string cli = testing::WarcioCli(&why);
  if (cli.empty()) GTEST_SKIP() << why;
  int warcio_revisits = 0;
  for (const std::string& file : all) {
    auto ours = crawler::ScanWarcFile(file, nullptr);
    ASSERT_TRUE(ours.ok());
    ProcessResult index = testing::RunWarcio(cli, {"index", file});
    ASSERT_EQ(index.exit_code, 0) << index.err;
    EXPECT_EQ(std::count(index.out.begin(), index.out.end(), '\n'),
              ours->records)
        << file;
    ProcessResult cdx = testing::RunWarcio(cli, {"cdx-index", file});
    ASSERT_EQ(cdx.exit_code, 0) << cdx.err;
    std::istringstream lines(cdx.out);
    for (std::string line; std::getline(lines, line);) {
      const auto json = nlohmann::json::parse(line.substr(line.find('{')));
      if (json["mime"] == "warc/revisit") ++warcio_revisits;
    }
  }
  EXPECT_EQ(warcio_revisits, 2 * kPages - kChanged);
}

// The same in the fleet: the master hands each task the page's last capture,
// the workers decide and build the records, and the responses they send back
// carry what the third (local) visit's revisits refer to.
TEST_F(WarcRevisitTest, FleetWorkersWriteTheSameRevisits) {
  auto redis = RedisServer::Start("revisit-fleet-key-41", dir_.path().string());
  if (!redis.ok()) {
    if (redis.status().code() == config::Status::Code::kNotFound)
      GTEST_SKIP() << "redis-server is not installed";
    FAIL() << redis.status().ToString();
  }
  ProcessResult first = Crawl(false);
  ASSERT_EQ(first.exit_code, 0) << first.err;
  const std::vector<std::string> first_files = e2e::WarcFiles(warc_dir_);

  site_.NextVisit();
  std::vector<std::unique_ptr<ChildProcess>> workers;
  for (int i = 0; i < 2; ++i) {
    const std::string out = dir_.File("worker" + std::to_string(i));
    std::filesystem::create_directories(out);
    workers.push_back(std::make_unique<ChildProcess>(
        // --job: a worker that waits for whatever job is published could
        // miss a crawl that ends between two of its polls.
        std::vector<std::string>{BuiltProgram("crawlbox"), "worker", "--redis",
                                 (*redis)->Url(), "--job", "revisit",
                                 "--concurrency", "4"},
        std::map<std::string, std::string>{}, out));
  }
  const std::string out = dir_.File("master");
  std::filesystem::create_directories(out);
  ChildProcess master({BuiltProgram("crawlbox"), "master", job_, "--db", db_,
                       "--redis", (*redis)->Url(), "--recrawl", "-q"},
                      {}, out);
  ProcessResult m = master.Wait(60'000);
  ASSERT_EQ(m.exit_code, 0) << m.err;
  for (auto& worker : workers) {
    ProcessResult w = worker->Wait(15'000);
    EXPECT_EQ(w.exit_code, 0) << w.err;
  }
  ExpectSecondVisit(NewFiles(first_files), 2);
  ExpectThirdVisitAndEveryReference();
}

}  // namespace
}  // namespace crawlbox
