// Tests of what config/job_loader.h refuses: syntax errors, unreadable files,
// every kind of mistake, each a problem at its file:line, in line order.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "config/job.h"
#include "config/job_loader.h"
#include "tests/support/job_problems.h"
#include "tests/support/temp_dir.h"

namespace crawlbox::config {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(JobLoaderTest, ReportsSyntaxErrorWithLine) {
  LoadedJob loaded = LoadJobText(
      "[job]\nname = \"x\"\nstart_urls = [\"a\",\n\n[fetch]\n", "broken.toml");
  ASSERT_EQ(loaded.problems.size(), 1u) << testing::ProblemsText(loaded);
  const JobProblem& problem = loaded.problems[0];
  EXPECT_EQ(problem.key, "(syntax)");
  EXPECT_EQ(problem.expected, "valid TOML");
  EXPECT_EQ(problem.where.file, "broken.toml");
  EXPECT_EQ(problem.where.line, 5);
  EXPECT_FALSE(problem.got.empty());
  EXPECT_THAT(problem.ToString(), HasSubstr("broken.toml:5:"));
  EXPECT_EQ(loaded.job.text,
            "[job]\nname = \"x\"\nstart_urls = [\"a\",\n\n[fetch]\n");
}

TEST(JobLoaderTest, DuplicateKeyIsASyntaxError) {
  LoadedJob loaded =
      LoadJobText("[job]\nname = \"a\"\nname = \"b\"\n", "dup.toml");
  ASSERT_EQ(loaded.problems.size(), 1u) << testing::ProblemsText(loaded);
  EXPECT_EQ(loaded.problems[0].key, "(syntax)");
  EXPECT_EQ(loaded.problems[0].where.line, 3);
}

TEST(JobLoaderTest, UnreadableFileIsOneProblemAtLineZero) {
  crawlbox::testing::TempDir dir;
  const std::string missing = dir.File("missing.toml");
  LoadedJob loaded = LoadJobFile(missing);
  ASSERT_EQ(loaded.problems.size(), 1u) << testing::ProblemsText(loaded);
  EXPECT_EQ(loaded.problems[0].where.line, 0);
  EXPECT_EQ(loaded.problems[0].ToString(),
            missing +
                ": (file): expected a readable job file, got No such file or "
                "directory");
  EXPECT_EQ(loaded.job.file, missing);

  LoadedJob directory = LoadJobFile(dir.path().string());
  ASSERT_EQ(directory.problems.size(), 1u) << testing::ProblemsText(directory);
  EXPECT_EQ(directory.problems[0].key, "(file)");
  EXPECT_EQ(directory.problems[0].got, "Is a directory");
}

TEST(JobLoaderTest, ThreeMistakesAreThreeProblemsInLineOrder) {
  const std::string path =
      crawlbox::testing::TestDataPath("jobs/three_mistakes.toml");
  LoadedJob loaded = LoadJobFile(path);
  ASSERT_EQ(loaded.problems.size(), 3u) << testing::ProblemsText(loaded);
  EXPECT_EQ(loaded.problems[0].key, "job.colour");
  EXPECT_EQ(loaded.problems[0].where.line, 5);
  EXPECT_EQ(loaded.problems[0].got, "'colour'");
  EXPECT_EQ(loaded.problems[0].expected,
            "one of name, start_urls, start_urls_from, requests, database");
  EXPECT_EQ(
      loaded.problems[1].ToString(),
      path +
          ":8:15: fetch.concurrency: expected an integer in 1..10000, got 0");
  EXPECT_EQ(loaded.problems[2].key, "rules[0].pattern");
  EXPECT_EQ(loaded.problems[2].where.line, 13);
  EXPECT_EQ(loaded.problems[2].expected, "a valid RE2 regular expression");
  EXPECT_THAT(loaded.problems[2].got, HasSubstr("missing ]"));
}

TEST(JobLoaderTest, CollectsEveryProblem) {
  LoadedJob loaded = LoadJobText(R"([job]
name = "bad name"
start_urls = []
[fetch]
concurrency = 0
timeout_ms = "slow"
[[rules]]
name = "Bad"
[[rules]]
pattern = '('
)",
                                 "many.toml");
  std::vector<std::string> keys;
  for (const JobProblem& problem : loaded.problems) keys.push_back(problem.key);
  EXPECT_THAT(keys,
              ElementsAre("job.name", "job.start_urls", "fetch.concurrency",
                          "fetch.timeout_ms", "rules[0].name", "rules[1].name",
                          "rules[1].pattern"))
      << testing::ProblemsText(loaded);
}

