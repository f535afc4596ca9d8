// CSS rules: the demo board extracted by config/jobs/board_css.toml (selectors
// over the DOM) equals the board extracted by config/jobs/board.toml (the
// classic regex), record for record; bad selectors are job problems at their
// line.
#include <gtest/gtest.h>
#include <stdlib.h>

#include "config/job_loader.h"
#include "parser/page_parser.h"
#include "tests/e2e/crawl_support.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_server.h"

namespace crawlbox {
namespace {

using testing::TempDir;
using testing::TestServer;

std::vector<std::string> BoardRows(const std::string& job_file,
                                   const TestServer& server,
                                   const std::string& db) {
  setenv("BOARD_SITE", server.Url("").c_str(), 1);
  config::LoadedJob loaded = config::LoadJobFile(
      std::string(CRAWLBOX_SOURCE_DIR) + "/config/jobs/" + job_file);
  unsetenv("BOARD_SITE");
  e2e::JobRun run = e2e::RunJob(loaded, db);
  EXPECT_EQ(run.summary.items, 100) << job_file;
  storage::QueryResult rows = e2e::QueryDb(
      db, "SELECT rank, title, actor, time, score FROM board ORDER BY rank");
  std::vector<std::string> out;
  for (const auto& row : rows.rows) {
    std::string line;
    for (const auto& v : row) {
      if (auto* i = std::get_if<int64_t>(&v)) line += std::to_string(*i);
      if (auto* d = std::get_if<double>(&v)) line += std::to_string(*d);
      if (auto* s = std::get_if<std::string>(&v)) line += *s;
      if (std::holds_alternative<std::monostate>(v)) line += "(null)";
      line += "|";
    }
    out.push_back(line);
  }
  return out;
}

TEST(CssRuleTest, DemoBoardByCssEqualsDemoBoardByRegex) {
  TestServer server;
  TempDir dir;
  std::vector<std::string> by_regex =
      BoardRows("board.toml", server, dir.File("regex.db"));
  std::vector<std::string> by_css =
      BoardRows("board_css.toml", server, dir.File("css.db"));
  ASSERT_EQ(by_regex.size(), 100u);
  EXPECT_EQ(by_css, by_regex);
  EXPECT_EQ(by_css[0], "1|霸王别姬|张国荣,张丰毅,巩俐|1993-01-01|9.500000|");
}

TEST(CssRuleTest, BadSelectorsAndMixedRulesAreJobProblems) {
  config::LoadedJob loaded = config::LoadJobText(R"toml([job]
name = "t"
start_urls = ["http://h.test/"]
[[rules]]
name = "css"
select = "dd >"
[rules.fields]
title = { css = "a[title", attr = "title" }
ok = "p"
[[rules]]
name = "both"
pattern = '(?P<x>.)'
select = "dd"
[rules.fields]
x = {}
[[rules]]
name = "nofields"
select = "dd"
)toml",
                                                 "t.toml");
  std::vector<std::string> keys;
  for (const auto& p : loaded.problems) keys.push_back(p.key);
  EXPECT_EQ(keys,
            (std::vector<std::string>{"rules[1].select", "rules[2].fields"}));
  std::vector<config::JobProblem> problems;
  auto parser = parser::PageParser::Compile(loaded.job, &problems);
  keys.clear();
  for (const auto& p : problems)
    keys.push_back(p.key + ":" + std::to_string(p.where.line));
  EXPECT_EQ(keys, (std::vector<std::string>{"rules[0].select:6",
                                            "rules[0].fields.title.css:8"}));
}

}  // namespace
}  // namespace crawlbox
