// What pages tell crawlers, obeyed in a real crawl and checked from the
// server's request log and the database: robots meta (nofollow, noindex,
// none, for all agents or ours), X-Robots-Tag, rel="nofollow", meta refresh
// and the Refresh header (followed within fetch.max_refresh_delay_s, ignored
// beyond it), and canonical URLs (recorded; followed with
// scope.follow_canonical).
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "tests/e2e/crawl_support.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_server.h"

namespace crawlbox {
namespace {

using testing::TempDir;
using testing::TestServer;

struct PageSpec {
  std::string path;
  std::string head;  // inside <head>
  std::string body;  // inside <body>, after the page's record
  std::vector<std::pair<std::string, std::string>> headers;
};

std::vector<PageSpec> Pages() {
  return {
      {"/nofollow", R"(<meta name="robots" content="nofollow">)",
       R"(<a href="/nf-child">c</a>)"},
      {"/noindex", R"(<meta name="robots" content="NoIndex">)",
       R"(<a href="/ni-child">c</a>)"},
      {"/none", R"(<meta name="crawlbox" content="none">)",
       R"(<a href="/none-child">c</a>)"},
      {"/other-agent", R"(<meta name="otherbot" content="none">)",
       R"(<a href="/oa-child">c</a>)"},
      {"/xrt-noindex", "", "", {{"X-Robots-Tag", "crawlbox: noindex"}}},
      {"/xrt-other", "", "", {{"X-Robots-Tag", "otherbot: noindex"}}},
      {"/xrt-nofollow",
       "",
       R"(<a href="/xrt-child">c</a>)",
       {{"X-Robots-Tag", "nofollow"}}},
      {"/relnf", "",
       R"(<a rel="external NoFollow" href="/relnf-child">c</a>)"
       R"(<a href="/relnf-ok">ok</a>)"},
      {"/refresh-ok",
       R"(<meta http-equiv="refresh" content="2; url=/refreshed">)", ""},
      {"/refresh-long",
       R"(<meta http-equiv="Refresh" content="60;URL='/too-late'">)", ""},
      {"/refresh-header", "", "", {{"Refresh", "0; url=/refreshed-h"}}},
      {"/canon-dup", R"(<link rel="canonical" href="/canon-main">)", ""},
      {"/canon-hdr",
       "",
       "",
       {{"Link", R"(</canon-main2>; rel="canonical", </x>; rel="next")"}}},
      {"/canon-out",
       R"(<link rel="canonical" href="http://127.0.0.2:9/elsewhere">)", ""},
      {"/canon-self", R"(<link rel="canonical" href="/canon-self">)", ""},
  };
}

std::string PageHtml(const PageSpec& page) {
  return "<html><head>" + page.head + "</head><body><p class=\"rec\">" +
         page.path + "</p>" + page.body + "</body></html>";
}

// A server of the pages above (every other path: a plain page with its path
// as its record), crawled twice: scope.follow_canonical off, then on.
struct DirectivesCrawl {
  DirectivesCrawl();
  e2e::JobRun Crawl(const std::string& db, bool follow_canonical);

  TestServer server;
  TempDir dir;
  std::string db_off = dir.File("canonical_off.db");
  std::string db_on = dir.File("canonical_on.db");
  std::map<std::string, int> hits_off;
  std::map<std::string, int> hits_on;
};

DirectivesCrawl::DirectivesCrawl() {
  std::string start;
  for (const PageSpec& page : Pages()) {
    start += "<a href=\"" + page.path + "\">p</a>\n";
    server.Get(page.path, [page](const httplib::Request&, const std::smatch&,
                                 httplib::Response& res) {
      for (const auto& [name, value] : page.headers)
        res.set_header(name, value);
      res.set_content(PageHtml(page), "text/html");
    });
  }
  server.Get("/start", [start](const httplib::Request&, const std::smatch&,
                               httplib::Response& res) {
    res.set_content(start, "text/html");
  });
  server.Get(R"(/[a-z0-9-]+)", [](const httplib::Request& req,
                                  const std::smatch&, httplib::Response& res) {
    res.set_content("<p class=\"rec\">" + req.path + "</p>", "text/html");
  });
  Crawl(db_off, false);
  hits_off = server.AllHits();
  server.ResetCounts();
  Crawl(db_on, true);
  hits_on = server.AllHits();
}

e2e::JobRun DirectivesCrawl::Crawl(const std::string& db,
                                   bool follow_canonical) {
  return e2e::RunJobText(R"toml(
[job]
name = "directives"
start_urls = [")toml" + server.Url("/start") +
                             R"toml("]
[scope]
follow_canonical = )toml" + (follow_canonical ? "true" : "false") +
                             R"toml(
[politeness]
per_host_concurrency = 8
delay_ms = 0
adaptive = false
[[rules]]
name = "recs"
pattern = '<p class="rec">(?P<v>[^<]*)</p>'
follow = ['.*']
)toml",
                         db);
}

class DirectivesCrawlTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { crawl_ = new DirectivesCrawl(); }
  static void TearDownTestSuite() {
    delete crawl_;
    crawl_ = nullptr;
  }

  static int Hits(const std::map<std::string, int>& hits,
                  const std::string& path) {
    auto it = hits.find(path);
    return it == hits.end() ? 0 : it->second;
  }
  // Records the crawl stored for the page at `path`.
  static int64_t Records(const std::string& db, const std::string& path) {
    return e2e::CountDb(db, "SELECT count(*) FROM recs WHERE _url = '" +
                                crawl_->server.Url(path) + "'");
  }
  // "robots|canonical|location|via" of the page at `path`.
  static std::string Row(const std::string& db, const std::string& path) {
    auto rows = e2e::QueryDb(
        db,
        "SELECT coalesce(p.robots, ''), coalesce(p.canonical, ''), "
        "coalesce(p.location, ''), f.via FROM frontier f JOIN pages p ON "
        "p.url_id = f.id WHERE f.url = '" +
            crawl_->server.Url(path) + "'");
    if (rows.rows.empty()) return "missing";
    std::string out;
    for (size_t i = 0; i < rows.rows[0].size(); ++i) {
      if (i > 0) out += "|";
      out += std::get<std::string>(rows.rows[0][i]);
    }
    return out;
  }

