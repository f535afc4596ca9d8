// `crawlbox reextract`: edited rules re-run over the bodies the crawl stored,
// with no request to the server, the records replaced all at once; and
// `required` fields dropping records, counted per rule with an example URL.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
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

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The demo board job, storing bodies, with `edit` applied to its text.
std::string BoardJob(const std::string& edit_from = "",
                     const std::string& edit_to = "") {
  std::string text =
      ReadFile(std::string(CRAWLBOX_SOURCE_DIR) + "/config/jobs/board.toml");
  if (!edit_from.empty()) {
    const size_t at = text.find(edit_from);
    EXPECT_NE(at, std::string::npos) << edit_from;
    if (at != std::string::npos) text.replace(at, edit_from.size(), edit_to);
  }
  return text + "\n[store]\nbodies = true\n";
}

struct Board {
  TestServer server;
  TempDir dir;
  std::string db = dir.File("board.db");
  std::map<std::string, std::string> env = {{"BOARD_SITE", server.Url("")}};

  ProcessResult Crawlbox(std::vector<std::string> args) {
    args.insert(args.begin(), BuiltProgram("crawlbox"));
    return testing::RunProcess(args, env);
  }
  std::string WriteJob(const std::string& name, const std::string& text) {
    std::ofstream(dir.File(name)) << text;
    return dir.File(name);
  }
};

TEST(ReextractTest, EditedRuleChangesTheRecordsWithoutAnyRequest) {
  Board b;
  const std::string job = b.WriteJob("board.toml", BoardJob());
  ProcessResult crawl = b.Crawlbox({"run", job, "--db", b.db, "-q"});
  ASSERT_EQ(crawl.exit_code, 0) << crawl.err;
  ASSERT_EQ(e2e::CountDb(b.db, "SELECT count(*) FROM board"), 100);
  ASSERT_EQ(e2e::CountDb(b.db, "SELECT count(*) FROM bodies"), 10);
  ASSERT_EQ(e2e::CountDb(b.db,
                         "SELECT count(*) FROM board WHERE actor LIKE "
                         "'主演:%'"),
            0);

  // The edit: keep the actor prefix, and add a field the pages already had.
  const std::string edited = b.WriteJob(
      "edited.toml", BoardJob("actor = { strip_prefix = \"主演:\" }",
                              "actor = {}\nrank_text = { group = \"rank\" }"));
  b.server.ResetCounts();
  b.server.Stop();  // any request now would fail the re-extraction
  ProcessResult re = b.Crawlbox({"reextract", b.db, edited});
  ASSERT_EQ(re.exit_code, 0) << re.err;
  EXPECT_NE(re.err.find("re-extracted 10 pages"), std::string::npos) << re.err;
  EXPECT_EQ(b.server.TotalHits(), 0);

  EXPECT_EQ(e2e::CountDb(b.db, "SELECT count(*) FROM board"), 100);
  EXPECT_EQ(e2e::CountDb(b.db,
                         "SELECT count(*) FROM board WHERE actor LIKE "
                         "'主演:%'"),
            100);
  EXPECT_EQ(e2e::CountDb(b.db,
                         "SELECT count(*) FROM board WHERE rank_text = "
                         "CAST(rank AS TEXT)"),
            100);
  // The records still carry the crawl run their page came from.
  EXPECT_EQ(
      e2e::CountDb(b.db, "SELECT count(*) FROM board WHERE _crawl_id = 1"),
      100);

  // Without a job file, the job the database recorded: the original rule.
  ProcessResult back = b.Crawlbox({"reextract", b.db});
  ASSERT_EQ(back.exit_code, 0) << back.err;
  EXPECT_EQ(e2e::CountDb(b.db,
                         "SELECT count(*) FROM board WHERE actor LIKE "
                         "'主演:%'"),
            0);
}

TEST(ReextractTest, ADamagedBodyLeavesEveryRecordAsItWas) {
  Board b;
  const std::string job = b.WriteJob("board.toml", BoardJob());
  ASSERT_EQ(b.Crawlbox({"run", job, "--db", b.db, "-q"}).exit_code, 0);

  // Damage the last body (a direct write, as a failing disk would).
  ProcessResult damage = testing::RunProcess(
      {"/usr/bin/sqlite3", b.db,
       "UPDATE bodies SET data = x'789c0102' WHERE page_id = (SELECT max(id) "
       "FROM pages)"});
  ASSERT_EQ(damage.exit_code, 0) << damage.err;
  const std::string edited = b.WriteJob(
      "edited.toml",
      BoardJob("actor = { strip_prefix = \"主演:\" }", "actor = {}"));
  ProcessResult re = b.Crawlbox({"reextract", b.db, edited});
  EXPECT_EQ(re.exit_code, 1) << re.err;
  EXPECT_NE(re.err.find("records are unchanged"), std::string::npos) << re.err;
  EXPECT_EQ(e2e::CountDb(b.db,
                         "SELECT count(*) FROM board WHERE actor LIKE "
                         "'主演:%'"),
            0);
  EXPECT_EQ(e2e::CountDb(b.db, "SELECT count(*) FROM board"), 100);
}

TEST(ReextractTest, RequiredFieldsDropRecordsAndCountThemPerRule) {
  Board b;
  // Ranks 1..9 have one digit: a rule requiring two digits drops them.
  const std::string job = b.WriteJob(
      "board.toml",
      BoardJob("rank = { type = \"int\" }",
               "rank = { type = \"int\" }\n"
               "two_digits = { group = \"rank\", strip_prefix = \"1\", "
               "required = true }"));
  ProcessResult crawl = b.Crawlbox({"run", job, "--db", b.db, "-q"});
  ASSERT_EQ(crawl.exit_code, 0) << crawl.err;
  // "1" stripped from rank 1 leaves nothing: only rank 1 (and "100"→"00"
  // stays) is dropped.
  EXPECT_EQ(e2e::CountDb(b.db, "SELECT count(*) FROM board"), 99);
  EXPECT_EQ(e2e::CountDb(b.db,
                         "SELECT count FROM dropped_items WHERE rule = "
                         "'board'"),
            1);
  auto example = e2e::QueryDb(
      b.db, "SELECT example_url FROM dropped_items WHERE rule = 'board'");
  ASSERT_EQ(example.rows.size(), 1u);
  EXPECT_NE(std::get<std::string>(example.rows[0][0]).find("offset=0"),
            std::string::npos);
}

}  // namespace
}  // namespace crawlbox
