// The status page end to end: headless Chromium on the page of a running
// `crawlbox run` (numbers, chart, records, screenshots), markup in a record
// staying text, the live API of an in-process crawl, and the command line's
// rules for the status server.
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <thread>

#include "crawler/engine/engine.h"
#include "crawler/engine/engine_status.h"
#include "tests/e2e/crawl_support.h"
#include "tests/support/prometheus_text.h"
#include "tests/support/status_matchers.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_server.h"
#include "web/server.h"

namespace crawlbox {
namespace {

using nlohmann::json;
using testing::BuiltProgram;
using testing::ChildProcess;
using testing::ProcessResult;
using testing::TempDir;
using testing::TestServer;
using Clock = std::chrono::steady_clock;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// Debian's chromium, or "" when it is not installed.
std::string Chromium() {
  for (const char* path : {"/usr/bin/chromium", "/usr/bin/chromium-browser"}) {
    if (access(path, X_OK) == 0) return path;
  }
  return "";
}

// Runs headless Chromium on `url` with `mode` ("--dump-dom" or
// "--screenshot=PATH") after letting the page's timers run `budget_ms` of
// virtual time; its profile and HOME live in `dir`.
ProcessResult RunChromium(const std::string& chromium, const TempDir& dir,
                          const std::vector<std::string>& mode,
                          const std::string& url, int budget_ms = 6000) {
  std::vector<std::string> argv = {
      chromium,
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--no-first-run",
      "--disable-extensions",
      "--disable-dev-shm-usage",
      "--hide-scrollbars",
      "--user-data-dir=" + dir.File("chromium-profile"),
      "--virtual-time-budget=" + std::to_string(budget_ms)};
  argv.insert(argv.end(), mode.begin(), mode.end());
  argv.push_back(url);
  return testing::RunProcess(argv, {{"HOME", dir.path().string()}}, 120'000);
}

// Polls `err_path` (a crawlbox child's stderr) for the status page line and
// returns its port, or 0 after 30 s.
int WaitForStatusPort(const std::string& err_path) {
  const std::regex line(R"(status page at http://127\.0\.0\.1:(\d+)/)");
  const auto deadline = Clock::now() + std::chrono::seconds(30);
  while (Clock::now() < deadline) {
    std::smatch m;
    const std::string err = ReadFile(err_path);
    if (std::regex_search(err, m, line)) return std::stoi(m[1]);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return 0;
}

json GetJson(int port, const std::string& path) {
  httplib::Client client("127.0.0.1", port);
  client.set_read_timeout(10);
  auto res = client.Get(path.c_str());
  if (!res || res->status != 200) return json();
  return json::parse(res->body, nullptr, false);
}

// The href of the page's download link of `rule` as `format` in a dumped DOM
// (entities decoded), or "".
std::string DownloadHref(const std::string& dom, const std::string& rule,
                         const std::string& format) {
  const std::regex link("<a href=\"([^\"]*)\"[^>]*data-rule=\"" + rule +
                        "\" data-format=\"" + format + "\"");
  std::smatch m;
  if (!std::regex_search(dom, m, link)) return "";
  std::string href = m[1].str();
  for (size_t at; (at = href.find("&amp;")) != std::string::npos;)
    href.replace(at, 5, "&");
  return href;
}

// The value of attribute `attr` of the element with id `id` in a dumped DOM,
// or nullopt.
std::optional<std::string> Attr(const std::string& dom, const std::string& id,
                                const std::string& attr) {
  const size_t at = dom.find("id=\"" + id + "\"");
  if (at == std::string::npos) return std::nullopt;
  const size_t open = dom.rfind('<', at);
  const size_t close = dom.find('>', at);
  const std::string tag = dom.substr(open, close - open);
  const std::regex re(" " + attr + "=\"([^\"]*)\"");
  std::smatch m;
  if (!std::regex_search(tag, m, re)) return std::nullopt;
  return m[1].str();
}

// The attributes of the <body> tag of a dumped DOM.
std::string BodyTag(const std::string& dom) {
  const size_t open = dom.find("<body");
  if (open == std::string::npos) return "";
  return dom.substr(open, dom.find('>', open) - open + 1);
}

std::string Num(const json& v) {
  return v.is_number_integer() ? std::to_string(v.get<int64_t>()) : "?";
}

constexpr int kSitePages = 150;

TEST(StatusPageTest, ChromiumShowsTheLiveNumbersTheChartAndARecord) {
  const std::string chromium = Chromium();
  if (chromium.empty()) GTEST_SKIP() << "Debian's chromium is not installed";
  testing::TestServerOptions options;
  options.site = testing::SiteOptions{};
  options.site->pages = kSitePages;
  TestServer server(options);
  // 150 pages × 50 ms over three slots: the crawl takes a few seconds, so the
  // chart has several points.
  server.SetLatency(std::chrono::milliseconds(50));
  TempDir dir;
  const std::string job = dir.File("job.toml");
  const std::string db = dir.File("crawl.db");
  // The second seed answers after a minute: once the site is done the crawl
  // stays running with that one page in flight and its numbers still, so the
  // page and /api/status can be compared while the crawl runs.
  std::ofstream(job) << "[job]\nname = \"status-demo\"\nstart_urls = [\""
                     << server.Url("/site/0.html") << "\", \""
                     << server.Url("/delay/60000") << "\"]\n"
                     << "[fetch]\nconcurrency = 4\ntimeout_ms = 120000\n"
                        "[politeness]\nper_host_concurrency = 4\n"
                        "delay_ms = 0\n"
                        "[[rules]]\nname = \"board\"\nurl = '/site/'\n"
                        "pattern = '<dd>.*?board-index.*?>(?P<rank>\\d+)</i>"
                        ".*?title=\"(?P<title>[^\"]*)\".*?</dd>'\n"
                        "follow = ['/site/\\d+\\.html$']\n"
                        "[rules.fields]\nrank = { type = \"int\" }\n"
                        "title = {}\n";
  ChildProcess crawl({BuiltProgram("crawlbox"), "run", job, "--db", db}, {},
                     dir.path().string());
  const int port = WaitForStatusPort(crawl.err_path());
  ASSERT_GT(port, 0) << ReadFile(crawl.err_path());

  json before;
  const auto deadline = Clock::now() + std::chrono::seconds(90);
  while (Clock::now() < deadline) {
    before = GetJson(port, "/api/status");
    if (before.is_object() && before["pages"] == kSitePages &&
        before["in_flight"] == 1) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_EQ(before["pages"], kSitePages) << before.dump();
  ASSERT_EQ(before["state"], "running");
  ASSERT_EQ(before["source"], "live");
  ASSERT_GT(before["items"].get<int64_t>(), 0);

  const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/";
  ProcessResult dumped = RunChromium(chromium, dir, {"--dump-dom"}, url);
  ASSERT_EQ(dumped.exit_code, 0) << dumped.err;
  const std::string& dom = dumped.out;
  json after = GetJson(port, "/api/status");
  ASSERT_TRUE(after.is_object());
  EXPECT_EQ(after["state"], "running");

  // The numbers the page shows are those of /api/status (still, while the
  // last page is in flight).
  EXPECT_EQ(Attr(dom, "pages", "data-value"), Num(after["pages"])) << dom;
  EXPECT_EQ(Attr(dom, "queued", "data-value"), Num(after["queued"]));
  EXPECT_EQ(Attr(dom, "failed", "data-value"), Num(after["failed"]));
  EXPECT_EQ(Attr(dom, "in-flight", "data-value"), Num(after["in_flight"]));
  EXPECT_EQ(Attr(dom, "items", "data-value"), Num(after["items"]));
  EXPECT_EQ(Attr(dom, "bytes", "data-value"), Num(after["bytes"]));
  EXPECT_EQ(Attr(dom, "crawl-id", "data-value"), Num(after["crawl_id"]));
  EXPECT_EQ(after["pages"], before["pages"]);
  EXPECT_NE(BodyTag(dom).find("data-state=\"running\""), std::string::npos)
      << BodyTag(dom);
  EXPECT_NE(dom.find("status-demo"), std::string::npos);
  // The chart has drawn the crawl's seconds.
  auto points = Attr(dom, "chart", "data-points");
  ASSERT_TRUE(points.has_value());
  EXPECT_GE(std::stoi(*points), 2) << "the crawl lasted several seconds";
  auto ink = Attr(dom, "chart", "data-ink");
  ASSERT_TRUE(ink.has_value());
  EXPECT_GT(std::stoi(*ink), 200) << "pixels of the two lines";
  // One point per second of the run so far: the API, asked later, has as
  // many or more.
  EXPECT_LE(static_cast<size_t>(std::stoi(*points)), after["history"].size());
  // The records table shows records of the board rule.
  auto rows = Attr(dom, "records", "data-rows");
  ASSERT_TRUE(rows.has_value());
  EXPECT_GT(std::stoi(*rows), 0);
  EXPECT_NE(dom.find("data-item-id=\""), std::string::npos);
  EXPECT_NE(dom.find("/site/"), std::string::npos) << "a record's page URL";
  EXPECT_NE(dom.find(">200<"), std::string::npos) << "status code table";
  EXPECT_NE(dom.find(">127.0.0.1<"), std::string::npos) << "host table";
  EXPECT_EQ(BodyTag(dom).find("data-overflow=\"true\""), std::string::npos);

  // The page's download links give the bytes `crawlbox export` writes.
  for (const char* format : {"csv", "jsonl"}) {
    const std::string href = DownloadHref(dom, "board", format);
    ASSERT_EQ(href.rfind("/api/export?", 0), 0u) << format << ": " << href;
    httplib::Client client("127.0.0.1", port);
    auto download = client.Get(href.c_str());
    ASSERT_TRUE(download) << href;
    EXPECT_EQ(download->status, 200) << download->body;
    EXPECT_EQ(download->get_header_value("Content-Disposition"),
              std::string("attachment; filename=\"board.") + format + "\"");
    ProcessResult exported = testing::RunProcess(
        {BuiltProgram("crawlbox"), "export", db, "board", "--format", format},
        {}, 30'000);
    ASSERT_EQ(exported.exit_code, 0) << exported.err;
    EXPECT_GT(exported.out.size(), 100u);
    EXPECT_TRUE(download->body == exported.out)
        << format << ": " << download->body.size() << " bytes downloaded, "
        << exported.out.size() << " exported";
  }

  // Screenshots for people (the README's image): desktop and phone width.
  const std::string shot =
      std::string(CRAWLBOX_BINARY_DIR) + "/status_page.png";
  const std::string phone =
      std::string(CRAWLBOX_BINARY_DIR) + "/status_page_phone.png";
  std::filesystem::remove(shot);
  std::filesystem::remove(phone);
  ProcessResult wide = RunChromium(
      chromium, dir, {"--screenshot=" + shot, "--window-size=1280,1800"}, url);
  EXPECT_EQ(wide.exit_code, 0) << wide.err;
  ProcessResult narrow = RunChromium(
      chromium, dir, {"--screenshot=" + phone, "--window-size=390,2600"}, url);
  EXPECT_EQ(narrow.exit_code, 0) << narrow.err;
  for (const std::string& png : {shot, phone}) {
    const std::string bytes = ReadFile(png);
    EXPECT_GT(bytes.size(), 20'000u) << png;
    EXPECT_EQ(bytes.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8)) << png;
  }
  // On a phone-width screen the page is no wider than the screen.
  ProcessResult phone_dom =
      RunChromium(chromium, dir, {"--dump-dom", "--window-size=390,844"}, url);
  ASSERT_EQ(phone_dom.exit_code, 0) << phone_dom.err;
  EXPECT_NE(BodyTag(phone_dom.out).find("data-overflow=\"false\""),
            std::string::npos)
      << BodyTag(phone_dom.out);

  // Two signals: the second aborts the minute-long transfer.
  crawl.Signal(SIGINT);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  crawl.Signal(SIGINT);
  ProcessResult r = crawl.Wait(60'000);
  EXPECT_EQ(r.exit_code, 130) << r.err;
}

TEST(StatusPageTest, ARecordTitleWithMarkupShowsAsTextAndRunsNoScript) {
  const std::string chromium = Chromium();
  if (chromium.empty()) GTEST_SKIP() << "Debian's chromium is not installed";
  TestServer server;
  // A scraper that keeps a heading's inner HTML gets markup as its record.
  server.Get("/xss", [](const httplib::Request&, const std::smatch&,
                        httplib::Response& res) {
    res.set_content(
        "<!DOCTYPE html><html><body>"
        "<h1 class=\"t\"><img src=x onerror=alert(1)></h1>"
        "<h1 class=\"t\"><img src=x onerror="
        "document.body.setAttribute('data-pwned','img')></h1>"
        "<h1 class=\"t\"><script>document.body.setAttribute('data-pwned',"
        "'script')</script></h1>"
        "</body></html>",
        "text/html; charset=utf-8");
  });
  TempDir dir;
  const std::string job = dir.File("job.toml");
  const std::string db = dir.File("xss.db");
  std::ofstream(job) << "[job]\nname = \"xss\"\nstart_urls = [\""
                     << server.Url("/xss") << "\"]\n"
                     << "[politeness]\ndelay_ms = 0\n"
                        "[[rules]]\nname = \"headline\"\n"
                        "pattern = '<h1 class=\"t\">(?P<title>.*?)</h1>'\n";
  ProcessResult run = testing::RunProcess(
      {BuiltProgram("crawlbox"), "run", job, "--db", db, "-q", "--no-status"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.err.find("status page at"), std::string::npos) << run.err;
  ASSERT_EQ(e2e::CountDb(db, "SELECT count(*) FROM headline"), 3);

  // The finished database, served by `crawlbox serve`.
  ChildProcess serve({BuiltProgram("crawlbox"), "serve", db}, {},
                     dir.path().string());
  const int port = WaitForStatusPort(serve.err_path());
  ASSERT_GT(port, 0) << ReadFile(serve.err_path());
  ProcessResult dumped =
      RunChromium(chromium, dir, {"--dump-dom"},
                  "http://127.0.0.1:" + std::to_string(port) + "/");
  ASSERT_EQ(dumped.exit_code, 0) << dumped.err;
  const std::string& dom = dumped.out;
  EXPECT_EQ(Attr(dom, "records", "data-rows"), "3") << dom;
  // Shown as text: the serialized DOM escapes it inside a table cell.
  EXPECT_NE(dom.find("&lt;img src=x onerror=alert(1)&gt;"), std::string::npos)
      << dom;
  EXPECT_NE(dom.find("&lt;script&gt;document.body.setAttribute"),
            std::string::npos);
  // No element was made of it and no script ran.
  EXPECT_EQ(dom.find("<img"), std::string::npos);
  EXPECT_EQ(BodyTag(dom).find("data-pwned"), std::string::npos) << BodyTag(dom);
  EXPECT_NE(BodyTag(dom).find("data-state=\"finished\""), std::string::npos)
      << "the page's own script did run";

  serve.Signal(SIGTERM);
  ProcessResult stopped = serve.Wait(30'000);
  EXPECT_EQ(stopped.exit_code, 0) << stopped.err;
}

TEST(StatusPageTest, TheLiveApiFollowsAnInProcessCrawl) {
  testing::TestServerOptions options;
  options.site = testing::SiteOptions{};
  options.site->pages = 60;
  TestServer site(options);
  site.SetLatency(std::chrono::milliseconds(30));
  TempDir dir;
  const std::string db = dir.File("live.db");
  config::LoadedJob loaded = config::LoadJobText(
      "[job]\nname = \"live\"\nstart_urls = [\"" + site.Url("/site/0.html") +
          "\"]\n[fetch]\nconcurrency = 2\n[politeness]\n"
          "per_host_concurrency = 2\ndelay_ms = 0\n[limits]\nmax_pages = 40\n"
          "[[rules]]\nname = \"board\"\nurl = '/site/'\n"
          "pattern = '<dd>.*?board-index.*?>(?P<rank>\\d+)</i>.*?</dd>'\n"
          "follow = ['/site/\\d+\\.html$']\n",
      "live.toml");
  ASSERT_TRUE(loaded.ok());
  std::vector<config::JobProblem> problems;
  auto parser = parser::PageParser::Compile(loaded.job, &problems);
  ASSERT_TRUE(problems.empty());
  auto store = storage::Store::Open(db);
  ASSERT_OK(store);
  crawler::Engine engine(loaded.job, *parser, store->get(), {});
  crawler::EngineStatus source(loaded.job, engine, nullptr);
  EXPECT_EQ(source.Totals().state, "starting");
  web::StatusServer status(db, &source);
  auto port = status.Start({});
  ASSERT_OK(port);

  json running;
  json hosts;
  std::thread run_thread([&] {
    auto summary = engine.Run();
    EXPECT_OK(summary);
    source.SetFinalState(summary.ok() ? summary->state : "failed");
  });
  const auto deadline = Clock::now() + std::chrono::seconds(60);
  while (Clock::now() < deadline) {
    json s = GetJson(*port, "/api/status");
    if (s.is_object() && s["state"] == "running" && s["pages"] > 5) {
      running = s;
      hosts = GetJson(*port, "/api/hosts");
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  run_thread.join();
  ASSERT_TRUE(running.is_object()) << "never saw the crawl running";
  EXPECT_EQ(running["source"], "live");
  EXPECT_EQ(running["job"], "live");
  EXPECT_EQ(running["limits"]["max_pages"], 40);
  EXPECT_FALSE(running["remaining_pages"].is_null());
  EXPECT_LE(running["remaining_pages"].get<int64_t>(), 40);
  ASSERT_TRUE(hosts.is_object());
  EXPECT_EQ(hosts["live"], true);
  ASSERT_EQ(hosts["hosts"].size(), 1u);
  EXPECT_EQ(hosts["hosts"][0]["host"], "127.0.0.1");
  EXPECT_EQ(hosts["hosts"][0]["robots"], "ok");
  EXPECT_EQ(hosts["hosts"][0]["delay_ms"], 0);
  EXPECT_GT(hosts["hosts"][0]["fetched"].get<int64_t>(), 0);

  // After the run (once the server's collection is fresh): its final
  // numbers, state and counters.
  json done;
  const auto end_deadline = Clock::now() + std::chrono::seconds(10);
  while (Clock::now() < end_deadline) {
    done = GetJson(*port, "/api/status");
    if (done.is_object() && done["state"] == "finished") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(done["state"], "finished");
  EXPECT_EQ(done["pages"], 40);
  EXPECT_EQ(done["in_flight"], 0);
  EXPECT_EQ(done["pages"], e2e::CountDb(db, "SELECT count(*) FROM pages"));
  EXPECT_EQ(done["items"], e2e::CountDb(db, "SELECT count(*) FROM items"));
  EXPECT_EQ(done["status_codes"]["200"], 40);
  EXPECT_EQ(done["counters"]["robots/status/200"], 1);
  json after_hosts = GetJson(*port, "/api/hosts");
  ASSERT_EQ(after_hosts["hosts"].size(), 1u);
  EXPECT_EQ(after_hosts["hosts"][0]["fetched"], 41);  // robots.txt + 40 pages

  httplib::Client client("127.0.0.1", *port);
  auto metrics = client.Get("/metrics");
  ASSERT_TRUE(metrics);
  auto families = testing::ParsePrometheusText(metrics->body);
  ASSERT_OK(families);
  const testing::PromFamily* pages =
      testing::FindFamily(*families, "crawlbox_pages_total");
  ASSERT_NE(pages, nullptr);
  ASSERT_EQ(pages->samples.size(), 1u);
  EXPECT_EQ(pages->samples[0].labels.at("status"), "200");
  EXPECT_EQ(pages->samples[0].value, 40);
  EXPECT_EQ(testing::FindFamily(*families, "crawlbox_hosts")->samples[0].value,
            1);
  status.Stop();
}

TEST(StatusPageTest, TheCommandLineEnforcesTheBindRule) {
  TempDir dir;
  const std::string job = dir.File("open.toml");
  const std::string db = dir.File("open.db");
  std::ofstream(job) << "[job]\nname = \"open\"\n"
                        "start_urls = [\"http://127.0.0.1:9/\"]\n"
                        "[status]\n"
                        "addr = \"0.0.0.0\"\n";
  ProcessResult open =
      testing::RunProcess({BuiltProgram("crawlbox"), "run", job, "--db", db});
  EXPECT_EQ(open.exit_code, 2) << open.err;
  EXPECT_NE(open.err.find(job + ":5:8: status.addr: expected a loopback"),
            std::string::npos)
      << open.err;
  EXPECT_FALSE(std::filesystem::exists(db)) << "nothing may start";
  EXPECT_EQ(
      testing::RunProcess({BuiltProgram("crawlbox"), "check", job}).exit_code,
      0)
      << "--status-token may still supply the token";

  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{
           {"run", job, "--db", db, "--status-addr", "127.0.0.1:70000"},
           {"run", job, "--db", db, "--status-addr", "10.1.2.3:0"},
           {"run", job, "--db", db, "--status-token", "short"},
           {"serve", db},   // no such database
           {"serve", job},  // not a database
       }) {
    std::vector<std::string> argv = {BuiltProgram("crawlbox")};
    argv.insert(argv.end(), args.begin(), args.end());
    ProcessResult r = testing::RunProcess(argv);
    EXPECT_EQ(r.exit_code, 2) << args[0] << " " << args.back() << ": " << r.err;
    EXPECT_FALSE(r.err.empty());
    EXPECT_FALSE(std::filesystem::exists(db));
  }
  // A database that exists, served beyond loopback only with a token.
  e2e::CrawlText(
      "[job]\nname = \"tiny\"\nstart_urls = [\"http://127.0.0.1:9/\"]\n"
      "[retry]\nmax_attempts = 1\n",
      db);
  ProcessResult serve_open = testing::RunProcess(
      {BuiltProgram("crawlbox"), "serve", db, "--addr", "0.0.0.0:0"});
  EXPECT_EQ(serve_open.exit_code, 2) << serve_open.err;
  EXPECT_NE(serve_open.err.find("token"), std::string::npos);
}

}  // namespace
}  // namespace crawlbox
