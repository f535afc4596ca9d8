// Tests of crawler/render/renderer.h against headless Chromium and the local
// TestServer: scripts run before the DOM is read, timeouts, a killed browser,
// tabs of one site sharing a renderer process (and its crash) beside another
// site's, network idle with a frame of another site, idle tabs closed,
// no process left behind, blocked images, concurrency and the user agent.
#include "crawler/render/renderer.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/status_matchers.h"
#include "tests/support/test_server.h"

namespace crawlbox::crawler {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

constexpr char kChromium[] = "/usr/bin/chromium";

// A page whose list is filled by a script 100 ms after it runs; the paragraph
// is written synchronously.
constexpr char kAppPage[] = R"(<!doctype html><html><head><title>app</title>
<script>
document.addEventListener('DOMContentLoaded', () => {
  document.getElementById('sync').textContent = 'script ran';
  setTimeout(() => {
    document.getElementById('app').innerHTML = '<ul><li>one</li><li>two</li></ul>';
  }, 100);
});
</script></head><body><p id="sync"></p><div id="app"></div></body></html>)";

// Collects the responses Done hands over.
class Collector {
 public:
  Renderer::Done Done() {
    return [this](Response&& response) {
      std::lock_guard lock(mu_);
      responses_.push_back(std::move(response));
      cv_.notify_all();
    };
  }
  // Waits (up to `wait`) for n responses; returns them.
  std::vector<Response> WaitFor(size_t n,
                                milliseconds wait = milliseconds(20'000)) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, wait, [&] { return responses_.size() >= n; });
    std::vector<Response> out = std::move(responses_);
    responses_.clear();
    return out;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Response> responses_;
};

Request Get(const std::string& url) {
  Request request;
  request.url = url;
  return request;
}

class RendererTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (access(kChromium, X_OK) != 0)
      GTEST_SKIP() << kChromium << " is missing: apt-get install chromium";
    server_.Get("/app", [](const httplib::Request&, const std::smatch&,
                           httplib::Response& res) {
      res.set_content(kAppPage, "text/html");
    });
    server_.Get("/loop", [](const httplib::Request&, const std::smatch&,
                            httplib::Response& res) {
      res.set_content("<html><body>x<script>for(;;){}</script></body></html>",
                      "text/html");
    });
    server_.Get("/poster", [](const httplib::Request&, const std::smatch&,
                              httplib::Response& res) {
      res.set_content("<html><body><img src=\"/img/1.png\"></body></html>",
                      "text/html");
    });
  }

  RenderSettings Settings() {
    RenderSettings settings;
    settings.chromium = kChromium;
    settings.tabs = 2;
    settings.timeout_ms = 10'000;
    return settings;
  }

  // Renders one page on `renderer` and waits for its response.
  Response RenderOne(Renderer& renderer, const std::string& url,
                     RenderOptions options = {}) {
    renderer.Render(Get(url), options);
    std::vector<Response> got = collector_.WaitFor(1);
    EXPECT_EQ(got.size(), 1u) << url;
    return got.empty() ? Response() : std::move(got[0]);
  }

  testing::TestServer server_;
  Collector collector_;
};

TEST_F(RendererTest, RendersTheDomAfterScriptsRan) {
  Renderer renderer(Settings(), collector_.Done());
  ASSERT_OK(renderer.Start());

  Response plain = RenderOne(renderer, server_.Url("/app"));
  ASSERT_TRUE(plain.ok()) << plain.error_detail;
  EXPECT_EQ(plain.status, 200);
  EXPECT_TRUE(plain.rendered);
  EXPECT_GT(plain.render_ms, 0);
  EXPECT_EQ(plain.final_url, server_.Url("/app"));
  EXPECT_EQ(plain.content_type, "text/html; charset=utf-8");
  EXPECT_NE(plain.body.find("<p id=\"sync\">script ran</p>"), std::string::npos)
      << plain.body;
  EXPECT_TRUE(plain.Header("Content-Type").has_value());

  Response waited =
      RenderOne(renderer, server_.Url("/app"), RenderOptions{"#app li", false});
  ASSERT_TRUE(waited.ok()) << waited.error_detail;
  EXPECT_NE(waited.body.find("<li>one</li><li>two</li>"), std::string::npos)
      << waited.body;

  Response idle =
      RenderOne(renderer, server_.Url("/app"), RenderOptions{"", true});
  ASSERT_TRUE(idle.ok()) << idle.error_detail;
  EXPECT_NE(idle.body.find("<li>one</li>"), std::string::npos) << idle.body;
  EXPECT_EQ(renderer.in_flight(), 0);
}

