// Redirects as hops of the crawl, checked from the servers' own request logs:
// a redirect into a robots.txt-disallowed path, to an out-of-scope host, to
// another allowed host (its robots.txt and delay first), chains, loops, a
// chain longer than fetch.max_redirects, and several redirects to one target.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include "tests/e2e/crawl_support.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_server.h"

namespace crawlbox {
namespace {

using std::chrono::milliseconds;
using testing::TempDir;
using testing::TestServer;
using testing::TestServerOptions;

constexpr int kDelayMs = 150;

// A 3xx answer whose body carries a record: a hop's body must never give one.
void Redirect(httplib::Response& res, int status, const std::string& to) {
  res.status = status;
  res.set_header("Location", to);
  res.set_content("<p class=\"rec\">from a redirect body</p>", "text/html");
}

TestServer OnAddress(const std::string& address) {
  TestServerOptions options;
  options.host = address;
  return TestServer(options);
}

// One crawl of the three servers, shared by the tests of the suite.
struct RedirectCrawl {
  RedirectCrawl();

  TestServer site_;
  TestServer outside_ = OnAddress("127.0.0.2");
  TestServer other_ = OnAddress("127.0.0.3");
  TempDir dir_;
  std::string db_;
  e2e::JobRun run_;
};

RedirectCrawl::RedirectCrawl() {
  {
    site_.SetRobotsTxt("User-agent: *\nDisallow: /private/\n");
    site_.Get("/start", [](const httplib::Request&, const std::smatch&,
                           httplib::Response& res) {
      std::string links;
      for (const char* path :
           {"/r-private", "/r-out", "/chain/3", "/loop-a", "/r-self", "/dup/1",
            "/dup/2", "/dup/3", "/r-other", "/deep/6"}) {
        links += std::string("<a href=\"") + path + "\">x</a>\n";
      }
      res.set_content(links, "text/html");
    });
    site_.Get("/r-private", [](auto&, auto&, httplib::Response& res) {
      Redirect(res, 302, "/private/secret");
    });
    site_.Get("/r-out", [this](auto&, auto&, httplib::Response& res) {
      Redirect(res, 302, outside_.Url("/page"));
    });
    site_.Get("/r-other", [this](auto&, auto&, httplib::Response& res) {
      Redirect(res, 307, other_.Url("/landing"));
    });
    // /chain/3 -301-> /chain/2 -302-> /chain/1 -308-> /chain/0 (a record).
    site_.Get(
        R"(/chain/(\d))", [](const httplib::Request&, const std::smatch& m,
                             httplib::Response& res) {
          const int n = std::stoi(m[1]);
          if (n == 0) {
            res.set_content("<p class=\"rec\">end of chain</p>", "text/html");
            return;
          }
          const int status[] = {0, 308, 302, 301};
          Redirect(res, status[n], "/chain/" + std::to_string(n - 1));
        });
    site_.Get("/loop-a", [](auto&, auto&, httplib::Response& res) {
      Redirect(res, 302, "/loop-b");
    });
    site_.Get("/loop-b", [](auto&, auto&, httplib::Response& res) {
      Redirect(res, 301, "/loop-a");
    });
    site_.Get("/r-self", [](auto&, auto&, httplib::Response& res) {
      Redirect(res, 302, "/r-self");
    });
    site_.Get(R"(/dup/\d)", [](auto&, auto&, httplib::Response& res) {
      Redirect(res, 302, "/target");
    });
    site_.Get("/target", [](auto&, auto&, httplib::Response& res) {
      res.set_content("<p class=\"rec\">target</p>", "text/html");
    });
    site_.Get(R"(/deep/(\d))", [](const httplib::Request&, const std::smatch& m,
                                  httplib::Response& res) {
      const int n = std::stoi(m[1]);
      Redirect(res, 302, "/deep/" + std::to_string(n - 1));
    });
    site_.Get("/private/secret", [](auto&, auto&, httplib::Response& res) {
      res.set_content("<p class=\"rec\">secret</p>", "text/html");
    });
    other_.Get("/c-start", [](auto&, auto&, httplib::Response& res) {
      res.set_content("<p class=\"rec\">other start</p>", "text/html");
    });
    other_.Get("/landing", [](auto&, auto&, httplib::Response& res) {
      res.set_content("<p class=\"rec\">landing</p>", "text/html");
    });

    const std::string job = R"toml(
[job]
name = "redirects"
start_urls = [")toml" + site_.Url("/start") +
                            "\", \"" + other_.Url("/c-start") + R"toml("]
[scope]
allowed_hosts = ["127.0.0.1", "127.0.0.3"]
[fetch]
max_redirects = 4
timeout_ms = 5000
[politeness]
per_host_concurrency = 4
delay_ms = )toml" + std::to_string(kDelayMs) +
                            R"toml(
adaptive = false
[[rules]]
name = "recs"
pattern = '<p class="rec">(?P<v>[^<]*)</p>'
follow = ['.*']
)toml";
    db_ = dir_.File("redirects.db");
    run_ = e2e::RunJobText(job, db_);
  }
}

class RedirectCrawlTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { crawl_ = new RedirectCrawl(); }
  static void TearDownTestSuite() {
    delete crawl_;
    crawl_ = nullptr;
  }

  std::string Row(const std::string& sql) {
    auto rows = e2e::QueryDb(db_, sql);
    if (rows.rows.empty()) return "missing";
    std::string out;
    for (const auto& value : rows.rows[0]) {
      if (!out.empty()) out += " ";
      if (const auto* s = std::get_if<std::string>(&value)) {
        out += *s;
      } else if (const auto* i = std::get_if<int64_t>(&value)) {
        out += std::to_string(*i);
      } else {
        out += "NULL";
      }
    }
    return out;
  }

  // "status location error" of the page row of `url`, and its frontier
  // "state reason via".
  std::string Page(const std::string& url) {
    return Row(
        "SELECT p.status, coalesce(p.location, '-'), coalesce(p.error, '-'), "
        "f.state, coalesce(f.reason, '-'), f.via FROM frontier f "
        "LEFT JOIN pages p ON p.url_id = f.id WHERE f.url = '" +
        url + "'");
  }

  static RedirectCrawl* crawl_;
  TestServer& site_ = crawl_->site_;
  TestServer& outside_ = crawl_->outside_;
  TestServer& other_ = crawl_->other_;
  const std::string& db_ = crawl_->db_;
  const e2e::JobRun& run_ = crawl_->run_;
};

RedirectCrawl* RedirectCrawlTest::crawl_ = nullptr;

TEST_F(RedirectCrawlTest, NoDisallowedOrOutOfScopeUrlIsRequestedAndNoneTwice) {
  EXPECT_EQ(run_.summary.state, "finished");
  EXPECT_EQ(site_.Hits("/private/secret"), 0) << "disallowed by robots.txt";
  EXPECT_EQ(outside_.TotalHits(), 0) << "127.0.0.2 is out of scope";
  for (const auto& [target, hits] : site_.AllHits()) {
    EXPECT_EQ(hits, 1) << target << " requested " << hits << " times";
  }
  for (const auto& [target, hits] : other_.AllHits()) {
    EXPECT_EQ(hits, 1) << target << " requested " << hits << " times";
  }
  EXPECT_EQ(site_.Hits("/target"), 1) << "three redirects, one fetch";
  EXPECT_EQ(site_.Hits("/deep/1"), 0) << "beyond fetch.max_redirects";

  EXPECT_EQ(Page(site_.Url("/r-private")),
            "302 " + site_.Url("/private/secret") + " - done - link");
  EXPECT_EQ(Page(site_.Url("/private/secret")),
            "NULL - - blocked robots redirect");
  EXPECT_EQ(Page(site_.Url("/r-out")), "302 " + outside_.Url("/page") +
                                           " redirect_rejected/host done "
                                           "redirect_rejected/host link");
  EXPECT_EQ(e2e::CountDb(db_,
                         "SELECT count(*) FROM frontier WHERE host = "
                         "'127.0.0.2'"),
            0);
}

