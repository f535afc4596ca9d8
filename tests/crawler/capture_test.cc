// Tests of crawler/render/capture.h through the Renderer, against headless
// Chromium and the local TestServer: which responses are captured (XHR and
// fetch() whose URL matches, JSON), waiting for those in flight, and every
// reason a capture is not kept while the page itself renders.
#include "crawler/render/capture.h"

#include <gtest/gtest.h>
#include <re2/re2.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "crawler/render/renderer.h"
#include "tests/support/spa_site.h"
#include "tests/support/status_matchers.h"
#include "tests/support/test_server.h"

namespace crawlbox::crawler {
namespace {

using std::chrono::milliseconds;

constexpr char kChromium[] = "/usr/bin/chromium";

// Fetches two JSON endpoints (one by fetch(), one by XHR) and loads a script
// whose URL the capture pattern also matches; #ready once both answered.
constexpr char kTwoEndpoints[] = R"(<!doctype html><html><head>
<script src="/data/app.js"></script></head><body><div id="out"></div><script>
var left = 2;
function done(text) {
  document.getElementById('out').textContent += text;
  if (--left === 0) document.body.insertAdjacentHTML('beforeend', '<i id="ready"></i>');
}
fetch('/data/match.json').then(r => r.text()).then(done);
var xhr = new XMLHttpRequest();
xhr.open('GET', '/other/nomatch.json');
xhr.onload = () => done(xhr.responseText);
xhr.send();
</script></body></html>)";

// Fetches each URL of the query string (?a&b&...) after the load event, so
// they are in flight when the renderer reads the DOM.
constexpr char kFetchAll[] = R"(<!doctype html><html><body><script>
window.addEventListener('load', () => {
  for (const url of location.search.slice(1).split('&'))
    fetch(decodeURIComponent(url)).then(r => r.text()).catch(() => {});
});
</script></body></html>)";

constexpr char kMatchJson[] = R"({"items":[{"id":1},{"id":2}]})";

std::shared_ptr<const re2::RE2> Pattern(const std::string& text) {
  return std::make_shared<const re2::RE2>(text);
}

class CaptureTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (access(kChromium, X_OK) != 0)
      GTEST_SKIP() << kChromium << " is missing: apt-get install chromium";
    auto content = [](std::string body, std::string type) {
      return
          [body, type](const httplib::Request&, const std::smatch&,
                       httplib::Response& res) { res.set_content(body, type); };
    };
    server_.Get("/two", content(kTwoEndpoints, "text/html"));
    server_.Get("/fetch", content(kFetchAll, "text/html"));
    server_.Get("/data/app.js", content("var app = 1;", "text/javascript"));
    server_.Get("/data/match.json", content(kMatchJson, "application/json"));
    server_.Get("/other/nomatch.json",
                content(R"({"other":true})", "application/json"));
    server_.Get("/data/plain", content(R"(["json", "as text"])", "text/plain"));
    server_.Get("/data/html", content("<p>not json</p>", "text/html"));
    server_.Get("/data/big.json", content("[\"" + std::string(500, 'x') + "\"]",
                                          "application/json"));
    server_.Get("/data/slow.json",
                [](const httplib::Request&, const std::smatch&,
                   httplib::Response& res) {
                  std::this_thread::sleep_for(milliseconds(1000));
                  res.set_content(kMatchJson, "application/json");
                });
    // Answers only when the test ends.
    server_.Get("/data/never.json",
                [this](const httplib::Request&, const std::smatch&,
                       httplib::Response& res) {
                  std::unique_lock lock(stop_mu_);
                  stop_cv_.wait(lock, [&] { return stopping_; });
                  res.set_content(kMatchJson, "application/json");
                });
  }

  void TearDown() override {
    {
      std::lock_guard lock(stop_mu_);
      stopping_ = true;
    }
    stop_cv_.notify_all();
  }

  RenderSettings Settings(std::vector<std::string> patterns) {
    RenderSettings settings;
    settings.chromium = kChromium;
    settings.tabs = 1;
    settings.timeout_ms = 10'000;
    for (const std::string& p : patterns)
      settings.capture.urls.push_back(Pattern(p));
    return settings;
  }

  // Renders `path` with `settings` in a renderer of its own.
  Response Render(RenderSettings settings, const std::string& path,
                  RenderOptions options = {}) {
    std::mutex mu;
    std::condition_variable cv;
    std::vector<Response> got;
    Renderer renderer(std::move(settings), [&](Response&& response) {
      std::lock_guard lock(mu);
      got.push_back(std::move(response));
      cv.notify_all();
    });
    EXPECT_OK(renderer.Start());
    Request request;
    request.url = server_.Url(path);
    renderer.Render(std::move(request), options);
    std::unique_lock lock(mu);
    cv.wait_for(lock, milliseconds(30'000), [&] { return !got.empty(); });
    EXPECT_EQ(got.size(), 1u) << path;
    return got.empty() ? Response() : std::move(got[0]);
  }

  // "/fetch?<a>&<b>...": the page fetches each path after its load event.
  static std::string FetchAll(const std::vector<std::string>& paths) {
    std::string url = "/fetch?";
    for (const std::string& p : paths)
      url += (url.back() == '?' ? "" : "&") + p;
    return url;
  }

  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
  testing::TestServer server_;  // last: stopped first, with stopping_ set
};

TEST_F(CaptureTest, CapturesTheMatchingJsonEndpointOnly) {
  Response r = Render(Settings({"/data/"}), "/two", RenderOptions{"#ready"});
  ASSERT_TRUE(r.ok()) << r.error_detail;
  ASSERT_EQ(r.captured.size(), 1u);
  const Captured& c = r.captured[0];
  EXPECT_EQ(c.url, server_.Url("/data/match.json"));
  EXPECT_EQ(c.status, 200);
  EXPECT_EQ(c.content_type, "application/json");
  EXPECT_EQ(c.body, kMatchJson);
  EXPECT_EQ(c.error, "") << c.error_detail;
  // The page itself is what it was without capture.
  EXPECT_NE(r.body.find(R"({"other":true})"), std::string::npos) << r.body;
}

TEST_F(CaptureTest, NothingIsCapturedWithoutPatterns) {
  Response r = Render(Settings({}), "/two", RenderOptions{"#ready"});
  ASSERT_TRUE(r.ok()) << r.error_detail;
  EXPECT_TRUE(r.captured.empty());
}

// No wait_for: the load event comes before the response, and the render
// waits for the captured request in flight.
TEST_F(CaptureTest, WaitsForACapturedRequestInFlight) {
  Response r = Render(Settings({"/data/"}), FetchAll({"/data/slow.json"}));
  ASSERT_TRUE(r.ok()) << r.error_detail;
  ASSERT_EQ(r.captured.size(), 1u);
  EXPECT_EQ(r.captured[0].error, "") << r.captured[0].error_detail;
  EXPECT_EQ(r.captured[0].body, kMatchJson);
  EXPECT_GE(r.render_ms, 900);
}

TEST_F(CaptureTest, ARequestPastTheTimeoutIsCountedAndThePageGoesOn) {
  RenderSettings settings = Settings({"/data/"});
  settings.timeout_ms = 2000;
  Response r = Render(settings, FetchAll({"/data/never.json"}));
  ASSERT_TRUE(r.ok()) << FetchErrorName(r.error) << " " << r.error_detail;
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("<script>"), std::string::npos);
  ASSERT_EQ(r.captured.size(), 1u);
  EXPECT_EQ(r.captured[0].url, server_.Url("/data/never.json"));
  EXPECT_EQ(r.captured[0].error, "timeout");
  EXPECT_EQ(r.captured[0].body, "");
}

