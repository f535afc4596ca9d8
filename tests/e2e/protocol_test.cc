// What goes on the wire: the job's user agent and extra headers, cookies kept
// for the run (or not), and every request through the configured proxy.
#include <gtest/gtest.h>

#include "config/job_loader.h"
#include "crawler/engine/engine.h"
#include "parser/page_parser.h"
#include "storage/reader.h"
#include "storage/store.h"
#include "tests/e2e/crawl_support.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_server.h"

namespace crawlbox {
namespace {

using testing::TempDir;
using testing::TestServer;

// Runs a job and returns the values of `column` of the rule's view, in item
// order.
std::vector<std::string> CrawlValues(const std::string& toml,
                                     const std::string& db,
                                     const std::string& sql) {
  e2e::RunJobText(toml, db);
  storage::QueryResult rows = e2e::QueryDb(db, sql);
  std::vector<std::string> out;
  for (const auto& row : rows.rows) {
    out.push_back(std::holds_alternative<std::string>(row[0])
                      ? std::get<std::string>(row[0])
                      : "(null)");
  }
  return out;
}

std::string Polite() {
  return "[politeness]\nper_host_concurrency = 4\ndelay_ms = 0\n";
}

TEST(ProtocolTest, SendsTheJobsUserAgentAndExtraHeaders) {
  TestServer server;
  TempDir dir;
  auto values = CrawlValues("[job]\nname = \"h\"\nstart_urls = [\"" +
                                server.Url("/headers") +
                                "\"]\n[fetch]\nuser_agent = \"TestBot/1.0 "
                                "(+http://example.test/bot)\"\n"
                                "headers = { \"Accept-Language\" = \"zh-CN\", "
                                "\"X-Crawl-Run\" = \"42\" }\n" +
                                Polite() +
                                "[[rules]]\nname = \"echo\"\npattern = "
                                "'Accept-Language: (?P<lang>[^\\n]*)\\n'\n",
                            dir.File("h.db"), "SELECT lang FROM echo");
  EXPECT_EQ(values, (std::vector<std::string>{"zh-CN"}));
  bool saw = false;
  for (const auto& r : server.RequestLog()) {
    if (r.target == "/headers") {
      saw = true;
      EXPECT_EQ(r.user_agent, "TestBot/1.0 (+http://example.test/bot)");
    }
  }
  EXPECT_TRUE(saw);
}

void ServeCookiePages(TestServer& server) {
  server.Get("/set", [](const httplib::Request&, const std::smatch&,
                        httplib::Response& res) {
    res.set_header("Set-Cookie", "session=abc123; Path=/");
    res.set_content("<a href='/check'>next</a>", "text/html");
  });
  server.Get("/check", [](const httplib::Request& req, const std::smatch&,
                          httplib::Response& res) {
    res.set_content("<p>cookie=" + req.get_header_value("Cookie") + ";</p>",
                    "text/html");
  });
}

std::string CookieJob(const TestServer& server, bool cookies) {
  return "[job]\nname = \"c\"\nstart_urls = [\"" + server.Url("/set") +
         "\"]\n[fetch]\ncookies = " + (cookies ? "true" : "false") + "\n" +
         Polite() +
         "[[rules]]\nname = \"seen\"\npattern = 'cookie=(?P<cookie>[^;<]*);'\n"
         "follow = ['/check']\n";
}

TEST(ProtocolTest, KeepsCookiesForTheRunWhenAskedTo) {
  TestServer server;
  ServeCookiePages(server);
  TempDir dir;
  EXPECT_EQ(CrawlValues(CookieJob(server, true), dir.File("on.db"),
                        "SELECT cookie FROM seen"),
            (std::vector<std::string>{"session=abc123"}));
  EXPECT_EQ(CrawlValues(CookieJob(server, false), dir.File("off.db"),
                        "SELECT cookie FROM seen"),
            (std::vector<std::string>{""}));
}

TEST(ProtocolTest, SendsEveryRequestThroughTheProxy) {
  TestServer proxy;  // an HTTP proxy sees absolute-form request targets
  TempDir dir;
  // Port 1 is closed: the page can only be had through the proxy.
  CrawlValues(
      "[job]\nname = \"p\"\nstart_urls = [\"http://127.0.0.1:1/via-proxy\"]\n"
      "[fetch]\nproxy = \"" +
          proxy.Url("") + "\"\n" + Polite() + "[[rules]]\nname = \"all\"\n",
      dir.File("p.db"), "SELECT 'x'");
  std::vector<std::string> targets;
  for (const auto& r : proxy.RequestLog()) targets.push_back(r.target);
  EXPECT_NE(
      std::find(targets.begin(), targets.end(), "http://127.0.0.1:1/via-proxy"),
      targets.end())
      << ::testing::PrintToString(targets);
  EXPECT_NE(std::find(targets.begin(), targets.end(),
                      "http://127.0.0.1:1/robots.txt"),
            targets.end());
}

}  // namespace
}  // namespace crawlbox
