// SpaSite: the SPA board's data, its JSON, the HTML shell with its script and
// the routes under /spa/.
#include "tests/support/spa_site.h"

#include <cmath>
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
constexpr int kSpaRanks = kSpaPages * kSpaEntriesPerPage;

// The shell. Titles go in with textContent, never innerHTML: they hold '&',
// '<' and quotes. A sequence number drops the answer of a fetch that a newer
// navigation overtook, so a slow page cannot overwrite a later one.
constexpr char kShell[] = R"html(<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>SPA board</title>
</head>
<body>
<div id="app"></div>
<script>
(function () {
  "use strict";
  var app = document.getElementById("app");
  var seq = 0;
  function route() {
    var m = /^\/spa\/(page|slow-data)\/([1-9][0-9]*)$/.exec(location.pathname);
    if (!m) return {base: "/spa/page/", page: 1, slow: false};
    return {base: "/spa/" + m[1] + "/", page: Number(m[2]),
            slow: m[1] === "slow-data"};
  }
  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    for (var name in attrs) node.setAttribute(name, attrs[name]);
    if (text !== undefined) node.textContent = text;
    return node;
  }
  function link(base, page, text) {
    return el("a", {href: base + page, "data-route": ""}, text);
  }
  function unready() {
    delete document.body.dataset.ready;
    var old = document.getElementById("ready");
    if (old) old.remove();
  }
  function render(r, data) {
    var board = el("dl", {"class": "board"});
    data.entries.forEach(function (e) {
      var dd = el("dd", {"class": "film"});
      dd.appendChild(el("span", {"class": "rank"}, String(e.rank)));
      dd.appendChild(document.createTextNode(" "));
      dd.appendChild(el("a", {"class": "title", href: "/spa/film/" + e.rank},
                        e.title));
      dd.appendChild(document.createTextNode(" "));
      dd.appendChild(el("span", {"class": "score"}, e.score.toFixed(1)));
      board.appendChild(dd);
    });
    var nav = el("nav", {"class": "pager"});
    function add(node) {
      if (nav.firstChild) nav.appendChild(document.createTextNode(" "));
      nav.appendChild(node);
    }
    var n = data.page;
    if (n > 1) add(link(r.base, n - 1, "prev"));
    for (var k = Math.max(1, n - 2); k <= Math.min(data.pages, n + 2); k++) {
      add(k === n ? el("span", {"class": "current"}, String(k))
                  : link(r.base, k, String(k)));
    }
    if (n < data.pages) add(link(r.base, n + 1, "next"));
    app.replaceChildren(board, nav);
    document.body.dataset.ready = "1";
    document.body.appendChild(el("div", {id: "ready"}));
  }
  function load() {
    var r = route();
    var mine = ++seq;
    unready();
    var url = "/spa/api/" + (r.slow ? "slow-data/" : "page/") + r.page +
              ".json";
    fetch(url).then(function (res) {
      if (!res.ok) throw new Error(url + ": HTTP " + res.status);
      return res.json();
    }).then(function (data) {
      if (mine === seq) render(r, data);
    }).catch(function (err) {
      if (mine !== seq) return;
      app.replaceChildren(el("p", {"class": "error"}, String(err)));
      document.body.dataset.ready = "error";
    });
  }
  document.addEventListener("click", function (ev) {
    var a = ev.target.closest && ev.target.closest("a[data-route]");
    if (!a || ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey ||
        ev.altKey) {
      return;
    }
    ev.preventDefault();
    history.pushState(null, "", a.getAttribute("href"));
    load();
  });
  window.addEventListener("popstate", load);
  load();
})();
</script>
</body>
</html>
)html";

constexpr char kLoopPage[] = R"html(<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>SPA loop</title>
</head>
<body>
<div id="app"></div>
<script>for(;;){}</script>
</body>
</html>
)html";

// Holds on to 32 arrays of a million doubles (256 MB of script heap): past a
// heap limit such as --js-flags=--max-old-space-size=16, V8 gives up and the
// tab's renderer process dies. The bound keeps a browser without that limit
// from eating the machine; it then ends without #ready (a render timeout).
constexpr char kBombPage[] = R"html(<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>SPA bomb</title>
</head>
<body>
<div id="app"></div>
<script>
var keep = [];
for (var i = 0; i < 32; i++) keep.push(new Array(1 << 20).fill(i + 0.5));
document.getElementById("app").textContent = "held " + keep.length;
</script>
</body>
</html>
)html";

void SetNotFound(httplib::Response& res, const std::string& path) {
  res.status = 404;
  res.set_content("not found: " + path + "\n", kText);
}

void SetJsonNotFound(httplib::Response& res) {
  res.status = 404;
  res.set_content(R"({"error":"no such page"})", kJson);
}

SpaEntry MakeEntry(int rank) {
  const std::vector<Film>& films = DemoFilms();
  const int count = static_cast<int>(films.size());
  const Film& film = films[(rank - 1) % count];
  const int round = (rank - 1) / count + 1;
  SpaEntry entry;
  entry.rank = rank;
  entry.title = film.title;
  if (round >= 2) entry.title += " (" + std::to_string(round) + ")";
  switch (rank % 5) {
    case 1:
      entry.title += " & Co.";
      break;
    case 3:
      entry.title += " <Director's Cut>";
      break;
    case 4:
      entry.title += " \"Remastered\"";
      break;
    default:
      break;
  }
  // In tenths, so the value is the double nearest a one-decimal number and
  // dumps as such.
  const long tenths = std::lround(film.score * 10) - (round - 1) % 5;
  entry.score = static_cast<double>(tenths) / 10;
  return entry;
}

