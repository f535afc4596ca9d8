// HTML of the API test site's forms and members area.
#include "tests/support/api_pages.h"

#include <algorithm>
#include <vector>

namespace crawlbox::testing {
namespace {

std::string PageStart(const std::string& title) {
  return "<!DOCTYPE html>\n<html>\n<head><meta charset=\"utf-8\"><title>" +
         HtmlEscape(title) + "</title></head>\n<body>\n";
}

constexpr char kPageEnd[] = "</body>\n</html>\n";
constexpr char kLogoutLink[] = "<p><a href=\"/app/logout\">Log out</a></p>\n";

std::string Hidden(const std::string& name, const std::string& value) {
  return "<input type=\"hidden\" name=\"" + name + "\" value=\"" +
         HtmlEscape(value) + "\">\n";
}

const char* SortName(SearchSort sort) {
  switch (sort) {
    case SearchSort::kRelevance:
      return "relevance";
    case SearchSort::kPrice:
      return "price";
    case SearchSort::kName:
      return "name";
  }
  return "relevance";
}

}  // namespace

std::string SearchFormPage(const std::string& token) {
  // The newsletter form comes first, so "the first form on the page" is the
  // wrong one: a crawler has to pick the search form by its selector.
  return PageStart("Search the catalogue") +
         "<h1>Search the catalogue</h1>\n"
         "<form id=\"newsletter\" action=\"/app/newsletter\" method=\"get\">\n"
         "<input type=\"email\" name=\"email\" value=\"\">\n"
         "<button type=\"submit\">Subscribe</button>\n"
         "</form>\n"
         "<form id=\"search\" action=\"/app/search/results\" "
         "method=\"post\">\n" +
         Hidden("token", token) +
         "<label>Words <input type=\"text\" name=\"q\" value=\"\"></label>\n"
         "<select name=\"sort\">\n"
         "<option value=\"relevance\" selected>Relevance</option>\n"
         "<option value=\"price\">Price</option>\n"
         "<option value=\"name\">Name</option>\n"
         "</select>\n"
         "<label><input type=\"checkbox\" name=\"in_stock\" value=\"1\" "
         "checked> In stock only</label>\n"
         "<button type=\"submit\" name=\"go\" value=\"1\">Search</button>\n"
         "</form>\n" +
         kPageEnd;
}

std::string SearchResultsPage(const std::string& token,
                              const ApiSearchQuery& query, int page) {
  const std::vector<int> ids = ApiSearchIds(query);
  std::string html = PageStart("Results") + "<h1>Results for \"" +
                     HtmlEscape(query.q) + "\"</h1>\n<p id=\"count\">" +
                     std::to_string(ids.size()) +
                     " hits</p>\n<ul id=\"hits\">\n";
  const size_t begin = static_cast<size_t>(page - 1) * kSearchHitsPerPage;
  const size_t end = std::min(ids.size(), begin + kSearchHitsPerPage);
  for (size_t k = begin; k < end; ++k) {
    const ApiItemRecord item = ApiItem(ids[k]);
    html += "<li class=\"hit\"><a href=\"" + item.url + "\">" +
            HtmlEscape(item.name) + "</a> <span class=\"price\">" +
            ApiPriceText(item.price_cents) + "</span></li>\n";
  }
  html += "</ul>\n";
  if (page < SearchPageCount(ids.size())) {
    html +=
        "<form id=\"next\" action=\"/app/search/results\" method=\"post\">\n" +
        Hidden("token", token) + Hidden("q", query.q) +
        Hidden("sort", SortName(query.sort));
    if (query.in_stock_only) html += Hidden("in_stock", "1");
    html += Hidden("page", std::to_string(page + 1)) +
            "<button type=\"submit\">Next page</button>\n</form>\n";
  }
  html += "<p><a href=\"/app/search\">New search</a></p>\n";
  return html + kPageEnd;
}

std::string LoginPage(const std::string& csrf, bool failed) {
  std::string html = PageStart("Log in") + "<h1>Log in</h1>\n";
  if (failed) html += "<p class=\"error\">Login failed</p>\n";
  html += "<form id=\"login\" action=\"/app/login\" method=\"post\">\n" +
          Hidden("csrf", csrf) +
          "<label>User <input type=\"text\" name=\"username\" "
          "value=\"\"></label>\n"
          "<label>Password <input type=\"password\" name=\"password\" "
          "value=\"\"></label>\n"
          "<button type=\"submit\">Log in</button>\n"
          "</form>\n";
  return html + kPageEnd;
}

std::string MembersIndexPage() {
  std::string html = PageStart("Members") + "<h1>Members</h1>\n<ul>\n";
  for (int page = 1; page <= kMemberPages; ++page) {
    const std::string n = std::to_string(page);
    html += "<li><a href=\"/app/members/" + n + "\">Members page " + n +
            "</a></li>\n";
  }
  return html + "</ul>\n" + kLogoutLink + kPageEnd;
}

std::string MembersPage(int page) {
  std::string html = PageStart("Members page " + std::to_string(page)) +
                     "<p><a href=\"/app/members\">All pages</a></p>\n";
  for (const MemberRecord& member : MembersOnPage(page)) {
    html += "<div class=\"member\"><h2>" + HtmlEscape(member.name) +
            "</h2><span class=\"since\">" + std::to_string(member.since) +
            "</span></div>\n";
  }
  return html + kLogoutLink + kPageEnd;
}

std::string LoggedOutPage() {
  return PageStart("Members") +
         "<p id=\"logged-out\">Please log in</p>\n"
         "<p><a href=\"/app/login\">Log in</a></p>\n" +
         kPageEnd;
}

}  // namespace crawlbox::testing