TEST_F(RedirectCrawlTest,
       ChainsAreBoundedLoopsEndWithAReasonAndRecordsComeFrom2xx) {
  EXPECT_EQ(Page(site_.Url("/chain/0")), "200 - - done - redirect");
  EXPECT_EQ(Page(site_.Url("/r-self")),
            "302 " + site_.Url("/r-self") +
                " redirect_loop failed redirect_loop link");
  EXPECT_EQ(Page(site_.Url("/loop-b")),
            "301 " + site_.Url("/loop-a") +
                " redirect_loop failed redirect_loop redirect");
  EXPECT_EQ(Page(site_.Url("/deep/2")),
            "302 - too_many_redirects failed too_many_redirects redirect");
  // Only 2xx pages give records: never a redirect's body.
  EXPECT_EQ(e2e::CountDb(db_,
                         "SELECT count(*) FROM recs WHERE v = 'from a "
                         "redirect body'"),
            0);
  EXPECT_EQ(e2e::CountDb(db_, "SELECT count(*) FROM recs"), 4)
      << "end of chain, target, other start, landing";

  // The chain that led to /chain/0, walked back through discovered_from,
  // permanent and temporary hops told apart by the hop's status.
  auto chain = e2e::QueryDb(
      db_,
      "WITH RECURSIVE hop(id, url, from_id, via, n) AS ("
      "  SELECT id, url, discovered_from, via, 0 FROM frontier WHERE url = '" +
          site_.Url("/chain/0") +
          "'"
          "  UNION ALL SELECT f.id, f.url, f.discovered_from, f.via, hop.n + 1 "
          "  FROM frontier f JOIN hop ON f.id = hop.from_id "
          "  WHERE hop.via = 'redirect') "
          "SELECT hop.url, p.status, CASE WHEN p.status IN (301, 308) THEN "
          "'permanent' ELSE 'temporary' END FROM hop JOIN pages p ON "
          "p.url_id = hop.id WHERE hop.n > 0 ORDER BY hop.n");
  ASSERT_EQ(chain.rows.size(), 3u);
  const char* want[][2] = {{"/chain/1", "permanent"},
                           {"/chain/2", "temporary"},
                           {"/chain/3", "permanent"}};
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(std::get<std::string>(chain.rows[i][0]), site_.Url(want[i][0]));
    EXPECT_EQ(std::get<std::string>(chain.rows[i][2]), want[i][1]) << i;
  }
  EXPECT_EQ(std::get<int64_t>(chain.rows[1][1]), 302);
}

TEST_F(RedirectCrawlTest, AHopToAnotherHostWaitsForItsRobotsTxtAndDelay) {
  std::vector<testing::RequestRecord> log = other_.RequestLog();
  ASSERT_EQ(log.size(), 3u);
  EXPECT_EQ(log[0].target, "/robots.txt");
  std::vector<std::string> pages = {log[1].target, log[2].target};
  std::sort(pages.begin(), pages.end());
  EXPECT_EQ(pages, (std::vector<std::string>{"/c-start", "/landing"}));
  const auto gap =
      std::chrono::duration_cast<milliseconds>(log[2].arrived - log[1].arrived);
  // Measured at the server: arrival times carry a few ms of jitter.
  EXPECT_GE(gap.count(), kDelayMs - 15)
      << "two requests to 127.0.0.3 " << gap.count() << " ms apart";
  EXPECT_EQ(Page(other_.Url("/landing")), "200 - - done - redirect");
}

}  // namespace
}  // namespace crawlbox
