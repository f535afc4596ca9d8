// TestServer: a local HTTP server for tests, the demo and benchmarks. It wraps
// cpp-httplib, binds 127.0.0.1 on a free port, serves from its own threads and
// mounts scrapy-mockserver-style endpoints, the demo movie board, the API test
// site (JSON API, POST forms, login), the single-page-app site and an optional
// generated site.
#pragma once

#include <httplib.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "config/status.h"
#include "tests/support/api_site.h"
#include "tests/support/demo_board.h"
#include "tests/support/site_generator.h"
#include "tests/support/spa_site.h"

namespace crawlbox::testing {

struct TestServerOptions {
  // Address to bind (IPv4 literal): another loopback address such as
  // 127.0.0.2 makes a second host for scope and politeness tests.
  std::string host = "127.0.0.1";
  // 0 (the default, and the only value tests should use): any free port, see
  // port().
  int port = 0;
  // Directory holding board/films.tsv and the files served under /data/.
  // Default: the repository's tests/data.
  std::string data_dir = DefaultDataDir();
  // When set, the generated site is served under /site/, or at the realistic
  // site's paths (see EnableSite).
  std::optional<SiteOptions> site;
  // Worker threads. An open keep-alive connection holds one, so this bounds how
  // many connections are served at once; the rest wait in the accept queue.
  int threads = 64;
  // Seconds an idle keep-alive connection stays open. Stop() waits up to this
  // long for a client that keeps a connection open, so it is short.
  int keep_alive_timeout_sec = 1;
  // The password POST /app/login accepts for user "reader" (see ApiSite).
  // Tests of the login set a random one; the server never logs it.
  std::string login_password = kDemoLoginPassword;
  // A login session ends after this many /app/members* requests; 0 = never.
  int session_max_requests = 0;
};

// One request as the server saw it, in arrival order.
struct RequestRecord {
  std::string method;
  // Path and "?query" exactly as requested (not decoded).
  std::string target;
  // Empty when the client sent none.
  std::string user_agent;
  std::chrono::steady_clock::time_point arrived;
  // The first 64 KiB of the request body, empty if none. cpp-httplib parses a
  // multipart/form-data body off the wire, so for one this holds its parts
  // re-encoded as application/x-www-form-urlencoded, sorted by name. Bodies
  // hold whatever the client sent, login passwords included: the log is for
  // tests to inspect and is never printed by the server.
  std::string body;
  // The Content-Type and Cookie headers; empty when absent.
  std::string content_type;
  std::string cookie;
};

// A running HTTP server on the loopback interface.
//
// Built-in endpoints, GET and HEAD unless marked POST (patterns match the
// decoded path; a path no route matches is a 404; one that routes match only
// for other methods is a 405 with an Allow header, e.g. POST /status/200 or
// GET /app/search/results):
//   /status/<code>      that status (200..599) with a short text body; 204 and
//                       304 have none; other codes are a 400
//   /delay/<ms>         200 after ms milliseconds (at most 600000); Stop()
//                       cuts the wait short
//   /redirect/<n>       302 to /redirect/<n-1>; /redirect/0 is 200 "done\n"
//   /redirect-loop      302 to itself
//   /redirect-to?url=<u>[&status=301|302|303|307|308]
//                       a redirect to u (default 302); no url is a 400
//   /gzip               an HTML page, gzip-compressed with Content-Encoding:
//                       gzip only if the request's Accept-Encoding allows gzip
//   /bytes/<n>          exactly n bytes of HTML-ish ASCII (streamed, any size)
//   /binary             1024 bytes of application/octet-stream, NULs included
//   /headers            the request headers as "Name: value" lines, text/plain
//   /robots.txt         the text set by SetRobotsTxt (default allows all)
//   /data/<file>        <data_dir>/<file>, content type from its extension;
//                       a path with "..", "." or empty segments is a 404
//   /, /about, /login   small demo pages; / and /about link to the board
//   /board/4?offset=N   the demo board page, N = 0, 10, ..., 90 (else 404)
//   /films/<rank>       a film's detail page
//   /img/<rank>.png     a film's poster (a 1x1 PNG)
//   /site/<i>.html      page i of the generated site, when one is enabled
//                       (and not realistic)
//   /home, /section/<s>, /about-us, /contact, /help, /articles/<slug>-<i>,
//   /page/<i>, /board/<b>?offset=<o>  (b >= 10)
//                       the pages of a realistic generated site, when one is
//                       enabled: exactly GeneratedSite::PagePath(i), any other
//                       spelling or query is a 404
// The API test site (ApiSite in api_site.h has the details, api_data.h the
// records tests compute expected values from):
//   GET  /api/items[?cursor=<c>]  50 JSON pages of 100 items, cursor-paginated
//   GET  /api/items/<id>          one item, id 1..5000
//   POST /api/search              JSON body {"q":..,"page":N} → JSON hits
//   GET  /app/search              a POST search form with a hidden token, and
//                                 a decoy GET form (/app/newsletter)
//   POST /app/search/results      the hits, 20 a page, "next page" POST form
//   GET  /app/login               login form with csrf + presession cookie
//   POST /app/login               303 to /app/members + session cookie, or
//                                 the form again with "Login failed"
//   GET  /app/members, /app/members/<1..20>
//                                 the members area; without a session a page
//                                 with <p id="logged-out">
//   GET  /app/logout              ends the session
// The single-page-app site (spa_site.h has the details and SpaEntries, the
// entries tests compare against); its pages hold no entries until a browser
// runs their script:
//   /spa/, /spa/page/<n>   the same HTML shell, n = 1..200; the script fetches
//                          /spa/api/page/<n>.json and renders 10 <dd
//                          class="film"> entries, a pager of pushState links
//                          and <div id="ready">
//   /spa/api/page/<n>.json the page's entries as JSON, "next" to page n+1
//   /spa/slow-data/<n>     the shell; its JSON (/spa/api/slow-data/<n>.json)
//                          comes after 1.5 s (cut short by Stop())
//   /spa/film/<rank>       a server-rendered detail page, rank 1..2000
//   /spa/moved/<n>         301 to /spa/page/<n>
//   /spa/loop              a shell whose script loops forever
// Handlers added with Get(), Post() or Put() are tried first, in the order
// added.
//
// Every response body is sent exactly as the handler produced it: the server
// never compresses on its own (cpp-httplib would otherwise gzip or brotli any
// text/* body the client accepts).
//
// Thread-safe: every public method may be called from any thread while the
// server runs.
class TestServer {
 public:
  // A handler for Get(), Post() or Put(). `match` holds the pattern's captures
  // over req.path and is valid only during the call. Set res.status (default
  // 200) and the body with res.set_content.
  using Handler = RouteHandler;

