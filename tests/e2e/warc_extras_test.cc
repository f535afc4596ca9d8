// The WARC records beside a page's request and response, end to end: the
// robots.txt and a sitemap archived (and where the index lists them),
// [store] warc_metadata's outlinks checked against each page's HTML by
// Python, a body cut at max_body_bytes marked WARC-Truncated, the login
// step's exchanges left out, a fleet's robots.txt archived by its master
// from its worker's result, and a rendered page archived as the response
// Chromium received plus a conversion record of its DOM. warc_check.py
// recomputes every digest and resolves every WARC-Concurrent-To and
// WARC-Refers-To; warcio.js reads every file to its end.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "crawler/archive/warc_record.h"
#include "crawler/archive/warc_scan.h"
#include "tests/e2e/crawl_support.h"
#include "tests/e2e/render_support.h"
#include "tests/e2e/warc_support.h"
#include "tests/support/redis_server.h"
#include "tests/support/spa_site.h"
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

// Every record of the files, in order, with the file it is in.
struct Stored {
  std::string file;
  crawler::WarcRecord record;
};
std::vector<Stored> ReadAll(const std::vector<std::string>& files) {
  std::vector<Stored> out;
  for (const std::string& file : files) {
    auto scan = crawler::ScanWarcFile(
        file, [&](const crawler::WarcRecord& r, uint64_t, uint64_t) {
          out.push_back({file, r});
        });
    EXPECT_TRUE(scan.ok() && scan->complete) << file;
  }
  return out;
}

std::string Target(const crawler::WarcRecord& r) {
  return std::string(r.Field("WARC-Target-URI").value_or(""));
}

// The URLs warcio.js's cdx-index lists, as "url status", over all files;
// each file must also read to its end with `warcio index`.
std::multiset<std::string> WarcioListed(const std::string& cli,
                                        const std::vector<std::string>& files) {
  std::multiset<std::string> listed;
  for (const std::string& file : files) {
    testing::ProcessResult index = testing::RunWarcio(cli, {"index", file});
    EXPECT_EQ(index.exit_code, 0) << index.err;
    testing::ProcessResult cdx = testing::RunWarcio(cli, {"cdx-index", file});
    EXPECT_EQ(cdx.exit_code, 0) << cdx.err;
    std::istringstream lines(cdx.out);
    for (std::string line; std::getline(lines, line);) {
      auto json = nlohmann::json::parse(line.substr(line.find('{')));
      listed.insert(json["url"].get<std::string>() + " " +
                    json.value("status", std::string("-")));
    }
  }
  return listed;
}

