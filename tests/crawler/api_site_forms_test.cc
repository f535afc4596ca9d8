// The API test site's HTML forms driven by a plain HTTP client: the POST-only
// search with its token and "next page" forms, and the login with its CSRF
// token, session cookie and session expiry.
#include <gtest/gtest.h>
#include <httplib.h>

#include <random>
#include <regex>
#include <string>
#include <vector>

#include "tests/support/api_data.h"
#include "tests/support/api_pages.h"
#include "tests/support/api_site.h"
#include "tests/support/test_server.h"

namespace crawlbox::testing {
namespace {

constexpr char kForm[] = "application/x-www-form-urlencoded";

// The hidden inputs of the form with this id, in page order.
httplib::Params HiddenFields(const std::string& html, const std::string& id) {
  httplib::Params fields;
  const size_t start = html.find("<form id=\"" + id + "\"");
  if (start == std::string::npos) return fields;
  const std::string form =
      html.substr(start, html.find("</form>", start) - start);
  static const std::regex kHidden(
      R"re(<input type="hidden" name="([^"]+)" value="([^"]*)">)re");
  for (std::sregex_iterator it(form.begin(), form.end(), kHidden), end;
       it != end; ++it) {
    fields.emplace((*it)[1].str(), (*it)[2].str());
  }
  return fields;
}

struct Hit {
  int id;
  std::string name;  // as in the HTML, escaped
  std::string price;
};

std::vector<Hit> Hits(const std::string& html) {
  static const std::regex kHit(
      R"re(<li class="hit"><a href="/api/items/(\d+)">([^<]*)</a> )re"
      R"re(<span class="price">([^<]*)</span></li>)re");
  std::vector<Hit> hits;
  for (std::sregex_iterator it(html.begin(), html.end(), kHit), end; it != end;
       ++it) {
    hits.push_back({std::stoi((*it)[1].str()), (*it)[2].str(), (*it)[3].str()});
  }
  return hits;
}

// The value of `name` in a Set-Cookie header ("name=value; Path=/..."), or "".
std::string SetCookieValue(const httplib::Response& res,
                           const std::string& name) {
  for (size_t i = 0; i < res.get_header_value_count("Set-Cookie"); ++i) {
    const std::string header = res.get_header_value("Set-Cookie", i);
    if (header.rfind(name + "=", 0) == 0)
      return header.substr(name.size() + 1, header.find(';') - name.size() - 1);
  }
  return "";
}

std::string RandomPassword() {
  std::random_device device;
  return "pw-" + std::to_string(device()) + "-" + std::to_string(device());
}

TEST(ApiSiteFormsTest, SearchPageHasTheTokenFormAndADecoy) {
  TestServer server;
  httplib::Client client("127.0.0.1", server.port());
  auto res = client.Get("/app/search");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200);
  const std::string& html = res->body;
  EXPECT_EQ(html, SearchFormPage(server.api_site().search_token()));
  EXPECT_EQ(server.api_site().search_token().size(), 32u);
  const size_t newsletter = html.find("<form id=\"newsletter\"");
  const size_t search = html.find(
      "<form id=\"search\" action=\"/app/search/results\" method=\"post\">");
  ASSERT_NE(newsletter, std::string::npos);
  ASSERT_NE(search, std::string::npos);
  EXPECT_LT(newsletter, search);
  EXPECT_EQ(HiddenFields(html, "search").find("token")->second,
            server.api_site().search_token());
  EXPECT_NE(html.find("<option value=\"relevance\" selected>"),
            std::string::npos);
  EXPECT_NE(html.find("name=\"in_stock\" value=\"1\" checked>"),
            std::string::npos);
  EXPECT_NE(html.find("<button type=\"submit\" name=\"go\" value=\"1\">"),
            std::string::npos);

