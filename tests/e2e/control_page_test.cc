// The status page's controls in headless Chromium, driven over DevTools and
// clicked through the page's own buttons and inputs, against a crawl of a
// site with latency: pause (the server sees nothing new for 2 s), resume, a
// lower delay (request gaps shrink), a deny pattern (no later request matches
// it), stop (exit 130 as after SIGINT); each ends in the controls table.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include "crawler/render/browser.h"
#include "tests/e2e/control_support.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"

namespace crawlbox::control_test {
namespace {

using crawler::Browser;
using testing::BuiltProgram;
using testing::ChildProcess;
using testing::ProcessResult;
using testing::TempDir;
using testing::TestServer;

// One tab on the status page.
class Page {
 public:
  bool Open(const std::string& url) {
    const auto deadline = Clock::now() + std::chrono::seconds(30);
    auto launched = Browser::Launch(crawler::BrowserOptions{}, deadline);
    if (!launched.ok()) {
      error_ = launched.status().message();
      return false;
    }
    browser_ = std::move(*launched);
    Browser::Reply r =
        browser_->Call("Target.createTarget", json{{"url", url}}, "", deadline);
    if (r.outcome != Browser::Outcome::kOk) return Fail(r);
    r = browser_->Call(
        "Target.attachToTarget",
        json{{"targetId", r.result["targetId"]}, {"flatten", true}}, "",
        deadline);
    if (r.outcome != Browser::Outcome::kOk) return Fail(r);
    session_ = r.result["sessionId"].get<std::string>();
    return true;
  }
  // The value of `expression` in the page, or null.
  json Eval(const std::string& expression) {
    Browser::Reply r = browser_->Call(
        "Runtime.evaluate",
        json{{"expression", expression}, {"returnByValue", true}}, session_,
        Clock::now() + std::chrono::seconds(10));
    if (r.outcome != Browser::Outcome::kOk || !r.result.contains("result"))
      return json();
    return r.result["result"].value("value", json());
  }
  std::string Attr(const std::string& id, const std::string& attr) {
    json v = Eval("document.getElementById('" + id + "').getAttribute('" +
                  attr + "')");
    return v.is_string() ? v.get<std::string>() : "";
  }
  // Clicks the page's button `id` and waits for the page to have its answer.
  bool Click(const std::string& id) {
    const std::string seq = Attr("control-panel", "data-seq");
    Eval("document.getElementById('" + id + "').click()");
    return WaitFor([&] { return Attr("control-panel", "data-seq") != seq; },
                   std::chrono::seconds(10)) &&
           Attr("control-message", "data-ok") == "true";
  }
  void Type(const std::string& id, const std::string& text) {
    Eval("document.getElementById('" + id + "').value = " + json(text).dump());
  }
  const std::string& error() const { return error_; }

