// End-to-end crawls of a generated site served by Debian's nginx over HTTPS +
// HTTP/2 with a certificate the test makes: every page once, records exact,
// one connection per host at a time (counted in nginx's access log, also when
// nginx ends connections after keepalive_requests), and a TLS failure without
// fetch.ca_file that ends the host's pages at once.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "config/job_loader.h"
#include "tests/e2e/crawl_support.h"
#include "tests/support/nginx_server.h"
#include "tests/support/site_generator.h"
#include "tests/support/temp_dir.h"

namespace crawlbox {
namespace {

using testing::AccessEntry;
using testing::GeneratedSite;
using testing::NginxServer;

constexpr int kPages = 400;
constexpr size_t kLifted = 0;    // keepalive_requests 100000
constexpr size_t kEvery100 = 1;  // keepalive_requests 100
constexpr size_t kHttp11 = 2;    // no HTTP/2: HTTP/1.1 over TLS

// One nginx (three servers: the ports above) and one written site for all
// cases of a process: certificates and nginx's start cost more than a crawl.
class TlsHttp2CrawlTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!testing::NginxUnavailableReason().empty()) return;
    dir_ = new testing::TempDir();
    testing::SiteOptions options;
    options.pages = kPages;
    site_ = new GeneratedSite(options);
    const std::string docroot = dir_->File("site");
    ASSERT_TRUE(site_->WriteTo(docroot).ok());
    testing::NginxOptions nginx;
    nginx.docroot = docroot;
    nginx.servers = {{.keepalive_requests = 100'000},
                     {.keepalive_requests = 100},
                     {.keepalive_requests = 100'000, .http2 = false}};
    std::filesystem::create_directories(dir_->File("nginx"));
    auto started = NginxServer::Start(nginx, dir_->File("nginx"));
    if (!started.ok()) {
      start_error_ = new std::string(started.status().ToString());
      return;
    }
    server_ = started->release();
  }
  static void TearDownTestSuite() {
    delete server_;
    delete site_;
    delete dir_;
    delete start_error_;
    server_ = nullptr;
    site_ = nullptr;
    dir_ = nullptr;
    start_error_ = nullptr;
  }
  void SetUp() override {
    if (std::string reason = testing::NginxUnavailableReason();
        !reason.empty()) {
      GTEST_SKIP() << reason;
    }
    ASSERT_EQ(start_error_, nullptr) << *start_error_;
    ASSERT_NE(server_, nullptr);
  }

  // A job crawling server `server` from page 0, 64 transfers to the one host,
  // with the board rule; `fetch` lines go into [fetch].
  static std::string Job(size_t server, const std::string& fetch) {
    return "[job]\nname = \"tls\"\nstart_urls = [\"" +
           server_->Url(server, site_->StartPath()) +
           "\"]\n"
           "[fetch]\nconcurrency = 64\n" +
           fetch + "\n[politeness]\nper_host_concurrency = 64\ndelay_ms = 0\n" +
           R"toml(
[[rules]]
name = "board"
url = '/site/'
pattern = '<dd>.*?board-index.*?>(?P<rank>\d+)</i>.*?title="(?P<title>[^"]*)".*?</dd>'
follow = ['/site/\d+\.html$']
[rules.fields]
rank = { type = "int" }
title = {}
)toml";
  }

  static std::string CaLine() {
    return "ca_file = \"" + server_->ca_file() + "\"";
  }

  // Crawls server `server` with the CA and checks what any connection policy
  // must give: every page requested once over `protocol`, stored once,
  // records exact. Returns the server's log of this crawl.
  static std::vector<AccessEntry> CrawlEveryPageOnce(
      size_t server, const std::string& db,
      const std::string& protocol = "HTTP/2.0") {
    const size_t logged_before = server_->AccessLog(server).size();
    e2e::JobRun run = e2e::RunJobText(Job(server, CaLine()), db);
    EXPECT_EQ(run.summary.state, "finished");
    EXPECT_EQ(run.summary.pages, kPages);
    EXPECT_EQ(run.summary.failed, 0);

    std::vector<AccessEntry> log = server_->AccessLog(server);
    log.erase(log.begin(),
              log.begin() + static_cast<std::ptrdiff_t>(logged_before));
    std::map<std::string, int> hits;
    for (const AccessEntry& e : log) {
      ++hits[e.uri];
      EXPECT_EQ(e.protocol, protocol) << e.uri;
    }
    for (int i = 0; i < kPages; ++i) {
      EXPECT_EQ(hits[site_->PagePath(i)], 1) << site_->PagePath(i);
    }
    EXPECT_EQ(hits["/robots.txt"], 1);
    EXPECT_EQ(log.size(), static_cast<size_t>(kPages) + 1);

    EXPECT_EQ(e2e::CountDb(db, "SELECT count(*) FROM pages WHERE status = 200"),
              kPages);
    auto rows = e2e::QueryDb(db, "SELECT rank, title FROM board ORDER BY rank");
    std::vector<testing::Film> films;
    for (int i = 0; i < kPages; ++i) {
      for (testing::Film& f : site_->PageFilms(i)) films.push_back(f);
    }
    std::sort(films.begin(), films.end(),
              [](const auto& a, const auto& b) { return a.rank < b.rank; });
    EXPECT_EQ(films.size(), static_cast<size_t>(site_->TotalBoardEntries()));
    EXPECT_EQ(rows.rows.size(), films.size());
    for (size_t i = 0; i < std::min(rows.rows.size(), films.size()); ++i) {
      EXPECT_EQ(std::get<int64_t>(rows.rows[i][0]), films[i].rank);
      EXPECT_EQ(std::get<std::string>(rows.rows[i][1]), films[i].title);
    }
    return log;
  }

  // Connection → [first, last] time of its requests.
  static std::map<int64_t, std::pair<double, double>> Spans(
      const std::vector<AccessEntry>& log) {
    std::map<int64_t, std::pair<double, double>> spans;
    for (const AccessEntry& e : log) {
      auto [it, fresh] = spans.try_emplace(e.connection, e.msec, e.msec);
      if (!fresh) {
        it->second.first = std::min(it->second.first, e.msec);
        it->second.second = std::max(it->second.second, e.msec);
      }
    }
    return spans;
  }

  static testing::TempDir* dir_;
  static GeneratedSite* site_;
  static NginxServer* server_;
  static std::string* start_error_;
};

testing::TempDir* TlsHttp2CrawlTest::dir_ = nullptr;
GeneratedSite* TlsHttp2CrawlTest::site_ = nullptr;
NginxServer* TlsHttp2CrawlTest::server_ = nullptr;
std::string* TlsHttp2CrawlTest::start_error_ = nullptr;

TEST_F(TlsHttp2CrawlTest, OneConnectionCarriesTheWholeCrawl) {
  testing::TempDir dir;
  std::vector<AccessEntry> log =
      CrawlEveryPageOnce(kLifted, dir.File("lifted.db"));
  std::set<int64_t> connections;
  for (const AccessEntry& e : log) connections.insert(e.connection);
  // robots.txt included: it is the first request of that connection.
  EXPECT_EQ(connections.size(), 1u);
  ASSERT_FALSE(log.empty());
  EXPECT_EQ(log.front().uri, "/robots.txt");
  std::printf("keepalive_requests 100000: %zu requests, %zu connection(s)\n",
              log.size(), connections.size());
}

TEST_F(TlsHttp2CrawlTest, AfterTheServerEndsAConnectionOneNewOneTakesOver) {
  testing::TempDir dir;
  std::vector<AccessEntry> log =
      CrawlEveryPageOnce(kEvery100, dir.File("every100.db"));
  auto spans = Spans(log);
  // nginx ends each connection after 100 requests: the crawl needs
  // ceil(requests / 100) of them, and gets that many, not one per transfer
  // waiting at that moment.
  const size_t needed = (log.size() + 99) / 100;
  EXPECT_GE(spans.size(), needed);
  EXPECT_LE(spans.size(), needed + 1);
  for (const auto& [connection, span] : spans) {
    (void)span;
    int64_t on_it = std::count_if(log.begin(), log.end(), [&](const auto& e) {
      return e.connection == connection;
    });
    EXPECT_LE(on_it, 100) << "connection " << connection;
  }
  // One at a time: a connection's first request is logged no earlier than
  // the previous connection's last (libcurl opens the next one only when the
  // ended one has no transfer left).
  std::vector<std::pair<double, double>> ordered;
  for (const auto& [connection, span] : spans) ordered.push_back(span);
  std::sort(ordered.begin(), ordered.end());
  for (size_t i = 1; i < ordered.size(); ++i) {
    EXPECT_LE(ordered[i - 1].second, ordered[i].first)
        << "connections " << i - 1 << " and " << i << " overlap";
  }
  std::printf("keepalive_requests 100: %zu requests, %zu connections\n",
              log.size(), spans.size());
}

// An https host that speaks HTTP/1.1 only is not held to one connection: its
// transfers run side by side as on plain HTTP, up to per_host_concurrency.
TEST_F(TlsHttp2CrawlTest, AnHttps11HostGetsParallelConnections) {
  testing::TempDir dir;
  std::vector<AccessEntry> log =
      CrawlEveryPageOnce(kHttp11, dir.File("http11.db"), "HTTP/1.1");
  auto spans = Spans(log);
  std::vector<std::pair<double, bool>> events;  // time, opens
  for (const auto& [connection, span] : spans) {
    (void)connection;
    events.emplace_back(span.first, true);
    events.emplace_back(span.second, false);
  }
  std::sort(events.begin(), events.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first < b.first : a.second > b.second;
  });
  int open = 0, most_open = 0;
  for (const auto& [time, opens] : events) {
    (void)time;
    open += opens ? 1 : -1;
    most_open = std::max(most_open, open);
  }
  EXPECT_GT(most_open, 4) << "connections side by side";
  // per_host_concurrency, plus robots.txt's connection when its one request
  // is logged in the same millisecond as the first pages.
  EXPECT_LE(most_open, 64 + 1);
  std::printf("HTTP/1.1 over TLS: %zu requests, %zu connections, %d at once\n",
              log.size(), spans.size(), most_open);
}

