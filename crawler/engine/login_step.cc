// The [login] step: fetch the login page, fill its form, post it, check.
#include "crawler/engine/login_step.h"

#include <strings.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "config/log.h"
#include "parser/robots.h"
#include "parser/url.h"

namespace crawlbox::crawler {

using config::LogLevel;

namespace {

constexpr int kMaxLoginHops = 5;

std::string FormEncode(std::string_view text) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
        (c >= '0' && c <= '9') || c == '*' || c == '-' || c == '.' ||
        c == '_') {
      out += static_cast<char>(c);
    } else if (c == ' ') {
      out += '+';
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string JsonString(std::string_view text) {
  static const char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  for (unsigned char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20) {
      out += "\\u00";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

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

bool LoginStep::Send(const Fetcher::Exchange& exchange, Request request,
                     Response* response, std::string* why) {
  const config::LoginSettings& login = job_.login;
  for (int hop = 0;; ++hop) {
    if (login.obey_robots && !AllowedByRobots(exchange, request.url)) {
      *why = "robots";
      return false;
    }
    *response = exchange(request);
    if (!response->ok()) {
      *why = FetchErrorName(response->error);
      return false;
    }
    for (const auto& [name, value] : response->headers) {
      if (strcasecmp(name.c_str(), "set-cookie") == 0 &&
          CookieName(value) == login.success_cookie)
        saw_cookie_ = true;
    }
    auto location = response->Header("location");
    if (response->status < 300 || response->status >= 400 || !location)
      return true;
    if (hop == kMaxLoginHops) {
      *why = "too_many_redirects";
      return false;
    }
    auto base = parser::ParseUrl(request.url);
    auto next = parser::ParseUrl(*location, base.ok() ? &*base : nullptr);
    if (!next.ok() || !next->IsHttp()) {
      *why = "bad_redirect";
      return false;
    }
    // 301/302/303 after a POST continue as GET, as browsers do.
    const bool to_get = response->status == 303 ||
                        ((response->status == 301 || response->status == 302) &&
                         request.method == "POST");
    request.url = next->HrefWithoutFragment();
    request.host = next->host;
    if (to_get) {
      request.method = "GET";
      request.body.clear();
      request.headers.clear();
    }
  }
}

void LoginStep::Run(const Fetcher::Exchange& exchange) {
  const config::LoginSettings& login = job_.login;
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
    if (!Send(exchange, page, &response, &why))
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
      request.body = "{";
      for (const auto& [name, value] : fields) {
        if (request.body.size() > 1) request.body += ',';
        request.body += JsonString(name) + ":" + JsonString(value);
      }
      request.body += "}";
      request.headers.push_back("Content-Type: application/json");
    } else {
      for (const auto& [name, value] : fields) {
        if (!request.body.empty()) request.body += '&';
        request.body += FormEncode(name) + "=" + FormEncode(value);
      }
      request.headers.push_back(
          "Content-Type: application/x-www-form-urlencoded");
    }
  }
  // From here on the request holds the secret: it is sent and dropped.
  secret.assign(secret.size(), '\0');
  if (!Send(exchange, std::move(request), &response, &why)) {
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
  counters_->Add("login/ok");
  config::Log(LogLevel::kInfo, "login",
              "logged in at " + response.final_url + " (status " +
                  std::to_string(response.status) + ")");
}

}  // namespace crawlbox::crawler
