// The [login] step: fetch the login page, fill its form, post it, check.
#include "crawler/engine/login_step.h"

#include <strings.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>

#include "config/log.h"
#include "parser/form_requests.h"
#include "parser/robots.h"
#include "parser/url.h"

namespace crawlbox::crawler {

using config::LogLevel;

namespace {

constexpr int kMaxLoginHops = 5;

// The name of a Set-Cookie header's cookie.
std::string_view CookieName(std::string_view set_cookie) {
  std::string_view name = set_cookie.substr(0, set_cookie.find('='));
  while (!name.empty() && name.front() == ' ') name.remove_prefix(1);
  while (!name.empty() && name.back() == ' ') name.remove_suffix(1);
  return name;
}

}  // namespace

std::string LoginStep::ReadSecret(const config::LoginSettings& login,
                                  std::string* error) {
  if (!login.password_env.empty()) {
    const char* value = std::getenv(login.password_env.c_str());
    if (value == nullptr || *value == '\0') {
      *error = "environment variable " + login.password_env + " is not set";
      return {};
    }
    return value;
  }
  if (!login.password_file.empty()) {
    std::ifstream in(login.password_file);
    std::string line;
    if (!in || !std::getline(in, line)) {
      *error = "cannot read password_file " + login.password_file;
      return {};
    }
    if (!line.empty() && line.back() == '\r') line.pop_back();
    return line;
  }
  return {};
}

bool LoginStep::AllowedByRobots(const Fetcher::Exchange& exchange,
                                const std::string& url) {
  auto parsed = parser::ParseUrl(url);
  if (!parsed.ok()) return false;
  auto robots_url = parser::ParseUrl("/robots.txt", &*parsed);
  if (!robots_url.ok()) return false;
  Request robots;
  robots.kind = Request::Kind::kRobots;
  robots.url = robots_url->HrefWithoutFragment();
  robots.host = parsed->host;
  Response r = exchange(robots);
  // RFC 9309: unreachable (5xx, no answer) means disallow all; 4xx allows.
  if (!r.ok() || r.status >= 500) return false;
  if (r.status >= 400) return true;
  std::string path = parsed->HrefWithoutFragment();
  const size_t scheme = path.find("://");
  const size_t slash =
      path.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  path = slash == std::string::npos ? "/" : path.substr(slash);
  return parser::RobotsTxt::Parse(r.body).Allowed(
      parser::UserAgentToken(job_.fetch.user_agent), path);
}

Response ExchangeFollowing(
    const Fetcher::Exchange& exchange, Request request, int max_hops,
    const std::function<bool(const Request&, const Response*)>& hop,
    bool* stopped) {
  *stopped = false;
  for (int hops = 0;; ++hops) {
    if (!hop(request, nullptr)) {
      *stopped = true;
      return Response{};
    }
    Response response = exchange(request);
    hop(request, &response);
    auto location = response.Header("location");
    if (!response.ok() || response.status < 300 || response.status >= 400 ||
        !location || location->empty() || hops >= max_hops)
      return response;
    auto base = parser::ParseUrl(request.url);
    auto next = parser::ParseUrl(*location, base.ok() ? &*base : nullptr);
    if (!next.ok() || !next->IsHttp()) return response;
    const bool to_get = request.method != "HEAD" &&
                        (response.status == 303 ||
                         ((response.status == 301 || response.status == 302) &&
                          request.method == "POST"));
    if (next->host != request.host) {
      std::erase_if(request.headers, [](const std::string& h) {
        return strncasecmp(h.c_str(), "authorization:", 14) == 0 ||
               strncasecmp(h.c_str(), "cookie:", 7) == 0;
      });
    }
    request.url = next->HrefWithoutFragment();
    request.host = next->host;
    if (to_get) {
      request.method = "GET";
      request.body.clear();
      std::erase_if(request.headers, [](const std::string& h) {
        return strncasecmp(h.c_str(), "content-type:", 13) == 0;
      });
    }
  }
}

bool LoginStep::Send(const Fetcher::Exchange& exchange, Request request,
                     int max_hops, Response* response, std::string* why) {
  const config::LoginSettings& login = job_.login;
  bool robots_refused = false;
  bool stopped = false;
  *response = ExchangeFollowing(
      exchange, std::move(request), max_hops,
      [&](const Request& hop, const Response* answer) {
        if (answer == nullptr) {
          robots_refused =
              login.obey_robots && !AllowedByRobots(exchange, hop.url);
          return !robots_refused;
        }
        for (const auto& [name, value] : answer->headers) {
          if (strcasecmp(name.c_str(), "set-cookie") == 0 &&
              CookieName(value) == login.success_cookie)
            saw_cookie_ = true;
        }
        return true;
      },
      &stopped);
  if (stopped) {
    *why = robots_refused ? "robots" : "stopped";
    return false;
  }
  if (!response->ok()) {
    *why = FetchErrorName(response->error);
    return false;
  }
  return true;
}

void LoginStep::Run(const Fetcher::Exchange& exchange) {
  const config::LoginSettings& login = job_.login;
  const auto now = std::chrono::steady_clock::now();
  if (failed_at_ && now - *failed_at_ < kRetryAfterFailure) {
    counters_->Add("login/skipped");
    return;
  }
  failed_at_ = now;  // cleared below on success
  saw_cookie_ = false;
  std::string error;
  std::string secret = ReadSecret(login, &error);
  auto fail = [&](const std::string& why) {
    counters_->Add("login/failed/" + why);
    config::Log(
        LogLevel::kWarning, "login",
        "login failed: " + why + (error.empty() ? "" : " (" + error + ")"));
  };
  if (!error.empty()) return fail("no_password");
  std::vector<std::pair<std::string, std::string>> fields = login.fields;
  if (!login.password_env.empty() || !login.password_file.empty())
    fields.emplace_back(login.password_field, secret);

  Request request;
  request.kind = Request::Kind::kPage;
  std::string why;
  Response response;
  if (!login.page.empty()) {
    Request page;
    auto page_url = parser::ParseUrl(login.page);
    if (!page_url.ok()) return fail("bad_url");
    page.url = page_url->HrefWithoutFragment();
    page.host = page_url->host;
    if (!Send(exchange, page, kMaxLoginHops, &response, &why))
      return why == "robots" ? (void)counters_->Add("login/blocked")
                             : fail(why);
    std::optional<parser::RequestSpec> spec =
        parser_.SubmitForm(response.final_url, response.content_type,
                           response.body, login.form, fields);
    if (!spec) return fail("no_form");
    request.method = std::move(spec->method);
    request.url = std::move(spec->url);
    request.host = std::move(spec->host);
    request.headers = std::move(spec->headers);
    request.body = std::move(spec->body);
  } else {
    auto url = parser::ParseUrl(login.url);
    if (!url.ok()) return fail("bad_url");
    request.method = "POST";
    request.url = url->HrefWithoutFragment();
    request.host = url->host;
    if (login.json) {
      nlohmann::json object = nlohmann::json::object();
      for (const auto& [name, value] : fields) object[name] = value;
      request.body =
          object.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
      request.headers.push_back("Content-Type: application/json");
    } else {
      request.body = parser::UrlencodeFormEntries(fields);
      request.headers.push_back(
          "Content-Type: application/x-www-form-urlencoded");
    }
  }
  // From here on the request holds the secret: it is sent and dropped.
  secret.assign(secret.size(), '\0');
  // The page a login redirects to is fetched only when a success marker
  // must be looked for on it: otherwise it is a page of the crawl, and the
  // crawl fetches it (once).
  if (!Send(exchange, std::move(request),
            login.success.empty() ? 0 : kMaxLoginHops, &response, &why)) {
    if (why == "robots") {
      counters_->Add("login/blocked");
      config::Log(
          LogLevel::kWarning, "login",
          "login not sent: robots.txt disallows it (login.obey_robots)");
      return;
    }
    return fail(why);
  }
  bool ok = response.status < 400;
  if (!login.success_cookie.empty() && !saw_cookie_) ok = false;
  if (!login.success.empty() &&
      !parser_.MatchesMarker(response.final_url, response.content_type,
                             response.body, login.success))
    ok = false;
  if (!ok) return fail("not_logged_in");
  failed_at_.reset();
  counters_->Add("login/ok");
  config::Log(LogLevel::kInfo, "login",
              "logged in at " + response.final_url + " (status " +
                  std::to_string(response.status) + ")");
}

}  // namespace crawlbox::crawler
