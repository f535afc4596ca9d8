// Rendering end to end: a single-page app whose board a script builds from
// JSON is crawled with [render] and every record is exact; the same job
// without rendering gets none (the control); a page whose script never ends
// fails render_timeout and the crawl goes on; no browser outlives the run.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <tuple>

#include "tests/e2e/crawl_support.h"
#include "tests/e2e/render_support.h"
#include "tests/support/spa_site.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_server.h"

namespace crawlbox {
namespace {

using testing::TempDir;
using testing::TestServer;

using e2e::HaveChromium;

// Processes whose parent is this one, by /proc: a browser the run left.
int ChildProcesses() {
  int n = 0;
  const std::string me = std::to_string(getpid());
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    std::ifstream stat(entry.path() / "stat");
    std::string line;
    if (!std::getline(stat, line)) continue;
    // pid (comm) state ppid ...: comm may hold spaces, so read after ')'.
    const size_t close = line.rfind(')');
    if (close == std::string::npos) continue;
    std::string state, ppid;
    std::istringstream rest(line.substr(close + 1));
    rest >> state >> ppid;
    if (ppid == me && state != "Z") ++n;
  }
  return n;
}

std::string SpaJob(const TestServer& server, bool render) {
  return "[job]\nname = \"spa\"\nstart_urls = [\"" + server.Url("/spa/page/1") +
         "\"]\n"
         "[fetch]\nconcurrency = 8\n"
         "[politeness]\nper_host_concurrency = 8\ndelay_ms = 0\n"
         "[render]\ntabs = 4\ntimeout_ms = 15000\nwait_for = \"#ready\"\n"
         "[[rules]]\nname = \"films\"\nurl = '/spa/page/\\d+$'\n" +
         std::string(render ? "render = true\nwait_for = \"#ready\"\n" : "") +
         "select = \"dd.film\"\nfollow = ['/spa/page/\\d+$']\n"
         "[rules.fields]\nrank = { css = \"span.rank\", type = \"int\" }\n"
         "title = \"a.title\"\nscore = { css = \"span.score\", type = "
         "\"real\" }\n";
}

using Entry = std::tuple<int64_t, std::string, double>;

// The board's entries on pages 1..pages.
std::set<Entry> Expected(int pages = testing::kSpaPages) {
  std::set<Entry> out;
  for (int page = 1; page <= pages; ++page) {
    for (const testing::SpaEntry& e : testing::SpaEntries(page))
      out.emplace(e.rank, e.title, e.score);
  }
  return out;
}

std::set<Entry> Stored(const std::string& db) {
  std::set<Entry> out;
  for (const auto& row :
       e2e::QueryDb(db, "SELECT rank, title, score FROM films").rows) {
    out.emplace(std::get<int64_t>(row[0]), std::get<std::string>(row[1]),
                std::get<double>(row[2]));
  }
  return out;
}

TEST(RenderCrawlTest, RenderedSpaGivesEveryRecordAndTheControlNone) {
  if (!HaveChromium()) GTEST_SKIP() << "Debian's chromium is not installed";
  TestServer server;
  TempDir dir;
  const std::string db = dir.File("spa.db");
  e2e::JobRun run = e2e::RunJobText(SpaJob(server, true), db);
  EXPECT_EQ(run.summary.state, "finished");
  EXPECT_EQ(Stored(db), Expected());
  auto pages = e2e::QueryDb(
      db,
      "SELECT count(*), sum(rendered), min(render_ms) > 0 FROM pages "
      "WHERE status = 200");
  ASSERT_EQ(pages.rows.size(), 1u);
  EXPECT_EQ(std::get<int64_t>(pages.rows[0][0]), testing::kSpaPages);
  EXPECT_EQ(std::get<int64_t>(pages.rows[0][1]), testing::kSpaPages);
  EXPECT_EQ(std::get<int64_t>(pages.rows[0][2]), 1);
  EXPECT_EQ(run.counters["render/pages"], testing::kSpaPages);
  EXPECT_EQ(ChildProcesses(), 0) << "a browser outlived the run";

  // The control: the HTML alone holds no entry, and no link to follow.
  const std::string plain_db = dir.File("plain.db");
  e2e::JobRun plain = e2e::RunJobText(SpaJob(server, false), plain_db);
  EXPECT_EQ(plain.summary.state, "finished");
  EXPECT_TRUE(Stored(plain_db).empty());
  EXPECT_EQ(
      std::get<int64_t>(
          e2e::QueryDb(plain_db, "SELECT count(*) FROM pages").rows[0][0]),
      1);
}

// Pages 1..20 of the SPA, from four seeds (one per tab) whose chains meet:
// rendered, and either their records taken from the DOM (a CSS rule following
// the pager), or, with `capture`, no rule for the DOM at all and a JSON rule
// for the /spa/api/page/<n>.json responses the pages' scripts fetch, whose
// records and "next" links the pages own. No wait_for: the render waits for
// the captured request in flight.
constexpr int kCapturePages = 20;

std::string SpaJob20(const TestServer& server, bool capture) {
  std::string seeds;
  for (int page : {1, 6, 11, 16}) {
    if (!seeds.empty()) seeds += ", ";
    seeds += "\"" + server.Url("/spa/page/" + std::to_string(page)) + "\"";
  }
  const std::string follow = "follow = ['/spa/page/([1-9]|1\\d|20)$']\n";
  std::string job = "[job]\nname = \"spa20\"\nstart_urls = [" + seeds +
                    "]\n"
                    "[politeness]\nper_host_concurrency = 8\ndelay_ms = 0\n"
                    "[render]\ntabs = 4\ntimeout_ms = 15000\n";
  if (!capture) {
    return job + "wait_for = \"#ready\"\n" +
           "[[rules]]\nname = \"films\"\nurl = '/spa/page/\\d+$'\n"
           "render = true\nselect = \"dd.film\"\n" +
           follow +
           "[rules.fields]\nrank = { css = \"span.rank\", type = \"int\" }\n"
           "title = \"a.title\"\nscore = { css = \"span.score\", type = "
           "\"real\" }\n";
  }
  return job + "capture = [\"/spa/api/\"]\n" +
         "[[rules]]\nname = \"shell\"\nurl = '/spa/page/\\d+$'\n"
         "render = true\n"
         "[[rules]]\nname = \"films\"\nurl = '/spa/api/page/\\d+\\.json$'\n"
         "records = \"$.entries[*]\"\nfollow_json = [\"$.next\"]\n" +
         follow +
         "[rules.fields]\nrank = { json = \"$.rank\", type = \"int\" }\n"
         "title = \"$.title\"\nscore = { json = \"$.score\", type = "
         "\"real\" }\n";
}

TEST(RenderCrawlTest, CapturedJsonGivesTheSameRecordsAsTheDom) {
  if (!HaveChromium()) GTEST_SKIP() << "Debian's chromium is not installed";
  TestServer server;
  TempDir dir;
  const std::string db = dir.File("capture.db");
  e2e::JobRun run = e2e::RunJobText(SpaJob20(server, true), db);
  EXPECT_EQ(run.summary.state, "finished");
  EXPECT_EQ(Stored(db), Expected(kCapturePages));
  EXPECT_EQ(run.counters["render/captured"], kCapturePages);
  EXPECT_GT(run.counters["render/capture_bytes"], 0);
  for (const auto& [name, value] : run.counters)
    EXPECT_FALSE(name.starts_with("render/capture_failed/")) << name;

  // The records' page is the rendered page that fetched them; the JSON URLs
  // are neither pages nor frontier entries.
  auto owners = e2e::QueryDb(
      db,
      "SELECT count(*) FROM items i JOIN pages p ON p.id = i.page_id WHERE "
      "i.rule = 'films' AND p.rendered = 1 AND i.url = p.url AND p.url = "
      "'" +
          server.Url("/spa/page/") +
          "' || ((json_extract(i.record, '$.rank') - 1) / 10 + 1)");
  EXPECT_EQ(std::get<int64_t>(owners.rows[0][0]),
            kCapturePages * testing::kSpaEntriesPerPage);
  auto pages = e2e::QueryDb(db, "SELECT count(*), sum(rendered) FROM pages");
  EXPECT_EQ(std::get<int64_t>(pages.rows[0][0]), kCapturePages);
  EXPECT_EQ(std::get<int64_t>(pages.rows[0][1]), kCapturePages);
  EXPECT_EQ(std::get<int64_t>(
                e2e::QueryDb(db,
                             "SELECT count(*) FROM frontier WHERE url LIKE "
                             "'%/spa/api/%'")
                    .rows[0][0]),
            0);
  EXPECT_EQ(ChildProcesses(), 0) << "a browser outlived the run";

  // Captured documents are not stored: reextract, which could not give their
  // records again, refuses and leaves them.
  const std::string job = dir.File("capture.toml");
  std::ofstream(job) << SpaJob20(server, true);
  auto reextract = testing::RunProcess(
      {testing::BuiltProgram("crawlbox"), "reextract", db, job});
  EXPECT_EQ(reextract.exit_code, 2) << reextract.err;
  EXPECT_NE(reextract.err.find("render.capture"), std::string::npos)
      << reextract.err;
  EXPECT_EQ(Stored(db), Expected(kCapturePages));

  // The same pages by their DOM.
  const std::string dom_db = dir.File("dom.db");
  e2e::JobRun dom = e2e::RunJobText(SpaJob20(server, false), dom_db);
  EXPECT_EQ(dom.summary.state, "finished");
  EXPECT_EQ(Stored(dom_db), Stored(db));
  EXPECT_EQ(dom.counters["render/captured"], 0);
}

TEST(RenderCrawlTest, AScriptThatNeverEndsTimesOutAndTheCrawlGoesOn) {
  if (!HaveChromium()) GTEST_SKIP() << "Debian's chromium is not installed";
  TestServer server;
  TempDir dir;
  const std::string db = dir.File("loop.db");
  const std::string job =
      "[job]\nname = \"loop\"\nstart_urls = [\"" + server.Url("/spa/loop") +
      "\", \"" + server.Url("/spa/page/2") +
      "\"]\n"
      "[politeness]\ndelay_ms = 0\n"
      "[retry]\nmax_attempts = 2\nbackoff_ms = 10\n"
      "[render]\ntabs = 2\ntimeout_ms = 1500\nurls = ['/spa/']\n"
      "wait_for = \"#ready\"\n"
      "[[rules]]\nname = \"films\"\nurl = '/spa/page/'\nselect = "
      "\"dd.film\"\n"
      "[rules.fields]\nrank = { css = \"span.rank\", type = \"int\" }\n"
      "title = \"a.title\"\nscore = { css = \"span.score\", type = "
      "\"real\" }\n";
  e2e::JobRun run = e2e::RunJobText(job, db);
  EXPECT_EQ(run.summary.state, "finished");
  auto failed = e2e::QueryDb(
      db, "SELECT url, reason, attempts FROM frontier WHERE state = 'failed'");
  ASSERT_EQ(failed.rows.size(), 1u);
  EXPECT_EQ(std::get<std::string>(failed.rows[0][0]), server.Url("/spa/loop"));
  EXPECT_EQ(std::get<std::string>(failed.rows[0][1]), "render_timeout");
  EXPECT_EQ(std::get<int64_t>(failed.rows[0][2]), 2);
  // The other page, rendered beside the endless script, exactly.
  EXPECT_EQ(e2e::StoredSpaRecords(db),
            e2e::ExpectedSpaRecords(server, {"/spa/page/2"}));
  EXPECT_EQ(ChildProcesses(), 0) << "a browser outlived the run";
}

// The rule-writing loop: `crawlbox extract --render` shows the records of the
// rendered page (waiting for render.wait_for: the load event comes before
// the page's script has its data); the same extract without it (a job with
// no render rule) finds none in the HTML.
TEST(RenderCrawlTest, ExtractRenderShowsTheRenderedRecords) {
  if (!HaveChromium()) GTEST_SKIP() << "Debian's chromium is not installed";
  TestServer server;
  TempDir dir;
  const std::string job = dir.File("spa.toml");
  std::ofstream(job) << SpaJob(server, false);
  const std::string url = server.Url("/spa/page/3");
  auto plain = testing::RunProcess(
      {testing::BuiltProgram("crawlbox"), "extract", job, "--url", url});
  EXPECT_EQ(plain.exit_code, 0) << plain.err;
  EXPECT_EQ(plain.out, "");
  auto rendered =
      testing::RunProcess({testing::BuiltProgram("crawlbox"), "extract", job,
                           "--url", url, "--render"});
  ASSERT_EQ(rendered.exit_code, 0) << rendered.err;
  int records = 0;
  for (char c : rendered.out) records += c == '\n';
  EXPECT_EQ(records, testing::kSpaEntriesPerPage) << rendered.out;
  const testing::SpaEntry first = testing::SpaEntries(3).front();
  EXPECT_NE(rendered.out.find("\"rank\":" + std::to_string(first.rank)),
            std::string::npos)
      << rendered.out;
  EXPECT_NE(rendered.err.find("rendered in"), std::string::npos)
      << rendered.err;
}

// `crawlbox extract --render` on a page of the capture job: its records come
// from the JSON its script fetched (stderr names it), its link from that
// JSON's "next" (the page's render rule renders it without the flag too).
TEST(RenderCrawlTest, ExtractRenderShowsTheCapturedRecords) {
  if (!HaveChromium()) GTEST_SKIP() << "Debian's chromium is not installed";
  TestServer server;
  TempDir dir;
  const std::string job = dir.File("capture.toml");
  std::ofstream(job) << SpaJob20(server, true);
  const std::string url = server.Url("/spa/page/3");
  auto records =
      testing::RunProcess({testing::BuiltProgram("crawlbox"), "extract", job,
                           "--url", url, "--render"});
  ASSERT_EQ(records.exit_code, 0) << records.err;
  std::string expected;
  for (const testing::SpaEntry& e : testing::SpaEntries(3)) {
    nlohmann::ordered_json line = {
        {"rank", e.rank}, {"title", e.title}, {"score", e.score}};
    expected += line.dump() + "\n";
  }
  EXPECT_EQ(records.out, expected);
  EXPECT_NE(records.err.find("captured " + server.Url("/spa/api/page/3.json")),
            std::string::npos)
      << records.err;
  auto links = testing::RunProcess({testing::BuiltProgram("crawlbox"),
                                    "extract", job, "--url", url, "--links"});
  ASSERT_EQ(links.exit_code, 0) << links.err;
  EXPECT_EQ(links.out, server.Url("/spa/page/4") + "\n");
}

}  // namespace
}  // namespace crawlbox
