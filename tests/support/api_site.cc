// ApiSite: request parsing, tokens, cookies and sessions of the API test site.
#include "tests/support/api_site.h"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <utility>

#include "tests/support/api_data.h"
#include "tests/support/api_pages.h"

namespace crawlbox::testing {
namespace {

constexpr char kHtml[] = "text/html; charset=utf-8";
constexpr char kJson[] = "application/json";

using Fields = std::multimap<std::string, std::string>;

void SetJsonError(httplib::Response& res, int status, const std::string& what) {
  res.status = status;
  res.set_content(nlohmann::json{{"error", what}}.dump(), kJson);
}

void SetHtml(httplib::Response& res, int status, const std::string& html) {
  res.status = status;
  res.set_content(html, kHtml);
}

// The media type of a Content-Type value, lowercased, without parameters.
std::string MediaType(const httplib::Request& req) {
  std::string type = req.get_header_value("Content-Type");
  type = type.substr(0, type.find(';'));
  type.erase(std::remove(type.begin(), type.end(), ' '), type.end());
  std::transform(type.begin(), type.end(), type.begin(), [](unsigned char c) {
    return static_cast<char>(std::tolower(c));
  });
  return type;
}

// The fields of a form body, urlencoded or multipart; nullopt for a body of
// another type. Only the body counts: fields in the query string would let a
// crawler pass the checks without submitting the form.
std::optional<Fields> FormFields(const httplib::Request& req) {
  const std::string type = MediaType(req);
  Fields fields;
  if (type == "application/x-www-form-urlencoded") {
    httplib::detail::parse_query_text(req.body, fields);
  } else if (type == "multipart/form-data") {
    // cpp-httplib parses multipart bodies off the wire into req.files.
    for (const auto& [name, part] : req.files)
      fields.emplace(name, part.content);
  } else {
    return std::nullopt;
  }
  return fields;
}

std::string Field(const Fields& fields, const std::string& name) {
  auto it = fields.find(name);
  return it == fields.end() ? std::string() : it->second;
}

// The value of cookie `name` in the request's Cookie header, or "".
std::string CookieValue(const httplib::Request& req, const std::string& name) {
  const std::string header = req.get_header_value("Cookie");
  size_t start = 0;
  while (start < header.size()) {
    size_t end = header.find(';', start);
    if (end == std::string::npos) end = header.size();
    std::string pair = header.substr(start, end - start);
    const size_t first = pair.find_first_not_of(' ');
    pair = first == std::string::npos ? "" : pair.substr(first);
    const size_t eq = pair.find('=');
    if (eq != std::string::npos && pair.substr(0, eq) == name)
      return pair.substr(eq + 1);
    start = end + 1;
  }
  return "";
}

// A page number: 1 .. 999999 in plain digits.
std::optional<int> ParsePage(const std::string& text) {
  if (text.empty() || text.size() > 6) return std::nullopt;
  int value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  if (value < 1) return std::nullopt;
  return value;
}

std::optional<SearchSort> ParseSort(const std::string& text) {
  if (text.empty() || text == "relevance") return SearchSort::kRelevance;
  if (text == "price") return SearchSort::kPrice;
  if (text == "name") return SearchSort::kName;
  return std::nullopt;
}

// FNV-1a: enough to tie a csrf value to its cookie on a loopback test site;
// not meant to stand up to an attacker.
uint64_t Fnv1a(const std::string& text) {
  uint64_t hash = 0xcbf29ce484222325ULL;
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

}  // namespace

ApiSite::ApiSite(ApiSiteOptions options)
    : options_(std::move(options)), rng_(std::random_device{}()) {
  search_token_ = RandomHex(16);
  csrf_secret_ = RandomHex(16);
}

std::string ApiSite::RandomHex(int bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  std::lock_guard<std::mutex> lock(mu_);
  for (int i = 0; i < bytes; ++i) {
    const auto byte = static_cast<unsigned>(rng_() & 0xff);
    hex += kDigits[byte >> 4];
    hex += kDigits[byte & 0xf];
  }
  return hex;
}

std::string ApiSite::CsrfFor(const std::string& presession) const {
  char hex[24];
  std::snprintf(
      hex, sizeof(hex), "%016llx",
      static_cast<unsigned long long>(Fnv1a(csrf_secret_ + ":" + presession)));
  return hex;
}

LoginCounts ApiSite::Logins() const {
  std::lock_guard<std::mutex> lock(mu_);
  return logins_;
}

int ApiSite::ActiveSessions() const {
  std::lock_guard<std::mutex> lock(mu_);
  return static_cast<int>(session_requests_.size());
}

std::vector<ApiSite::Route> ApiSite::Routes() {
  std::vector<Route> routes;
  routes.push_back({"GET", "/api/items",
                    [this](const httplib::Request& req, const std::smatch&,
                           httplib::Response& res) { ItemsPage(req, res); }});
  routes.push_back({"GET", R"(/api/items/(\d{1,9}))",
                    [](const httplib::Request&, const std::smatch& m,
                       httplib::Response& res) {
                      const int id = std::stoi(m[1].str());
                      if (id < 1 || id > kApiItemCount)
                        return SetJsonError(res, 404, "no such item");
                      res.set_content(ApiItemJson(ApiItem(id)), kJson);
                    }});
  routes.push_back({"POST", "/api/search",
                    [this](const httplib::Request& req, const std::smatch&,
                           httplib::Response& res) { JsonSearch(req, res); }});
  routes.push_back({"GET", "/app/search",
                    [this](const httplib::Request&, const std::smatch&,
                           httplib::Response& res) {
                      SetHtml(res, 200, SearchFormPage(search_token_));
                    }});
  routes.push_back(
      {"POST", "/app/search/results",
       [this](const httplib::Request& req, const std::smatch&,
              httplib::Response& res) { SearchResults(req, res); }});
  routes.push_back(
      {"GET", "/app/newsletter",
       [](const httplib::Request&, const std::smatch&, httplib::Response& res) {
         SetHtml(res, 200, "<!DOCTYPE html><p>Thanks for subscribing</p>\n");
       }});
  routes.push_back({"GET", "/app/login",
                    [this](const httplib::Request& req, const std::smatch&,
                           httplib::Response& res) { LoginForm(req, res); }});
  routes.push_back({"POST", "/app/login",
                    [this](const httplib::Request& req, const std::smatch&,
                           httplib::Response& res) { LoginSubmit(req, res); }});
  routes.push_back(
      {"GET", "/app/members",
       [this](const httplib::Request& req, const std::smatch&,
              httplib::Response& res) { Members(req, std::nullopt, res); }});
  routes.push_back({"GET", R"(/app/members/(\d{1,9}))",
                    [this](const httplib::Request& req, const std::smatch& m,
                           httplib::Response& res) {
                      Members(req, std::stoi(m[1].str()), res);
                    }});
  routes.push_back({"GET", "/app/logout",
                    [this](const httplib::Request& req, const std::smatch&,
                           httplib::Response& res) { Logout(req, res); }});
  return routes;
}

void ApiSite::ItemsPage(const httplib::Request& req,
                        httplib::Response& res) const {
  int offset = 0;
  if (req.has_param("cursor")) {
    std::optional<int> decoded =
        req.get_param_value_count("cursor") == 1
            ? ApiCursorOffset(req.get_param_value("cursor"))
            : std::nullopt;
    if (!decoded) return SetJsonError(res, 400, "bad cursor");
    offset = *decoded;
  }
  res.set_content(ApiItemsPageJson(offset), kJson);
}

void ApiSite::JsonSearch(const httplib::Request& req,
                         httplib::Response& res) const {
  if (MediaType(req) != "application/json")
    return SetJsonError(res, 415, "body must be application/json");
  // The non-throwing parse: a malformed body is the client's error, not ours.
  const nlohmann::json body = nlohmann::json::parse(req.body, nullptr, false);
  if (body.is_discarded() || !body.is_object())
    return SetJsonError(res, 400, "body is not a JSON object");
  auto q = body.find("q");
  if (q == body.end() || !q->is_string())
    return SetJsonError(res, 400, "\"q\" must be a string");
  int page = 1;
  if (auto p = body.find("page"); p != body.end()) {
    if (!p->is_number_integer() || p->get<int64_t>() < 1 ||
        p->get<int64_t>() > 999999) {
      return SetJsonError(res, 400, "\"page\" must be an integer >= 1");
    }
    page = static_cast<int>(p->get<int64_t>());
  }
  res.set_content(ApiSearchJson(q->get<std::string>(), page), kJson);
}

void ApiSite::SearchResults(const httplib::Request& req,
                            httplib::Response& res) const {
  std::optional<Fields> fields = FormFields(req);
  if (!fields) {
    return SetHtml(res, 415,
                   "<!DOCTYPE html><p>Send the form as "
                   "application/x-www-form-urlencoded or "
                   "multipart/form-data</p>\n");
  }
  if (Field(*fields, "token") != search_token_)
    return SetHtml(res, 403, "<!DOCTYPE html><p>Bad or missing token</p>\n");
  std::optional<SearchSort> sort = ParseSort(Field(*fields, "sort"));
  std::optional<int> page = fields->count("page") == 0
                                ? std::optional<int>(1)
                                : ParsePage(Field(*fields, "page"));
  if (!sort || !page)
    return SetHtml(res, 400, "<!DOCTYPE html><p>Bad sort or page</p>\n");
  ApiSearchQuery query{Field(*fields, "q"), *sort,
                       fields->count("in_stock") > 0};
  SetHtml(res, 200, SearchResultsPage(search_token_, query, *page));
}

void ApiSite::LoginForm(const httplib::Request&, httplib::Response& res) {
  // A fresh presession on every visit, as many sites do; the form's csrf is
  // only good together with the cookie from the same response.
  const std::string presession = RandomHex(16);
  res.set_header("Set-Cookie",
                 "presession=" + presession + "; Path=/; HttpOnly");
  SetHtml(res, 200, LoginPage(CsrfFor(presession), /*failed=*/false));
}

void ApiSite::LoginSubmit(const httplib::Request& req, httplib::Response& res) {
  const std::optional<Fields> fields = FormFields(req);
  std::string presession = CookieValue(req, "presession");
  const bool ok = fields && !presession.empty() &&
                  Field(*fields, "csrf") == CsrfFor(presession) &&
                  Field(*fields, "username") == kLoginUsername &&
                  Field(*fields, "password") == options_.login_password;
  if (!ok) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      ++logins_.failed;
    }
    // The form shown again must work with the cookie the client will hold.
    if (presession.empty()) {
      presession = RandomHex(16);
      res.set_header("Set-Cookie",
                     "presession=" + presession + "; Path=/; HttpOnly");
    }
    return SetHtml(res, 200, LoginPage(CsrfFor(presession), /*failed=*/true));
  }
  const std::string session = RandomHex(16);
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++logins_.succeeded;
    session_requests_[session] = 0;
  }
  res.set_header("Set-Cookie", "session=" + session + "; Path=/; HttpOnly");
  res.set_redirect("/app/members", 303);
  res.set_content("logged in\n", "text/plain; charset=utf-8");
}

