// Per-IP politeness as the server sees it: two host names pinned to one
// loopback address by fetch.resolve share one window with politeness.group_by
// = "ip" (concurrency and delay measured at the server across both names),
// and do not with "host"; robots.txt stays per host name; the live
// /api/hosts shows the shared window.
#include <gtest/gtest.h>
#include <httplib.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "crawler/engine/engine.h"
#include "crawler/engine/engine_status.h"
#include "tests/e2e/crawl_support.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_server.h"
#include "web/server.h"

namespace crawlbox {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using testing::TempDir;
using testing::TestServer;

// One server answering for a.test and b.test: /p/0 links to /p/1../p/<n-1>
// of the same name, so many URLs of both names are queued at once.
class TwoNames {
 public:
  explicit TwoNames(int pages) : pages_(pages) {
    server_.Get("/robots.txt",
                [this](const httplib::Request& req, const std::smatch&,
                       httplib::Response& res) {
                  Record(req);
                  res.set_content("User-agent: *\nDisallow:\n", "text/plain");
                });
    server_.Get("/p/(\\d+)",
                [this](const httplib::Request& req, const std::smatch& match,
                       httplib::Response& res) {
                  Record(req);
                  std::string body = "<html><body>";
                  if (match[1] == "0") {
                    for (int i = 1; i < pages_; ++i)
                      body += "<a href='/p/" + std::to_string(i) + "'>p</a>";
                  }
                  res.set_content(body + "</body></html>", "text/html");
                });
  }

  TestServer& server() { return server_; }

  std::string Job(const std::string& group_by, int delay_ms) const {
    const std::string port = std::to_string(server_.port());
    return "[job]\nname = \"perip\"\nstart_urls = [\"http://a.test:" + port +
           "/p/0\", \"http://b.test:" + port +
           "/p/0\"]\n"
           "[fetch]\nconcurrency = 16\n"
           "[fetch.resolve]\n\"a.test:" +
           port + "\" = \"127.0.0.1\"\n\"b.test:" + port +
           "\" = \"127.0.0.1\"\n"
           "[politeness]\nper_host_concurrency = 2\nadaptive = false\n"
           "delay_ms = " +
           std::to_string(delay_ms) + "\ngroup_by = \"" + group_by +
           "\"\n"
           "[limits]\nmax_duration_s = 60\n"
           "[[rules]]\nname = \"all\"\nfollow = ['/p/\\d+$']\n";
  }

  // Requests per Host header ("a.test:PORT") and path.
  std::map<std::string, int> Hits() const {
    std::lock_guard<std::mutex> lock(mu_);
    return hits_;
  }

 private:
  void Record(const httplib::Request& req) {
    std::string host = req.get_header_value("Host");
    host = host.substr(0, host.find(':'));
    std::lock_guard<std::mutex> lock(mu_);
    ++hits_[host + req.path];
  }

