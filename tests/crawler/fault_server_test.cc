// Smoke tests of the fault-injection server: each endpoint's byte-level
// behaviour as a plain libcurl transfer sees it, hit counting, robots modes,
// and a quick Stop() while slow endpoints are still busy.
#include "tests/support/fault_server.h"

#include <curl/curl.h>
#include <gtest/gtest.h>
#include <zlib.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <ctime>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/status_matchers.h"

namespace crawlbox::testing {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

struct Fetched {
  CURLcode code = CURLE_OK;
  long status = 0;
  std::string headers;  // every header line received, redirects included
  std::string body;     // as received (not decoded unless decode_gzip)
  milliseconds elapsed{0};
  double first_byte_seconds = 0;  // CURLINFO_STARTTRANSFER_TIME
};

struct FetchOptions {
  long timeout_ms = 5000;
  bool follow = false;
  long max_redirects = 50;
  bool decode_gzip = false;      // CURLOPT_ACCEPT_ENCODING ""
  size_t max_body = SIZE_MAX;    // the write callback fails beyond this
  const char* method = nullptr;  // CURLOPT_CUSTOMREQUEST
};

size_t OnHeader(char* data, size_t size, size_t count, void* out) {
  static_cast<Fetched*>(out)->headers.append(data, size * count);
  return size * count;
}

struct BodySink {
  std::string* body;
  size_t max_body;
};

size_t OnBody(char* data, size_t size, size_t count, void* out) {
  BodySink* sink = static_cast<BodySink*>(out);
  if (sink->body->size() + size * count > sink->max_body) return 0;
  sink->body->append(data, size * count);
  return size * count;
}

// One easy transfer, straight to 127.0.0.1 (no proxy from the environment).
Fetched Fetch(const std::string& url, const FetchOptions& options = {}) {
  static const bool curl_ready = curl_global_init(CURL_GLOBAL_DEFAULT) == 0;
  EXPECT_TRUE(curl_ready);
  Fetched out;
  BodySink sink = {&out.body, options.max_body};
  CURL* curl = curl_easy_init();
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_PROXY, "");
  curl_easy_setopt(curl, CURLOPT_NOPROXY, "*");
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, options.timeout_ms);
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, options.follow ? 1L : 0L);
  curl_easy_setopt(curl, CURLOPT_MAXREDIRS, options.max_redirects);
  if (options.decode_gzip) curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "");
  if (options.method)
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, options.method);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &out);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &sink);
  const Clock::time_point start = Clock::now();
  out.code = curl_easy_perform(curl);
  out.elapsed = std::chrono::duration_cast<milliseconds>(Clock::now() - start);
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &out.status);
  curl_easy_getinfo(curl, CURLINFO_STARTTRANSFER_TIME, &out.first_byte_seconds);
  curl_easy_cleanup(curl);
  return out;
}

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) {
    return static_cast<char>(std::tolower(c));
  });
  return s;
}

// The value of the last `name` header line, or "" if none.
std::string Header(const Fetched& fetched, const std::string& name) {
  const std::string lower = Lower(fetched.headers);
  const size_t at = lower.rfind("\r\n" + Lower(name) + ":");
  if (at == std::string::npos) return "";
  const size_t begin =
      fetched.headers.find_first_not_of(' ', at + 3 + name.size());
  return fetched.headers.substr(begin,
                                fetched.headers.find("\r\n", begin) - begin);
}

std::vector<std::string> Links(const std::string& html) {
  std::vector<std::string> links;
  const std::string kHref = "href=\"";
  for (size_t at = html.find(kHref); at != std::string::npos;
       at = html.find(kHref, at + 1)) {
    const size_t begin = at + kHref.size();
    links.push_back(html.substr(begin, html.find('"', begin) - begin));
  }
  return links;
}

bool Contains(const std::vector<std::string>& links, const std::string& link) {
  return std::find(links.begin(), links.end(), link) != links.end();
}

// Polls `done` until it holds or `timeout` passes.
bool WaitUntil(const std::function<bool()>& done,
               milliseconds timeout = milliseconds(5000)) {
  const Clock::time_point deadline = Clock::now() + timeout;
  while (!done()) {
    if (Clock::now() > deadline) return false;
    std::this_thread::sleep_for(milliseconds(5));
  }
  return true;
}

