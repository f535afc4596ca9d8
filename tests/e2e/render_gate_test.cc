// Rendered pages held to the crawl's politeness and scope, end to end against
// headless Chromium and local servers on 127.0.0.1 and 127.0.0.2 (two hosts):
// a rendered page's redirect is a hop through the Frontier (recorded, its
// target deduplicated, never fetched out of scope or against robots.txt),
// frames of other hosts or disallowed paths never load, render.same_site_only
// keeps scripts of other hosts out, and a [login] job's rendered pages carry
// the session.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <string_view>

#include "tests/e2e/crawl_support.h"
#include "tests/support/api_data.h"
#include "tests/support/spa_site.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_server.h"

namespace crawlbox {
namespace {

using testing::TempDir;
using testing::TestServer;

bool HaveChromium() { return ::access("/usr/bin/chromium", X_OK) == 0; }

TestServer OnAddress(const std::string& address) {
  testing::TestServerOptions options;
  options.host = address;
  return TestServer(options);
}

void ServeHtml(TestServer& server, const std::string& path,
               const std::string& html) {
  server.Get(path, [html](const httplib::Request&, const std::smatch&,
                          httplib::Response& res) {
    res.set_content(html, "text/html; charset=utf-8");
  });
}

// The first row of `sql` as space-separated text ("NULL" for null).
std::string Row(const std::string& db, const std::string& sql) {
  auto rows = e2e::QueryDb(db, sql);
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

// "status location rendered state reason via" of the URL's frontier row and
// page row ("-" for none).
std::string Page(const std::string& db, const std::string& url) {
  return Row(db,
             "SELECT coalesce(p.status, '-'), coalesce(p.location, '-'), "
             "coalesce(p.rendered, '-'), f.state, coalesce(f.reason, '-'), "
             "f.via FROM frontier f LEFT JOIN pages p ON p.url_id = f.id "
             "WHERE f.url = '" +
                 url + "'");
}

TEST(RenderGateTest, ARenderedRedirectIsAHopThroughTheFrontier) {
  if (!HaveChromium()) GTEST_SKIP() << "Debian's chromium is not installed";
  TestServer site;
  TestServer outside = OnAddress("127.0.0.2");
  site.SetRobotsTxt("User-agent: *\nDisallow: /spa/page/7\n");
  const std::string out_of_scope =
      "/redirect-to?url=" + outside.Url("/spa/page/1");
  TempDir dir;
  const std::string db = dir.File("moved.db");
  // /spa/page/3 is both a seed and a redirect's target; /spa/page/4 only a
  // target; /spa/page/7 a target robots.txt disallows.
  const std::string job =
      "[job]\nname = \"moved\"\nstart_urls = [\"" + site.Url("/spa/moved/3") +
      "\", \"" + site.Url("/spa/page/3") + "\", \"" + site.Url("/spa/moved/4") +
      "\", \"" + site.Url("/spa/moved/7") + "\", \"" + site.Url(out_of_scope) +
      "\"]\n"
      "[politeness]\ndelay_ms = 0\nper_host_concurrency = 4\n"
      "[limits]\nmax_depth = 0\n"
      "[render]\ntabs = 2\ntimeout_ms = 15000\n"
      "urls = ['/spa/moved/', '/redirect-to']\n"
      "[[rules]]\nname = \"films\"\nurl = '/spa/page/\\d+$'\nrender = true\n"
      "wait_for = \"#ready\"\nselect = \"dd.film\"\n"
      "[rules.fields]\nrank = { css = \"span.rank\", type = \"int\" }\n";
  e2e::JobRun run = e2e::RunJobText(job, db);
  EXPECT_EQ(run.summary.state, "finished");

  EXPECT_EQ(Page(db, site.Url("/spa/moved/3")),
            "301 " + site.Url("/spa/page/3") + " 1 done - seed");
  EXPECT_EQ(Page(db, site.Url("/spa/page/3")), "200 - 1 done - seed");
  EXPECT_EQ(Page(db, site.Url("/spa/page/4")), "200 - 1 done - redirect");
  EXPECT_EQ(Page(db, site.Url("/spa/page/7")), "- - - blocked robots redirect");
  EXPECT_EQ(Page(db, site.Url(out_of_scope)),
            "302 " + outside.Url("/spa/page/1") +
                " 1 done redirect_rejected/host seed");
  for (const char* path :
       {"/spa/moved/3", "/spa/page/3", "/spa/moved/4", "/spa/page/4"})
    EXPECT_EQ(site.Hits(path), 1) << path;
  EXPECT_EQ(site.Hits("/spa/page/7"), 0) << "disallowed by robots.txt";
  EXPECT_EQ(outside.TotalHits(), 0) << "127.0.0.2 is out of scope";

  // The records of pages 3 and 4, each once.
  std::multiset<int64_t> ranks;
  for (const auto& row : e2e::QueryDb(db, "SELECT rank FROM films").rows)
    ranks.insert(std::get<int64_t>(row[0]));
  std::multiset<int64_t> want;
  for (int page : {3, 4}) {
    for (const testing::SpaEntry& e : testing::SpaEntries(page))
      want.insert(e.rank);
  }
  EXPECT_EQ(ranks, want);
  EXPECT_EQ(run.counters["redirect/rejected/host"], 1);
  EXPECT_EQ(run.counters["render/pages"], 6);
}

// A page on 127.0.0.1 with a frame on the other host, a frame robots.txt
// disallows and a script from the other host that fills in p.far.
struct FramedSite {
  FramedSite() {
    site.SetRobotsTxt("User-agent: *\nDisallow: /private/\n");
    ServeHtml(site, "/gate/page",
              "<html><body><p class=\"far\">none</p><iframe src=\"" +
                  outside.Url("/gate/frame") +
                  "\"></iframe><iframe src=\"/private/frame\"></iframe>"
                  "<script src=\"" +
                  outside.Url("/gate/far.js") + "\"></script></body></html>");
    ServeHtml(site, "/private/frame", "<p>private</p>");
    ServeHtml(outside, "/gate/frame", "<p>frame</p>");
    outside.Get("/gate/far.js", [](const httplib::Request&, const std::smatch&,
                                   httplib::Response& res) {
      res.set_content("document.querySelector('p.far').textContent = 'loaded';",
                      "text/javascript");
    });
  }
  std::string Job(bool same_site_only) const {
    return "[job]\nname = \"framed\"\nstart_urls = [\"" +
           site.Url("/gate/page") +
           "\"]\n"
           "[politeness]\ndelay_ms = 0\n"
           "[render]\ntimeout_ms = 15000\nwait_until = \"networkidle\"\n" +
           (same_site_only ? "same_site_only = true\n" : "") +
           "[[rules]]\nname = \"far\"\nurl = '/gate/page$'\nrender = true\n"
           "pattern = '<p class=\"far\">(?P<text>[^<]*)</p>'\n";
  }

  TestServer site;
  TestServer outside = OnAddress("127.0.0.2");
};

TEST(RenderGateTest, FramesOfOtherHostsOrDisallowedPathsNeverLoad) {
  if (!HaveChromium()) GTEST_SKIP() << "Debian's chromium is not installed";
  FramedSite framed;
  TempDir dir;
  const std::string db = dir.File("framed.db");
  e2e::JobRun run = e2e::RunJobText(framed.Job(false), db);
  EXPECT_EQ(run.summary.state, "finished");
  EXPECT_EQ(framed.outside.Hits("/gate/frame"), 0) << "out of scope";
  EXPECT_EQ(framed.site.Hits("/private/frame"), 0) << "robots.txt";
  EXPECT_EQ(run.counters["render/blocked/document"], 2);
  // Without render.same_site_only the other host's script loads.
  EXPECT_EQ(framed.outside.Hits("/gate/far.js"), 1);
  EXPECT_EQ(Row(db, "SELECT text FROM far"), "loaded");
  EXPECT_EQ(run.counters["render/blocked/subresource"], 0);
}

TEST(RenderGateTest, SameSiteOnlyKeepsScriptsOfOtherHostsOut) {
  if (!HaveChromium()) GTEST_SKIP() << "Debian's chromium is not installed";
  FramedSite framed;
  TempDir dir;
  const std::string db = dir.File("same_site.db");
  e2e::JobRun run = e2e::RunJobText(framed.Job(true), db);
  EXPECT_EQ(run.summary.state, "finished");
  EXPECT_EQ(framed.outside.TotalHits(), 0);
  EXPECT_EQ(framed.site.Hits("/private/frame"), 0);
  EXPECT_EQ(Row(db, "SELECT text FROM far"), "none");
  EXPECT_EQ(run.counters["render/blocked/subresource"], 1);
  EXPECT_EQ(run.counters["render/blocked/document"], 2);
}

// An app page whose script fetches /app/members/3 (a page behind the login)
// and shows its members: only a browser holding the session gets them.
constexpr char kMembersApp[] = R"html(<!DOCTYPE html>
<html><body><div id="app"></div><script>
fetch("/app/members/3").then(function (res) { return res.text(); })
  .then(function (html) {
    var page = new DOMParser().parseFromString(html, "text/html");
    var app = document.getElementById("app");
    page.querySelectorAll("div.member").forEach(function (member) {
      app.appendChild(document.importNode(member, true));
    });
    var ready = document.createElement("div");
    ready.id = "ready";
    document.body.appendChild(ready);
  });
</script></body></html>
)html";

TEST(RenderGateTest, ALoginJobsRenderedPagesCarryTheSession) {
  if (!HaveChromium()) GTEST_SKIP() << "Debian's chromium is not installed";
  const std::string password = "render-" + std::to_string(getpid());
  TestServer site([&] {
    testing::TestServerOptions options;
    options.login_password = password;
    return options;
  }());
  ServeHtml(site, "/gate/members", kMembersApp);
  setenv("CRAWLBOX_RENDER_TEST_PASSWORD", password.c_str(), 1);
  const std::string crawl =
      "[politeness]\ndelay_ms = 0\n"
      "[render]\ntimeout_ms = 15000\n"
      "[[rules]]\nname = \"members\"\nurl = '/gate/members$'\nrender = true\n"
      "wait_for = \"#ready\"\nselect = \"div.member\"\n"
      "[rules.fields]\nname = { css = \"h2\", required = true }\n"
      "since = { css = \"span.since\", type = \"int\" }\n";
  const std::string start = "[job]\nname = \"members\"\nstart_urls = [\"" +
                            site.Url("/gate/members") + "\"]\n";
  const std::string login = "[login]\npage = \"" + site.Url("/app/login") +
                            "\"\nform = \"form#login\"\n"
                            "fields = { username = \"reader\" }\n"
                            "password_env = \"CRAWLBOX_RENDER_TEST_PASSWORD\"\n"
                            "success_cookie = \"session\"\n";
  TempDir dir;
  const std::string db = dir.File("members.db");
  e2e::JobRun run = e2e::RunJobText(start + login + crawl, db);
  unsetenv("CRAWLBOX_RENDER_TEST_PASSWORD");
  EXPECT_EQ(run.summary.state, "finished");
  EXPECT_EQ(run.counters["login/ok"], 1);
  std::set<std::pair<std::string, int64_t>> stored, want;
  for (const auto& row :
       e2e::QueryDb(db, "SELECT name, since FROM members").rows)
    stored.emplace(std::get<std::string>(row[0]), std::get<int64_t>(row[1]));
  for (const testing::MemberRecord& m : testing::MembersOnPage(3))
    want.emplace(m.name, m.since);
  EXPECT_EQ(stored, want);
  // The browser sent the session; the database never holds it.
  std::string session;
  for (const testing::RequestRecord& record : site.RequestLog()) {
    if (record.target != "/app/members/3") continue;
    std::string_view cookies = record.cookie;
    while (!cookies.empty()) {
      std::string_view one = cookies.substr(0, cookies.find(';'));
      cookies.remove_prefix(std::min(cookies.size(), one.size() + 1));
      while (one.starts_with(' ')) one.remove_prefix(1);
      if (one.starts_with("session=")) session = one.substr(8);
    }
  }
  ASSERT_GE(session.size(), 8u) << "no session cookie reached the server";
  for (const std::string& path : {db, db + "-wal", db + "-shm"}) {
    std::ifstream in(path, std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)),
                            std::istreambuf_iterator<char>());
    EXPECT_EQ(bytes.find(session), std::string::npos) << path;
  }