TEST_F(RendererTest, NetworkIdleWaitsForTheRequestsOfAFrameOfAnotherSite) {
  // 127.0.0.2 is another site: Chromium runs its frame in a process (and a
  // DevTools session) of its own, whose requests the page's session does
  // not see. The frame's fetch() does not hold up the load event.
  testing::TestServerOptions other;
  other.host = "127.0.0.2";
  testing::TestServer outside(other);
  outside.Get("/frame", [](const httplib::Request&, const std::smatch&,
                           httplib::Response& res) {
    res.set_content(
        "<html><body>frame<script>fetch('/delay/700')</script></body></html>",
        "text/html");
  });
  const std::string page = "<html><body><iframe src=\"" +
                           outside.Url("/frame") + "\"></iframe></body></html>";
  server_.Get("/framed", [page](const httplib::Request&, const std::smatch&,
                                httplib::Response& res) {
    res.set_content(page, "text/html");
  });
  Renderer renderer(Settings(), collector_.Done());
  ASSERT_OK(renderer.Start());

  Response framed =
      RenderOne(renderer, server_.Url("/framed"), RenderOptions{"", true});
  ASSERT_TRUE(framed.ok()) << FetchErrorName(framed.error) << " "
                           << framed.error_detail;
  EXPECT_EQ(outside.Hits("/delay/700"), 1);
  // The frame's request took 700 ms, then 500 ms without one.
  EXPECT_GE(framed.render_ms, 1200);
  EXPECT_LT(framed.render_ms, 10'000);
  EXPECT_NE(framed.body.find("<iframe"), std::string::npos);
}

TEST_F(RendererTest, KilledBrowserFailsItsRenderAndIsRestarted) {
  Renderer renderer(Settings(), collector_.Done());
  ASSERT_OK(renderer.Start());
  EXPECT_EQ(renderer.browser_starts(), 1);

  renderer.Render(Get(server_.Url("/delay/5000")), {});
  Clock::time_point deadline = Clock::now() + milliseconds(10'000);
  while (server_.Hits("/delay/5000") == 0 && Clock::now() < deadline)
    std::this_thread::sleep_for(milliseconds(10));
  ASSERT_EQ(server_.Hits("/delay/5000"), 1);
  pid_t pid = renderer.browser_pid();
  ASSERT_GT(pid, 0);
  ASSERT_EQ(kill(pid, SIGKILL), 0);
  std::vector<Response> crashed = collector_.WaitFor(1);
  ASSERT_EQ(crashed.size(), 1u);
  EXPECT_EQ(crashed[0].error, FetchError::kRenderCrash)
      << FetchErrorName(crashed[0].error) << " " << crashed[0].error_detail;

  Response next = RenderOne(renderer, server_.Url("/app"));
  ASSERT_TRUE(next.ok()) << next.error_detail;
  EXPECT_EQ(renderer.browser_starts(), 2);
  EXPECT_NE(renderer.browser_pid(), pid);
}

// One process as /proc/<pid>/stat tells it.
struct ProcStat {
  pid_t pid = 0;
  std::string comm;
  char state = '?';
  pid_t ppid = 0;
  pid_t pgrp = 0;
};

std::vector<ProcStat> Processes() {
  std::vector<ProcStat> out;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
    std::ifstream in(entry.path() / "stat");
    std::string line;
    if (!std::getline(in, line)) continue;
    size_t open = line.find('('), close = line.rfind(')');
    if (open == std::string::npos || close == std::string::npos) continue;
    ProcStat stat;
    stat.pid = std::atoi(line.c_str());
    stat.comm = line.substr(open + 1, close - open - 1);
    std::istringstream rest(line.substr(close + 2));
    rest >> stat.state >> stat.ppid >> stat.pgrp;
    out.push_back(stat);
  }
  return out;
}

// Live (not zombie) processes in process group `pgrp`, or descending from us
// with "chrom" in their name.
std::vector<std::string> OurBrowserProcesses(pid_t pgrp) {
  std::vector<ProcStat> all = Processes();
  std::vector<std::string> found;
  for (const ProcStat& p : all) {
    if (p.state == 'Z') continue;
    bool ours = p.pgrp == pgrp;
    if (!ours && p.comm.find("chrom") != std::string::npos) {
      pid_t parent = p.ppid;
      for (int hops = 0; parent > 1 && hops < 64; ++hops) {
        if (parent == getpid()) ours = true;
        pid_t next = 0;
        for (const ProcStat& q : all)
          if (q.pid == parent) next = q.ppid;
        parent = next;
      }
    }
    if (ours) found.push_back(std::to_string(p.pid) + " " + p.comm);
  }
  return found;
}

// Chromium's renderer processes (--type=renderer) in process group `pgrp`.
std::vector<pid_t> RendererPids(pid_t pgrp) {
  std::vector<pid_t> out;
  for (const ProcStat& p : Processes()) {
    if (p.pgrp != pgrp || p.state == 'Z') continue;
    std::ifstream in("/proc/" + std::to_string(p.pid) + "/cmdline");
    std::string cmdline((std::istreambuf_iterator<char>(in)),
                        std::istreambuf_iterator<char>());
    if (cmdline.find("--type=renderer") != std::string::npos)
      out.push_back(p.pid);
  }
  return out;
}

TEST_F(RendererTest, StopLeavesNoBrowserProcess) {
  Renderer renderer(Settings(), collector_.Done());
  ASSERT_OK(renderer.Start());
  Response page = RenderOne(renderer, server_.Url("/app"));
  ASSERT_TRUE(page.ok()) << page.error_detail;
  pid_t pgrp = renderer.browser_pid();
  ASSERT_GT(pgrp, 0);
  EXPECT_FALSE(OurBrowserProcesses(pgrp).empty());
  // A render in flight at Stop() gets no Done.
  renderer.Render(Get(server_.Url("/delay/3000")), {});
  renderer.Stop();
  std::vector<std::string> left = OurBrowserProcesses(pgrp);
  Clock::time_point deadline = Clock::now() + milliseconds(3000);
  while (!left.empty() && Clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(50));
    left = OurBrowserProcesses(pgrp);
  }
  EXPECT_TRUE(left.empty()) << left.size() << " left, first: " << left[0];
  EXPECT_TRUE(collector_.WaitFor(1, milliseconds(200)).empty());
}

