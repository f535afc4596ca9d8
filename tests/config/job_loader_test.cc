// Tests of config/job_loader.h: a full and a minimal job, defaults, ${VAR}
// expansion and field order (what it refuses: job_loader_problems_test.cc).
#include "config/job_loader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "config/job.h"
#include "tests/support/job_problems.h"
#include "tests/support/temp_dir.h"

namespace crawlbox::config {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::vector<std::string> FieldNames(const Rule& rule) {
  std::vector<std::string> names;
  for (const Field& field : rule.fields) names.push_back(field.name);
  return names;
}

bool Matches(const std::shared_ptr<const re2::RE2>& re,
             const std::string& text) {
  return re != nullptr && re2::RE2::PartialMatch(text, *re);
}

TEST(JobProblemTest, ToStringWithAndWithoutLine) {
  JobProblem problem{SourceLocation{"job.toml", 7, 15}, "fetch.concurrency",
                     "an integer in 1..10000", "0"};
  EXPECT_EQ(problem.ToString(),
            "job.toml:7:15: fetch.concurrency: expected an integer in "
            "1..10000, got 0");
  problem.where = SourceLocation{"job.toml", 0, 0};
  EXPECT_EQ(
      problem.ToString(),
      "job.toml: fetch.concurrency: expected an integer in 1..10000, got 0");
}

TEST(JobProblemTest, FieldTypeNames) {
  EXPECT_STREQ(FieldTypeName(FieldType::kText), "text");
  EXPECT_STREQ(FieldTypeName(FieldType::kInt), "int");
  EXPECT_STREQ(FieldTypeName(FieldType::kReal), "real");
}

TEST(JobLoaderTest, LoadsFullJob) {
  const std::string path = crawlbox::testing::TestDataPath("jobs/full.toml");
  LoadedJob loaded = LoadJobFile(path);
  ASSERT_TRUE(loaded.ok()) << testing::ProblemsText(loaded);
  const Job& job = loaded.job;

  EXPECT_EQ(job.name, "board");
  EXPECT_EQ(job.file, path);
  EXPECT_EQ(job.text, ReadAll(path));
  ASSERT_EQ(job.seeds.size(), 2u);
  EXPECT_EQ(job.seeds[0].url, "http://127.0.0.1:8000/board/4?offset=0");
  EXPECT_EQ(job.seeds[0].where.file, path);
  EXPECT_EQ(job.seeds[0].where.line, 4);
  EXPECT_EQ(job.seeds[0].where.column, 15);
  EXPECT_EQ(job.seeds[1].url, "http://127.0.0.1:8000/board/4?offset=10");
  EXPECT_EQ(job.seeds[1].where.line, 5);
  EXPECT_EQ(job.seeds[1].where.column, 15);
  EXPECT_EQ(job.database, "out/board.db");
  EXPECT_EQ(job.database_where.line, 6);

  EXPECT_THAT(job.scope.allowed_hosts, ElementsAre("127.0.0.1", "example.com"));
  ASSERT_EQ(job.scope.allow.size(), 1u);
  EXPECT_EQ(job.scope.allow[0]->pattern(), "/board/");
  ASSERT_EQ(job.scope.deny.size(), 2u);
  EXPECT_EQ(job.scope.deny[0]->pattern(), "logout");
  EXPECT_TRUE(Matches(job.scope.deny[1], "http://x/a.pdf"));

  EXPECT_EQ(job.limits.max_pages, 100);
  EXPECT_EQ(job.limits.max_depth, 3);

  EXPECT_EQ(job.fetch.concurrency, 8);
  EXPECT_EQ(job.fetch.connect_timeout_ms, 2000);
  EXPECT_EQ(job.fetch.timeout_ms, 15000);
  EXPECT_EQ(job.fetch.user_agent, "crawlbox-test/1.0");
  EXPECT_EQ(job.fetch.max_body_bytes, 1048576);
  EXPECT_EQ(job.fetch.max_redirects, 2);
  EXPECT_EQ(job.parse.threads, 4);

  ASSERT_EQ(job.rules.size(), 2u);
  const Rule& board = job.rules[0];
  EXPECT_EQ(board.name, "board");
  EXPECT_EQ(board.where.line, 28);
  EXPECT_TRUE(Matches(board.url, "http://127.0.0.1:8000/board/4?offset=10"));
  EXPECT_FALSE(Matches(board.url, "http://127.0.0.1:8000/board/5"));
  ASSERT_NE(board.pattern, nullptr);
  // Compiled with dot_nl: `.` crosses the newline inside the record.
  std::string rank, title;
  EXPECT_TRUE(re2::RE2::PartialMatch(
      "<dd><i class=\"board-index\">1</i>\n<a title=\"Farewell\">\n<p "
      "class=\"star\">主演:A</p>"
      "<p class=\"releasetime\">上映时间:1993</p><i class=\"integer\">9.</i>"
      "<i class=\"fraction\">5</i></dd>",
      *board.pattern, &rank, &title));
  EXPECT_EQ(rank, "1");
  EXPECT_EQ(title, "Farewell");
  ASSERT_EQ(board.follow.size(), 1u);
  EXPECT_TRUE(
      Matches(board.follow[0], "http://127.0.0.1:8000/board/4?offset=20"));
  EXPECT_FALSE(
      Matches(board.follow[0], "http://127.0.0.1:8000/board/4?offset=20&x"));
  EXPECT_EQ(board.follow_within, ".list-pager");
  EXPECT_EQ(board.follow_within_where.line, 33);
  EXPECT_EQ(board.follow_within_where.column, 17);

  // File order, not toml++'s key order.
  EXPECT_THAT(FieldNames(board),
              ElementsAre("rank", "title", "actor", "time", "score", "name"));
  const Field& rank_field = board.fields[0];
  EXPECT_EQ(rank_field.group, "rank");
  EXPECT_EQ(rank_field.type, FieldType::kInt);
  EXPECT_TRUE(rank_field.trim);
  EXPECT_EQ(rank_field.where.line, 36);
  const Field& title_field = board.fields[1];
  EXPECT_EQ(title_field.group, "title");
  EXPECT_EQ(title_field.format, "");
  EXPECT_EQ(title_field.type, FieldType::kText);
  const Field& actor = board.fields[2];
  EXPECT_EQ(actor.strip_prefix, "主演:");
  EXPECT_EQ(actor.strip_suffix, "");
  const Field& time = board.fields[3];
  EXPECT_EQ(time.strip_prefix, "上映时间:");
  EXPECT_EQ(time.strip_suffix, "(中国)");
  EXPECT_FALSE(time.trim);
  const Field& score = board.fields[4];
  EXPECT_EQ(score.format, "{integer}{fraction}");
  EXPECT_EQ(score.group, "");
  EXPECT_EQ(score.type, FieldType::kReal);
  const Field& name = board.fields[5];
  EXPECT_EQ(name.group, "title");
  EXPECT_EQ(name.where.line, 41);

  const Rule& links = job.rules[1];
  EXPECT_EQ(links.name, "links_only");
  EXPECT_TRUE(Matches(links.url, "http://anything/"));
  EXPECT_EQ(links.pattern, nullptr);
  EXPECT_THAT(links.fields, IsEmpty());
  ASSERT_EQ(links.follow.size(), 1u);
  EXPECT_TRUE(links.follow_within.empty());
}

TEST(JobLoaderTest, MinimalJobGetsDefaults) {
  LoadedJob loaded =
      LoadJobFile(crawlbox::testing::TestDataPath("jobs/minimal.toml"));
  ASSERT_TRUE(loaded.ok()) << testing::ProblemsText(loaded);
  const Job& job = loaded.job;
  const Job defaults;
  EXPECT_EQ(job.name, "minimal");
  ASSERT_EQ(job.seeds.size(), 1u);
  EXPECT_EQ(job.seeds[0].url, "https://example.com/");
  EXPECT_EQ(job.database, "minimal.db");
  EXPECT_EQ(job.database_where.line, 2);  // where the name it derives from is
  EXPECT_THAT(job.scope.allowed_hosts, IsEmpty());
  EXPECT_THAT(job.scope.allow, IsEmpty());
  EXPECT_THAT(job.scope.deny, IsEmpty());
  EXPECT_EQ(job.limits.max_pages, 0);
  EXPECT_EQ(job.limits.max_depth, -1);
  EXPECT_EQ(job.fetch.concurrency, 16);
  EXPECT_EQ(job.fetch.connect_timeout_ms, 10000);
  EXPECT_EQ(job.fetch.timeout_ms, 30000);
  EXPECT_EQ(job.fetch.user_agent, defaults.fetch.user_agent);
  EXPECT_FALSE(job.fetch.user_agent.empty());
  EXPECT_EQ(job.fetch.max_body_bytes, 10 * 1024 * 1024);
  EXPECT_EQ(job.fetch.max_redirects, 5);
  EXPECT_EQ(job.parse.threads, 0);
  EXPECT_THAT(job.rules, IsEmpty());
}

TEST(JobLoaderTest, PageDirectiveAndCostKeysAndTheirDefaults) {
  const std::string base =
      "[job]\nname = \"j\"\nstart_urls = [\"https://example.com/\"]\n";
  LoadedJob defaults = LoadJobText(base, "job.toml");
  ASSERT_TRUE(defaults.ok()) << testing::ProblemsText(defaults);
  EXPECT_TRUE(defaults.job.politeness.meta_robots);
  EXPECT_TRUE(defaults.job.politeness.nofollow_links);
  EXPECT_FALSE(defaults.job.scope.follow_canonical);
  EXPECT_EQ(defaults.job.fetch.max_refresh_delay_s, 30);
  EXPECT_EQ(defaults.job.parse.max_dom_depth, 512);
  EXPECT_EQ(defaults.job.parse.max_dom_nodes, 1'000'000);
  EXPECT_EQ(defaults.job.limits.max_records_per_page, 10'000);
  EXPECT_EQ(defaults.job.limits.max_links_per_page, 10'000);

  // Each key at the ends of its range, and a value in between.
  struct Case {
    const char* text;
    std::function<bool(const Job&)> holds;
  };
  const Case cases[] = {
      {"[politeness]\nmeta_robots = false\n",
       [](const Job& j) { return !j.politeness.meta_robots; }},
      {"[politeness]\nnofollow_links = false\n",
       [](const Job& j) { return !j.politeness.nofollow_links; }},
      {"[scope]\nfollow_canonical = true\n",
       [](const Job& j) { return j.scope.follow_canonical; }},
      {"[fetch]\nmax_refresh_delay_s = 0\n",
       [](const Job& j) { return j.fetch.max_refresh_delay_s == 0; }},
      {"[fetch]\nmax_refresh_delay_s = 86400\n",
       [](const Job& j) { return j.fetch.max_refresh_delay_s == 86400; }},
      {"[parse]\nmax_dom_depth = 16\n",
       [](const Job& j) { return j.parse.max_dom_depth == 16; }},
      {"[parse]\nmax_dom_depth = 100000\n",
       [](const Job& j) { return j.parse.max_dom_depth == 100000; }},
      {"[parse]\nmax_dom_nodes = 1000\n",
       [](const Job& j) { return j.parse.max_dom_nodes == 1000; }},
      {"[parse]\nmax_dom_nodes = 100000000\n",
       [](const Job& j) { return j.parse.max_dom_nodes == 100'000'000; }},
      {"[limits]\nmax_records_per_page = 1\n",
       [](const Job& j) { return j.limits.max_records_per_page == 1; }},
      {"[limits]\nmax_records_per_page = 10000000\n",
       [](const Job& j) {
         return j.limits.max_records_per_page == 10'000'000;
       }},
      {"[limits]\nmax_links_per_page = 1\n",
       [](const Job& j) { return j.limits.max_links_per_page == 1; }},
      {"[limits]\nmax_links_per_page = 250\n",
       [](const Job& j) { return j.limits.max_links_per_page == 250; }},
  };
  for (const Case& c : cases) {
    LoadedJob loaded = LoadJobText(base + c.text, "job.toml");
    SCOPED_TRACE("input:\n" + std::string(c.text) +
                 testing::ProblemsText(loaded));
    ASSERT_TRUE(loaded.ok());
    EXPECT_TRUE(c.holds(loaded.job));
  }
}

TEST(JobLoaderTest, StatusSettingsAndTheirDefaults) {
  const std::string base =
      "[job]\nname = \"j\"\nstart_urls = [\"https://example.com/\"]\n";
  LoadedJob defaults = LoadJobText(base, "job.toml");
  ASSERT_TRUE(defaults.ok()) << testing::ProblemsText(defaults);
  EXPECT_TRUE(defaults.job.status.enabled);
  EXPECT_EQ(defaults.job.status.addr, "127.0.0.1");
  EXPECT_EQ(defaults.job.status.addr_where.line, 0);
  EXPECT_EQ(defaults.job.status.port, 0);
  EXPECT_EQ(defaults.job.status.token, "");

  setenv("CRAWLBOX_TEST_TOKEN", "from-the-environment", 1);
  LoadedJob set = LoadJobText(base +
                                  "[status]\n"
                                  "enabled = false\n"
                                  "addr = \"0.0.0.0\"\n"
                                  "port = 8080\n"
                                  "token = \"${CRAWLBOX_TEST_TOKEN}\"\n",
                              "job.toml");
  unsetenv("CRAWLBOX_TEST_TOKEN");
  ASSERT_TRUE(set.ok()) << testing::ProblemsText(set);
  EXPECT_FALSE(set.job.status.enabled);
  EXPECT_EQ(set.job.status.addr, "0.0.0.0");
  EXPECT_EQ(set.job.status.addr_where.line, 6);
  EXPECT_EQ(set.job.status.addr_where.column, 8);
  EXPECT_EQ(set.job.status.port, 8080);
  EXPECT_EQ(set.job.status.token, "from-the-environment");

  // A bad token is reported without its text: it is a secret.
  LoadedJob bad =
      LoadJobText(base + "[status]\ntoken = \"sec ret\"\n", "job.toml");
  ASSERT_EQ(bad.problems.size(), 1u);
  EXPECT_THAT(bad.problems[0].ToString(), ::testing::Not(HasSubstr("sec ret")));
}

TEST(JobLoaderTest, ChromiumFlagsFollowInOrder) {
  const std::string base =
      "[job]\nname = \"j\"\nstart_urls = [\"https://example.com/\"]\n";
  LoadedJob defaults = LoadJobText(base, "job.toml");
  ASSERT_TRUE(defaults.ok()) << testing::ProblemsText(defaults);
  EXPECT_THAT(defaults.job.render.chromium_flags, IsEmpty());
  LoadedJob set = LoadJobText(
      base +
          "[render]\nchromium_flags = [\"--js-flags=--max-old-space-size=64\", "
          "\"--lang=fr\"]\n",
      "job.toml");
  ASSERT_TRUE(set.ok()) << testing::ProblemsText(set);
  EXPECT_THAT(set.job.render.chromium_flags,
              ElementsAre("--js-flags=--max-old-space-size=64", "--lang=fr"));
}

TEST(JobLoaderTest, RuleDefaults) {
  LoadedJob loaded = LoadJobText(R"([job]
name = "j"
start_urls = ["https://example.com/"]
[[rules]]
name = "r"
pattern = '<b>(?P<zeta>.*?)</b><i>(?P<alpha>.*?)</i>'
)",
                                 "rule.toml");
  ASSERT_TRUE(loaded.ok()) << testing::ProblemsText(loaded);
  const Rule& rule = loaded.job.rules[0];
  EXPECT_TRUE(Matches(rule.url, "https://example.com/any/page"));
  // Without [rules.fields]: one text field per named group, in the pattern's
  // order.
  EXPECT_THAT(FieldNames(rule), ElementsAre("zeta", "alpha"));
  for (const Field& field : rule.fields) {
    EXPECT_EQ(field.group, field.name);
    EXPECT_EQ(field.type, FieldType::kText);
    EXPECT_TRUE(field.trim);
    EXPECT_EQ(field.where.line, 6);
  }
  EXPECT_THAT(rule.follow, IsEmpty());
}

TEST(JobLoaderTest, ReadsRequiredFieldsAndStoredBodies) {
  LoadedJob loaded = LoadJobText(R"([job]
name = "j"
start_urls = ["https://example.com/"]
[store]
bodies = true
[[rules]]
name = "r"
pattern = '(?P<a>.)(?P<b>.)'
[rules.fields]
a = { required = true }
b = {}
[[rules]]
name = "c"
select = "li"
[rules.fields]
t = { css = "b", required = true }
)",
                                 "req.toml");
  ASSERT_TRUE(loaded.ok()) << testing::ProblemsText(loaded);
  EXPECT_TRUE(loaded.job.store.bodies);
  EXPECT_TRUE(loaded.job.rules[0].fields[0].required);
  EXPECT_FALSE(loaded.job.rules[0].fields[1].required);
  EXPECT_TRUE(loaded.job.rules[1].fields[0].required);
  EXPECT_FALSE(
      LoadJobText("[job]\nname = \"j\"\nstart_urls = [\"https://e.com/\"]\n",
                  "m.toml")
          .job.store.bodies);
}

TEST(JobLoaderTest, KeepsFieldsInFileOrder) {
  LoadedJob loaded = LoadJobText(R"([job]
name = "j"
start_urls = ["https://example.com/"]
[[rules]]
name = "r"
pattern = '(?P<a>.)(?P<b>.)(?P<c>.)'
[rules.fields]
zulu = "c"
alpha.group = "a"
mike = { group = "b" }
[rules.fields.bravo]
template = "{{{a}-{b}}}"
)",
                                 "order.toml");
  ASSERT_TRUE(loaded.ok()) << testing::ProblemsText(loaded);
  const Rule& rule = loaded.job.rules[0];
  EXPECT_THAT(FieldNames(rule), ElementsAre("zulu", "alpha", "mike", "bravo"));
  EXPECT_EQ(rule.fields[0].group, "c");
  EXPECT_EQ(rule.fields[1].group, "a");
  EXPECT_EQ(rule.fields[3].format, "{{{a}-{b}}}");
  EXPECT_EQ(rule.fields[3].where.line, 11);
}