  // The control: without [login] the app shows no member.
  const std::string plain_db = dir.File("plain.db");
  e2e::JobRun plain = e2e::RunJobText(start + crawl, plain_db);
  EXPECT_EQ(plain.summary.state, "finished");
  EXPECT_EQ(e2e::CountDb(plain_db, "SELECT count(*) FROM members"), 0);
}

// The rule-writing loop wants the page a redirect leads to: `crawlbox
// extract --render` renders the hop's target in turn and says so.
TEST(RenderGateTest, ExtractRenderFollowsARenderedRedirect) {
  if (!HaveChromium()) GTEST_SKIP() << "Debian's chromium is not installed";
  TestServer site;
  TempDir dir;
  const std::string job = dir.File("moved.toml");
  std::ofstream(job)
      << "[job]\nname = \"moved\"\nstart_urls = [\"" << site.Url("/spa/")
      << "\"]\n[render]\ntimeout_ms = 15000\nurls = ['/spa/moved/']\n"
         "[[rules]]\nname = \"films\"\nurl = '/spa/page/\\d+$'\n"
         "render = true\nwait_for = \"#ready\"\nselect = \"dd.film\"\n"
         "[rules.fields]\nrank = { css = \"span.rank\", type = \"int\" }\n";
  auto extracted =
      testing::RunProcess({testing::BuiltProgram("crawlbox"), "extract", job,
                           "--url", site.Url("/spa/moved/5")});
  ASSERT_EQ(extracted.exit_code, 0) << extracted.err;
  EXPECT_NE(extracted.err.find(site.Url("/spa/moved/5") +
                               " answered HTTP 301, redirect to " +
                               site.Url("/spa/page/5")),
            std::string::npos)
      << extracted.err;
  int records = 0;
  for (char c : extracted.out) records += c == '\n';
  EXPECT_EQ(records, testing::kSpaEntriesPerPage) << extracted.out;
  EXPECT_NE(extracted.out.find("\"rank\":" +
                               std::to_string(testing::SpaEntries(5)[0].rank)),
            std::string::npos)
      << extracted.out;
}

}  // namespace
}  // namespace crawlbox