  // Another server draws another token.
  TestServer other;
  EXPECT_NE(other.api_site().search_token(), server.api_site().search_token());
}

TEST(ApiSiteFormsTest, SearchResultsNeedTheToken) {
  TestServer server;
  httplib::Client client("127.0.0.1", server.port());
  const std::string token = server.api_site().search_token();
  for (const std::string& body :
       {std::string("q=item"), std::string("q=item&token=wrong"),
        "q=item&token=" + token + "x"}) {
    auto res = client.Post("/app/search/results", body, kForm);
    ASSERT_TRUE(res) << body;
    EXPECT_EQ(res->status, 403) << body;
  }
  // The token counts only in the body, not in the query string.
  auto in_query =
      client.Post("/app/search/results?token=" + token, "q=item", kForm);
  ASSERT_TRUE(in_query);
  EXPECT_EQ(in_query->status, 403);
  auto as_text =
      client.Post("/app/search/results", "token=" + token, "text/plain");
  ASSERT_TRUE(as_text);
  EXPECT_EQ(as_text->status, 415);
  for (const std::string& bad :
       {std::string("&sort=cost"), std::string("&page=0"),
        std::string("&page=x")}) {
    auto res =
        client.Post("/app/search/results", "token=" + token + bad, kForm);
    ASSERT_TRUE(res) << bad;
    EXPECT_EQ(res->status, 400) << bad;
  }
}

TEST(ApiSiteFormsTest, SearchResultsPageThroughNextForms) {
  TestServer server;
  httplib::Client client("127.0.0.1", server.port());
  const ApiSearchQuery query{"ITEM 00", SearchSort::kPrice, true};
  const std::vector<int> want = ApiSearchIds(query);
  // Ids 1..99 minus the out-of-stock ones, several pages of them.
  ASSERT_GT(want.size(), static_cast<size_t>(3 * kSearchHitsPerPage));
  ASSERT_LT(want.size(), 99u);

  // The first submission as a browser sends the form: every field, the
  // checkbox's value and the button's.
  httplib::Params fields = {{"token", server.api_site().search_token()},
                            {"q", query.q},
                            {"sort", "price"},
                            {"in_stock", "1"},
                            {"go", "1"}};
  std::vector<Hit> got;
  int pages = 0;
  while (true) {
    ASSERT_LT(pages, 20);
    auto res = client.Post("/app/search/results", fields);
    ASSERT_TRUE(res);
    ASSERT_EQ(res->status, 200) << res->body;
    ++pages;
    const std::vector<Hit> hits = Hits(res->body);
    EXPECT_LE(hits.size(), static_cast<size_t>(kSearchHitsPerPage));
    got.insert(got.end(), hits.begin(), hits.end());
    EXPECT_NE(res->body.find("<p id=\"count\">" + std::to_string(want.size()) +
                             " hits</p>"),
              std::string::npos);
    fields = HiddenFields(res->body, "next");
    if (fields.empty()) break;
    EXPECT_EQ(fields.find("page")->second, std::to_string(pages + 1));
  }
  EXPECT_EQ(pages, SearchPageCount(want.size()));
  ASSERT_EQ(got.size(), want.size());
  for (size_t k = 0; k < want.size(); ++k) {
    const ApiItemRecord item = ApiItem(want[k]);
    EXPECT_EQ(got[k].id, item.id) << k;
    EXPECT_EQ(got[k].name, HtmlEscape(item.name)) << k;
    EXPECT_EQ(got[k].price, ApiPriceText(item.price_cents)) << k;
  }

  // The same search as multipart/form-data gives the same page.
  httplib::MultipartFormDataItems parts = {
      {"token", server.api_site().search_token(), "", ""},
      {"q", query.q, "", ""},
      {"sort", "price", "", ""},
      {"in_stock", "1", "", ""}};
  auto multipart = client.Post("/app/search/results", parts);
  ASSERT_TRUE(multipart);
  ASSERT_EQ(multipart->status, 200);
  EXPECT_EQ(multipart->body,
            SearchResultsPage(server.api_site().search_token(), query, 1));
}

TEST(ApiSiteFormsTest, SearchEscapesNamesAndIgnoresAsciiCase) {
  TestServer server;
  httplib::Client client("127.0.0.1", server.port());
  const std::string token = server.api_site().search_token();
  auto res =
      client.Post("/app/search/results",
                  "token=" + token + "&q=BACK%5CSLASH+%26+%3CTAG%3E", kForm);
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200);
  const std::vector<Hit> hits = Hits(res->body);
  ASSERT_FALSE(hits.empty());
  EXPECT_EQ(hits[0].id, 13);
  EXPECT_EQ(hits[0].name, "Item 0013 back\\slash &amp; &lt;tag&gt;");
  EXPECT_EQ(res->body.find("<tag>"), std::string::npos);

