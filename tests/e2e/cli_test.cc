// The crawlbox program as a user runs it: exit codes, messages, and the demo
// flow (run → query → export) against the local demo board.
#include <gtest/gtest.h>

#include <fstream>

#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_server.h"

namespace crawlbox {
namespace {

using testing::BuiltProgram;
using testing::ProcessResult;
using testing::RunProcess;
using testing::TempDir;

ProcessResult Crawlbox(std::vector<std::string> args,
                       const std::map<std::string, std::string>& env = {}) {
  args.insert(args.begin(), BuiltProgram("crawlbox"));
  return RunProcess(args, env);
}

std::string BoardJob() {
  return std::string(CRAWLBOX_SOURCE_DIR) + "/config/jobs/board.toml";
}

int CountLines(const std::string& text, const std::string& needle) {
  int n = 0;
  size_t pos = 0;
  while ((pos = text.find(needle, pos)) != std::string::npos) {
    ++n;
    pos += needle.size();
  }
  return n;
}

TEST(CliTest, CheckAcceptsTheDemoJob) {
  ProcessResult r = Crawlbox({"check", BoardJob()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("OK"), std::string::npos) << r.out;
}

TEST(CliTest, CheckListsEveryMistakeWithFileLineAndExits2) {
  TempDir dir;
  const std::string path = dir.File("bad.toml");
  std::ofstream(path) << "[job]\n"
                         "name = \"bad\"\n"
                         "start_urls = [\"http://127.0.0.1/\"]\n"
                         "[fetch]\n"
                         "concurrency = 0\n"
                         "colour = \"blue\"\n"
                         "[[rules]]\n"
                         "name = \"r\"\n"
                         "pattern = '(?P<x>unclosed'\n";
  ProcessResult r = Crawlbox({"check", path});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(CountLines(r.err, path + ":"), 3) << r.err;
  EXPECT_NE(r.err.find(path + ":5:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(path + ":6:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(path + ":9:"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("terminate"), std::string::npos) << r.err;
}

TEST(CliTest, CheckRejectsBadPageBoundsAndDirectiveSwitches) {
  TempDir dir;
  const std::string path = dir.File("bounds.toml");
  std::ofstream(path) << "[job]\n"
                         "name = \"b\"\n"
                         "start_urls = [\"http://127.0.0.1/\"]\n"
                         "[fetch]\n"
                         "max_refresh_delay_s = -2\n"
                         "[parse]\n"
                         "max_dom_depth = 5\n"
                         "[politeness]\n"
                         "meta_robots = \"yes\"\n";
  ProcessResult r = Crawlbox({"check", path});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(CountLines(r.err, path + ":"), 3) << r.err;
  EXPECT_NE(r.err.find(path + ":5:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("fetch.max_refresh_delay_s"), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find(path + ":7:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("parse.max_dom_depth"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(path + ":9:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("politeness.meta_robots"), std::string::npos) << r.err;
}

TEST(CliTest, ExtractLinksShowsThePagesDirectives) {
  TempDir dir;
  const std::string job = dir.File("links.toml");
  std::ofstream(job) << "[job]\nname = \"l\"\n"
                        "start_urls = [\"http://site.test/\"]\n"
                        "[fetch]\nmax_refresh_delay_s = 10\n"
                        "[[rules]]\nname = \"all\"\nfollow = ['.*']\n";
  const std::string page = dir.File("page.html");
  std::ofstream(page)
      << "<head><meta name=robots content=noindex>"
         "<meta http-equiv=refresh content=\"5; url=/next\">"
         "<link rel=canonical href=\"/canon\"></head>"
         "<a href=/a>a</a><a href=/sponsored rel=\"nofollow sponsored\">s</a>";
  ProcessResult r = Crawlbox({"extract", job, "--links", "--file", page,
                              "--base-url", "http://site.test/p"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "http://site.test/a\n");
  for (const char* line :
       {"crawlbox: robots: noindex (obeyed)\n",
        "crawlbox: refresh: after 5 s to http://site.test/next (followed)\n",
        "crawlbox: canonical: http://site.test/canon\n",
        "crawlbox: not followed (rel=nofollow): http://site.test/sponsored\n",
        "crawlbox: 1 links to follow from http://site.test/p, 1 not followed "
        "for rel=nofollow\n"}) {
    EXPECT_NE(r.err.find(line), std::string::npos) << line << "in:\n" << r.err;
  }

  // A page that says nofollow, with a refresh beyond the bound.
  std::ofstream(page) << "<meta name=crawlbox content=nofollow>"
                         "<meta http-equiv=refresh content=\"60; url=/late\">"
                         "<a href=/a>a</a><a href=/b>b</a>";
  r = Crawlbox({"extract", job, "--links", "--file", page, "--base-url",
                "http://site.test/p"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "");
  for (const char* line :
       {"crawlbox: robots: nofollow (obeyed)\n",
        "crawlbox: refresh: after 60 s to http://site.test/late (ignored: "
        "longer than fetch.max_refresh_delay_s = 10)\n",
        "crawlbox: 0 links to follow from http://site.test/p, 2 withheld by "
        "the page's nofollow\n"}) {
    EXPECT_NE(r.err.find(line), std::string::npos) << line << "in:\n" << r.err;
  }
}

TEST(CliTest, ExtractLinksReadsTheResponseHeaders) {
  testing::TestServer server;
  server.Get("/directives", [](const httplib::Request&, const std::smatch&,
                               httplib::Response& res) {
    res.set_header("X-Robots-Tag", "otherbot: noindex, crawlbox: nofollow");
    res.set_header("Refresh", "2; url=/r");
    res.set_header("Link",
                   "</style.css>; rel=preload, </canon>; rel=canonical");
    res.set_content("<a href=/a>a</a><a href=/b>b</a>", "text/html");
  });
  TempDir dir;
  const std::string job = dir.File("headers.toml");
  std::ofstream(job) << "[job]\nname = \"h\"\n"
                        "start_urls = [\"http://127.0.0.1/\"]\n"
                        "[[rules]]\nname = \"all\"\nfollow = ['.*']\n";
  ProcessResult r =
      Crawlbox({"extract", job, "--links", "--url", server.Url("/directives")});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "");
  const std::string lines[] = {
      "crawlbox: robots: nofollow (obeyed)\n",
      "crawlbox: refresh: after 2 s to " + server.Url("/r") + " (followed)\n",
      "crawlbox: canonical: " + server.Url("/canon") + "\n",
      "crawlbox: 0 links to follow from " + server.Url("/directives") +
          ", 2 withheld by the page's nofollow\n"};
  for (const std::string& line : lines) {
    EXPECT_NE(r.err.find(line), std::string::npos) << line << "in:\n" << r.err;
  }
}

TEST(CliTest, MissingCaFileIsReportedAtItsLineAndExits2) {
  TempDir dir;
  const std::string path = dir.File("ca.toml");
  std::ofstream(path) << "[job]\nname = \"ca\"\n"
                         "start_urls = [\"https://127.0.0.1/\"]\n"
                         "[fetch]\nca_file = \""
                      << dir.File("missing.pem") << "\"\n";
  ProcessResult r = Crawlbox({"check", path});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find(path + ":5:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("fetch.ca_file"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("No such file or directory"), std::string::npos)
      << r.err;
}

TEST(CliTest, BadSeedIsReportedAtItsLine) {
  TempDir dir;
  const std::string path = dir.File("seed.toml");
  std::ofstream(path)
      << "[job]\nname = \"s\"\nstart_urls = [\n  \"http://ok.test/\",\n"
         "  \"http//missing-colon\",\n]\n";
  ProcessResult r = Crawlbox({"check", path});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find(path + ":5:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("job.start_urls[1]"), std::string::npos) << r.err;
}

TEST(CliTest, UsageErrorsAndMissingFilesExitNonZeroWithoutAbort) {
  for (const auto& args : std::vector<std::vector<std::string>>{
           {},
           {"frobnicate"},
           {"run"},
           {"run", "/nonexistent/job.toml"},
           {"query", "/nonexistent.db", "select 1"},
           {"query", "/nonexistent.db"},
           {"export", "/nonexistent.db", "board", "--format", "xml"},
           {"extract", BoardJob()},
       }) {
    ProcessResult r = Crawlbox(args);
    std::string joined;
    for (const auto& a : args) joined += a + " ";
    EXPECT_NE(r.exit_code, 0) << joined;
    EXPECT_LT(r.exit_code, 128) << joined << r.err;
    EXPECT_FALSE(r.err.empty()) << joined;
  }
  for (const char* sub : {"run", "check", "extract", "query", "export"}) {
    ProcessResult r = Crawlbox({sub, "--help"});
    EXPECT_EQ(r.exit_code, 0) << sub;
    EXPECT_NE(r.out.find("Usage"), std::string::npos) << sub << r.out;
  }
}

TEST(CliTest, RunQueryExportAndExtractOnTheDemoBoard) {
  testing::TestServer server;
  TempDir dir;
  const std::string db = dir.File("board.db");
  const std::map<std::string, std::string> env = {
      {"BOARD_SITE", server.Url("")}};
  ProcessResult run = Crawlbox({"run", BoardJob(), "--db", db, "--quiet"}, env);
  ASSERT_EQ(run.exit_code, 0) << run.err;

  ProcessResult count = Crawlbox({"query", db, "select count(*) from board"});
  EXPECT_EQ(count.exit_code, 0) << count.err;
  EXPECT_NE(count.out.find("100"), std::string::npos) << count.out;

  ProcessResult csv =
      Crawlbox({"query", db,
                "select rank, title from board where rank <= 2 order by rank",
                "--format", "csv"});
  EXPECT_EQ(csv.out, "rank,title\r\n1,霸王别姬\r\n2,肖申克的救赎\r\n");

  ProcessResult json =
      Crawlbox({"query", db, "select rank, score from board where rank = 1",
                "--format", "json"});
  EXPECT_NE(json.out.find("\"rank\":1"), std::string::npos) << json.out;

  // A write is bad input (exit 2) with a sentence saying why.
  for (const char* sql : {"delete from pages", "delete from items",
                          "create table t (x)", "pragma user_version = 7"}) {
    ProcessResult writes = Crawlbox({"query", db, sql});
    EXPECT_EQ(writes.exit_code, 2) << sql << ": " << writes.err;
    EXPECT_NE(writes.err.find("opened read-only"), std::string::npos)
        << writes.err;
  }
  EXPECT_EQ(
      Crawlbox({"query", db, "select count(*) from items"}).out.find("100") !=
          std::string::npos,
      true);

  const std::string out_file = dir.File("board.jsonl");
  ProcessResult exported =
      Crawlbox({"export", db, "board", "--format", "jsonl", "-o", out_file});
  EXPECT_EQ(exported.exit_code, 0) << exported.err;
  std::ifstream in(out_file);
  std::string line;
  int lines = 0;
  while (std::getline(in, line)) ++lines;
  EXPECT_EQ(lines, 100);

  ProcessResult missing_rule = Crawlbox({"export", db, "nope"});
  EXPECT_EQ(missing_rule.exit_code, 2);

  ProcessResult extracted = Crawlbox(
      {"extract", BoardJob(), "--url", server.Url("/board/4?offset=90")}, env);
  EXPECT_EQ(extracted.exit_code, 0) << extracted.err;
  EXPECT_EQ(CountLines(extracted.out, "\n"), 10) << extracted.out;
  EXPECT_NE(extracted.out.find("\"rank\":100"), std::string::npos)
      << extracted.out;

  // The rule-writing loop follows a redirect to the page it leads to and says
  // so (a crawl takes each hop through its frontier instead).
  const std::string board_90 = server.Url("/board/4?offset=90");
  ProcessResult redirected = Crawlbox(
      {"extract", BoardJob(), "--url",
       server.Url("/redirect-to?status=301&url=/board/4%3Foffset%3D90")},
      env);
  EXPECT_EQ(redirected.exit_code, 0) << redirected.err;
  EXPECT_EQ(CountLines(redirected.out, "\n"), 10) << redirected.out;
  EXPECT_NE(redirected.err.find("answered HTTP 301, redirect to " + board_90),
            std::string::npos)
      << redirected.err;

  // The same page saved to a file, parsed as if fetched from its URL: the
  // offline loop.
  const std::string saved = dir.File("page.html");
  std::ofstream(saved) << *server.board().BoardPage(0);
  ProcessResult offline =
      Crawlbox({"extract", BoardJob(), "--file", saved, "--base-url",
                server.Url("/board/4?offset=0")},
               env);
  EXPECT_EQ(offline.exit_code, 0) << offline.err;
  EXPECT_EQ(CountLines(offline.out, "\n"), 10);
  EXPECT_NE(
      offline.out.find(
          "{\"rank\":1,\"title\":\"霸王别姬\",\"actor\":\"张国荣,张丰毅,巩俐\","
          "\"time\":\"1993-01-01\",\"score\":9.5}"),
      std::string::npos)
      << offline.out;
}

}  // namespace
}  // namespace crawlbox