TEST(JobLoaderTest, ExpandsEnvironmentVariables) {
  setenv("CRAWLBOX_TEST_HOST", "h.example", 1);
  setenv("CRAWLBOX_TEST_EMPTY", "", 1);
  setenv("CRAWLBOX_TEST_DIR", "/var/crawl", 1);
  unsetenv("CRAWLBOX_TEST_UNSET");
  LoadedJob loaded = LoadJobText(R"([job]
name = "env"
start_urls = ["https://${CRAWLBOX_TEST_HOST}/a",
              "https://${CRAWLBOX_TEST_UNSET:-fallback.example}/b",
              "https://x/${CRAWLBOX_TEST_EMPTY:-dflt}/${CRAWLBOX_TEST_EMPTY}/$HOME/c",
              "${CRAWLBOX_TEST_HOST}${CRAWLBOX_TEST_HOST:-x}"]
database = "${CRAWLBOX_TEST_DIR}/${CRAWLBOX_TEST_UNSET:-env}.db"
[fetch]
user_agent = "${CRAWLBOX_TEST_HOST}"
)",
                                 "env.toml");
  // Only job.start_urls and job.database are expanded.
  ASSERT_TRUE(loaded.ok()) << testing::ProblemsText(loaded);
  const Job& job = loaded.job;
  ASSERT_EQ(job.seeds.size(), 4u);
  EXPECT_EQ(job.seeds[0].url, "https://h.example/a");
  EXPECT_EQ(job.seeds[1].url, "https://fallback.example/b");
  EXPECT_EQ(job.seeds[2].url, "https://x/dflt//$HOME/c");
  EXPECT_EQ(job.seeds[3].url, "h.exampleh.example");
  EXPECT_EQ(job.seeds[1].where.line, 4);
  EXPECT_EQ(job.database, "/var/crawl/env.db");
  EXPECT_EQ(job.fetch.user_agent, "${CRAWLBOX_TEST_HOST}");
  unsetenv("CRAWLBOX_TEST_HOST");
  unsetenv("CRAWLBOX_TEST_EMPTY");
  unsetenv("CRAWLBOX_TEST_DIR");
}

