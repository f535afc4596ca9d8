// LoginStep: the job's [login], run by the Fetcher before the first request
// and again after a page showed a rule's logged_out marker. It sends the
// login requests itself (never through the Frontier), so the password goes
// from the environment or a file straight into one request body and nowhere
// else: not the database, not Redis, not a log line, not the status page.
// The session cookies it earns land in the Fetcher's cookie jar and carry
// the crawl.
#pragma once

#include <string>

#include "config/job.h"
#include "crawler/engine/counters.h"
#include "crawler/fetch/fetcher.h"
#include "parser/page_parser.h"

namespace crawlbox::crawler {

class LoginStep {
 public:
  // `job`, `parser` and `counters` must outlive the step.
  LoginStep(const config::Job& job, const parser::PageParser& parser,
            Counters* counters)
      : job_(job), parser_(parser), counters_(counters) {}

  // Logs in with `exchange` (on the fetcher thread). Counts login/ok,
  // login/failed/<why> or login/blocked (robots.txt) and logs one line
  // without the secret. Never throws; a failed login leaves the crawl going
  // (its pages then show whatever the site shows to strangers).
  void Run(const Fetcher::Exchange& exchange);

  // What Run() would send in the field password_field: the variable
  // password_env or the first line of password_file. Empty with *error set
  // when neither can be read.
  static std::string ReadSecret(const config::LoginSettings& login,
                                std::string* error);

 private:
  // `request` sent, its redirects followed by hand (so each hop's cookies and
  // robots.txt are seen); false with *why when robots.txt forbids a hop.
  bool Send(const Fetcher::Exchange& exchange, Request request,
            Response* response, std::string* why);
  bool AllowedByRobots(const Fetcher::Exchange& exchange,
                       const std::string& url);

  const config::Job& job_;
  const parser::PageParser& parser_;
  Counters* counters_;
  bool saw_cookie_ = false;  // of login.success_cookie, during this Run
};

}  // namespace crawlbox::crawler
