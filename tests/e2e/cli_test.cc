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

  ProcessResult writes = Crawlbox({"query", db, "delete from items"});
  EXPECT_NE(writes.exit_code, 0);
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