TEST(JobLoaderTest, CaFileIsAReadablePemFile) {
  testing::TempDir dir;
  {
    std::ofstream pem(dir.File("ca.pem"));
    pem << "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
  }
  EXPECT_EQ(LoadJobText("[job]\nname = \"t\"\nstart_urls = [\"a\"]\n", "t.toml")
                .job.fetch.ca_file,
            "")
      << "the system's bundle by default";
  setenv("CRAWLBOX_TEST_DIR", dir.path().c_str(), 1);
  LoadedJob loaded = LoadJobText(
      "[job]\nname = \"t\"\nstart_urls = [\"a\"]\n[fetch]\n"
      "ca_file = \"${CRAWLBOX_TEST_DIR}/ca.pem\"\n",
      "t.toml");
  unsetenv("CRAWLBOX_TEST_DIR");
  ASSERT_TRUE(loaded.ok()) << testing::ProblemsText(loaded);
  EXPECT_EQ(loaded.job.fetch.ca_file, dir.File("ca.pem"));
}

TEST(JobLoaderTest, UnsetVariableWithoutDefaultIsAProblem) {
  unsetenv("CRAWLBOX_TEST_UNSET");
  LoadedJob loaded = LoadJobText(R"([job]
name = "env"
start_urls = ["https://ok.example/",
              "https://${CRAWLBOX_TEST_UNSET}/"]
database = "${CRAWLBOX_TEST_UNSET}.db"
)",
                                 "env.toml");
  ASSERT_EQ(loaded.problems.size(), 2u) << testing::ProblemsText(loaded);
  EXPECT_EQ(loaded.problems[0].ToString(),
            "env.toml:4:15: job.start_urls[1]: expected environment variable "
            "CRAWLBOX_TEST_UNSET to be set, or a default: "
            "${CRAWLBOX_TEST_UNSET:-default}, got "
            "CRAWLBOX_TEST_UNSET is not set");
  EXPECT_EQ(loaded.problems[1].key, "job.database");
  EXPECT_EQ(loaded.problems[1].where.line, 5);
}

}  // namespace
}  // namespace crawlbox::config