std::string FilmPage(const SpaEntry& entry) {
  const std::string title = HtmlEscape(entry.title);
  const int page = (entry.rank - 1) / kSpaEntriesPerPage + 1;
  return "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta "
         "charset=\"utf-8\">\n<title>" +
         title + "</title>\n</head>\n<body>\n<h1 class=\"title\">" + title +
         "</h1>\n<p class=\"rank\">" + std::to_string(entry.rank) +
         "</p>\n<p class=\"score\">" + OneDecimal(entry.score) +
         "</p>\n<p><a href=\"/spa/page/" + std::to_string(page) +
         "\">back to page " + std::to_string(page) + "</a></p>\n</body>\n" +
         "</html>\n";
}

}  // namespace

std::optional<int> ParseIndex(const std::string& text, int limit) {
  if (text.empty() || text.size() > 9 || text[0] == '0') return std::nullopt;
  const int value = std::stoi(text);
  if (value > limit) return std::nullopt;
  return value;
}

std::string OneDecimal(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%.1f", value);
  return buffer;
}

std::vector<SpaEntry> SpaEntries(int page) {
  std::vector<SpaEntry> entries;
  if (page < 1 || page > kSpaPages) return entries;
  entries.reserve(kSpaEntriesPerPage);
  const int first = (page - 1) * kSpaEntriesPerPage + 1;
  for (int rank = first; rank < first + kSpaEntriesPerPage; ++rank)
    entries.push_back(MakeEntry(rank));
  return entries;
}

std::string SpaPageJson(int page) {
  nlohmann::ordered_json entries = nlohmann::ordered_json::array();
  for (const SpaEntry& entry : SpaEntries(page)) {
    entries.push_back(
        {{"rank", entry.rank}, {"title", entry.title}, {"score", entry.score}});
  }
  nlohmann::ordered_json json;
  json["page"] = page;
  json["pages"] = kSpaPages;
  json["entries"] = std::move(entries);
  json["next"] =
      page < kSpaPages
          ? nlohmann::ordered_json("/spa/page/" + std::to_string(page + 1))
          : nlohmann::ordered_json(nullptr);
  return json.dump();
}

std::string SpaShellPage() { return kShell; }

std::vector<ApiSite::Route> SpaSiteRoutes(SpaSleep sleep) {
  std::vector<ApiSite::Route> routes;
  auto add = [&routes](const std::string& pattern, RouteHandler handler) {
    routes.push_back({"GET", pattern, std::move(handler)});
  };
  const RouteHandler shell = [](const httplib::Request& req,
                                const std::smatch& m, httplib::Response& res) {
    if (m.size() > 1 && !ParseIndex(m[1].str(), kSpaPages))
      return SetNotFound(res, req.path);
    res.set_content(kShell, kHtml);
  };
  add("/spa/", shell);
  add(R"(/spa/page/(\d+))", shell);
  add(R"(/spa/slow-data/(\d+))", shell);
  add(R"(/spa/api/page/(\d+)\.json)",
      [](const httplib::Request&, const std::smatch& m,
         httplib::Response& res) {
        const std::optional<int> page = ParseIndex(m[1].str(), kSpaPages);
        if (!page) return SetJsonNotFound(res);
        res.set_content(SpaPageJson(*page), kJson);
      });
  add(R"(/spa/api/slow-data/(\d+)\.json)",
      [sleep = std::move(sleep)](const httplib::Request&, const std::smatch& m,
                                 httplib::Response& res) {
        const std::optional<int> page = ParseIndex(m[1].str(), kSpaPages);
        if (!page) return SetJsonNotFound(res);
        sleep(kSpaSlowDataDelay);
        res.set_content(SpaPageJson(*page), kJson);
      });
  add(R"(/spa/film/(\d+))", [](const httplib::Request& req,
                               const std::smatch& m, httplib::Response& res) {
    const std::optional<int> rank = ParseIndex(m[1].str(), kSpaRanks);
    if (!rank) return SetNotFound(res, req.path);
    res.set_content(FilmPage(MakeEntry(*rank)), kHtml);
  });
  add(R"(/spa/moved/(\d+))", [](const httplib::Request& req,
                                const std::smatch& m, httplib::Response& res) {
    const std::optional<int> page = ParseIndex(m[1].str(), kSpaPages);
    if (!page) return SetNotFound(res, req.path);
    res.status = 301;
    res.set_header("Location", "/spa/page/" + std::to_string(*page));
    res.set_content("moved to /spa/page/" + std::to_string(*page) + "\n",
                    kText);
  });
  add("/spa/loop",
      [](const httplib::Request&, const std::smatch&, httplib::Response& res) {
        res.set_content(kLoopPage, kHtml);
      });
  add("/spa/bomb",
      [](const httplib::Request&, const std::smatch&, httplib::Response& res) {
        res.set_content(kBombPage, kHtml);
      });
  return routes;
}

}  // namespace crawlbox::testing