  // Starts serving with default options (or `options`) and returns once the
  // server accepts connections. Aborts with a message on stderr if it cannot
  // start (a broken test machine or checkout: missing
  // tests/data/board/films.tsv, no loopback). Use Create() to get an error.
  TestServer();
  explicit TestServer(TestServerOptions options);
  // Like the constructor, but reports failure: kNotFound/kInvalidArgument for
  // the board data, kUnavailable if the address cannot be bound (port taken).
  static config::Result<std::unique_ptr<TestServer>> Create(
      TestServerOptions options);

  // Stops and joins (see Stop).
  ~TestServer();
  TestServer(const TestServer&) = delete;
  TestServer& operator=(const TestServer&) = delete;

  // The bound port.
  int port() const { return port_; }
  // "http://<host>:<port>" + path_and_query, e.g. Url("/status/404").
  std::string Url(std::string_view path_and_query) const;

  // Adds a GET/HEAD handler for paths fully matching the ECMAScript regex
  // `pattern`, tried before the built-in endpoints. May be called while
  // serving. Precondition: pattern compiles.
  void Get(const std::string& pattern, Handler handler);
  // Like Get(), for POST requests; req.body holds the body (see RequestRecord
  // for multipart). cpp-httplib itself answers 413, before any handler and
  // the request log, to an application/x-www-form-urlencoded body over 8 KiB.
  void Post(const std::string& pattern, Handler handler);
  // Like Post(), for PUT requests.
  void Put(const std::string& pattern, Handler handler);