TEST(FaultServerTest, IndexLinksEveryFaultPathAndCountsHits) {
  config::Result<std::unique_ptr<FaultServer>> created = FaultServer::Create();
  ASSERT_OK(created);
  FaultServer& server = *created.value();
  const Fetched index = Fetch(server.Url("/"));
  ASSERT_EQ(index.code, CURLE_OK);
  EXPECT_EQ(index.status, 200);
  EXPECT_EQ(Header(index, "Connection"), "close");
  const std::vector<std::string> links = Links(index.body);
  for (const std::string& path : FaultServer::FaultPaths())
    EXPECT_TRUE(Contains(links, path)) << path;
  EXPECT_TRUE(Contains(links, "/page/1"));
  EXPECT_TRUE(Contains(Links(Fetch(server.Url("/page/1")).body), "/page/2"));
  EXPECT_TRUE(Contains(Links(Fetch(server.Url("/page/10")).body), "/page/1"));
  EXPECT_EQ(Fetch(server.Url("/page/11")).status, 404);
  EXPECT_EQ(Fetch(server.Url("/no-such-thing?x=1")).status, 404);
  FetchOptions del;
  del.method = "DELETE";
  EXPECT_EQ(Fetch(server.Url("/"), del).status, 405);
  EXPECT_EQ(server.Hits("/"), 2);
  EXPECT_EQ(server.Hits("/no-such-thing?x=1"), 1);
  EXPECT_EQ(server.Hits("/no-such-thing"), 0);
  EXPECT_EQ(server.RequestLog(),
            (std::vector<std::string>{"/", "/page/1", "/page/10", "/page/11",
                                      "/no-such-thing?x=1", "/"}));
  EXPECT_EQ(server.MaxConcurrent(), 1);
}

