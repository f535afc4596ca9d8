// ApiSite: the API test site every TestServer mounts: a cursor-paginated JSON
// API, a search form that answers POST only, a JSON search endpoint, and a
// members area behind a login with a CSRF token. Its pages and records are in
// api_pages.h and api_data.h.
#pragma once

#include <httplib.h>

#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <regex>
#include <string>
#include <vector>

namespace crawlbox::testing {

// A route's handler. `match` holds the pattern's captures over req.path and is
// valid only during the call. Set res.status (default 200) and the body with
// res.set_content.
using RouteHandler =
    std::function<void(const httplib::Request& req, const std::smatch& match,
                       httplib::Response& res)>;

// The password of the login form when a test sets none. Tests that check the
// login set their own, random one.
inline constexpr char kDemoLoginPassword[] = "crawlbox-demo";
// The only user name the login accepts.
inline constexpr char kLoginUsername[] = "reader";

struct ApiSiteOptions {
  // What POST /app/login accepts with kLoginUsername. The site never writes it
  // anywhere (no log line, no page); only TestServer's request log keeps
  // request bodies, and that log is for tests.
  std::string login_password = kDemoLoginPassword;
  // A session ends after serving this many /app/members* requests (the next
  // one sees the logged-out page), so tests can make a crawler log in again.
  // 0 = never.
  int session_max_requests = 0;
};

// How POST /app/login requests turned out.
struct LoginCounts {
  int succeeded = 0;
  int failed = 0;
};

// The site's endpoints (paths are exact; anything else under /api or /app is a
// 404, a known path with another method a 405):
//   GET  /api/items[?cursor=<c>]  a page of items as ApiItemsPageJson; no
//                                 cursor = the first page; a cursor ApiCursor
//                                 did not make = 400 {"error":"bad cursor"}
//   GET  /api/items/<id>          ApiItemJson(ApiItem(id)); unknown id = 404
//                                 {"error":"no such item"}
//   POST /api/search              body {"q":"...","page":N} (page optional,
//                                 default 1) as application/json → 200
//                                 ApiSearchJson; other content types 415;
//                                 bad JSON or fields 400
//   GET  /app/search              SearchFormPage(search_token())
//   POST /app/search/results      form fields (urlencoded or multipart) token,
//                                 q, sort, in_stock, page → SearchResultsPage;
//                                 wrong token 403; bad sort or page 400; a
//                                 body of another type 415
//   GET  /app/newsletter          the decoy form's target: a short thank-you
//   GET  /app/login               LoginPage with a fresh csrf, and Set-Cookie
//                                 presession=<random>; the csrf is valid only
//                                 with that cookie
//   POST /app/login               csrf, username, password: right ones → 303
//                                 to /app/members with Set-Cookie
//                                 session=<random>; Path=/; HttpOnly; else 200
//                                 LoginPage(csrf, failed = true)
//   GET  /app/members             MembersIndexPage, or LoggedOutPage without a
//                                 valid session cookie
//   GET  /app/members/<n>         MembersPage(n) for n in 1..20 (else 404), or
//                                 LoggedOutPage
//   GET  /app/logout              ends the session; 303 to /app/login
//
// Thread-safe: the handlers run on the server's threads, the accessors on any.
class ApiSite {
 public:
  struct Route {
    // "GET" (which also answers HEAD) or "POST".
    std::string method;
    // An ECMAScript regex over the whole decoded path.
    std::string pattern;
    RouteHandler handler;
  };

  // Draws the search token and the secret behind csrf values at random.
  explicit ApiSite(ApiSiteOptions options);
  ApiSite(const ApiSite&) = delete;
  ApiSite& operator=(const ApiSite&) = delete;

  // The routes above. Their handlers point at this site, which must outlive
  // every call of them.
  std::vector<Route> Routes();

  // The hidden token the search form carries; fixed for the site's life.
  const std::string& search_token() const { return search_token_; }
  LoginCounts Logins() const;
  // Sessions logged in and not yet ended (logout or session_max_requests).
  int ActiveSessions() const;

 private:
  void ItemsPage(const httplib::Request& req, httplib::Response& res) const;
  void JsonSearch(const httplib::Request& req, httplib::Response& res) const;
  void SearchResults(const httplib::Request& req, httplib::Response& res) const;
  void LoginForm(const httplib::Request& req, httplib::Response& res);
  void LoginSubmit(const httplib::Request& req, httplib::Response& res);
  // Serves members page `page` (nullopt: the index) if the request's session
  // is valid, counting the request against it; else the logged-out page.
  void Members(const httplib::Request& req, std::optional<int> page,
               httplib::Response& res);
  void Logout(const httplib::Request& req, httplib::Response& res);

  // The csrf value that goes with a presession cookie. Derived rather than
  // stored, so a crawler fetching the login page over and over costs no
  // memory.
  std::string CsrfFor(const std::string& presession) const;
  // `bytes` random bytes as lowercase hex.
  std::string RandomHex(int bytes);

  const ApiSiteOptions options_;
  std::string search_token_;
  std::string csrf_secret_;

  mutable std::mutex mu_;
  std::mt19937_64 rng_;                          // guarded by mu_
  std::map<std::string, int> session_requests_;  // session → requests served
  LoginCounts logins_;
};

}  // namespace crawlbox::testing