  auto none = client.Post("/app/search/results",
                          "token=" + token + "&q=no+such+thing", kForm);
  ASSERT_TRUE(none);
  EXPECT_TRUE(Hits(none->body).empty());
  EXPECT_EQ(none->body.find("<form id=\"next\""), std::string::npos);
}

// Fetches /app/login; returns its presession cookie and csrf value.
std::pair<std::string, std::string> OpenLoginForm(httplib::Client& client) {
  auto res = client.Get("/app/login");
  EXPECT_TRUE(res);
  if (!res) return {};
  EXPECT_EQ(res->status, 200);
  const std::string presession = SetCookieValue(*res, "presession");
  EXPECT_EQ(presession.size(), 32u);
  EXPECT_NE(res->body.find("<form id=\"login\" action=\"/app/login\" "
                           "method=\"post\">"),
            std::string::npos);
  const httplib::Params fields = HiddenFields(res->body, "login");
  auto csrf = fields.find("csrf");
  if (csrf == fields.end()) {
    ADD_FAILURE() << "no csrf field: " << res->body;
    return {presession, ""};
  }
  return {presession, csrf->second};
}

httplib::Result PostLogin(httplib::Client& client,
                          const std::string& presession,
                          const std::string& csrf, const std::string& user,
                          const std::string& password) {
  return client.Post(
      "/app/login", {{"Cookie", "presession=" + presession}},
      httplib::Params{
          {"csrf", csrf}, {"username", user}, {"password", password}});
}