// One job-file mistake per case. Unless `whole` is set, `body` follows a valid
// three-line [job] table, so its first line is line 4 of the file.
struct RejectCase {
  const char* body;
  const char* key;   // key of the (first) problem
  int line;          // its line
  size_t count = 1;  // problems expected in all
  bool whole = false;
};
constexpr bool kWhole = true;  // the body is the whole file

constexpr char kValidJob[] =
    "[job]\nname = \"t\"\nstart_urls = [\"https://e.com/\"]\n";

const RejectCase kRejectCases[] = {
    // Unknown keys, in every kind of table.
    {"colour = 1\n[job]\nname = \"t\"\nstart_urls = [\"a\"]\n", "colour", 1, 1,
     kWhole},
    {"[politenes]\ndelay_ms = 1\n", "politenes", 4},
    {"[job]\nname = \"t\"\nstart_urls = [\"https://e.com/\"]\nseeds = []\n",
     "job.seeds", 4, 1, kWhole},
    {"[scope]\nhosts = []\n", "scope.hosts", 5},
    {"[limits]\nmax_bites = 1\n", "limits.max_bites", 5},
    {"[fetch]\nretries = 1\n", "fetch.retries", 5},
    {"[parse]\nworkers = 1\n", "parse.workers", 5},
    {"[store]\ncompress = true\n", "store.compress", 5},
    {"[status]\nlisten = \"x\"\n", "status.listen", 5},
    {"[status]\nenabled = 1\n", "status.enabled", 5},
    {"[status]\nport = 65536\n", "status.port", 5},
    {"[status]\nport = -1\n", "status.port", 5},
    {"[status]\naddr = \"\"\n", "status.addr", 5},
    {"[status]\naddr = \"0.0.0.0 \"\n", "status.addr", 5},
    {"[status]\naddr = \"[::1]\"\n", "status.addr", 5},
    {"[status]\ntoken = \"short\"\n", "status.token", 5},
    {"[status]\ntoken = \"has a space\"\n", "status.token", 5},
    {"[status]\ntoken = \"${CRAWLBOX_TEST_UNSET}\"\n", "status.token", 5},
    {"status = true\n[job]\nname = \"t\"\nstart_urls = [\"https://e.com/\"]\n",
     "status", 1, 1, kWhole},
    {"[store]\nbodies = \"zlib\"\n", "store.bodies", 5},
    // Page directives and what one page may cost (issue 12).
    {"[politeness]\nmeta_robots = \"yes\"\n", "politeness.meta_robots", 5},
    {"[politeness]\nnofollow_links = 0\n", "politeness.nofollow_links", 5},
    {"[scope]\nfollow_canonical = 1\n", "scope.follow_canonical", 5},
    {"[fetch]\nmax_refresh_delay_s = -1\n", "fetch.max_refresh_delay_s", 5},
    {"[fetch]\nmax_refresh_delay_s = 86401\n", "fetch.max_refresh_delay_s", 5},
    {"[fetch]\nmax_refresh_delay_s = 1.5\n", "fetch.max_refresh_delay_s", 5},
    {"[parse]\nmax_dom_depth = 15\n", "parse.max_dom_depth", 5},
    {"[parse]\nmax_dom_depth = 100001\n", "parse.max_dom_depth", 5},
    {"[parse]\nmax_dom_nodes = 999\n", "parse.max_dom_nodes", 5},
    {"[parse]\nmax_dom_nodes = \"many\"\n", "parse.max_dom_nodes", 5},
    {"[limits]\nmax_records_per_page = 0\n", "limits.max_records_per_page", 5},
    {"[limits]\nmax_records_per_page = 10000001\n",
     "limits.max_records_per_page", 5},
    {"[limits]\nmax_links_per_page = 0\n", "limits.max_links_per_page", 5},
    {"[limits]\nmax_links_per_page = true\n", "limits.max_links_per_page", 5},
    // Rendering's politeness and scope hold (issue 14).
    {"[render]\nsame_site_only = \"yes\"\n", "render.same_site_only", 5},
    {"[render]\nsame_site = true\n", "render.same_site", 5},
    {"[[rules]]\nname = \"r\"\npattern = '(?P<t>.)'\n"
     "fields.t.required = 1\n",
     "rules[0].fields.t.required", 7},
    {"[[rules]]\nname = \"r\"\nselector = \"a\"\n", "rules[0].selector", 6},
    {"[[rules]]\nname = \"r\"\npattern = '(?P<t>.)'\nfields.t.cast = "
     "\"int\"\n",
     "rules[0].fields.t.cast", 7},
    // Missing required keys: at the table's line, or line 0 without the table.
    {"[job]\nstart_urls = [\"https://e.com/\"]\n", "job.name", 1, 1, kWhole},
    {"\n[job]\nname = \"t\"\n", "job.start_urls", 2, 1, kWhole},
    {"[fetch]\n", "job.name", 0, 2, kWhole},
    {"[[rules]]\nurl = 'x'\n", "rules[0].name", 4},
    // Wrong types.
    {"job = \"board\"\n", "job", 1, 1, kWhole},
    {"[job]\nname = 7\nstart_urls = [\"https://e.com/\"]\n", "job.name", 2, 1,
     kWhole},
    {"[job]\nname = \"t\"\nstart_urls = \"https://e.com/\"\n", "job.start_urls",
     3, 1, kWhole},
    {"[job]\nname = \"t\"\nstart_urls = [\"https://e.com/\",\n  42]\n",
     "job.start_urls[1]", 4, 1, kWhole},
    {"[job]\nname = \"t\"\nstart_urls = [\"a\"]\ndatabase = 1\n",
     "job.database", 4, 1, kWhole},
    {"scope = []\n[job]\nname = \"t\"\nstart_urls = [\"a\"]\n", "scope", 1, 1,
     kWhole},
    {"[scope]\nallow = '/a/'\n", "scope.allow", 5},
    {"[limits]\nmax_depth = 1.5\n", "limits.max_depth", 5},
    {"[fetch]\nconcurrency = \"16\"\n", "fetch.concurrency", 5},
    {"[fetch]\nuser_agent = false\n", "fetch.user_agent", 5},
    {"[rules]\nname = \"r\"\n", "rules", 4},
    {"rules = [1]\n[job]\nname = \"t\"\nstart_urls = [\"a\"]\n", "rules[0]", 1,
     1, kWhole},
    {"[[rules]]\nname = \"r\"\nfollow = 'a'\n", "rules[0].follow", 6},
    {"[[rules]]\nname = \"r\"\npattern = '(?P<t>.)'\nfields = 3\n",
     "rules[0].fields", 7},
    {"[[rules]]\nname = \"r\"\npattern = '(?P<t>.)'\nfields.t = 3\n",
     "rules[0].fields.t", 7},
    {"[[rules]]\nname = \"r\"\npattern = '(?P<t>.)'\nfields.t.trim = "
     "\"yes\"\n",
     "rules[0].fields.t.trim", 7},
    // Values out of range or badly formed.
    {"[job]\nname = \"my job\"\nstart_urls = [\"a\"]\n", "job.name", 2, 1,
     kWhole},
    {"[job]\nname = \"t\"\nstart_urls = []\n", "job.start_urls", 3, 1, kWhole},
    {"[job]\nname = \"t\"\nstart_urls = [\"a\"]\ndatabase = \"\"\n",
     "job.database", 4, 1, kWhole},
    {"[scope]\nallowed_hosts = [\"http://a.com\"]\n", "scope.allowed_hosts[0]",
     5},
    {"[scope]\nallowed_hosts = [\"a.com\", \"b.com:8080\"]\n",
     "scope.allowed_hosts[1]", 5},
    {"[scope]\nallowed_hosts = [\"a.com/x\"]\n", "scope.allowed_hosts[0]", 5},
    {"[limits]\nmax_pages = -1\n", "limits.max_pages", 5},
    {"[limits]\nmax_depth = -2\n", "limits.max_depth", 5},
    {"[limits]\nmax_depth = 3000000000\n", "limits.max_depth", 5},
    {"[fetch]\nca_file = \"/nonexistent/crawlbox-ca.pem\"\n", "fetch.ca_file",
     5},
    {"[fetch]\nca_file = \"\"\n", "fetch.ca_file", 5},
    {"[fetch]\nca_file = 1\n", "fetch.ca_file", 5},
    {"[fetch]\nca_file = \"/\"\n", "fetch.ca_file", 5},  // a directory
    // A readable file without a PEM certificate.
    {"[fetch]\nca_file = \"" CRAWLBOX_SOURCE_DIR "/README.md\"\n",
     "fetch.ca_file", 5},
    {"[fetch]\nconcurrency = 0\n", "fetch.concurrency", 5},
    {"[fetch]\nconcurrency = 10001\n", "fetch.concurrency", 5},
    {"[fetch]\nconnect_timeout_ms = 0\n", "fetch.connect_timeout_ms", 5},
    {"[fetch]\nconnect_timeout_ms = 3600001\n", "fetch.connect_timeout_ms", 5},
    {"[fetch]\ntimeout_ms = 86400001\n", "fetch.timeout_ms", 5},
    {"[fetch]\nuser_agent = \"\"\n", "fetch.user_agent", 5},
    {"[fetch]\nuser_agent = \"a\\r\\nX-Evil: 1\"\n", "fetch.user_agent", 5},
    {"[fetch]\nmax_body_bytes = 0\n", "fetch.max_body_bytes", 5},
    {"[fetch]\nmax_body_bytes = 2147483649\n", "fetch.max_body_bytes", 5},
    {"[fetch]\nmax_redirects = 51\n", "fetch.max_redirects", 5},
    {"[parse]\nthreads = 1025\n", "parse.threads", 5},
    {"[parse]\nthreads = -1\n", "parse.threads", 5},
    // Rule names: pattern, reserved, unique.
    {"[[rules]]\nname = \"Board\"\n", "rules[0].name", 5},
    {"[[rules]]\nname = \"1st\"\n", "rules[0].name", 5},
    {"[[rules]]\nname = \"pages\"\n", "rules[0].name", 5},
    {"[[rules]]\nname = \"sqlite_stat\"\n", "rules[0].name", 5},
    {"[[rules]]\nname = \"r\"\n[[rules]]\nname = \"r\"\n", "rules[1].name", 7},
    // Regular expressions.
    {"[scope]\nallow = ['(']\n", "scope.allow[0]", 5},
    {"[scope]\ndeny = ['ok', '[z-a]']\n", "scope.deny[1]", 5},
    {"[[rules]]\nname = \"r\"\nurl = '*'\n", "rules[0].url", 6},
    {"[[rules]]\nname = \"r\"\npattern = '(?P<t>'\n", "rules[0].pattern", 6},
    {"[[rules]]\nname = \"r\"\nfollow = ['a', '\\']\n", "rules[0].follow[1]",
     6},
    {"[[rules]]\nname = \"r\"\npattern = '<b>(.*?)</b>'\n", "rules[0].pattern",
     6},
    {"[[rules]]\nname = \"r\"\npattern = '(?P<Title>.)'\n", "rules[0].pattern",
     6},
    {"[[rules]]\nname = \"r\"\nfollow_within = \"\"\n",
     "rules[0].follow_within", 6},
    // Fields.
    {"[[rules]]\nname = \"r\"\n[rules.fields]\nt = {}\n", "rules[0].fields", 6},
    {"[[rules]]\nname = \"r\"\npattern = "
     "'(?P<t>.)'\n[rules.fields]\nTitle = \"t\"\n",
     "rules[0].fields.Title", 8},
    {"[[rules]]\nname = \"r\"\npattern = '(?P<t>.)'\n[rules.fields]\nu "
     "= {}\n",
     "rules[0].fields.u", 8},
    {"[[rules]]\nname = \"r\"\npattern = '(?P<t>.)'\n[rules.fields]\nu "
     "= \"v\"\n",
     "rules[0].fields.u", 8},
    {"[[rules]]\nname = \"r\"\npattern = '(?P<t>.)'\n[rules.fields]\nu "
     "= { group = \"v\" }\n",
     "rules[0].fields.u.group", 8},
    {"[[rules]]\nname = \"r\"\npattern = '(?P<t>.)'\n[rules.fields]\nu "
     "= { template = "
     "\"{t}.{v}\" }\n",
     "rules[0].fields.u.template", 8},
    {"[[rules]]\nname = \"r\"\npattern = '(?P<t>.)'\n[rules.fields]\nu "
     "= { template = "
     "\"{t}}\" }\n",
     "rules[0].fields.u.template", 8},
    {"[[rules]]\nname = \"r\"\npattern = '(?P<t>.)'\n[rules.fields]\nu "
     "= { template = "
     "\"{t\" }\n",
     "rules[0].fields.u.template", 8},
    {"[[rules]]\nname = \"r\"\npattern = '(?P<t>.)'\n[rules.fields]\nu "
     "= { group = \"t\", "
     "template = \"{t}\" }\n",
     "rules[0].fields.u.template", 8},
    {"[[rules]]\nname = \"r\"\npattern = '(?P<t>.)'\n[rules.fields]\nt "
     "= { type = "
     "\"float\" }\n",
     "rules[0].fields.t.type", 8},
    {"[[rules]]\nname = \"r\"\npattern = '(?P<t>.)'\n[rules.fields]\nt "
     "= \"\"\n",
     "rules[0].fields.t", 8},
    // [render] chromium_flags: a flag, and not one crawlbox sets itself.
    {"[render]\nchromium_flags = [\"--lang=fr\", \"lang=fr\"]\n",
     "render.chromium_flags[1]", 5},
    {"[render]\nchromium_flags = [\"--\"]\n", "render.chromium_flags[0]", 5},
    {"[render]\nchromium_flags = [\"--user-data-dir=/tmp/x\"]\n",
     "render.chromium_flags[0]", 5},
    {"[render]\nchromium_flags = [\"--remote-debugging-port=9222\"]\n",
     "render.chromium_flags[0]", 5},
    {"[render]\nchromium_flags = \"--lang=fr\"\n", "render.chromium_flags", 5},
    // ${VAR} references.
    {"[job]\nname = \"t\"\nstart_urls = "
     "[\"https://${CRAWLBOX_TEST_UNSET}/\"]\n",
     "job.start_urls[0]", 3, 1, kWhole},
    {"[job]\nname = \"t\"\nstart_urls = [\"https://${1X}/\"]\n",
     "job.start_urls[0]", 3, 1, kWhole},
    {"[job]\nname = \"t\"\nstart_urls = [\"a\"]\ndatabase = \"${DIR\"\n",
     "job.database", 4, 1, kWhole},
};

TEST(JobLoaderTest, RejectsEachKindOfMistake) {
  unsetenv("CRAWLBOX_TEST_UNSET");
  for (const RejectCase& test : kRejectCases) {
    std::string text = test.whole ? std::string(test.body)
                                  : kValidJob + std::string(test.body);
    LoadedJob loaded = LoadJobText(text, "bad.toml");
    SCOPED_TRACE("input:\n" + text + "problems:\n" +
                 testing::ProblemsText(loaded));
    ASSERT_EQ(loaded.problems.size(), test.count);
    const JobProblem& problem = loaded.problems[0];
    EXPECT_EQ(problem.key, test.key);
    EXPECT_EQ(problem.where.line, test.line);
    EXPECT_EQ(problem.where.file, "bad.toml");
    EXPECT_FALSE(problem.expected.empty());
    EXPECT_FALSE(problem.got.empty());
  }
}

}  // namespace
}  // namespace crawlbox::config