  static DirectivesCrawl* crawl_;
  const std::map<std::string, int>& off_ = crawl_->hits_off;
  const std::map<std::string, int>& on_ = crawl_->hits_on;
  const std::string& db_off_ = crawl_->db_off;
  const std::string& db_on_ = crawl_->db_on;
};

DirectivesCrawl* DirectivesCrawlTest::crawl_ = nullptr;

TEST_F(DirectivesCrawlTest, NofollowTakesNoLinksAndKeepsTheRecords) {
  EXPECT_EQ(Hits(off_, "/nofollow"), 1);
  EXPECT_EQ(Hits(off_, "/nf-child"), 0);
  EXPECT_EQ(Records(db_off_, "/nofollow"), 1);
  EXPECT_EQ(Row(db_off_, "/nofollow"), "nofollow|||link");
}

TEST_F(DirectivesCrawlTest, NoindexStoresThePageWithoutRecordsAndFollows) {
  EXPECT_EQ(Hits(off_, "/ni-child"), 1);
  EXPECT_EQ(Records(db_off_, "/noindex"), 0);
  EXPECT_EQ(Row(db_off_, "/noindex"), "noindex|||link");
}

TEST_F(DirectivesCrawlTest, NoneForOurProductTokenIsBothAndOtherAgentsAreNot) {
  EXPECT_EQ(Hits(off_, "/none-child"), 0);
  EXPECT_EQ(Records(db_off_, "/none"), 0);
  EXPECT_EQ(Row(db_off_, "/none"), "noindex,nofollow|||link");
  EXPECT_EQ(Hits(off_, "/oa-child"), 1) << "a meta tag for another agent";
  EXPECT_EQ(Records(db_off_, "/other-agent"), 1);
}

TEST_F(DirectivesCrawlTest, XRobotsTagHeaderForUsOrAllIsObeyed) {
  EXPECT_EQ(Records(db_off_, "/xrt-noindex"), 0);
  EXPECT_EQ(Row(db_off_, "/xrt-noindex"), "noindex|||link");
  EXPECT_EQ(Records(db_off_, "/xrt-other"), 1);
  EXPECT_EQ(Row(db_off_, "/xrt-other"), "|||link");
  EXPECT_EQ(Hits(off_, "/xrt-child"), 0);
  EXPECT_EQ(Records(db_off_, "/xrt-nofollow"), 1);
}

TEST_F(DirectivesCrawlTest, RelNofollowLinksAreNotFollowed) {
  EXPECT_EQ(Hits(off_, "/relnf-child"), 0);
  EXPECT_EQ(Hits(off_, "/relnf-ok"), 1);
}

TEST_F(DirectivesCrawlTest, RefreshWithinTheBoundIsAHopAndBeyondItIsIgnored) {
  EXPECT_EQ(Hits(off_, "/refreshed"), 1);
  EXPECT_EQ(Records(db_off_, "/refreshed"), 1);
  EXPECT_EQ(Records(db_off_, "/refresh-ok"), 0) << "a hop gives no records";
  EXPECT_EQ(Row(db_off_, "/refresh-ok"),
            "||" + crawl_->server.Url("/refreshed") + "|link");
  EXPECT_EQ(Row(db_off_, "/refreshed"), "|||refresh");
  EXPECT_EQ(Hits(off_, "/refreshed-h"), 1) << "the Refresh header";
  EXPECT_EQ(Row(db_off_, "/refreshed-h"), "|||refresh");
  EXPECT_EQ(Hits(off_, "/too-late"), 0) << "60 s > max_refresh_delay_s";
  EXPECT_EQ(Records(db_off_, "/refresh-long"), 1);
}

TEST_F(DirectivesCrawlTest, CanonicalIsRecordedAndOnlyFollowedWhenEnabled) {
  const TestServer& server = crawl_->server;
  EXPECT_EQ(Row(db_off_, "/canon-dup"),
            "|" + server.Url("/canon-main") + "||link");
  EXPECT_EQ(Row(db_off_, "/canon-hdr"),
            "|" + server.Url("/canon-main2") + "||link");
  EXPECT_EQ(Hits(off_, "/canon-main"), 0);
  EXPECT_EQ(Hits(off_, "/canon-main2"), 0);
  EXPECT_EQ(Records(db_off_, "/canon-dup"), 1);

  // Enabled: the canonical page is fetched and its records replace the
  // duplicate's; a canonical URL out of scope leaves the page its records.
  EXPECT_EQ(Hits(on_, "/canon-main"), 1);
  EXPECT_EQ(Hits(on_, "/canon-main2"), 1);
  EXPECT_EQ(Row(db_on_, "/canon-main"), "|||canonical");
  EXPECT_EQ(Records(db_on_, "/canon-main"), 1);
  EXPECT_EQ(Records(db_on_, "/canon-dup"), 0);
  EXPECT_EQ(Records(db_on_, "/canon-hdr"), 0);
  EXPECT_EQ(Records(db_on_, "/canon-out"), 1);
  EXPECT_EQ(Records(db_on_, "/canon-self"), 1);
  EXPECT_EQ(Records(db_on_, "/nofollow"), 1);
}

}  // namespace
}  // namespace crawlbox