TEST(ApiSiteFormsTest, LoginChecksCsrfAndCredentials) {
  TestServerOptions options;
  options.login_password = RandomPassword();
  TestServer server(options);
  httplib::Client client("127.0.0.1", server.port());
  const auto [presession, csrf] = OpenLoginForm(client);
  const auto [other_presession, other_csrf] = OpenLoginForm(client);
  EXPECT_NE(presession, other_presession);
  const std::string& password = options.login_password;

  struct Attempt {
    std::string presession, csrf, user, password;
  };
  const std::vector<Attempt> failing = {
      {presession, csrf, "reader", "wrong"},
      {presession, csrf, "writer", password},
      {presession, "", "reader", password},
      {presession, other_csrf, "reader", password},  // csrf of another cookie
      {"", csrf, "reader", password},
  };
  for (const Attempt& a : failing) {
    auto res = PostLogin(client, a.presession, a.csrf, a.user, a.password);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200) << a.user << " " << a.csrf;
    EXPECT_NE(res->body.find("<p class=\"error\">Login failed</p>"),
              std::string::npos);
    EXPECT_TRUE(SetCookieValue(*res, "session").empty());
    // The form shown again carries a csrf that works.
    EXPECT_FALSE(HiddenFields(res->body, "login").empty());
  }
  EXPECT_EQ(server.api_site().Logins().failed, 5);
  EXPECT_EQ(server.api_site().Logins().succeeded, 0);

  auto ok = PostLogin(client, presession, csrf, kLoginUsername, password);
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 303);
  EXPECT_EQ(ok->get_header_value("Location"), "/app/members");
  const std::string session = SetCookieValue(*ok, "session");
  EXPECT_EQ(session.size(), 32u);
  EXPECT_NE(ok->get_header_value("Set-Cookie").find("; Path=/; HttpOnly"),
            std::string::npos);
  EXPECT_EQ(server.api_site().Logins().succeeded, 1);
  EXPECT_EQ(server.api_site().ActiveSessions(), 1);

  // The server echoes the password nowhere; only the test's request log has
  // it, in the POST bodies.
  EXPECT_EQ(ok->body.find(password), std::string::npos);
  int bodies_with_password = 0;
  for (const RequestRecord& r : server.RequestLog())
    bodies_with_password += r.body.find(password) != std::string::npos;
  EXPECT_EQ(bodies_with_password, 5);

  const httplib::Headers cookie = {{"Cookie", "session=" + session}};
  auto index = client.Get("/app/members", cookie);
  ASSERT_TRUE(index);
  EXPECT_EQ(index->body, MembersIndexPage());
  for (int page = 1; page <= kMemberPages; ++page) {
    EXPECT_NE(
        index->body.find("href=\"/app/members/" + std::to_string(page) + "\""),
        std::string::npos);
  }
  auto page3 = client.Get("/app/members/3", cookie);
  ASSERT_TRUE(page3);
  EXPECT_EQ(page3->status, 200);
  for (const MemberRecord& m : MembersOnPage(3)) {
    EXPECT_NE(
        page3->body.find("<div class=\"member\"><h2>" + HtmlEscape(m.name) +
                         "</h2><span class=\"since\">" +
                         std::to_string(m.since) + "</span></div>"),
        std::string::npos)
        << m.name;
  }
  EXPECT_NE(page3->body.find(">Log out</a>"), std::string::npos);
  for (const char* path : {"/app/members/0", "/app/members/21"}) {
    auto res = client.Get(path, cookie);
    ASSERT_TRUE(res) << path;
    EXPECT_EQ(res->status, 404) << path;
  }

  // Without a session, or with a made-up one: the logged-out page, as a 200.
  for (const httplib::Headers& headers :
       {httplib::Headers{}, httplib::Headers{{"Cookie", "session=made-up"}}}) {
    auto res = client.Get("/app/members/3", headers);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200);
    EXPECT_NE(res->body.find("<p id=\"logged-out\">Please log in</p>"),
              std::string::npos);
    EXPECT_NE(res->body.find("href=\"/app/login\""), std::string::npos);
  }

  auto logout = client.Get("/app/logout", cookie);
  ASSERT_TRUE(logout);
  EXPECT_EQ(logout->status, 303);
  EXPECT_EQ(server.api_site().ActiveSessions(), 0);
  auto after = client.Get("/app/members", cookie);
  ASSERT_TRUE(after);
  EXPECT_NE(after->body.find("id=\"logged-out\""), std::string::npos);
}

TEST(ApiSiteFormsTest, SessionExpiresAfterMaxRequests) {
  TestServerOptions options;
  options.login_password = RandomPassword();
  options.session_max_requests = 3;
  TestServer server(options);
  httplib::Client client("127.0.0.1", server.port());
  for (int login = 1; login <= 2; ++login) {
    const auto [presession, csrf] = OpenLoginForm(client);
    auto ok = PostLogin(client, presession, csrf, kLoginUsername,
                        options.login_password);
    ASSERT_TRUE(ok);
    ASSERT_EQ(ok->status, 303);
    const httplib::Headers cookie = {
        {"Cookie", "presession=" + presession +
                       "; session=" + SetCookieValue(*ok, "session")}};
    for (int page = 1; page <= 3; ++page) {
      auto res = client.Get("/app/members/" + std::to_string(page), cookie);
      ASSERT_TRUE(res);
      EXPECT_EQ(res->body, MembersPage(page)) << "login " << login;
    }
    auto expired = client.Get("/app/members/4", cookie);
    ASSERT_TRUE(expired);
    EXPECT_EQ(expired->status, 200);
    EXPECT_NE(expired->body.find("id=\"logged-out\""), std::string::npos);
    EXPECT_EQ(server.api_site().ActiveSessions(), 0);
    EXPECT_EQ(server.api_site().Logins().succeeded, login);
  }
  EXPECT_EQ(server.api_site().Logins().failed, 0);
}

}  // namespace
}  // namespace crawlbox::testing