  // Serves (or replaces) the generated site: under /site/, or at the
  // realistic site's paths when options.realistic.
  void EnableSite(SiteOptions options);
  // The site being served, or nullptr. The pointer stays valid as long as it is
  // held.
  std::shared_ptr<const GeneratedSite> site() const;
  // The demo board; valid for the life of this server.
  const DemoBoard& board() const { return board_; }
  // The API test site: its search token, login counts and sessions; valid for
  // the life of this server.
  const ApiSite& api_site() const { return api_site_; }

  // Sets the body of /robots.txt; nullopt makes it answer 404. Default
  // "User-agent: *\nDisallow:\n".
  void SetRobotsTxt(std::optional<std::string> text);
  // Delays every response (built-in or added) by `latency` before its handler
  // runs, so that a politeness test sees requests overlap if the crawler sends
  // them concurrently. Default 0.
  void SetLatency(std::chrono::milliseconds latency);

  // Requests received for path_and_query exactly as requested
  // ("/board/4?offset=10"), any method, any outcome (404s count). 0 if never
  // requested.
  int Hits(const std::string& path_and_query) const;
  int64_t TotalHits() const;
  // Every path_and_query requested, with its count.
  std::map<std::string, int> AllHits() const;
  // The most requests that were being handled at the same moment (latency
  // included).
  int MaxConcurrent() const;
  // The first 100000 requests, in arrival order.
  std::vector<RequestRecord> RequestLog() const;
  // Forgets hits, the request log and MaxConcurrent.
  void ResetCounts();

  // Stops accepting, ends pending /delay and latency waits, waits for open
  // requests and connections (up to keep_alive_timeout_sec for idle keep-alive
  // ones) and joins the threads. A response still being sent is cut off (the
  // client sees the connection close). Idempotent; afterwards connecting to
  // port() fails.
  void Stop();

 private:
  struct Route {
    // "GET" (which answers HEAD too), "POST" or "PUT".
    std::string method;
    std::regex pattern;
    Handler handler;
  };

  // Sets up routes without serving; Listen() starts.
  TestServer(const TestServerOptions& options, DemoBoard board);
  config::Status Listen();
  void AddBuiltinRoutes();
  void AddBoardRoutes();
  // The realistic generated site's paths; after the board's, so /board/4
  // stays the demo board's.
  void AddRealisticSiteRoutes();
  void AddApiSiteRoutes();
  void AddSpaSiteRoutes();
  void AddUserRoute(const std::string& method, const std::string& pattern,
                    Handler handler);
  void Dispatch(const httplib::Request& req, httplib::Response& res);
  void RecordArrival(const httplib::Request& req);
  // Waits for `duration` or until Stop(), whichever comes first.
  void SleepUnlessStopping(std::chrono::milliseconds duration);

  const TestServerOptions options_;
  const DemoBoard board_;
  ApiSite api_site_;
  std::vector<Route> builtin_routes_;  // fixed before the server starts
  httplib::Server server_;
  std::thread listen_thread_;
  int port_ = 0;

  mutable std::mutex mu_;
  std::shared_ptr<const std::vector<Route>> user_routes_;  // copied on write
  std::shared_ptr<const GeneratedSite> site_;
  std::optional<std::string> robots_txt_;
  std::chrono::milliseconds latency_{0};
  std::map<std::string, int> hits_;
  int64_t total_hits_ = 0;
  std::vector<RequestRecord> log_;
  int in_flight_ = 0;
  int max_concurrent_ = 0;

  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
  // Serializes Stop() callers around the join; not held by handlers.
  std::mutex join_mu_;
};

}  // namespace crawlbox::testing