// Without fetch.ca_file the test CA is not trusted: robots.txt fails with tls
// once, is not retried, and the host's pages end failed with reason tls
// without a request. The retry backoff is a minute, so any retry would show.
TEST_F(TlsHttp2CrawlTest, AnUntrustedCertificateFailsTheHostAtOnce) {
  testing::TempDir dir;
  const std::string db = dir.File("untrusted.db");
  std::string job = Job(kLifted, "") + "[retry]\nbackoff_ms = 60000\n";
  // Five start URLs, so "every page" is more than one.
  const std::string seed = server_->Url(kLifted, site_->StartPath());
  std::string seeds = "\"" + seed + "\"";
  for (int i = 1; i < 5; ++i)
    seeds += ", \"" + server_->Url(kLifted, site_->PagePath(i)) + "\"";
  job.replace(job.find("\"" + seed + "\""), seed.size() + 2, seeds);
  e2e::JobRun run = e2e::RunJobText(job, db);
  EXPECT_EQ(run.summary.state, "finished");
  EXPECT_LT(run.summary.seconds, 10);
  EXPECT_EQ(run.summary.pages, 5);
  EXPECT_EQ(run.summary.failed, 5);
  EXPECT_EQ(run.counters["fetch/error/tls"], 0) << "robots.txt is no page";
  EXPECT_EQ(run.counters["robots/unavailable"], 1) << "tried once";
  EXPECT_EQ(run.counters["frontier/failed/tls"], 5);
  EXPECT_EQ(run.counters["retry/scheduled"], 0);
  EXPECT_EQ(
      e2e::CountDb(db,
                   "SELECT count(*) FROM frontier WHERE state = 'failed' AND "
                   "reason = 'tls' AND attempts = 1"),
      5);
  EXPECT_EQ(e2e::CountDb(db, "SELECT count(*) FROM pages WHERE error = 'tls'"),
            5);
}

// With robots.txt off the pages themselves meet the certificate: each fails
// with tls on its first try.
TEST_F(TlsHttp2CrawlTest, AnUntrustedCertificateFailsEachPageOnItsFirstTry) {
  testing::TempDir dir;
  const std::string db = dir.File("untrusted-pages.db");
  std::string job = Job(kLifted, "") + "[retry]\nbackoff_ms = 60000\n";
  job.replace(job.find("delay_ms = 0"), 12, "delay_ms = 0\nrobots = false");
  e2e::JobRun run = e2e::RunJobText(job, db);
  EXPECT_EQ(run.summary.state, "finished");
  EXPECT_LT(run.summary.seconds, 10);
  EXPECT_EQ(run.summary.failed, 1);
  EXPECT_EQ(run.counters["fetch/error/tls"], 1);
  EXPECT_EQ(run.counters["retry/scheduled"], 0);
  EXPECT_EQ(
      e2e::CountDb(db,
                   "SELECT count(*) FROM frontier WHERE state = 'failed' AND "
                   "reason = 'tls' AND attempts = 1"),
      1);
}

}  // namespace
}  // namespace crawlbox