// A crawlbox killed with kill -9 leaves its browser's profile behind (no
// destructor runs); the next Renderer removes it, and leaves alone the
// profile of a crawlbox that still runs.
TEST_F(RendererTest, StartRemovesProfilesOfCrawlersThatAreGone) {
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) _exit(0);
  ASSERT_EQ(waitpid(child, nullptr, 0), child);  // now a pid that is gone
  const char* tmp = getenv("TMPDIR");
  const std::filesystem::path dir = tmp && *tmp ? tmp : "/tmp";
  const std::filesystem::path stale =
      dir / ("crawlbox-render-" + std::to_string(child) + "-test00");
  const std::filesystem::path live =
      dir / ("crawlbox-render-" + std::to_string(getppid()) + "-test00");
  std::filesystem::create_directories(stale / "Default");
  std::filesystem::create_directories(live);
  Renderer renderer(Settings(), collector_.Done());
  ASSERT_OK(renderer.Start());
  EXPECT_FALSE(std::filesystem::exists(stale));
  EXPECT_TRUE(std::filesystem::exists(live));
  renderer.Stop();
  std::filesystem::remove_all(live);
}

TEST_F(RendererTest, ImagesAreBlockedUnlessLoadImages) {
  {
    Renderer renderer(Settings(), collector_.Done());
    ASSERT_OK(renderer.Start());
    Response page =
        RenderOne(renderer, server_.Url("/poster"), RenderOptions{"", true});
    ASSERT_TRUE(page.ok()) << page.error_detail;
    EXPECT_EQ(server_.Hits("/img/1.png"), 0);
  }
  RenderSettings settings = Settings();
  settings.load_images = true;
  Renderer renderer(settings, collector_.Done());
  ASSERT_OK(renderer.Start());
  Response page =
      RenderOne(renderer, server_.Url("/poster"), RenderOptions{"", true});
  ASSERT_TRUE(page.ok()) << page.error_detail;
  EXPECT_EQ(server_.Hits("/img/1.png"), 1);
}

