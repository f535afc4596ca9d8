// Tests of crawler/render/interceptor.h and cookie_sync.h through the
// Renderer, against headless Chromium and local TestServers (127.0.0.1,
// 127.0.0.2 and 127.0.0.3: three hosts): a page's redirect comes back
// unfollowed, frames, script navigations and (when gated) subresources load
// only where the gates allow, and the cookies set reach the server.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "crawler/render/renderer.h"
#include "tests/support/status_matchers.h"
#include "tests/support/test_server.h"

namespace crawlbox::crawler {
namespace {

using std::chrono::milliseconds;

constexpr char kChromium[] = "/usr/bin/chromium";

// The gates' answers and the URLs they were asked about.
class Gates {
 public:
  // Allows URLs of `host` ("http://127.0.0.1:" style prefix) only.
  explicit Gates(std::string allowed_prefix)
      : allowed_(std::move(allowed_prefix)) {}
  std::function<bool(std::string_view)> Gate(std::set<std::string>* asked) {
    return [this, asked](std::string_view url) {
      std::lock_guard lock(mu_);
      asked->emplace(url);
      return url.starts_with(allowed_);
    };
  }
  std::set<std::string> documents() {
    std::lock_guard lock(mu_);
    return documents_;
  }
  std::set<std::string> subresources() {
    std::lock_guard lock(mu_);
    return subresources_;
  }
  std::set<std::string>* documents_asked() { return &documents_; }
  std::set<std::string>* subresources_asked() { return &subresources_; }

 private:
  const std::string allowed_;
  std::mutex mu_;
  std::set<std::string> documents_;
  std::set<std::string> subresources_;
};

class InterceptorTest : public ::testing::Test {
 protected:
  InterceptorTest()
      : other_([] {
          testing::TestServerOptions options;
          options.host = "127.0.0.2";
          return options;
        }()) {}

  void SetUp() override {
    if (access(kChromium, X_OK) != 0)
      GTEST_SKIP() << kChromium << " is missing: apt-get install chromium";
    auto page = [this](const std::string& path, std::string html) {
      server_.Get(path, [html](const httplib::Request&, const std::smatch&,
                               httplib::Response& res) {
        res.set_content(html, "text/html");
      });
    };
    page("/framed",
         "<html><body><p id=top>top</p><iframe src=\"" +
             other_.Url("/status/200") +
             "\"></iframe><iframe src=\"/status/201\"></iframe></body></html>");
    page("/scripted",
         "<html><body><p id=far></p><p id=near></p><script src=\"" +
             other_.Url("/far.js") +
             "\"></script><script src=\"/near.js\"></script>"
             "</body></html>");
    page("/leaves",
         "<html><body><p id=stay>stay</p><script>location.href = \"" +
             other_.Url("/status/202") + "\";</script></body></html>");
    for (testing::TestServer* server : {&server_, &other_}) {
      const std::string which = server == &server_ ? "near" : "far";
      server->Get("/" + which + ".js", [which](const httplib::Request&,
                                               const std::smatch&,
                                               httplib::Response& res) {
        res.set_content(
            "document.getElementById('" + which + "').textContent = 'loaded';",
            "text/javascript");
      });
    }
  }

  RenderSettings Settings() {
    RenderSettings settings;
    settings.chromium = kChromium;
    settings.tabs = 1;
    settings.timeout_ms = 10'000;
    return settings;
  }