void ApiSite::Members(const httplib::Request& req, std::optional<int> page,
                      httplib::Response& res) {
  const std::string session = CookieValue(req, "session");
  bool valid = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = session_requests_.find(session);
    if (it != session_requests_.end()) {
      if (options_.session_max_requests > 0 &&
          it->second >= options_.session_max_requests) {
        session_requests_.erase(it);
      } else {
        ++it->second;
        valid = true;
      }
    }
  }
  // Logged out answers 200, as real sites do: a crawler has to notice the
  // marker in the page, not a status.
  if (!valid) return SetHtml(res, 200, LoggedOutPage());
  if (!page) return SetHtml(res, 200, MembersIndexPage());
  if (*page < 1 || *page > kMemberPages)
    return SetHtml(res, 404, "<!DOCTYPE html><p>No such members page</p>\n");
  SetHtml(res, 200, MembersPage(*page));
}

void ApiSite::Logout(const httplib::Request& req, httplib::Response& res) {
  const std::string session = CookieValue(req, "session");
  {
    std::lock_guard<std::mutex> lock(mu_);
    session_requests_.erase(session);
  }
  res.set_header("Set-Cookie", "session=; Path=/; Max-Age=0; HttpOnly");
  res.set_redirect("/app/login", 303);
  res.set_content("logged out\n", "text/plain; charset=utf-8");
}

}  // namespace crawlbox::testing
