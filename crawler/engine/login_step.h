// LoginStep: the job's [login], run by the Fetcher before the first request
// and again after a page showed a rule's logged_out marker. It sends the
// login requests itself (never through the Frontier), so the password goes
// from the environment or a file straight into one request body and nowhere
// else: not the database, not Redis, not a log line, not the status page.
// The session cookies it earns land in the Fetcher's cookie jar and carry
// the crawl.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include "config/job.h"
#include "crawler/engine/counters.h"
#include "crawler/fetch/fetcher.h"
#include "parser/page_parser.h"

namespace crawlbox::crawler {

// Sends `request` with `exchange` and follows its redirects by hand, up to
// `max_hops`, with HTTP's method rules (303, and 301/302 after a POST,
// continue as GET without a body; 307/308 repeat it). `hop` sees each
// request before it is sent (returning false stops: *stopped_at is that
// request) and each response after. Returns the last response.
Response ExchangeFollowing(
    const Fetcher::Exchange& exchange, Request request, int max_hops,
    const std::function<bool(const Request&, const Response*)>& hop,
    bool* stopped);

class LoginStep {
 public:
  // `job`, `parser` and `counters` must outlive the step.
  LoginStep(const config::Job& job, const parser::PageParser& parser,
            Counters* counters)
      : job_(job), parser_(parser), counters_(counters) {}

  // A failed or blocked login is not tried again sooner than this, however
  // many pages ask.
  static constexpr std::chrono::seconds kRetryAfterFailure{10};

  // Logs in with `exchange` (on the fetcher thread). Counts login/ok,
  // login/failed/<why>, login/blocked (robots.txt) or login/skipped (within
  // kRetryAfterFailure of a failure) and logs one line without the secret.
  // Never throws; a failed login leaves the crawl going (its pages then show
  // whatever the site shows to strangers).
  void Run(const Fetcher::Exchange& exchange);

  // What Run() would send in the field password_field: the variable
  // password_env or the first line of password_file. Empty with *error set
  // when neither can be read.
  static std::string ReadSecret(const config::LoginSettings& login,
                                std::string* error);

 private:
  // `request` sent, up to `max_hops` of its redirects followed by hand (so
  // each hop's cookies and robots.txt are seen); false with *why when
  // robots.txt forbids a hop or no answer came.
  bool Send(const Fetcher::Exchange& exchange, Request request, int max_hops,
            Response* response, std::string* why);
  bool AllowedByRobots(const Fetcher::Exchange& exchange,
                       const std::string& url);

  const config::Job& job_;
  const parser::PageParser& parser_;
  Counters* counters_;
  bool saw_cookie_ = false;  // of login.success_cookie, during this Run
  // When the last Run failed or was blocked: logged-out pages then do not
  // send the site a login each, only one per kRetryAfterFailure.
  std::optional<std::chrono::steady_clock::time_point> failed_at_;
};

}  // namespace crawlbox::crawler
