// StatusServer against a real SQLite database on a free loopback port: the
// page and its headers, every API route, /metrics, the token and bind rules.
#include "web/server.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "tests/support/prometheus_text.h"
#include "tests/support/status_matchers.h"
#include "tests/support/temp_dir.h"
#include "tests/web/status_fixture.h"

namespace crawlbox::web {
namespace {

using nlohmann::json;
using testing::TempDir;

constexpr char kToken[] = "s3cret-token-123";

class ServerTest : public ::testing::Test {
 protected:
  // Serves a database built by BuildStatusDb.
  void Serve(bool finish, ServerOptions options = {},
             const std::string& stats = "{}") {
    db_ = dir_.File("shop.db");
    contents_ = BuildStatusDb(db_, finish, stats);
    server_ = std::make_unique<StatusServer>(db_, nullptr);
    auto port = server_->Start(options);
    ASSERT_OK(port);
    port_ = *port;
    EXPECT_EQ(server_->port(), port_);
  }

  httplib::Result Get(const std::string& path,
                      const httplib::Headers& headers = {}) {
    httplib::Client client("127.0.0.1", port_);
    client.set_connection_timeout(5);
    client.set_read_timeout(10);
    return client.Get(path.c_str(), headers);
  }

  // GET `path`, expecting 200 and a JSON body.
  json GetJson(const std::string& path) {
    auto res = Get(path);
    EXPECT_TRUE(res) << path;
    if (!res) return json();
    EXPECT_EQ(res->status, 200) << path << ": " << res->body;
    EXPECT_EQ(res->get_header_value("Content-Type"),
              "application/json; charset=utf-8");
    return json::parse(res->body, nullptr, false);
  }

