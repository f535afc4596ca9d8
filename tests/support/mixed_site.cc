// MixedSite: the entries and links of each page, its HTML or script shell,
// its JSON, and the routes under /mixed/.
#include "tests/support/mixed_site.h"

#include <cstdio>
#include <nlohmann/json.hpp>
#include <optional>
#include <utility>

#include "tests/support/demo_board.h"

namespace crawlbox::testing {
namespace {

constexpr char kHtml[] = "text/html; charset=utf-8";
constexpr char kJson[] = "application/json";
constexpr char kText[] = "text/plain; charset=utf-8";

// The shell builds exactly the markup StaticPage writes, from the page's JSON.
// Titles go in as text: a renderer's DOM then reads as the static page does.
constexpr char kShellHead[] = R"html(<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Mixed page</title>
</head>
<body>
<div id="app"></div>
<script>
(function () {
  "use strict";
  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    for (var name in attrs) node.setAttribute(name, attrs[name]);
    if (text !== undefined) node.textContent = text;
    return node;
  }
  var page = Number(/([0-9]+)$/.exec(location.pathname)[1]);
  fetch("/mixed/api/page/" + page + ".json").then(function (res) {
    if (!res.ok) throw new Error("HTTP " + res.status);
    return res.json();
  }).then(function (data) {
    var board = el("dl", {"class": "board"});
    data.entries.forEach(function (e) {
      var dd = el("dd", {"class": "film"});
      dd.appendChild(el("span", {"class": "rank"}, String(e.rank)));
      dd.appendChild(document.createTextNode(" "));
      dd.appendChild(el("a", {"class": "title"}, e.title));
      dd.appendChild(document.createTextNode(" "));
      dd.appendChild(el("span", {"class": "score"}, e.score.toFixed(1)));
      board.appendChild(dd);
    });
    var nav = el("nav", {"class": "pager"});
    data.links.forEach(function (href) {
      nav.appendChild(el("a", {href: href}, href.replace(/.*\//, "")));
      nav.appendChild(document.createTextNode(" "));
    });
    document.getElementById("app").replaceChildren(board, nav);
    document.body.appendChild(el("div", {id: "ready"}));
  }).catch(function (err) {
    document.getElementById("app").replaceChildren(
        el("p", {"class": "error"}, String(err)));
  });
})();
</script>
</body>
</html>
)html";

std::string PageHref(int page) { return "/mixed/page/" + std::to_string(page); }

std::string StaticPage(int page, int pages) {
  std::string html =
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<title>Mixed page " +
      std::to_string(page) +
      "</title>\n</head>\n<body>\n<div id=\"app\"><dl class=\"board\">\n";
  for (const SpaEntry& e : MixedEntries(page)) {
    html += "<dd class=\"film\"><span class=\"rank\">" +
            std::to_string(e.rank) + "</span> <a class=\"title\">" +
            HtmlEscape(e.title) + "</a> <span class=\"score\">" +
            OneDecimal(e.score) + "</span></dd>\n";
  }
  html += "</dl><nav class=\"pager\">";
  for (int k : MixedLinks(page, pages)) {
    html += "<a href=\"" + PageHref(k) + "\">" + std::to_string(k) + "</a> ";
  }
  html += "</nav></div>\n<div id=\"ready\"></div>\n</body>\n</html>\n";
  return html;
}

std::string PageJson(int page, int pages) {
  nlohmann::ordered_json entries = nlohmann::ordered_json::array();
  for (const SpaEntry& e : MixedEntries(page))
    entries.push_back(
        {{"rank", e.rank}, {"title", e.title}, {"score", e.score}});
  nlohmann::ordered_json links = nlohmann::ordered_json::array();
  for (int k : MixedLinks(page, pages)) links.push_back(PageHref(k));
  nlohmann::ordered_json json;
  json["page"] = page;
  json["pages"] = pages;
  json["entries"] = std::move(entries);
  json["links"] = std::move(links);
  return json.dump();
}

void SetNotFound(httplib::Response& res, const std::string& path) {
  res.status = 404;
  res.set_content("not found: " + path + "\n", kText);
}

}  // namespace

std::vector<SpaEntry> MixedEntries(int page) {
  std::vector<SpaEntry> entries;
  if (page < 1) return entries;
  const std::vector<Film>& films = DemoFilms();
  const int first = (page - 1) * kMixedEntriesPerPage + 1;
  for (int rank = first; rank < first + kMixedEntriesPerPage; ++rank) {
    const Film& film = films[(rank - 1) % films.size()];
    SpaEntry entry;
    entry.rank = rank;
    entry.title = film.title + " #" + std::to_string(rank);
    entry.score = film.score;
    entries.push_back(std::move(entry));
  }
  return entries;
}

std::vector<int> MixedLinks(int page, int pages) {
  std::vector<int> links;
  for (int k : {2 * page, 2 * page + 1, page + 1}) {
    if (k <= pages) links.push_back(k);
  }
  return links;
}

std::vector<ApiSite::Route> MixedSiteRoutes(int pages) {
  std::vector<ApiSite::Route> routes;
  routes.push_back(
      {"GET", R"(/mixed/page/(\d+))",
       [pages](const httplib::Request& req, const std::smatch& m,
               httplib::Response& res) {
         const std::optional<int> page = ParseIndex(m[1].str(), pages);
         if (!page) return SetNotFound(res, req.path);
         res.set_content(MixedPageIsShell(*page) ? std::string(kShellHead)
                                                 : StaticPage(*page, pages),
                         kHtml);
       }});
  routes.push_back({"GET", R"(/mixed/api/page/(\d+)\.json)",
                    [pages](const httplib::Request& req, const std::smatch& m,
                            httplib::Response& res) {
                      const std::optional<int> page =
                          ParseIndex(m[1].str(), pages);
                      if (!page) return SetNotFound(res, req.path);
                      res.set_content(PageJson(*page, pages), kJson);
                    }});
  return routes;
}

}  // namespace crawlbox::testing