 private:
  bool Fail(const Browser::Reply& r) {
    error_ = r.error;
    return false;
  }
  std::unique_ptr<Browser> browser_;
  std::string session_;
  std::string error_;
};

// The median gap between the arrivals of requests[from..].
double MedianGapMs(const std::vector<testing::RequestRecord>& requests,
                   size_t from) {
  std::vector<double> gaps;
  for (size_t i = from + 1; i < requests.size(); ++i) {
    gaps.push_back(std::chrono::duration<double, std::milli>(
                       requests[i].arrived - requests[i - 1].arrived)
                       .count());
  }
  if (gaps.empty()) return -1;
  std::sort(gaps.begin(), gaps.end());
  return gaps[gaps.size() / 2];
}

TEST(ControlPageTest, PausesResumesRetunesDeniesAndStopsFromThePage) {
  if (access("/usr/bin/chromium", X_OK) != 0)
    GTEST_SKIP() << "Debian's chromium is not installed";
  testing::TestServerOptions options;
  options.site = testing::SiteOptions{};
  options.site->pages = 2000;
  TestServer server(options);
  server.SetLatency(std::chrono::milliseconds(30));
  TempDir dir;
  const std::string job = dir.File("job.toml");
  const std::string db = dir.File("crawl.db");
  // One request at a time, 250 ms apart: the gaps show the delay.
  std::ofstream(job) << "[job]\nname = \"control-page\"\nstart_urls = [\""
                     << server.Url("/site/0.html") << "\"]\n"
                     << "[politeness]\nper_host_concurrency = 1\n"
                        "delay_ms = 250\nadaptive = false\nrobots = false\n"
                        "[fetch]\nconcurrency = 2\n"
                     << kFollowSite;
  ChildProcess crawl({BuiltProgram("crawlbox"), "run", job, "--db", db, "-q"},
                     {}, dir.path().string());
  const int port = WaitForPort(crawl.err_path());
  ASSERT_GT(port, 0) << ReadText(crawl.err_path());
  Page page;
  ASSERT_TRUE(page.Open("http://127.0.0.1:" + std::to_string(port) + "/"))
      << page.error();
  ASSERT_TRUE(WaitFor(
      [&] {
        return page.Eval("!document.getElementById('control-panel').hidden") ==
               true;
      },
      std::chrono::seconds(15)));

  // The gaps at 250 ms.
  ASSERT_TRUE(WaitFor([&] { return SiteRequests(server).size() >= 6; },
                      std::chrono::seconds(15)));
  const double slow_gap = MedianGapMs(SiteRequests(server), 0);

  // Pause: once the transfer out has ended, nothing new for 2 s.
  ASSERT_TRUE(page.Click("pause"));
  EXPECT_EQ(page.Attr("control-panel", "data-paused"), "true");
  ASSERT_TRUE(WaitFor([&] { return GetStatus(port)["in_flight"] == 0; },
                      std::chrono::seconds(10)));
  const size_t paused_count = SiteRequests(server).size();
  std::this_thread::sleep_for(std::chrono::seconds(2));
  EXPECT_EQ(SiteRequests(server).size(), paused_count)
      << "requests arrived while the crawl was paused";

  // Resume, then lower the delay to 20 ms: the gaps shrink.
  ASSERT_TRUE(page.Click("resume"));
  EXPECT_EQ(page.Attr("control-panel", "data-paused"), "false");
  page.Type("delay-ms", "20");
  ASSERT_TRUE(page.Click("set-delay"));
  EXPECT_EQ(page.Attr("control-panel", "data-delay-ms"), "20");
  const size_t fast_from = SiteRequests(server).size();
  ASSERT_TRUE(
      WaitFor([&] { return SiteRequests(server).size() >= fast_from + 12; },
              std::chrono::seconds(15)));
  const double fast_gap = MedianGapMs(SiteRequests(server), fast_from + 1);
  EXPECT_GT(slow_gap, 240) << slow_gap;
  EXPECT_LT(fast_gap, slow_gap / 2)
      << "before " << slow_gap << " ms, after " << fast_gap << " ms";

  // Deny every page whose number ends in 7: none is requested afterwards.
  const std::string pattern = R"(/site/\d*7\.html$)";
  page.Type("deny-pattern", pattern);
  ASSERT_TRUE(page.Click("add-deny"));
  const auto denied_at = Clock::now();
  const size_t deny_from = SiteRequests(server).size();
  ASSERT_TRUE(
      WaitFor([&] { return SiteRequests(server).size() >= deny_from + 40; },
              std::chrono::seconds(20)));
  const std::regex denied(pattern);
  int matched_after = 0;
  for (const testing::RequestRecord& r : SiteRequests(server)) {
    // A transfer the fetcher began before the control is let through.
    if (r.arrived > denied_at + std::chrono::milliseconds(50) &&
        std::regex_search(r.target, denied)) {
      ++matched_after;
      ADD_FAILURE() << r.target << " requested after the deny pattern";
    }
  }
  EXPECT_EQ(matched_after, 0);
  std::printf("request gap: %.0f ms at delay 250, %.0f ms at delay 20\n",
              slow_gap, fast_gap);

  // Any live key by name, a host paused and resumed, a seed added.
  page.Type("set-key", "limits.max_pages");
  page.Type("set-value", "100000");
  ASSERT_TRUE(page.Click("set-key-value"));
  page.Type("host-name", "127.0.0.1");
  ASSERT_TRUE(page.Click("pause-host"));
  EXPECT_EQ(page.Eval("document.getElementById('paused-hosts').textContent"),
            "127.0.0.1");
  ASSERT_TRUE(page.Click("resume-host"));
  EXPECT_EQ(page.Eval("document.getElementById('paused-hosts').textContent"),
            "none");
  page.Type("seed-url", server.Url("/site/1999.html"));
  ASSERT_TRUE(page.Click("add-seed"));
  // A bad value is refused with the job file's words, and not applied.
  page.Type("set-key", "limits.max_depth");
  page.Type("set-value", "-7");
  EXPECT_FALSE(page.Click("set-key-value"));

  // Stop from the page: a graceful stop, exit 130 as after SIGINT.
  ASSERT_TRUE(page.Click("stop"));
  ProcessResult stopped = crawl.Wait(30'000);
  EXPECT_EQ(stopped.exit_code, 130) << stopped.err;

  // URLs already queued that the pattern denies are recorded, not fetched.
  auto reader = storage::Reader::Open(db);
  ASSERT_TRUE(reader.ok());
  int64_t blocked = 0;
  ASSERT_TRUE((*reader)
                  ->Query(
                      "SELECT count(*) FROM frontier WHERE state = "
                      "'blocked' AND reason = 'denied_by_control'",
                      [](const std::vector<std::string>&) {},
                      [&](const std::vector<storage::Value>& row) {
                        blocked = std::get<int64_t>(row[0]);
                      })
                  .ok());
  EXPECT_GT(blocked, 0);
  std::printf("queued URLs blocked as denied_by_control: %lld\n",
              static_cast<long long>(blocked));
  std::vector<std::string> seen;
  for (const ControlRow& row : ControlRows(db)) {
    const std::string key = row.what.value("key", "");
    // The refused value is logged too, as not applied, with its reason.
    EXPECT_EQ(row.applied, key != "limits.max_depth")
        << row.what.dump() << " " << row.message;
    EXPECT_EQ(row.who, "loopback/page");
    seen.push_back(row.what.value("command", "") + " " + key);
  }
  EXPECT_EQ(seen,
            (std::vector<std::string>{
                "pause ", "resume ", "set politeness.delay_ms",
                "set scope.deny", "set limits.max_pages", "pause_host ",
                "resume_host ", "seed ", "set limits.max_depth", "stop "}));
}

}  // namespace
}  // namespace crawlbox::control_test