  const int pages_;
  TestServer server_;
  mutable std::mutex mu_;
  std::map<std::string, int> hits_;
};

TEST(PerIpPolitenessTest, HostsAtOneAddressShareTheConcurrencyLimit) {
  constexpr int kPages = 12;
  TwoNames site(kPages);
  // Long enough that requests overlap whenever the crawler allows it.
  site.server().SetLatency(milliseconds(60));
  TempDir dir;
  const std::string db = dir.File("ip.db");
  auto summary = e2e::CrawlText(site.Job("ip", 0), db);
  EXPECT_EQ(summary.pages, 2 * kPages);
  const int shared = site.server().MaxConcurrent();
  EXPECT_LE(shared, 2) << "a.test and b.test together, one window";
  EXPECT_EQ(shared, 2) << "the limit is used, not just respected";
  std::map<std::string, int> hits = site.Hits();
  for (const char* name : {"a.test", "b.test"}) {
    SCOPED_TRACE(name);
    EXPECT_EQ(hits[std::string(name) + "/robots.txt"], 1)
        << "robots.txt stays per host";
    for (int i = 0; i < kPages; ++i)
      EXPECT_EQ(hits[std::string(name) + "/p/" + std::to_string(i)], 1) << i;
  }
  EXPECT_EQ(e2e::CountDb(db,
                         "SELECT count(*) FROM frontier WHERE url LIKE "
                         "'http://b.test:%' AND state = 'done'"),
            kPages);
  std::printf("[ measure  ] max in flight at the server, group_by = ip: %d\n",
              shared);
}

TEST(PerIpPolitenessTest, WithGroupByHostEachNameHasItsOwnWindow) {
  // The same crawl grouped by host: the server sees more than 2 at once,
  // so the test above can fail.
  constexpr int kPages = 12;
  TwoNames site(kPages);
  site.server().SetLatency(milliseconds(60));
  TempDir dir;
  auto summary = e2e::CrawlText(site.Job("host", 0), dir.File("host.db"));
  EXPECT_EQ(summary.pages, 2 * kPages);
  const int separate = site.server().MaxConcurrent();
  EXPECT_GT(separate, 2);
  EXPECT_LE(separate, 4);
  std::printf("[ measure  ] max in flight at the server, group_by = host: %d\n",
              separate);
}

TEST(PerIpPolitenessTest, HostsAtOneAddressShareTheDelay) {
  constexpr int kPages = 4;
  TwoNames site(kPages);
  TempDir dir;
  auto summary = e2e::CrawlText(site.Job("ip", 150), dir.File("delay.db"));
  EXPECT_EQ(summary.pages, 2 * kPages);
  auto log = site.server().RequestLog();
  ASSERT_EQ(log.size(), static_cast<size_t>(2 * kPages + 2));
  // Kept between request starts on our side; arrival adds jitter, most
  // (tens of ms on a loaded machine) for robots.txt, the first request of each
  // name, which opens its connection. Separate windows per name would give
  // gaps near 0 and half the span.
  for (size_t i = 1; i < log.size(); ++i) {
    auto gap = std::chrono::duration_cast<milliseconds>(log[i].arrived -
                                                        log[i - 1].arrived);
    const bool connects =
        log[i - 1].target == "/robots.txt" || log[i].target == "/robots.txt";
    EXPECT_GE(gap.count(), connects ? 50 : 135)
        << "between " << log[i - 1].target << " and " << log[i].target;
  }
  auto span = std::chrono::duration_cast<milliseconds>(log.back().arrived -
                                                       log.front().arrived);
  EXPECT_GE(span.count(), static_cast<int64_t>(log.size() - 1) * 150 - 50);
}

TEST(PerIpPolitenessTest, TheLiveHostsApiShowsTheSharedWindow) {
  TwoNames site(30);
  site.server().SetLatency(milliseconds(40));
  TempDir dir;
  const std::string db = dir.File("api.db");
  config::LoadedJob loaded = config::LoadJobText(site.Job("ip", 0), "ip.toml");
  ASSERT_TRUE(loaded.ok());
  std::vector<config::JobProblem> problems;
  auto parser = parser::PageParser::Compile(loaded.job, &problems);
  ASSERT_TRUE(problems.empty());
  auto store = storage::Store::Open(db);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  crawler::Engine engine(loaded.job, *parser, store->get(), {});
  crawler::EngineStatus source(loaded.job, engine, nullptr);
  web::StatusServer status(db, &source);
  auto port = status.Start({});
  ASSERT_TRUE(port.ok()) << port.status().ToString();
  std::thread run([&] { EXPECT_TRUE(engine.Run().ok()); });
  httplib::Client client("127.0.0.1", *port);
  json seen;
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    auto res = client.Get("/api/hosts");
    json hosts = res && res->status == 200
                     ? json::parse(res->body, nullptr, false)
                     : json();
    if (hosts.is_object() && hosts["groups"].size() == 1 &&
        hosts["hosts"].size() == 2) {
      seen = hosts;
      break;
    }
    std::this_thread::sleep_for(milliseconds(20));
  }
  run.join();
  ASSERT_TRUE(seen.is_object()) << "never saw both hosts in one group";
  EXPECT_EQ(seen["groups"][0]["group"], "127.0.0.1");
  EXPECT_EQ(seen["groups"][0]["hosts"], 2);
  EXPECT_LE(seen["groups"][0]["in_flight"].get<int64_t>(), 2);
  for (const json& host : seen["hosts"]) {
    EXPECT_EQ(host["group"], "127.0.0.1") << host.dump();
    EXPECT_EQ(host["group_hosts"], 2) << host.dump();
  }
}

}  // namespace
}  // namespace crawlbox