// Each reason a matching response is not kept, beside one that is: JSON by
// its body alone (text/plain) counts as JSON.
TEST_F(CaptureTest, SaysWhyEachResponseIsNotKept) {
  RenderSettings settings = Settings({"/data/", "/spa/api/"});
  settings.capture.max_bytes = 300;  // /data/big.json is 504 bytes
  Response r =
      Render(settings, FetchAll({"/data/plain", "/data/html", "/data/big.json",
                                 "/spa/api/page/999.json"}));
  ASSERT_TRUE(r.ok()) << r.error_detail;
  std::map<std::string, std::string> errors;  // path → error
  for (const Captured& c : r.captured)
    errors[c.url.substr(server_.Url("").size())] = c.error;
  EXPECT_EQ(errors, (std::map<std::string, std::string>{
                        {"/data/plain", ""},
                        {"/data/html", "not_json"},
                        {"/data/big.json", "too_large"},
                        {"/spa/api/page/999.json", "http_status"}}));
  for (const Captured& c : r.captured) {
    if (c.error.empty()) {
      EXPECT_EQ(c.body, R"(["json", "as text"])");
    } else {
      EXPECT_EQ(c.body, "") << c.url;
    }
  }
}

// The bound is the page's, over all its captures: two bodies that fit one by
// one but not together keep the first to end.
TEST_F(CaptureTest, TheByteBoundHoldsForThePageAsAWhole) {
  RenderSettings settings = Settings({"/spa/api/"});
  const size_t one = testing::SpaPageJson(1).size();
  settings.capture.max_bytes = static_cast<int64_t>(one + one / 2);
  Response r = Render(
      settings, FetchAll({"/spa/api/page/1.json", "/spa/api/page/2.json"}));
  ASSERT_TRUE(r.ok()) << r.error_detail;
  ASSERT_EQ(r.captured.size(), 2u);
  int kept = 0;
  for (const Captured& c : r.captured) {
    if (c.error.empty()) {
      ++kept;
    } else {
      EXPECT_EQ(c.error, "too_large");
    }
  }
  EXPECT_EQ(kept, 1);
}

}  // namespace
}  // namespace crawlbox::crawler