TEST(FaultServerTest, LatencyDelaysEveryResponseAndConcurrencyIsCounted) {
  FaultServer server;
  server.SetLatency(milliseconds(300));
  std::vector<std::thread> threads;
  std::atomic<int> slow_enough{0};
  for (int i = 1; i <= 4; ++i) {
    threads.emplace_back([&server, &slow_enough, i] {
      const Fetched fetched = Fetch(server.Url("/page/" + std::to_string(i)));
      if (fetched.status == 200 && fetched.elapsed >= milliseconds(290))
        ++slow_enough;
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(slow_enough.load(), 4);
  EXPECT_GE(server.MaxConcurrent(), 2);
  EXPECT_LE(server.MaxConcurrent(), 4);
  EXPECT_EQ(server.RequestLog().size(), 4u);
  for (int i = 1; i <= 4; ++i)
    EXPECT_EQ(server.Hits("/page/" + std::to_string(i)), 1) << i;
}

TEST(FaultServerTest, LyingLengthIsAPartialFile) {
  FaultServer server;
  const Fetched fetched = Fetch(server.Url("/lying-length"));
  EXPECT_EQ(fetched.code, CURLE_PARTIAL_FILE)
      << curl_easy_strerror(fetched.code);
  EXPECT_EQ(fetched.status, 200);
  EXPECT_EQ(Header(fetched, "Content-Length"), "5000");
  EXPECT_EQ(fetched.body.size(), 100u);
}

TEST(FaultServerTest, ResetCutsTheBodyShort) {
  FaultServer server;
  const Fetched fetched = Fetch(server.Url("/reset"));
  EXPECT_TRUE(fetched.code == CURLE_RECV_ERROR ||
              fetched.code == CURLE_PARTIAL_FILE)
      << curl_easy_strerror(fetched.code);
  EXPECT_EQ(Header(fetched, "Content-Length"), "100000");
  EXPECT_LE(fetched.body.size(), 1000u);
}

TEST(FaultServerTest, SlowHeadersTimeOutAndStopEndsEveryWait) {
  auto server = std::make_unique<FaultServer>();
  FetchOptions quick;
  quick.timeout_ms = 200;
  const Fetched timed_out = Fetch(server->Url("/slow-headers"), quick);
  EXPECT_EQ(timed_out.code, CURLE_OPERATION_TIMEDOUT)
      << curl_easy_strerror(timed_out.code);
  EXPECT_TRUE(timed_out.body.empty());
  EXPECT_TRUE(timed_out.headers.empty());

  FetchOptions patient;
  patient.timeout_ms = 20000;
  server->SetRobots(FaultServer::RobotsMode::kTimeout, "User-agent: *\n");
  const std::vector<std::string> slow = {
      "/slow-headers", "/trickle", "/robots.txt", "/slow-headers?ms=60000"};
  std::vector<Fetched> results(slow.size());
  std::vector<std::thread> threads;
  for (size_t i = 0; i < slow.size(); ++i) {
    threads.emplace_back(
        [&, i] { results[i] = Fetch(server->Url(slow[i]), patient); });
  }
  ASSERT_TRUE(WaitUntil([&] {
    for (const std::string& path : slow) {
      if (server->Hits(path) == 0) return false;
    }
    return true;
  }));
  const Clock::time_point stop_start = Clock::now();
  server.reset();
  EXPECT_LT(Clock::now() - stop_start, milliseconds(1000));
  for (std::thread& thread : threads) thread.join();
  for (size_t i = 0; i < slow.size(); ++i) {
    EXPECT_NE(results[i].code, CURLE_OK) << slow[i];
    EXPECT_LT(results[i].elapsed, milliseconds(5000)) << slow[i];
  }
}

TEST(FaultServerTest, SlowHeadersAnswerAfterTheDelay) {
  FaultServer server;
  const Fetched fetched = Fetch(server.Url("/slow-headers?ms=150"));
  EXPECT_EQ(fetched.code, CURLE_OK);
  EXPECT_EQ(fetched.status, 200);
  EXPECT_GE(fetched.elapsed, milliseconds(140));
  EXPECT_EQ(Fetch(server.Url("/slow-headers?ms=70000")).status, 400);
}

TEST(FaultServerTest, TrickleSendsHeadersAtOnceThenOneBytePerInterval) {
  FaultServer server;
  const Fetched fetched = Fetch(server.Url("/trickle?bytes=8&ms=60"));
  EXPECT_EQ(fetched.code, CURLE_OK);
  EXPECT_EQ(Header(fetched, "Content-Length"), "8");
  EXPECT_EQ(fetched.body, "<!DOCTYP");
  EXPECT_GE(fetched.elapsed, milliseconds(470));
  // The head arrives before the first body byte is due.
  EXPECT_LT(fetched.first_byte_seconds * 1000, fetched.elapsed.count() - 300);

  FetchOptions quick;
  quick.timeout_ms = 300;
  const Fetched cut = Fetch(server.Url("/trickle?bytes=100&ms=20"), quick);
  EXPECT_EQ(cut.code, CURLE_OPERATION_TIMEDOUT);
  EXPECT_GT(cut.body.size(), 0u);
  EXPECT_LT(cut.body.size(), 100u);
  EXPECT_EQ(Fetch(server.Url("/trickle?bytes=2000&ms=50")).status, 400);
}

TEST(FaultServerTest, RedirectChainEndsAndLoopDoesNot) {
  FaultServer server;
  const Fetched one = Fetch(server.Url("/redirect-chain/3"));
  EXPECT_EQ(one.status, 302);
  EXPECT_EQ(Header(one, "Location"), "/redirect-chain/2");
  FetchOptions follow;
  follow.follow = true;
  const Fetched chain = Fetch(server.Url("/redirect-chain/3"), follow);
  EXPECT_EQ(chain.code, CURLE_OK);
  EXPECT_EQ(chain.status, 200);
  for (int n = 0; n <= 2; ++n)
    EXPECT_EQ(server.Hits("/redirect-chain/" + std::to_string(n)), 1) << n;
  EXPECT_EQ(server.Hits("/redirect-chain/3"), 2);

  follow.max_redirects = 5;
  const Fetched loop = Fetch(server.Url("/redirect-loop"), follow);
  EXPECT_EQ(loop.code, CURLE_TOO_MANY_REDIRECTS);
  EXPECT_EQ(Header(loop, "Location"), "/redirect-loop");
  EXPECT_EQ(server.Hits("/redirect-loop"), 6);
}

TEST(FaultServerTest, BigSendsExactlyTheAskedSize) {
  FaultServer server;
  const Fetched fetched = Fetch(server.Url("/big?mb=3"));
  EXPECT_EQ(fetched.code, CURLE_OK);
  EXPECT_EQ(fetched.body.size(), 3u << 20);
  EXPECT_EQ(fetched.body.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_EQ(Header(fetched, "Content-Type"), "text/html; charset=utf-8");
  EXPECT_EQ(Fetch(server.Url("/big?mb=5000")).status, 400);
}

// Inflates `gzip` (one member) and returns how many bytes came out; sets
// *all_spaces to whether the first 8 MiB were all spaces.
uint64_t InflatedSize(const std::string& gzip, bool* all_spaces) {
  z_stream z = {};
  EXPECT_EQ(inflateInit2(&z, 15 + 16), Z_OK);
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(gzip.data()));
  z.avail_in = static_cast<uInt>(gzip.size());
  std::string buf(4 << 20, '\0');
  uint64_t total = 0;
  *all_spaces = true;
  int rc = Z_OK;
  while (rc == Z_OK) {
    z.next_out = reinterpret_cast<Bytef*>(buf.data());
    z.avail_out = static_cast<uInt>(buf.size());
    rc = inflate(&z, Z_NO_FLUSH);
    const size_t got = buf.size() - z.avail_out;
    total += got;
    // Checking every byte would double the time; the start is enough.
    if (total <= (8u << 20) && buf.find_first_not_of(' ') < got)
      *all_spaces = false;
  }
  EXPECT_EQ(rc, Z_STREAM_END);
  inflateEnd(&z);
  return total;
}

TEST(FaultServerTest, GzipBombIsSmallOnTheWireAndHugeInflated) {
  FaultServer server;
  const Fetched bomb = Fetch(server.Url("/gzip-bomb"));
  ASSERT_EQ(bomb.code, CURLE_OK);
  EXPECT_EQ(Header(bomb, "Content-Encoding"), "gzip");
  EXPECT_EQ(Header(bomb, "Content-Type"), "text/html; charset=utf-8");
  // Deflate tops out near 1032:1, so 1 GiB needs about 1 MiB.
  EXPECT_LT(bomb.body.size(), 1200u * 1024);
  bool all_spaces = false;
  EXPECT_EQ(InflatedSize(bomb.body, &all_spaces), uint64_t{1} << 30);
  EXPECT_TRUE(all_spaces);

  const Fetched nested = Fetch(server.Url("/gzip-bomb?layers=2"));
  ASSERT_EQ(nested.code, CURLE_OK);
  EXPECT_EQ(Header(nested, "Content-Encoding"), "gzip, gzip");
  EXPECT_LT(nested.body.size(), 100u * 1024);

  // A client that decodes sees the flood: curl stops at our 8 MiB limit.
  FetchOptions decode;
  decode.decode_gzip = true;
  decode.max_body = 8 << 20;
  for (const char* path : {"/gzip-bomb", "/gzip-bomb?layers=2"}) {
    const Fetched decoded = Fetch(server.Url(path), decode);
    EXPECT_EQ(decoded.code, CURLE_WRITE_ERROR) << path;
    EXPECT_GT(decoded.body.size(), 7u << 20) << path;
    EXPECT_EQ(decoded.body.find_first_not_of(' '), std::string::npos) << path;
  }
}

TEST(FaultServerTest, InvalidUtf8AndBinaryAsHtml) {
  FaultServer server;
  const Fetched bad = Fetch(server.Url("/invalid-utf8"));
  EXPECT_EQ(bad.status, 200);
  EXPECT_EQ(Header(bad, "Content-Type"), "text/html; charset=utf-8");
  for (const char* bytes :
       {"[\xff]", "[\xe2\x82]", "[\xc0\xaf]", "[\xe0\x80\xaf]",
        "[\xed\xa0\x80]", "title=\"t\xff", "href=\"/page/2?q=\xff\xfe\"",
        "href=\"/caf\xff/"}) {
    EXPECT_NE(bad.body.find(bytes), std::string::npos) << bytes;
  }

  const Fetched binary = Fetch(server.Url("/binary-as-html"));
  const Fetched page = Fetch(server.Url("/page.html"));
  EXPECT_EQ(binary.status, 200);
  EXPECT_EQ(Header(binary, "Content-Type"), "application/octet-stream");
  EXPECT_EQ(binary.body.size(), 4096u);
  EXPECT_GT(std::count(binary.body.begin(), binary.body.end(), '\0'), 50);
  EXPECT_EQ(page.body, binary.body);
  EXPECT_EQ(Header(page, "Content-Type"), "application/octet-stream");
}

TEST(FaultServerTest, RetryAfterAndFlappingAlternate) {
  FaultServer server;
  const std::string url = server.Url("/retry-after?seconds=7");
  const Fetched first = Fetch(url);
  EXPECT_EQ(first.status, 429);
  EXPECT_EQ(Header(first, "Retry-After"), "7");
  EXPECT_EQ(Fetch(url).status, 200);
  EXPECT_EQ(Fetch(url).status, 429);
  EXPECT_EQ(Fetch(server.Url("/retry-after?seconds=8")).status, 429);

  const Fetched dated = Fetch(server.Url("/retry-after-date?seconds=120"));
  EXPECT_EQ(dated.status, 429);
  const std::string date = Header(dated, "Retry-After");
  const time_t when = curl_getdate(date.c_str(), nullptr);
  const time_t now = std::time(nullptr);
  EXPECT_GE(when, now + 100) << date;
  EXPECT_LE(when, now + 130) << date;
  EXPECT_EQ(Fetch(server.Url("/retry-after-date?seconds=120")).status, 200);

  const std::string flapping = server.Url("/flapping");
  EXPECT_EQ(Fetch(flapping).status, 503);
  EXPECT_EQ(Fetch(flapping).status, 200);
  EXPECT_EQ(Fetch(flapping).status, 503);
}

TEST(FaultServerTest, RobotsModes) {
  FaultServer server;
  const std::string url = server.Url("/robots.txt");
  EXPECT_EQ(Fetch(url).body, "User-agent: *\nDisallow:\n");
  const std::string rules = "User-agent: *\nDisallow: /calendar/\n";
  server.SetRobots(FaultServer::RobotsMode::kOk, rules);
  const Fetched ok = Fetch(url);
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.body, rules);
  server.SetRobots(FaultServer::RobotsMode::kNotFound);
  EXPECT_EQ(Fetch(url).status, 404);
  server.SetRobots(FaultServer::RobotsMode::kServerError);
  EXPECT_EQ(Fetch(url).status, 500);
  server.SetRobots(FaultServer::RobotsMode::kRedirect, rules);
  const Fetched moved = Fetch(url);
  EXPECT_EQ(moved.status, 302);
  EXPECT_EQ(Header(moved, "Location"), "/robots-real.txt");
  FetchOptions follow;
  follow.follow = true;
  const Fetched followed = Fetch(url, follow);
  EXPECT_EQ(followed.status, 200);
  EXPECT_EQ(followed.body, rules);
  EXPECT_EQ(server.Hits("/robots-real.txt"), 1);
  server.SetRobots(FaultServer::RobotsMode::kTimeout, rules);
  FetchOptions quick;
  quick.timeout_ms = 200;
  EXPECT_EQ(Fetch(url, quick).code, CURLE_OPERATION_TIMEDOUT);
}

TEST(FaultServerTest, CalendarLinksOnwardForever) {
  FaultServer server;
  const Fetched month = Fetch(server.Url("/calendar/2026/11"));
  ASSERT_EQ(month.status, 200);
  const std::vector<std::string> links = Links(month.body);
  EXPECT_TRUE(Contains(links, "/calendar/2026/10"));
  EXPECT_TRUE(Contains(links, "/calendar/2026/12"));
  for (int day = 1; day <= 31; ++day) {
    EXPECT_TRUE(Contains(links, "/calendar/2026/11?day=" + std::to_string(day)))
        << day;
  }
  const std::vector<std::string> day5 =
      Links(Fetch(server.Url("/calendar/2026/11?day=5")).body);
  EXPECT_EQ(day5, (std::vector<std::string>{"/calendar/2026/11?day=6",
                                            "/calendar/2026/12"}));
  const std::vector<std::string> day31 =
      Links(Fetch(server.Url("/calendar/2026/12?day=31")).body);
  EXPECT_EQ(day31, (std::vector<std::string>{"/calendar/2027/01?day=1",
                                             "/calendar/2027/01"}));
  EXPECT_TRUE(Contains(Links(Fetch(server.Url("/calendar/2026/1")).body),
                       "/calendar/2025/12"));
  EXPECT_EQ(Fetch(server.Url("/calendar/99999/12")).status, 200);
  for (const char* path :
       {"/calendar/2026/13", "/calendar/0/5", "/calendar/100000/1",
        "/calendar/2026/11?day=32", "/calendar/2026"}) {
    EXPECT_EQ(Fetch(server.Url(path)).status, 404) << path;
  }
  // Following "next month" never runs out.
  std::string next = "/calendar/2026/11";
  std::set<std::string> seen;
  for (int i = 0; i < 30; ++i) {
    const Fetched page = Fetch(server.Url(next));
    ASSERT_EQ(page.status, 200) << next;
    ASSERT_TRUE(seen.insert(next).second) << next;
    next = Links(page.body)[1];
  }
  EXPECT_EQ(next, "/calendar/2029/05");
}

}  // namespace
}  // namespace crawlbox::testing