TEST_F(RendererTest, RendersManyPagesOnSeveralTabsAtOnce) {
  RenderSettings settings = Settings();
  settings.tabs = 4;
  settings.recycle_tab_after = 3;  // tabs are replaced on the way
  Renderer renderer(settings, collector_.Done());
  ASSERT_OK(renderer.Start());
  server_.SetLatency(milliseconds(200));
  for (int i = 0; i < 20; ++i)
    renderer.Render(Get(server_.Url("/app?page=" + std::to_string(i))),
                    RenderOptions{"#app li", false});
  std::vector<Response> got = collector_.WaitFor(20, milliseconds(30'000));
  ASSERT_EQ(got.size(), 20u);
  for (const Response& r : got) {
    EXPECT_TRUE(r.ok()) << r.request.url << ": " << r.error_detail;
    EXPECT_NE(r.body.find("<li>two</li>"), std::string::npos) << r.request.url;
  }
  EXPECT_GE(server_.MaxConcurrent(), 2);
  EXPECT_EQ(renderer.in_flight(), 0);
  EXPECT_EQ(renderer.browser_starts(), 1);
}

TEST_F(RendererTest, SendsTheJobsUserAgentAndReportsNavigationErrors) {
  RenderSettings settings = Settings();
  settings.user_agent = "crawlbox-test/1.0 (+render)";
  Renderer renderer(settings, collector_.Done());
  ASSERT_OK(renderer.Start());
  Response page = RenderOne(renderer, server_.Url("/app"));
  ASSERT_TRUE(page.ok()) << page.error_detail;
  bool seen = false;
  for (const testing::RequestRecord& record : server_.RequestLog()) {
    if (record.target != "/app") continue;
    seen = true;
    EXPECT_EQ(record.user_agent, settings.user_agent);
  }
  EXPECT_TRUE(seen);

  Response missing = RenderOne(renderer, server_.Url("/status/404"));
  ASSERT_TRUE(missing.ok()) << missing.error_detail;
  EXPECT_EQ(missing.status, 404);
  EXPECT_TRUE(missing.rendered);

  std::string closed;
  {
    testing::TestServer gone;
    closed = gone.Url("/");
  }
  Response refused = RenderOne(renderer, closed);
  EXPECT_EQ(refused.error, FetchError::kConnect) << refused.error_detail;
  EXPECT_NE(refused.error_detail.find("ERR_CONNECTION_REFUSED"),
            std::string::npos)
      << refused.error_detail;
}

// Kills every renderer process (Chromium's --type=renderer children) in
// process group `pgrp`; returns how many.
int KillRenderers(pid_t pgrp) {
  int killed = 0;
  for (pid_t pid : RendererPids(pgrp))
    if (kill(pid, SIGKILL) == 0) ++killed;
  return killed;
}

// Waits up to `wait` until `pred` holds; returns whether it did.
template <typename Pred>
bool Eventually(Pred pred, milliseconds wait) {
  Clock::time_point deadline = Clock::now() + wait;
  while (!pred()) {
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(milliseconds(50));
  }
  return true;
}

TEST_F(RendererTest, ScriptThatNeverEndsTimesOutAndTheNextPageRenders) {
  RenderSettings settings = Settings();
  settings.timeout_ms = 1500;
  Renderer renderer(settings, collector_.Done());
  ASSERT_OK(renderer.Start());

  Clock::time_point start = Clock::now();
  Response looped = RenderOne(renderer, server_.Url("/loop"));
  EXPECT_EQ(looped.error, FetchError::kRenderTimeout) << looped.error_detail;
  EXPECT_STREQ(FetchErrorName(looped.error), "render_timeout");
  EXPECT_LT(Clock::now() - start, milliseconds(1500 + 3000));
  // Closing the tab ended the renderer process that still runs the script.
  EXPECT_TRUE(
      Eventually([&] { return RendererPids(renderer.browser_pid()).empty(); },
                 milliseconds(3000)))
      << "the looping renderer process is still there";

  Response next =
      RenderOne(renderer, server_.Url("/app"), RenderOptions{"#app li", false});
  ASSERT_TRUE(next.ok()) << next.error_detail;
  EXPECT_NE(next.body.find("<li>one</li>"), std::string::npos);
}

TEST_F(RendererTest, TabsOfOneSiteShareARendererProcessAndItsCrash) {
  // Two pages of 127.0.0.1 and one of 127.0.0.2 (another site), each held
  // open by a script that takes 2 s to arrive.
  testing::TestServerOptions other;
  other.host = "127.0.0.2";
  testing::TestServer outside(other);
  for (testing::TestServer* server : {&server_, &outside})
    server->Get("/slow", [](const httplib::Request&, const std::smatch&,
                            httplib::Response& res) {
      res.set_content(
          "<html><body>slow<script src=\"/delay/5000\"></script></body></html>",
          "text/html");
    });
  RenderSettings settings = Settings();
  settings.tabs = 3;
  Renderer renderer(settings, collector_.Done());
  ASSERT_OK(renderer.Start());
  const pid_t pgrp = renderer.browser_pid();
  renderer.Render(Get(server_.Url("/slow?1")), {});
  renderer.Render(Get(server_.Url("/slow?2")), {});
  // Served (counted once answered), so the documents commit and wait for
  // their script.
  ASSERT_TRUE(Eventually(
      [&] { return server_.Hits("/slow?1") + server_.Hits("/slow?2") == 2; },
      milliseconds(5000)));
  std::this_thread::sleep_for(milliseconds(500));
  std::vector<pid_t> shared = RendererPids(pgrp);
  ASSERT_EQ(shared.size(), 1u) << "two tabs of one site, one process";
  renderer.Render(Get(outside.Url("/slow")), {});
  ASSERT_TRUE(Eventually([&] { return outside.Hits("/slow") == 1; },
                         milliseconds(5000)));
  std::this_thread::sleep_for(milliseconds(500));
  ASSERT_EQ(RendererPids(pgrp).size(), 2u) << "another site, another process";
  ASSERT_EQ(kill(shared[0], SIGKILL), 0);

  std::vector<Response> got = collector_.WaitFor(3);
  ASSERT_EQ(got.size(), 3u);
  for (const Response& response : got) {
    if (response.request.url == outside.Url("/slow")) {
      EXPECT_TRUE(response.ok()) << response.error_detail;
      EXPECT_EQ(response.status, 200);
    } else {
      EXPECT_EQ(response.error, FetchError::kRenderCrash)
          << response.request.url << " " << FetchErrorName(response.error);
    }
  }
  // The next page of the crashed site renders in the same browser.
  Response next = RenderOne(renderer, server_.Url("/app"));
  EXPECT_TRUE(next.ok()) << next.error_detail;
  EXPECT_EQ(renderer.browser_starts(), 1);
}

TEST_F(RendererTest, AnIdleTabIsClosedAndANewOneOpensForTheNextPage) {
  Renderer renderer(Settings(), collector_.Done());
  ASSERT_OK(renderer.Start());
  const pid_t pgrp = renderer.browser_pid();
  EXPECT_TRUE(RendererPids(pgrp).empty());  // no tab before the first page
  Response first = RenderOne(renderer, server_.Url("/app"));
  ASSERT_TRUE(first.ok()) << first.error_detail;
  EXPECT_FALSE(RendererPids(pgrp).empty());
  // The renderer closes a tab after 2 s without a page.
  EXPECT_TRUE(Eventually([&] { return RendererPids(pgrp).empty(); },
                         milliseconds(6000)))
      << RendererPids(pgrp).size() << " renderer processes left";
  Response second =
      RenderOne(renderer, server_.Url("/app"), RenderOptions{"#app li", false});
  ASSERT_TRUE(second.ok()) << second.error_detail;
  EXPECT_NE(second.body.find("<li>one</li>"), std::string::npos);
  EXPECT_EQ(renderer.browser_starts(), 1);
}

TEST_F(RendererTest, CrashedTabFailsItsRenderAndTheNextPageRenders) {
  RenderSettings settings = Settings();
  settings.tabs = 1;
  Renderer renderer(settings, collector_.Done());
  ASSERT_OK(renderer.Start());
  renderer.Render(Get(server_.Url("/loop")), {});
  Clock::time_point deadline = Clock::now() + milliseconds(5000);
  while (server_.Hits("/loop") == 0 && Clock::now() < deadline)
    std::this_thread::sleep_for(milliseconds(10));
  ASSERT_EQ(server_.Hits("/loop"), 1);
  std::this_thread::sleep_for(milliseconds(300));  // the script is running
  ASSERT_GT(KillRenderers(renderer.browser_pid()), 0);
  std::vector<Response> crashed = collector_.WaitFor(1);
  ASSERT_EQ(crashed.size(), 1u);
  EXPECT_EQ(crashed[0].error, FetchError::kRenderCrash)
      << FetchErrorName(crashed[0].error) << " " << crashed[0].error_detail;
  EXPECT_LT(crashed[0].render_ms, settings.timeout_ms);

  Response next = RenderOne(renderer, server_.Url("/app"));
  ASSERT_TRUE(next.ok()) << next.error_detail;
  EXPECT_EQ(renderer.browser_starts(), 1);
}

TEST_F(RendererTest, BrowserIsRestartedAfterRecycleBrowserAfterPages) {
  RenderSettings settings = Settings();
  settings.tabs = 1;
  settings.recycle_browser_after = 2;
  Renderer renderer(settings, collector_.Done());
  ASSERT_OK(renderer.Start());
  pid_t first = renderer.browser_pid();
  for (int i = 0; i < 3; ++i) {
    Response page = RenderOne(renderer, server_.Url("/app"));
    ASSERT_TRUE(page.ok()) << i << ": " << page.error_detail;
  }
  EXPECT_EQ(renderer.browser_starts(), 2);
  EXPECT_NE(renderer.browser_pid(), first);
}

TEST_F(RendererTest, ReadsADomOfSeveralMegabytes) {
  server_.Get("/big", [](const httplib::Request&, const std::smatch&,
                         httplib::Response& res) {
    res.set_content(
        "<html><body><div id=big></div><script>document.getElementById('big')"
        ".textContent = 'x'.repeat(4 * 1024 * 1024) + 'end';</script>"
        "</body></html>",
        "text/html");
  });
  Renderer renderer(Settings(), collector_.Done());
  ASSERT_OK(renderer.Start());
  Response page = RenderOne(renderer, server_.Url("/big"));
  ASSERT_TRUE(page.ok()) << page.error_detail;
  EXPECT_GT(page.body.size(), 4u * 1024 * 1024);
  EXPECT_NE(page.body.find("xxxend</div>"), std::string::npos);
}

TEST(RendererStartTest, MissingChromiumIsUnavailable) {
  RenderSettings settings;
  settings.chromium = "/nonexistent/chromium";
  Renderer renderer(settings, [](Response&&) {});
  config::Status status = renderer.Start();
  EXPECT_EQ(status.code(), config::Status::Code::kUnavailable);
  EXPECT_NE(status.message().find("/nonexistent/chromium"), std::string::npos);
}

}  // namespace
}  // namespace crawlbox::crawler