TEST(WarcExtrasTest, RobotsSitemapsAndOutlinksAreArchived) {
  testing::TestServerOptions options;
  options.site = testing::SiteOptions{};
  options.site->pages = 30;
  options.site->links_per_page = 6;
  options.site->min_bytes = 1000;
  options.site->max_bytes = 2000;
  TestServer server(options);
  const std::string sitemap_url = server.Url("/sitemap.xml");
  server.SetRobotsTxt("User-agent: *\nDisallow:\nSitemap: " + sitemap_url +
                      "\n");
  const std::string sitemap =
      "<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\"><url>"
      "<loc>" +
      server.Url("/site/29.html") + "</loc></url></urlset>";
  server.Get("/sitemap.xml",
             [sitemap](const httplib::Request&, const std::smatch&,
                       httplib::Response& res) {
               res.set_content(sitemap, "application/xml");
             });
  TempDir dir;
  const std::string db = dir.File("extras.db");
  const std::string warc_dir = dir.File("archive");
  e2e::JobRun run = e2e::RunJobText(
      "[job]\nname = \"extras\"\nstart_urls = [\"" +
          server.Url("/site/0.html") +
          "\"]\n[scope]\nsitemaps = true\n"
          "[politeness]\ndelay_ms = 0\n"
          "[store]\nwarc = true\nwarc_metadata = true\nwarc_dir = \"" +
          warc_dir + "\"\n[[rules]]\nname = \"all\"\nurl = '/site/'\n" +
          "follow = ['/site/\\d+\\.html$']\n",
      db);
  ASSERT_EQ(run.summary.state, "finished");
  const int64_t pages = e2e::CountDb(db, "SELECT count(*) FROM pages");
  ASSERT_EQ(pages, 30);
  const std::vector<std::string> files = WarcFiles(warc_dir);
  ASSERT_FALSE(files.empty());

  nlohmann::json check = PythonCheck(files);
  ASSERT_TRUE(check.is_object());
  EXPECT_EQ(check["problems"], nlohmann::json::array()) << check["problems"];
  // Pages, the robots.txt and the sitemap: each a request and a response;
  // each page a metadata record.
  EXPECT_EQ(check["counts"]["response"], pages + 2);
  EXPECT_EQ(check["counts"]["request"], pages + 2);
  EXPECT_EQ(check["counts"]["metadata"], pages);
  EXPECT_EQ(check["links"], 2 * pages + 2)
      << "requests and metadata records name their responses";
  // Python found every page's outlinks on its page, and (the rule follows
  // every link of the site) all of its links among them; page 0 links to
  // the pages below it in the site's tree.
  EXPECT_EQ(check["outlinks_all"], pages);
  const nlohmann::json& outlinks = check["outlinks"];
  EXPECT_EQ(static_cast<int64_t>(outlinks.size()), pages);
  const std::string page0 = server.Url("/site/0.html");
  ASSERT_TRUE(outlinks.contains(page0));
  std::set<std::string> of_page0(outlinks[page0].begin(),
                                 outlinks[page0].end());
  EXPECT_TRUE(of_page0.count(server.Url("/site/1.html")));
  EXPECT_TRUE(of_page0.count(server.Url("/site/2.html")));

  // The robots.txt and sitemap exchanges: whole, with the bodies served.
  std::map<std::string, std::string> bodies;  // response URL -> entity
  for (const Stored& s : ReadAll(files)) {
    if (s.record.type != "response") continue;
    const std::string& block = s.record.block;
    bodies[Target(s.record)] = block.substr(block.find("\r\n\r\n") + 4);
  }
  EXPECT_EQ(bodies[server.Url("/robots.txt")],
            "User-agent: *\nDisallow:\nSitemap: " + sitemap_url + "\n");
  EXPECT_NE(bodies[sitemap_url].find("/site/29.html</loc>"), std::string::npos);
  // They have no pages row: warc_records lists them with url_id 0, and
  // the CDXJ index of the files lists them like any response.
  EXPECT_EQ(e2e::CountDb(db,
                         "SELECT count(*) FROM warc_records WHERE url_id = 0 "
                         "AND type IN ('request', 'response')"),
            4);
  EXPECT_EQ(e2e::CountDb(db,
                         "SELECT count(*) FROM warc_records WHERE type = "
                         "'metadata' AND url_id IN (SELECT url_id FROM pages)"),
            pages);
  std::string cdxj;
  for (const std::string& file : files) {
    std::ifstream in(file + ".cdxj");
    cdxj.append(std::istreambuf_iterator<char>(in), {});
  }
  EXPECT_NE(cdxj.find("\"url\":\"" + server.Url("/robots.txt") + "\""),
            std::string::npos)
      << cdxj.substr(0, 400);
  EXPECT_NE(cdxj.find("\"url\":\"" + sitemap_url + "\""), std::string::npos);

  std::string why;
  const std::string cli = testing::WarcioCli(&why);
  if (cli.empty()) GTEST_SKIP() << why;
  std::multiset<std::string> listed = WarcioListed(cli, files);
  EXPECT_EQ(listed.count(server.Url("/robots.txt") + " 200"), 1u);
  EXPECT_EQ(listed.count(sitemap_url + " 200"), 1u);
  EXPECT_EQ(listed.count(page0 + " 200"), 1u);
}