  TempDir dir_;
  std::string db_;
  StatusDbContents contents_;
  std::unique_ptr<StatusServer> server_;
  int port_ = 0;
};

TEST_F(ServerTest, ServesThePageItsScriptAndStyleWithStrictHeaders) {
  Serve(false);
  EXPECT_EQ(server_->Url(), "http://127.0.0.1:" + std::to_string(port_) + "/");
  auto page = Get("/");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_EQ(page->get_header_value("Content-Type"), "text/html; charset=utf-8");
  const std::string csp = page->get_header_value("Content-Security-Policy");
  EXPECT_NE(csp.find("script-src 'self'"), std::string::npos) << csp;
  EXPECT_NE(csp.find("default-src 'none'"), std::string::npos) << csp;
  EXPECT_EQ(csp.find("unsafe-inline"), std::string::npos) << csp;
  EXPECT_EQ(page->get_header_value("X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(page->get_header_value("Cache-Control"), "no-store");
  // No inline script: the only <script> loads /app.js.
  const std::string& html = page->body;
  EXPECT_NE(html.find("<script src=\"/app.js\" defer></script>"),
            std::string::npos);
  size_t scripts = 0;
  for (size_t at = html.find("<script"); at != std::string::npos;
       at = html.find("<script", at + 1)) {
    ++scripts;
  }
  EXPECT_EQ(scripts, 1u);
  EXPECT_EQ(html.find("innerHTML"), std::string::npos);
  EXPECT_NE(html.find("name=\"viewport\""), std::string::npos);

  auto js = Get("/app.js");
  ASSERT_TRUE(js);
  EXPECT_EQ(js->status, 200);
  EXPECT_EQ(js->get_header_value("Content-Type"),
            "text/javascript; charset=utf-8");
  // Data becomes text only: the script never parses HTML.
  EXPECT_EQ(js->body.find("innerHTML"), std::string::npos);
  EXPECT_EQ(js->body.find("outerHTML"), std::string::npos);
  EXPECT_EQ(js->body.find("insertAdjacentHTML"), std::string::npos);
  EXPECT_EQ(js->body.find("document.write"), std::string::npos);
  EXPECT_EQ(js->body.find("eval("), std::string::npos);
  EXPECT_NE(js->body.find("textContent"), std::string::npos);
  auto css = Get("/app.css");
  ASSERT_TRUE(css);
  EXPECT_EQ(css->status, 200);
  EXPECT_EQ(css->get_header_value("Content-Type"), "text/css; charset=utf-8");

  auto missing = Get("/nope");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
  EXPECT_EQ(missing->get_header_value("X-Content-Type-Options"), "nosniff");
}

TEST_F(ServerTest, StatusOfARunningCrawlComesFromTheDatabase) {
  Serve(false);
  json s = GetJson("/api/status");
  ASSERT_TRUE(s.is_object());
  EXPECT_EQ(s["source"], "database");
  EXPECT_EQ(s["job"], "shop");
  EXPECT_EQ(s["crawl_id"], contents_.crawl_id);
  EXPECT_EQ(s["state"], "running");
  EXPECT_TRUE(s["finished_at"].is_null());
  EXPECT_FALSE(s["started_at"].is_null());
  EXPECT_EQ(s["pages"], 3);  // the blocked URL stores no page
  EXPECT_EQ(s["failed"], 1);
  EXPECT_EQ(s["items"], 4);
  EXPECT_EQ(s["bytes"], 1200);
  EXPECT_EQ(s["queued"], 3);
  EXPECT_EQ(s["in_flight"], 0);
  EXPECT_EQ(s["frontier"],
            json({{"blocked", 1}, {"done", 2}, {"failed", 1}, {"queued", 3}}));
  // No counters until the run ends: the pages stand in.
  EXPECT_EQ(s["status_codes"], json({{"200", 1}, {"404", 1}}));
  EXPECT_EQ(s["fetch_errors"], json({{"timeout", 1}}));
  EXPECT_EQ(s["failed_reasons"], json({{"timeout", 1}}));
  EXPECT_EQ(s["blocked_reasons"], json({{"robots", 1}}));
  EXPECT_EQ(s["items_per_rule"], json({{"board", 3}, {"note", 1}}));
  EXPECT_EQ(s["limits"]["max_pages"], 10);
  // max_pages 10, 4 URLs fetched or blocked, 3 queued: at most 3 more.
  EXPECT_EQ(s["remaining_pages"], 3);
  ASSERT_TRUE(s["history"].is_array());
  ASSERT_FALSE(s["history"].empty());
  double pages_in_history = 0;
  for (const json& p : s["history"])
    pages_in_history += p["pages_per_s"].get<double>();
  EXPECT_GT(pages_in_history, 0);
  EXPECT_GT(s["process"]["rss_bytes"].get<int64_t>(), 0);
  EXPECT_GT(s["process"]["threads"].get<int64_t>(), 0);
  // Numbers change only with a new collection, which seq counts.
  json again = GetJson("/api/status");
  EXPECT_GE(again["seq"].get<int64_t>(), s["seq"].get<int64_t>());
}

TEST_F(ServerTest, AFinishedRunShowsItsStoredCounters) {
  Serve(true, {},
        R"({"fetch/status/200":5,"fetch/status/503":2,"fetch/error/dns":1,)"
        R"("fetch/bytes":4096,"retry/scheduled":3})");
  json s = GetJson("/api/status");
  EXPECT_EQ(s["state"], "finished");
  EXPECT_FALSE(s["finished_at"].is_null());
  EXPECT_EQ(s["status_codes"], json({{"200", 5}, {"503", 2}}));
  EXPECT_EQ(s["fetch_errors"], json({{"dns", 1}}));
  EXPECT_EQ(s["counters"]["retry/scheduled"], 3);
  EXPECT_TRUE(s["eta_s"].is_null()) << "a finished run has no ETA";
}

TEST_F(ServerTest, ItemsArePagedNewestFirstAndFilteredByRule) {
  Serve(false);
  json all = GetJson("/api/items");
  EXPECT_TRUE(all["rule"].is_null());
  EXPECT_EQ(all["total"], 4);
  EXPECT_EQ(all["rules"], json({{"board", 3}, {"note", 1}}));
  ASSERT_EQ(all["items"].size(), 4u);
  EXPECT_EQ(all["items"][0]["rule"], "note");  // newest first
  EXPECT_EQ(all["items"][0]["url"], "http://a.test/1");
  EXPECT_EQ(all["items"][0]["record"]["text"], "hello");

  json board = GetJson("/api/items?rule=board&limit=2&offset=0");
  EXPECT_EQ(board["rule"], "board");
  EXPECT_EQ(board["total"], 3);
  ASSERT_EQ(board["items"].size(), 2u);
  // The payload is data in a JSON string, served as JSON that browsers will
  // not sniff into HTML.
  EXPECT_EQ(board["items"][0]["record"]["title"], StatusDbContents::kXssTitle);
  EXPECT_EQ(board["items"][1]["record"]["title"], "second");
  json next = GetJson("/api/items?rule=board&limit=2&offset=2");
  ASSERT_EQ(next["items"].size(), 1u);
  EXPECT_EQ(next["items"][0]["record"]["title"], "first");
  // A value holding '=' is the whole value, not what follows the last '='.
  json eq = GetJson("/api/items?rule=x=board");
  EXPECT_EQ(eq["rule"], "x=board");
  EXPECT_EQ(eq["total"], 0);
  json none = GetJson("/api/items?rule=nosuchrule");
  EXPECT_EQ(none["total"], 0);
  EXPECT_TRUE(none["items"].empty());

  auto raw = Get("/api/items?rule=board&limit=1");
  ASSERT_TRUE(raw);
  EXPECT_EQ(raw->get_header_value("X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(raw->body.find("<img src=x onerror=alert(1)>"), std::string::npos)
      << "JSON text must not carry a raw '<' tag that a sniffer would run";
}

TEST_F(ServerTest, ARulesRecordsDownloadAsCsvOrJsonLines) {
  Serve(false);
  auto csv = Get("/api/export?rule=board");
  ASSERT_TRUE(csv);
  EXPECT_EQ(csv->status, 200) << csv->body;
  EXPECT_EQ(csv->get_header_value("Content-Type"), "text/csv; charset=utf-8");
  EXPECT_EQ(csv->get_header_value("Content-Disposition"),
            "attachment; filename=\"board.csv\"");
  EXPECT_EQ(csv->get_header_value("X-Content-Type-Options"), "nosniff");
  // A header line and the rule's three records, oldest first.
  size_t lines = 0;
  for (char c : csv->body) lines += c == '\n';
  EXPECT_EQ(lines, 4u) << csv->body;
  EXPECT_LT(csv->body.find("first"), csv->body.find("second")) << csv->body;
  auto jsonl = Get("/api/export?rule=board&format=jsonl");
  ASSERT_TRUE(jsonl);
  EXPECT_EQ(jsonl->status, 200);
  size_t records = 0;
  std::istringstream in(jsonl->body);
  for (std::string line; std::getline(in, line); ++records)
    EXPECT_TRUE(json::parse(line, nullptr, false).is_object()) << line;
  EXPECT_EQ(records, 3u);
  for (const auto& [path, status] : std::vector<std::pair<std::string, int>>{
           {"/api/export", 400},
           {"/api/export?rule=board&format=xml", 400},
           {"/api/export?rule=nosuchrule", 404},
           {"/api/export?rule=board%22%3B%20drop", 404}}) {
    auto res = Get(path);
    ASSERT_TRUE(res) << path;
    EXPECT_EQ(res->status, status) << path << ": " << res->body;
    EXPECT_TRUE(json::parse(res->body, nullptr, false).contains("error"))
        << path;
  }
}

TEST_F(ServerTest, BadParametersAreRejectedWithAReason) {
  Serve(false);
  for (const char* path :
       {"/api/items?limit=0", "/api/items?limit=501", "/api/items?limit=x",
        "/api/items?offset=-1", "/api/items?limit=1e3", "/api/hosts?limit=0",
        "/api/errors?limit=99999"}) {
    auto res = Get(path);
    ASSERT_TRUE(res) << path;
    EXPECT_EQ(res->status, 400) << path;
    json body = json::parse(res->body, nullptr, false);
    EXPECT_TRUE(body.contains("error")) << path << ": " << res->body;
  }
}

TEST_F(ServerTest, HostsAndErrorsFromTheDatabase) {
  Serve(false);
  json hosts = GetJson("/api/hosts");
  EXPECT_EQ(hosts["live"], false);
  EXPECT_EQ(hosts["total"], 2);
  ASSERT_EQ(hosts["hosts"].size(), 2u);
  // a.test has two queued URLs, b.test one: busiest first.
  EXPECT_EQ(hosts["hosts"][0]["host"], "a.test");
  EXPECT_EQ(hosts["hosts"][0]["queued"], 2);
  EXPECT_EQ(hosts["hosts"][0]["fetched"], 2);
  EXPECT_EQ(hosts["hosts"][0]["errors"], 0);
  EXPECT_TRUE(hosts["hosts"][0]["delay_ms"].is_null());
  EXPECT_TRUE(hosts["hosts"][0]["in_flight"].is_null());
  EXPECT_EQ(hosts["hosts"][1]["host"], "b.test");
  EXPECT_EQ(hosts["hosts"][1]["errors"], 1);
  json one = GetJson("/api/hosts?limit=1");
  EXPECT_EQ(one["hosts"].size(), 1u);
  EXPECT_EQ(one["total"], 2);

  json errors = GetJson("/api/errors");
  EXPECT_EQ(errors["failed_reasons"], json({{"timeout", 1}}));
  EXPECT_EQ(errors["blocked_reasons"], json({{"robots", 1}}));
  ASSERT_EQ(errors["recent"].size(), 2u);  // the timeout and the 404
  EXPECT_EQ(errors["recent"][0]["url"], "http://b.test/1");
  EXPECT_EQ(errors["recent"][0]["error"], "timeout");
  EXPECT_TRUE(errors["recent"][0]["status"].is_null());
  EXPECT_EQ(errors["recent"][1]["status"], 404);
}

TEST_F(ServerTest, MetricsParseAsPrometheusTextWithTheNumbersOfTheApi) {
  Serve(true, {},
        R"({"fetch/status/200":5,"fetch/error/timeout":2,"fetch/bytes":4096,)"
        R"("retry/given_up":1,"frontier/blocked/robots":1,"store/pages":3})");
  auto res = Get("/metrics");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->get_header_value("Content-Type"),
            "text/plain; version=0.0.4; charset=utf-8");
  auto families = testing::ParsePrometheusText(res->body);
  ASSERT_OK(families);
  auto value = [&](const char* family,
                   std::map<std::string, std::string> labels) -> double {
    const testing::PromFamily* f = testing::FindFamily(*families, family);
    EXPECT_NE(f, nullptr) << family;
    if (f == nullptr) return -1;
    for (const testing::PromSample& s : f->samples) {
      if (s.labels == labels) return s.value;
    }
    ADD_FAILURE() << family << " has no sample with those labels";
    return -1;
  };
  EXPECT_EQ(testing::FindFamily(*families, "crawlbox_pages_total")->type,
            "counter");
  EXPECT_EQ(value("crawlbox_pages_total", {{"status", "200"}}), 5);
  EXPECT_EQ(value("crawlbox_fetch_errors_total", {{"reason", "timeout"}}), 2);
  EXPECT_EQ(value("crawlbox_frontier_urls", {{"state", "queued"}}), 3);
  EXPECT_EQ(value("crawlbox_frontier_urls", {{"state", "blocked"}}), 1);
  EXPECT_EQ(value("crawlbox_items", {{"rule", "board"}}), 3);
  EXPECT_EQ(value("crawlbox_bytes_total", {}), 1200);
  EXPECT_EQ(value("crawlbox_in_flight", {}), 0);
  EXPECT_EQ(value("crawlbox_fetched_bytes_total", {}), 4096);
  EXPECT_EQ(value("crawlbox_retry_events_total", {{"name", "given_up"}}), 1);
  EXPECT_EQ(
      value("crawlbox_frontier_events_total", {{"name", "blocked/robots"}}), 1);
  EXPECT_EQ(value("crawlbox_crawl_info",
                  {{"job", "shop"},
                   {"crawl_id", std::to_string(contents_.crawl_id)},
                   {"state", "finished"},
                   {"source", "database"}}),
            1);
  EXPECT_GT(value("process_resident_memory_bytes", {}), 0);
  EXPECT_EQ(testing::FindFamily(*families, "process_cpu_seconds_total")->type,
            "counter");
  for (const testing::PromFamily& f : *families) {
    EXPECT_FALSE(f.help.empty()) << f.name;
    if (f.type == "counter") {
      EXPECT_EQ(f.name.substr(f.name.size() - 6), "_total") << f.name;
    }
  }
}

TEST_F(ServerTest, ATokenIsRequiredOnEveryRoute) {
  ServerOptions options;
  options.token = kToken;
  Serve(false, options);
  const std::string bearer = std::string("Bearer ") + kToken;
  for (const char* path :
       {"/", "/app.js", "/app.css", "/api/status", "/api/hosts", "/api/errors",
        "/api/items", "/api/export?rule=board", "/metrics", "/nope"}) {
    const std::string sep =
        std::string(path).find('?') == std::string::npos ? "?" : "&";
    auto without = Get(path);
    ASSERT_TRUE(without) << path;
    EXPECT_EQ(without->status, 401) << path;
    EXPECT_EQ(without->get_header_value("WWW-Authenticate"),
              "Bearer realm=\"crawlbox\"");
    auto wrong = Get(path, {{"Authorization", "Bearer s3cret-token-124"}});
    ASSERT_TRUE(wrong) << path;
    EXPECT_EQ(wrong->status, 401) << path;
    auto wrong_query = Get(std::string(path) + sep + "token=nope-nope-nope");
    ASSERT_TRUE(wrong_query) << path;
    EXPECT_EQ(wrong_query->status, 401) << path;
    const int want = std::string(path) == "/nope" ? 404 : 200;
    auto header = Get(path, {{"Authorization", bearer}});
    ASSERT_TRUE(header) << path;
    EXPECT_EQ(header->status, want) << path;
    auto query = Get(std::string(path) + sep + "token=" + kToken);
    ASSERT_TRUE(query) << path;
    EXPECT_EQ(query->status, want) << path;
  }
  // The page passes the token on to its script and style.
  auto page = Get(std::string("/?token=") + kToken);
  ASSERT_TRUE(page);
  EXPECT_NE(page->body.find(std::string("/app.js?token=") + kToken),
            std::string::npos);
  EXPECT_NE(page->body.find(std::string("/app.css?token=") + kToken),
            std::string::npos);
  // With a token the Host header does not matter (the token is the check).
  auto proxied = Get("/api/status", {{"Authorization", bearer},
                                     {"Host", "crawl.example.com"}});
  ASSERT_TRUE(proxied);
  EXPECT_EQ(proxied->status, 200);
}

TEST_F(ServerTest, WithoutATokenOnlyLoopbackHostsAreAnswered) {
  Serve(false);
  for (const char* host : {"127.0.0.1", "localhost", "[::1]"}) {
    auto res = Get("/api/status",
                   {{"Host", std::string(host) + ":" + std::to_string(port_)}});
    ASSERT_TRUE(res) << host;
    EXPECT_EQ(res->status, 200) << host;
  }
  // A page elsewhere whose DNS name now points at 127.0.0.1 (DNS rebinding)
  // must not read the API.
  auto res = Get("/api/status", {{"Host", "attacker.example:80"}});
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 403);
}

TEST_F(ServerTest, ANonLoopbackAddressNeedsAToken) {
  const std::string db = dir_.File("shop.db");
  BuildStatusDb(db, false);
  for (const char* host : {"0.0.0.0", "::", "192.0.2.1"}) {
    StatusServer server(db, nullptr);
    ServerOptions options;
    options.host = host;
    auto port = server.Start(options);
    ASSERT_FALSE(port.ok()) << host;
    EXPECT_EQ(port.status().code(), config::Status::Code::kInvalidArgument);
    EXPECT_NE(port.status().message().find("token"), std::string::npos);
    EXPECT_EQ(server.port(), 0);
  }
  StatusServer weak(db, nullptr);
  ServerOptions short_token;
  short_token.host = "0.0.0.0";
  short_token.token = "short";
  EXPECT_EQ(weak.Start(short_token).status().code(),
            config::Status::Code::kInvalidArgument);

  ServerOptions options;
  options.host = "0.0.0.0";
  options.token = kToken;
  StatusServer server(db, nullptr);
  auto port = server.Start(options);
  ASSERT_OK(port);
  httplib::Client client("127.0.0.1", *port);
  auto denied = client.Get("/api/status");
  ASSERT_TRUE(denied);
  EXPECT_EQ(denied->status, 401);
  auto allowed = client.Get(
      "/api/status", {{"Authorization", std::string("Bearer ") + kToken}});
  ASSERT_TRUE(allowed);
  EXPECT_EQ(allowed->status, 200);
}

TEST_F(ServerTest, APortInUseIsUnavailable) {
  Serve(false);
  StatusServer second(db_, nullptr);
  ServerOptions options;
  options.port = port_;
  auto port = second.Start(options);
  ASSERT_FALSE(port.ok());
  EXPECT_EQ(port.status().code(), config::Status::Code::kUnavailable);
  EXPECT_NE(port.status().message().find(std::to_string(port_)),
            std::string::npos);
}

TEST_F(ServerTest, AMissingDatabaseIsAnErrorAnswerNotACrash) {
  StatusServer server(dir_.File("missing.db"), nullptr);
  auto port = server.Start({});
  ASSERT_OK(port);
  port_ = *port;
  for (const char* path :
       {"/api/status", "/api/hosts", "/api/errors", "/api/items", "/metrics"}) {
    auto res = Get(path);
    ASSERT_TRUE(res) << path;
    EXPECT_GE(res->status, 500) << path;
    json body = json::parse(res->body, nullptr, false);
    EXPECT_NE(body.value("error", std::string()).find("missing.db"),
              std::string::npos)
        << path << ": " << res->body;
  }
  auto page = Get("/");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200) << "the page loads and shows the problem";
  server.Stop();
  server.Stop();  // idempotent
}

}  // namespace
}  // namespace crawlbox::web