  Response RenderOne(Renderer& renderer, const std::string& url,
                     RenderOptions options = {}) {
    Request request;
    request.url = url;
    renderer.Render(request, std::move(options));
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, milliseconds(20'000), [&] { return !got_.empty(); });
    EXPECT_EQ(got_.size(), 1u) << url;
    Response out = got_.empty() ? Response() : std::move(got_.front());
    got_.clear();
    return out;
  }
  Renderer::Done Done() {
    return [this](Response&& response) {
      std::lock_guard lock(mu_);
      got_.push_back(std::move(response));
      cv_.notify_all();
    };
  }

  testing::TestServer server_;
  testing::TestServer other_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Response> got_;
};

TEST_F(InterceptorTest, ARedirectComesBackUnfollowed) {
  Renderer renderer(Settings(), Done());
  ASSERT_OK(renderer.Start());
  Response moved = RenderOne(renderer, server_.Url("/redirect/2"));
  ASSERT_TRUE(moved.ok()) << moved.error_detail;
  EXPECT_TRUE(moved.rendered);
  EXPECT_EQ(moved.status, 302);
  EXPECT_EQ(moved.Header("location").value_or(""), "/redirect/1");
  EXPECT_EQ(moved.final_url, server_.Url("/redirect/2"));
  EXPECT_EQ(moved.body, "");
  EXPECT_EQ(server_.Hits("/redirect/1"), 0);

  const std::string away = other_.Url("/status/200");
  Response permanent =
      RenderOne(renderer, server_.Url("/redirect-to?status=301&url=" + away));
  ASSERT_TRUE(permanent.ok()) << permanent.error_detail;
  EXPECT_EQ(permanent.status, 301);
  EXPECT_EQ(permanent.Header("location").value_or(""), away);
  EXPECT_EQ(other_.TotalHits(), 0);

  // The tab goes on with the next page as usual.
  Response plain = RenderOne(renderer, server_.Url("/status/200"));
  ASSERT_TRUE(plain.ok()) << plain.error_detail;
  EXPECT_EQ(plain.status, 200);
  EXPECT_NE(plain.body.find("status 200"), std::string::npos) << plain.body;
}

TEST_F(InterceptorTest, FramesAndScriptNavigationsLoadOnlyWhereTheGateAllows) {
  Gates gates(server_.Url(""));
  RenderSettings settings = Settings();
  settings.allow_document = gates.Gate(gates.documents_asked());
  Renderer renderer(settings, Done());
  ASSERT_OK(renderer.Start());

  Response framed =
      RenderOne(renderer, server_.Url("/framed"), RenderOptions{"", true});
  ASSERT_TRUE(framed.ok()) << framed.error_detail;
  EXPECT_EQ(framed.status, 200);
  EXPECT_EQ(server_.Hits("/status/201"), 1);
  EXPECT_EQ(other_.Hits("/status/200"), 0);

  Response leaves =
      RenderOne(renderer, server_.Url("/leaves"), RenderOptions{"", true});
  ASSERT_TRUE(leaves.ok()) << leaves.error_detail;
  EXPECT_NE(leaves.body.find("<p id=\"stay\">stay</p>"), std::string::npos)
      << leaves.body;
  EXPECT_EQ(other_.TotalHits(), 0);

  // The pages themselves were not asked about: the Frontier handed them out.
  const std::set<std::string> asked = gates.documents();
  EXPECT_EQ(asked.count(server_.Url("/framed")), 0u);
  EXPECT_EQ(asked.count(server_.Url("/status/201")), 1u);
  EXPECT_EQ(asked.count(other_.Url("/status/200")), 1u);
  EXPECT_EQ(asked.count(other_.Url("/status/202")), 1u);
}

TEST_F(InterceptorTest, SubresourcesAreGatedOnlyWhenAsked) {
  {
    Renderer open(Settings(), Done());
    ASSERT_OK(open.Start());
    Response page =
        RenderOne(open, server_.Url("/scripted"), RenderOptions{"", true});
    ASSERT_TRUE(page.ok()) << page.error_detail;
    EXPECT_NE(page.body.find("<p id=\"far\">loaded</p>"), std::string::npos)
        << page.body;
    EXPECT_EQ(other_.Hits("/far.js"), 1);
  }
  other_.ResetCounts();
  Gates gates(server_.Url(""));
  RenderSettings settings = Settings();
  settings.allow_subresource = gates.Gate(gates.subresources_asked());
  Renderer gated(settings, Done());
  ASSERT_OK(gated.Start());
  Response page =
      RenderOne(gated, server_.Url("/scripted"), RenderOptions{"", true});
  ASSERT_TRUE(page.ok()) << page.error_detail;
  EXPECT_NE(page.body.find("<p id=\"near\">loaded</p>"), std::string::npos)
      << page.body;
  EXPECT_NE(page.body.find("<p id=\"far\"></p>"), std::string::npos)
      << page.body;
  EXPECT_EQ(other_.Hits("/far.js"), 0);
  EXPECT_EQ(gates.subresources().count(other_.Url("/far.js")), 1u);
}

TEST_F(InterceptorTest, CookiesSetReachTheServerAndAreReplaced) {
  Renderer renderer(Settings(), Done());
  ASSERT_OK(renderer.Start());
  Cookie session;
  session.name = "session";
  session.value = "first";
  session.domain = "127.0.0.1";
  session.http_only = true;
  Cookie other = session;
  other.name = "elsewhere";
  other.domain = "127.0.0.2";
  renderer.SetCookies({session, other});
  Response page = RenderOne(renderer, server_.Url("/headers"));
  ASSERT_TRUE(page.ok()) << page.error_detail;
  EXPECT_NE(page.body.find("session=first"), std::string::npos) << page.body;
  EXPECT_EQ(page.body.find("elsewhere"), std::string::npos) << page.body;

  session.value = "second";
  renderer.SetCookies({session});
  page = RenderOne(renderer, server_.Url("/headers"));
  ASSERT_TRUE(page.ok()) << page.error_detail;
  EXPECT_NE(page.body.find("session=second"), std::string::npos) << page.body;
}

// A frame of another site runs in a process of its own: its own frames and
// scripts are held to the gates all the same.
TEST_F(InterceptorTest, AFrameOfAnotherSiteIsHeldToo) {
  testing::TestServerOptions options;
  options.host = "127.0.0.3";
  testing::TestServer third(options);
  const std::string frame = "<html><body><iframe src=\"" +
                            third.Url("/status/200") +
                            "\"></iframe><script src=\"" +
                            third.Url("/far.js") + "\"></script></body></html>";
  other_.Get("/frame", [frame](const httplib::Request&, const std::smatch&,
                               httplib::Response& res) {
    res.set_content(frame, "text/html");
  });
  const std::string page = "<html><body><iframe src=\"" + other_.Url("/frame") +
                           "\"></iframe></body></html>";
  server_.Get("/top", [page](const httplib::Request&, const std::smatch&,
                             httplib::Response& res) {
    res.set_content(page, "text/html");
  });
  std::mutex mu;
  std::set<std::string> asked;
  auto gate = [&](std::string_view url) {
    std::lock_guard lock(mu);
    asked.emplace(url);
    return url.find("//127.0.0.3") == std::string_view::npos;
  };
  RenderSettings settings = Settings();
  settings.allow_document = gate;
  settings.allow_subresource = gate;
  Renderer renderer(settings, Done());
  ASSERT_OK(renderer.Start());
  Response top = RenderOne(renderer, server_.Url("/top"));
  ASSERT_TRUE(top.ok()) << top.error_detail;
  // The frame itself loads; what it asks of the third host does not.
  const milliseconds deadline(5000);
  auto until = std::chrono::steady_clock::now() + deadline;
  while (std::chrono::steady_clock::now() < until) {
    {
      std::lock_guard lock(mu);
      if (asked.count(third.Url("/far.js")) &&
          asked.count(third.Url("/status/200")))
        break;
    }
    std::this_thread::sleep_for(milliseconds(20));
  }
  EXPECT_EQ(other_.Hits("/frame"), 1);
  EXPECT_EQ(third.TotalHits(), 0);
  std::lock_guard lock(mu);
  EXPECT_EQ(asked.count(third.Url("/far.js")), 1u);
  EXPECT_EQ(asked.count(third.Url("/status/200")), 1u);
}

}  // namespace
}  // namespace crawlbox::crawler
