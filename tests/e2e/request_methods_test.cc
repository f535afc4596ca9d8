// Seed requests other than GET, checked from the server's request log: a POST
// arrives once with its body and Content-Type, redirects follow HTTP's method
// rules, unsafe methods are retried only when nothing reached the server (or
// retry.unsafe_methods says so), and robots.txt blocks them as it blocks GETs.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/e2e/crawl_support.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_server.h"

namespace crawlbox {
namespace {

using testing::RequestRecord;
using testing::TempDir;
using testing::TestServer;

// [job] with `requests` (TOML), no politeness delay, robots.txt read unless
// `robots` is false, and `extra` tables.
std::string Job(const std::string& requests, const std::string& extra = "",
                bool robots = true) {
  return "[job]\nname = \"requests\"\n" + requests +
         "[fetch]\ntimeout_ms = 5000\n"
         "[politeness]\nper_host_concurrency = 4\ndelay_ms = 0\n"
         "adaptive = false\nrobots = " +
         (robots ? "true" : "false") + "\n" + extra;
}

std::string Retry(int max_attempts, bool unsafe_methods) {
  return "[retry]\nmax_attempts = " + std::to_string(max_attempts) +
         "\nbackoff_ms = 10\nmax_backoff_ms = 20\nunsafe_methods = " +
         (unsafe_methods ? "true" : "false") + "\n";
}

std::string Request(const std::string& url, const std::string& rest) {
  return "[[job.requests]]\nurl = \"" + url + "\"\n" + rest;
}

// The log's requests for `target` (path and query).
std::vector<RequestRecord> To(const TestServer& server,
                              const std::string& target) {
  std::vector<RequestRecord> out;
  for (const RequestRecord& r : server.RequestLog())
    if (r.target == target) out.push_back(r);
  return out;
}

// "method state reason attempts via" of the frontier row of `url` with
// `method`.
std::string Row(const std::string& db, const std::string& url,
                const std::string& method) {
  auto rows = e2e::QueryDb(
      db,
      "SELECT method || ' ' || state || ' ' || coalesce(reason, '-') || ' ' "
      "|| attempts || ' ' || via FROM frontier WHERE url = '" +
          url + "' AND method = '" + method + "'");
  if (rows.rows.empty()) return "missing";
  return std::get<std::string>(rows.rows[0][0]);
}

void Page(httplib::Response& res, const std::string& text) {
  res.set_content("<p>" + text + "</p>", "text/html");
}

TEST(RequestMethodsTest, APostSeedArrivesOnceWithItsBodyAndContentType) {
  TestServer server;
  server.Post("/form", [](const httplib::Request& req, const std::smatch&,
                          httplib::Response& res) { Page(res, req.body); });
  server.Post("/api", [](const httplib::Request&, const std::smatch&,
                         httplib::Response& res) {
    res.set_content("{\"ok\":true}", "application/json");
  });
  TempDir dir;
  const std::string db = dir.File("post.db");
  e2e::JobRun run = e2e::RunJobText(
      Job(Request(server.Url("/form"),
                  "form = { q = \"red shoes\", page = 2 }\n") +
          Request(server.Url("/api"),
                  "json = { q = \"x\", ids = [1, 2] }\n"
                  "content_type = \"application/vnd.x+json\"\n")),
      db);
  EXPECT_EQ(run.summary.state, "finished");

  std::vector<RequestRecord> form = To(server, "/form");
  ASSERT_EQ(form.size(), 1u);
  EXPECT_EQ(form[0].method, "POST");
  EXPECT_EQ(form[0].body, "q=red+shoes&page=2");
  EXPECT_EQ(form[0].content_type, "application/x-www-form-urlencoded");
  std::vector<RequestRecord> api = To(server, "/api");
  ASSERT_EQ(api.size(), 1u);
  EXPECT_EQ(api[0].method, "POST");
  EXPECT_EQ(api[0].body, R"({"q":"x","ids":[1,2]})");
  EXPECT_EQ(api[0].content_type, "application/vnd.x+json");
  EXPECT_EQ(server.TotalHits(), 3) << "robots.txt and the two requests";

  EXPECT_EQ(Row(db, server.Url("/form"), "POST"), "POST done - 1 seed");
  EXPECT_EQ(e2e::CountDb(db,
                         "SELECT count(*) FROM frontier WHERE method = 'POST' "
                         "AND body_key != '' AND request IS NOT NULL"),
            2);
  EXPECT_EQ(e2e::CountDb(db, "SELECT count(*) FROM pages WHERE status = 200"),
            2);
}

TEST(RequestMethodsTest, RedirectsAfterAPostFollowTheMethodRules) {
  TestServer server;
  server.Post(R"(/r/(\d+))", [](const httplib::Request&, const std::smatch& m,
                                httplib::Response& res) {
    res.status = std::stoi(m[1]);
    res.set_header("Location", "/to/" + std::string(m[1]));
    res.set_content("moved", "text/plain");
  });
  auto target = [](const httplib::Request& req, const std::smatch&,
                   httplib::Response& res) { Page(res, req.method); };
  server.Get(R"(/to/\d+)", target);
  server.Post(R"(/to/\d+)", target);
  TempDir dir;
  const std::string db = dir.File("redirects.db");
  std::string requests;
  for (const char* code : {"301", "302", "303", "307", "308"}) {
    requests += Request(server.Url(std::string("/r/") + code),
                        std::string("form = { n = \"") + code + "\" }\n");
  }
  e2e::JobRun run = e2e::RunJobText(Job(requests), db);
  EXPECT_EQ(run.summary.state, "finished");

  struct Want {
    const char* code;
    const char* method;
    const char* body;
    const char* content_type;
  };
  const Want wants[] = {
      {"301", "GET", "", ""},
      {"302", "GET", "", ""},
      {"303", "GET", "", ""},
      {"307", "POST", "n=307", "application/x-www-form-urlencoded"},
      {"308", "POST", "n=308", "application/x-www-form-urlencoded"},
  };
  for (const Want& want : wants) {
    const std::string code = want.code;
    std::vector<RequestRecord> posted = To(server, "/r/" + code);
    ASSERT_EQ(posted.size(), 1u) << code;
    EXPECT_EQ(posted[0].method, "POST") << code;
    EXPECT_EQ(posted[0].body, "n=" + code) << code;
    std::vector<RequestRecord> hop = To(server, "/to/" + code);
    ASSERT_EQ(hop.size(), 1u) << code;
    EXPECT_EQ(hop[0].method, want.method) << code;
    EXPECT_EQ(hop[0].body, want.body) << code;
    EXPECT_EQ(hop[0].content_type, want.content_type) << code;
    EXPECT_EQ(Row(db, server.Url("/to/" + code), want.method),
              std::string(want.method) + " done - 1 redirect")
        << code;
  }
}

TEST(RequestMethodsTest, AnUnsafeMethodIsNotRetriedAfterTheServerAnswered) {
  for (const bool unsafe_methods : {false, true}) {
    TestServer server;
    server.Put("/put", [](const httplib::Request&, const std::smatch&,
                          httplib::Response& res) {
      res.status = 500;
      res.set_content("broken", "text/plain");
    });
    TempDir dir;
    const std::string db = dir.File("put.db");
    e2e::JobRun run = e2e::RunJobText(
        Job(Request(server.Url("/put"), "method = \"PUT\"\nbody = \"v=1\"\n"),
            Retry(3, unsafe_methods)),
        db);
    EXPECT_EQ(run.summary.state, "finished");
    const int tries = unsafe_methods ? 3 : 1;
    std::vector<RequestRecord> puts = To(server, "/put");
    ASSERT_EQ(puts.size(), static_cast<size_t>(tries)) << unsafe_methods;
    for (const RequestRecord& put : puts) {
      EXPECT_EQ(put.method, "PUT");
      EXPECT_EQ(put.body, "v=1");
    }
    EXPECT_EQ(Row(db, server.Url("/put"), "PUT"),
              "PUT failed http_500 " + std::to_string(tries) + " seed")
        << unsafe_methods;
    EXPECT_EQ(run.counters["retry/unsafe_method"], unsafe_methods ? 0 : 1);
  }
}

TEST(RequestMethodsTest, APostThatNeverConnectedIsRetried) {
  TestServer closed;
  const std::string url = closed.Url("/post");
  closed.Stop();
  TempDir dir;
  const std::string db = dir.File("refused.db");
  e2e::JobRun run = e2e::RunJobText(
      Job(Request(url, "body = \"x\"\n"), Retry(3, false), /*robots=*/false),
      db);
  EXPECT_EQ(run.summary.state, "finished");
  EXPECT_EQ(Row(db, url, "POST"), "POST failed connect 3 seed");
  EXPECT_EQ(run.counters["fetch/error/connect"], 3);
  EXPECT_EQ(run.counters["retry/unsafe_method"], 0);
}

TEST(RequestMethodsTest, RobotsTxtBlocksAPost) {
  TestServer server;
  server.SetRobotsTxt("User-agent: *\nDisallow: /private/\n");
  server.Post("/private/form", [](const httplib::Request&, const std::smatch&,
                                  httplib::Response& res) { Page(res, "no"); });
  server.Post("/open", [](const httplib::Request&, const std::smatch&,
                          httplib::Response& res) { Page(res, "yes"); });
  TempDir dir;
  const std::string db = dir.File("robots.db");
  e2e::JobRun run = e2e::RunJobText(
      Job(Request(server.Url("/private/form"), "form = { a = \"1\" }\n") +
          Request(server.Url("/open"), "form = { a = \"1\" }\n")),
      db);
  EXPECT_EQ(run.summary.state, "finished");
  EXPECT_EQ(server.Hits("/private/form"), 0) << "disallowed: never sent";
  EXPECT_EQ(server.Hits("/open"), 1);
  EXPECT_EQ(server.Hits("/robots.txt"), 1);
  EXPECT_EQ(e2e::CountDb(db, "SELECT count(*) FROM frontier WHERE url = '" +
                                 server.Url("/private/form") +
                                 "' AND method = 'POST' AND state = 'blocked'"),
            1);
}

}  // namespace
}  // namespace crawlbox
