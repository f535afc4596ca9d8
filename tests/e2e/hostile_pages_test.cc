// Hostile pages in one real crawl (crawlbox as a subprocess, so its peak RSS
// is measured): 200,000 nested elements under a CSS rule, 100,000 links, an
// 8 MB attribute, NUL bytes, a chunked body that never ends and a malformed
// chunk. Each ends recorded within seconds and the crawl goes on.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <string>

#include "tests/e2e/crawl_support.h"
#include "tests/support/fault_server.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_server.h"

namespace crawlbox {
namespace {

using testing::BuiltProgram;
using testing::ChildProcess;
using testing::FaultServer;
using testing::ProcessResult;
using testing::TempDir;
using testing::TestServer;

#if defined(__SANITIZE_ADDRESS__)
// AddressSanitizer keeps freed blocks in quarantine (256 MB) and adds shadow
// memory: under it the bound only catches a runaway.
constexpr long kMaxRssKb = 1024 * 1024;
#else
constexpr long kMaxRssKb = 400 * 1024;
#endif

std::string Nested(int depth) {
  std::string html = "<html><body>";
  html.reserve(static_cast<size_t>(depth) * 11 + 100);
  for (int i = 0; i < depth; ++i) html += "<div>";
  html += "<p class=\"x\">deep</p>";
  for (int i = 0; i < depth; ++i) html += "</div>";
  return html + "<p class=\"x\">shallow</p></body></html>";
}

std::string ManyLinks(int n) {
  std::string html = "<html><body>";
  for (int i = 0; i < n; ++i) {
    html += "<a href=\"/l/" + std::to_string(i) + "\">" + std::to_string(i) +
            "</a>\n";
  }
  return html + "<p class=\"x\">links</p></body></html>";
}

TEST(HostilePagesTest, EachEndsRecordedWithinSecondsAndTheCrawlGoesOn) {
  FaultServer faults;
  TestServer site;
  const std::string nested = Nested(200'000);
  const std::string links = ManyLinks(100'000);
  const std::string attribute =
      "<html><body><a href=\"/attr-target\" title=\"" +
      std::string(8 << 20, 'a') +
      "\">x</a><p class=\"x\">attr</p></body></html>";
  const std::string zero(1, '\0');
  const std::string nul = "<html><body><p class=\"x\">n" + zero + "u" + zero +
                          "l</p><a href=\"/n" + zero +
                          "ul\">x</a></body></html>";
  auto serve = [&site](const std::string& path, const std::string* body) {
    site.Get(path, [body](const httplib::Request&, const std::smatch&,
                          httplib::Response& res) {
      res.set_content(*body, "text/html");
    });
  };
  serve("/nested", &nested);
  serve("/links", &links);
  serve("/attr", &attribute);
  serve("/nul", &nul);
  const std::string start =
      "<a href=\"/nested\">1</a><a href=\"/links\">2</a><a "
      "href=\"/attr\">3</a><a href=\"/nul\">4</a><a href=\"" +
      faults.Url("/chunked-forever") + "\">5</a><a href=\"" +
      faults.Url("/bad-chunk") + "\">6</a><a href=\"/after\">7</a>";
  serve("/start", &start);
  const std::string after = "<p class=\"x\">the crawl went on</p>";
  serve("/after", &after);

  TempDir dir;
  const std::string db = dir.File("hostile.db");
  const std::string job_path = dir.File("hostile.toml");
  std::ofstream(job_path) << R"toml(
[job]
name = "hostile"
start_urls = [")toml" + site.Url("/start") +
                                 R"toml("]
[limits]
max_pages = 20
[fetch]
timeout_ms = 3000
[politeness]
per_host_concurrency = 8
delay_ms = 0
adaptive = false
[retry]
max_attempts = 1
[[rules]]
name = "x"
select = "p.x"
follow = ['/(nested|links|attr|nul|after|chunked-forever|bad-chunk)$', '/l/\d+$']
[rules.fields]
v = {}
)toml";
  const auto began = std::chrono::steady_clock::now();
  ChildProcess crawl(
      {BuiltProgram("crawlbox"), "run", job_path, "--db", db, "-q"}, {},
      dir.path().string());
  ProcessResult r = crawl.Wait(120'000);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - began)
          .count();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::printf("hostile crawl: %.1f s, peak RSS %ld KB\n", seconds,
              static_cast<long>(r.max_rss_kb));
  // The slowest page is the chunked body that never ends, cut at timeout_ms.
  EXPECT_LT(seconds, 30.0);
  EXPECT_LT(r.max_rss_kb, kMaxRssKb) << "peak RSS in KB";

  auto row = [&](const std::string& url) {
    auto rows = e2e::QueryDb(
        db,
        "SELECT coalesce(p.status, 0), coalesce(p.error, ''), "
        "coalesce(p.cuts, ''), p.total_ms, f.state FROM frontier f JOIN pages "
        "p ON p.url_id = f.id WHERE f.url = '" +
            url + "'");
    if (rows.rows.empty()) return std::string("missing");
    const auto& v = rows.rows[0];
    return std::to_string(std::get<int64_t>(v[0])) + " " +
           std::get<std::string>(v[1]) + " " + std::get<std::string>(v[2]) +
           " " + std::get<std::string>(v[4]);
  };
  EXPECT_EQ(row(site.Url("/nested")).substr(0, 4), "200 ")
      << row(site.Url("/nested"));
  EXPECT_NE(row(site.Url("/nested")).find("dom_depth"), std::string::npos)
      << row(site.Url("/nested"));
  EXPECT_NE(row(site.Url("/links")).find("links"), std::string::npos)
      << row(site.Url("/links"));
  EXPECT_EQ(row(site.Url("/attr")), "200   done");
  EXPECT_EQ(row(site.Url("/nul")), "200   done");
  EXPECT_EQ(row(site.Url("/after")), "200   done");
  EXPECT_EQ(row(faults.Url("/chunked-forever")), "0 timeout  failed");
  const std::string bad_chunk = row(faults.Url("/bad-chunk"));
  EXPECT_EQ(bad_chunk.substr(0, 2), "0 ") << bad_chunk;
  EXPECT_NE(bad_chunk.find("failed"), std::string::npos) << bad_chunk;

  // The records of the pages that had them, the deep one included.
  EXPECT_EQ(e2e::CountDb(db, "SELECT count(*) FROM x WHERE v = 'deep'"), 1);
  EXPECT_EQ(e2e::CountDb(db, "SELECT count(*) FROM x WHERE v = 'shallow'"), 1);
  EXPECT_EQ(e2e::CountDb(db, "SELECT count(*) FROM x WHERE v = 'links'"), 1);
  EXPECT_EQ(e2e::CountDb(db, "SELECT count(*) FROM x WHERE v = 'attr'"), 1);
  EXPECT_EQ(e2e::CountDb(db,
                         "SELECT count(*) FROM x WHERE v = 'the crawl "
                         "went on'"),
            1);
  EXPECT_EQ(e2e::CountDb(db, "SELECT count(*) FROM x WHERE v LIKE 'n%'"), 1);
}

}  // namespace
}  // namespace crawlbox