// In a fleet the worker fetches the robots.txt and the master writes its
// records, as it writes the pages' records the workers send.
TEST(WarcExtrasTest, AFleetArchivesTheRobotsTxtItsWorkerFetched) {
  TempDir dir;
  auto redis = testing::RedisServer::Start("warc-extras", dir.path().string());
  if (!redis.ok()) {
    if (redis.status().code() == config::Status::Code::kNotFound)
      GTEST_SKIP() << "redis-server is not installed";
    FAIL() << redis.status().ToString();
  }
  testing::TestServerOptions options;
  options.site = testing::SiteOptions{};
  options.site->pages = 20;
  options.site->min_bytes = 1000;
  options.site->max_bytes = 2000;
  TestServer server(options);
  const std::string job = dir.File("job.toml");
  const std::string db = dir.File("fleet.db");
  const std::string warc_dir = dir.File("archive");
  std::ofstream(job) << "[job]\nname = \"fleetwarc\"\nstart_urls = [\""
                     << server.Url("/site/0.html")
                     << "\"]\n[politeness]\ndelay_ms = 0\n"
                        "[store]\nwarc = true\nwarc_metadata = true\n"
                        "warc_dir = \""
                     << warc_dir
                     << "\"\n[[rules]]\nname = \"all\"\nurl = '/site/'\n"
                        "follow = ['/site/\\d+\\.html$']\n";
  std::filesystem::create_directories(dir.File("w"));
  std::filesystem::create_directories(dir.File("m"));
  testing::ChildProcess worker(
      {testing::BuiltProgram("crawlbox"), "worker", "--redis", (*redis)->Url(),
       "--concurrency", "4"},
      {}, dir.File("w"));
  testing::ChildProcess master(
      {testing::BuiltProgram("crawlbox"), "master", job, "--db", db, "--redis",
       (*redis)->Url(), "-q"},
      {}, dir.File("m"));
  testing::ProcessResult m = master.Wait(60'000);
  ASSERT_EQ(m.exit_code, 0) << m.err;
  EXPECT_EQ(worker.Wait(15'000).exit_code, 0);
  ASSERT_EQ(e2e::CountDb(db, "SELECT count(*) FROM pages"), 20);

  const std::vector<std::string> files = WarcFiles(warc_dir);
  nlohmann::json check = PythonCheck(files);
  ASSERT_TRUE(check.is_object());
  EXPECT_EQ(check["problems"], nlohmann::json::array()) << check["problems"];
  EXPECT_EQ(check["counts"]["response"], 21) << "20 pages and the robots.txt";
  EXPECT_EQ(check["counts"]["metadata"], 20);
  EXPECT_EQ(check["outlinks_all"], 20);
  std::string robots;
  for (const Stored& s : ReadAll(files)) {
    if (s.record.type == "response" &&
        Target(s.record) == server.Url("/robots.txt"))
      robots = s.record.block;
  }
  EXPECT_NE(robots.find("\r\n\r\nUser-agent: *\nDisallow:\n"),
            std::string::npos)
      << robots;
  EXPECT_EQ(
      e2e::CountDb(db, "SELECT count(*) FROM warc_records WHERE url_id = 0"),
      2);
}

TEST(WarcExtrasTest, TruncatedBodiesAreMarkedAndTheLoginIsLeftOut) {
  const std::string password = "warc-" + std::to_string(getpid());
  TestServer server([&] {
    testing::TestServerOptions options;
    options.login_password = password;
    return options;
  }());
  setenv("CRAWLBOX_WARC_TEST_PASSWORD", password.c_str(), 1);
  TempDir dir;
  const std::string db = dir.File("login.db");
  const std::string warc_dir = dir.File("archive");
  e2e::JobRun run = e2e::RunJobText(
      "[job]\nname = \"login\"\nstart_urls = [\"" +
          server.Url("/app/members/1") + "\", \"" +
          server.Url("/bytes/300000") +
          "\"]\n"
          "[fetch]\nmax_body_bytes = 100000\ntruncate_large_bodies = true\n"
          "[politeness]\ndelay_ms = 0\n"
          "[login]\npage = \"" +
          server.Url("/app/login") +
          "\"\nform = \"form#login\"\nfields = { username = \"reader\" }\n"
          "password_env = \"CRAWLBOX_WARC_TEST_PASSWORD\"\n"
          "success_cookie = \"session\"\n"
          "[store]\nwarc = true\nwarc_dir = \"" +
          warc_dir + "\"\n",
      db);
  unsetenv("CRAWLBOX_WARC_TEST_PASSWORD");
  ASSERT_EQ(run.summary.state, "finished");
  EXPECT_EQ(run.counters["login/ok"], 1);
  const std::vector<std::string> files = WarcFiles(warc_dir);
  ASSERT_FALSE(files.empty());

  nlohmann::json check = PythonCheck(files);
  ASSERT_TRUE(check.is_object());
  EXPECT_EQ(check["problems"], nlohmann::json::array()) << check["problems"];
  EXPECT_EQ(check["truncated"], nlohmann::json::array({nlohmann::json::array(
                                    {server.Url("/bytes/300000"), "length"})}));

  std::set<std::string> targets;
  bool redacted = false;
  int64_t kept = -1;
  for (const Stored& s : ReadAll(files)) {
    targets.insert(Target(s.record));
    const std::string& block = s.record.block;
    EXPECT_EQ(block.find(password), std::string::npos) << Target(s.record);
    if (s.record.type == "request" &&
        Target(s.record) == server.Url("/app/members/1")) {
      redacted = block.find("\r\nCookie: [redacted by crawlbox]\r\n") !=
                 std::string::npos;
    }
    if (s.record.type == "response" &&
        Target(s.record) == server.Url("/bytes/300000")) {
      kept = static_cast<int64_t>(block.size() - block.find("\r\n\r\n") - 4);
    }
  }
  EXPECT_TRUE(redacted) << "the session cookie is sent, and redacted";
  // The body as far as it was kept: what the page row counted, cut short.
  EXPECT_EQ(kept, e2e::CountDb(db,
                               "SELECT bytes FROM pages WHERE url LIKE "
                               "'%/bytes/300000' AND error = 'truncated'"));
  EXPECT_GT(kept, 0);
  EXPECT_LE(kept, 100000);
  // The login page and its POST are not in the archive; the pages are.
  EXPECT_EQ(targets.count(server.Url("/app/login")), 0u);
  EXPECT_EQ(targets.count(server.Url("/app/members/1")), 1u);
  EXPECT_EQ(targets.count(server.Url("/bytes/300000")), 1u);
}

TEST(WarcExtrasTest, ARenderedPageKeepsItsResponseAndItsDom) {
  if (!e2e::HaveChromium())
    GTEST_SKIP() << "Debian's chromium is not installed";
  TestServer server;
  TempDir dir;
  const std::string db = dir.File("spa.db");
  const std::string warc_dir = dir.File("archive");
  const std::vector<std::string> urls = {server.Url("/spa/page/1"),
                                         server.Url("/spa/page/2")};
  e2e::JobRun run = e2e::RunJobText(
      "[job]\nname = \"spa\"\nstart_urls = [\"" + urls[0] + "\", \"" + urls[1] +
          "\", \"" + server.Url("/gzip") + "\", \"" +
          server.Url("/spa/moved/3") +
          "\"]\n[politeness]\ndelay_ms = 0\n"
          "[render]\ntabs = 2\ntimeout_ms = 15000\n"
          "urls = ['/gzip$', '/spa/moved/']\n"
          "[limits]\nmax_depth = 0\n"
          "[store]\nwarc = true\nwarc_metadata = true\nwarc_dir = \"" +
          warc_dir +
          "\"\n[[rules]]\nname = \"films\"\nurl = '/spa/page/\\d+$'\n"
          "render = true\nwait_for = \"#ready\"\nselect = \"dd.film\"\n"
          "follow = ['/spa/film/\\d+$']\n"
          "[rules.fields]\ntitle = \"a.title\"\n",
      db);
  ASSERT_EQ(run.summary.state, "finished");
  // Pages 1 and 2, the gzip page, and the redirect hop /spa/moved/3 and
  // its target /spa/page/3.
  ASSERT_EQ(e2e::CountDb(db, "SELECT count(*) FROM pages WHERE rendered = 1"),
            5);
  const std::vector<std::string> files = WarcFiles(warc_dir);
  ASSERT_FALSE(files.empty());

  nlohmann::json check = PythonCheck(files);
  ASSERT_TRUE(check.is_object());
  EXPECT_EQ(check["problems"], nlohmann::json::array()) << check["problems"];
  EXPECT_EQ(check["counts"]["response"], 6) << "five pages and robots.txt";
  EXPECT_EQ(check["counts"]["conversion"], 4) << "a redirect has no DOM";
  EXPECT_EQ(check["counts"]["metadata"], 5);
  EXPECT_EQ(check["outlinks"][server.Url("/spa/moved/3")],
            nlohmann::json::array({server.Url("/spa/page/3")}));
  // The outlinks are links of the DOM (Python read them from the
  // conversion records): the films the script listed, which the rule
  // follows, and not its pager, which it does not.
  for (const std::string& url : urls) {
    std::set<std::string> want, got;
    const int page = std::stoi(url.substr(url.rfind('/') + 1));
    for (const testing::SpaEntry& e : testing::SpaEntries(page))
      want.insert(server.Url("/spa/film/" + std::to_string(e.rank)));
    for (const auto& link : check["outlinks"][url])
      got.insert(link.get<std::string>());
    EXPECT_EQ(got, want) << url;
  }

  // Per page: the response as served (the shell, before any script ran),
  // and the conversion record holding the DOM the rules read.
  std::map<std::string, std::string> requests, heads, shells, doms;
  std::map<std::string, std::string> response_ids, refers;
  for (const Stored& s : ReadAll(files)) {
    const crawler::WarcRecord& r = s.record;
    if (r.type == "response") {
      const size_t end = r.block.find("\r\n\r\n");
      heads[Target(r)] = r.block.substr(0, end + 4);
      shells[Target(r)] = r.block.substr(end + 4);
      response_ids[Target(r)] = r.record_id;
      if (Target(r) != server.Url("/spa/moved/3")) {
        EXPECT_EQ(r.block.rfind("HTTP/1.1 200", 0), 0u)
            << r.block.substr(0, 80);
        EXPECT_TRUE(r.Field("WARC-IP-Address")) << Target(r);
      }
    } else if (r.type == "request") {
      requests[Target(r)] = r.block;
    } else if (r.type == "conversion") {
      doms[Target(r)] = r.block;
      refers[Target(r)] = std::string(r.Field("WARC-Refers-To").value_or(""));
      EXPECT_EQ(r.content_type, "text/html; charset=utf-8");
    }
  }
  // The gzip page, which Chromium asked for compressed and handed over
  // decoded: archived decoded, with a Content-Length to match and no
  // Content-Encoding.
  const std::string& gzip = heads[server.Url("/gzip")];
  const std::string& gzip_body = shells[server.Url("/gzip")];
  EXPECT_EQ(gzip.find("Content-Encoding"), std::string::npos) << gzip;
  EXPECT_NE(gzip.find("\r\nContent-Length: " +
                      std::to_string(gzip_body.size()) + "\r\n"),
            std::string::npos)
      << gzip;
  EXPECT_NE(gzip_body.find("<h1>Compressed page</h1>"), std::string::npos);
  EXPECT_NE(requests[server.Url("/gzip")].find("\r\nAccept-Encoding: gzip"),
            std::string::npos)
      << "so the site sent it compressed";
  // The hop: its status and Location, without a body.
  const std::string& moved = heads[server.Url("/spa/moved/3")];
  EXPECT_EQ(moved.rfind("HTTP/1.1 301 ", 0), 0u) << moved;
  EXPECT_NE(moved.find("\r\nLocation: /spa/page/3\r\n"), std::string::npos)
      << moved;
  EXPECT_NE(moved.find("\r\nContent-Length: 0\r\n"), std::string::npos);
  EXPECT_NE(requests[server.Url("/spa/moved/3")].find("GET /spa/moved/3 "),
            std::string::npos);
  for (const std::string& url : urls) {
    EXPECT_EQ(shells[url], testing::SpaShellPage()) << url;
    EXPECT_EQ(refers[url], response_ids[url]) << url;
    const int page = std::stoi(url.substr(url.rfind('/') + 1));
    for (const testing::SpaEntry& e : testing::SpaEntries(page)) {
      const std::string href = "/spa/film/" + std::to_string(e.rank) + "\"";
      EXPECT_NE(doms[url].find(href), std::string::npos) << url;
      EXPECT_EQ(shells[url].find(href), std::string::npos) << url;
    }
  }

  std::string why;
  const std::string cli = testing::WarcioCli(&why);
  if (cli.empty()) GTEST_SKIP() << why;
  std::multiset<std::string> listed = WarcioListed(cli, files);
  // The response with its status, and the conversion record without one.
  for (const std::string& url : urls) {
    EXPECT_EQ(listed.count(url + " 200"), 1u) << url;
    EXPECT_EQ(listed.count(url + " -"), 1u) << url;
  }
}

}  // namespace
}  // namespace crawlbox
