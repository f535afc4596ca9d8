// The realistic generated site (SiteOptions::realistic): its paths, the HTML of
// its pages and the lookup from a requested path back to a page.
#include <algorithm>
#include <array>
#include <cassert>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tests/support/site_generator.h"
#include "tests/support/site_text.h"

namespace crawlbox::testing {
namespace {

using site_text::kLinks;
using site_text::kPadding;
using site_text::kScript;
using site_text::kSize;
using site_text::kSlug;
using site_text::kWords;
using site_text::Rng;

constexpr std::array<std::string_view, 16> kSections = {
    "news",    "movies", "series",  "music",   "books", "games",
    "sports",  "travel", "food",    "science", "tech",  "culture",
    "history", "arts",   "reviews", "video"};
constexpr std::array<std::string_view, 16> kSectionNames = {
    "新闻", "电影", "剧集", "音乐", "图书", "游戏", "体育", "旅行",
    "美食", "科学", "科技", "文化", "历史", "艺术", "影评", "视频"};
constexpr std::array<std::string_view, 3> kInfoPaths = {"/about-us", "/contact",
                                                        "/help"};
constexpr std::array<std::string_view, 3> kInfoNames = {"关于我们", "联系我们",
                                                        "帮助"};
static_assert(1 + kSections.size() + kInfoPaths.size() ==
              GeneratedSite::kFixedPages);

// Board ids start above the demo board's /board/4, so the two never meet.
constexpr int kFirstBoard = 10;
// Pages per board: offsets 0, 10, ..., 90, as on the demo board.
constexpr int kPagesPerBoard = 10;
constexpr std::string_view kOffsetQuery = "?offset=";

// Where the scripts and comments point: paths no page has (both TestServer and
// a written site answer 404), so a crawler that follows them is caught.
constexpr std::string_view kTrapPrefix = "/drafts/";

// One stylesheet for every page, as a site's inline critical CSS would be. The
// content: strings hold markup a naive link scanner would take for a link.
constexpr std::string_view kStyle =
    ":root{--accent:#c0392b;--muted:#6b7280;--line:#e5e7eb;--bg:#fafafa}\n"
    "*{box-sizing:border-box}\n"
    "body{margin:0;font:15px/1.65 -apple-system,\"PingFang SC\","
    "\"Microsoft YaHei\",sans-serif;color:#1f2937;background:var(--bg)}\n"
    "a{color:#1d4ed8;text-decoration:none}a:hover{text-decoration:underline}\n"
    ".site-header{display:flex;flex-wrap:wrap;align-items:center;gap:12px;"
    "padding:8px 16px;background:#111827}\n"
    ".site-header .logo{color:#fff;font-weight:700;font-size:18px}\n"
    ".menu-toggle{display:none;color:#fff}\n"
    ".main-nav ul{display:flex;flex-wrap:wrap;margin:0;padding:0;"
    "list-style:none}\n"
    ".main-nav li a{display:block;padding:6px 10px;color:#d1d5db}\n"
    ".main-nav li a:hover{color:#fff;background:#374151}\n"
    ".breadcrumb{padding:8px 16px;color:var(--muted);font-size:13px}\n"
    "main{max-width:960px;margin:0 auto;padding:0 16px 32px}\n"
    ".page-title{font-size:26px;line-height:1.3;margin:16px 0 4px}\n"
    ".meta{color:var(--muted);font-size:13px}\n"
    ".board-wrapper dd{display:flex;gap:12px;margin:0;padding:12px 0;"
    "border-bottom:1px solid var(--line)}\n"
    ".board-index{width:32px;font-style:normal;font-weight:700;"
    "color:var(--accent)}\n"
    ".board-img{width:80px;height:112px;object-fit:cover}\n"
    ".list-pager{display:flex;gap:4px;list-style:none;padding:0}\n"
    ".list-pager li a{display:block;padding:4px 10px;border:1px solid "
    "var(--line)}\n"
    ".list-pager .active a{background:var(--accent);color:#fff}\n"
    ".related ul{columns:2;padding-left:18px}\n"
    ".share a{margin-right:12px}\n"
    ".promo:empty::before{content:'<a href=\"/drafts/promo\">'}\n"
    ".site-footer{padding:16px;color:var(--muted);font-size:13px;"
    "border-top:1px solid var(--line)}\n"
    "@media (max-width:640px){.menu-toggle{display:block}"
    ".main-nav{display:none;width:100%}.main-nav.open{display:block}"
    ".main-nav ul{flex-direction:column}.related ul{columns:1}}\n";

// Digits only, no sign, no leading zero, at most 9 digits.
std::optional<int64_t> ParseIndex(std::string_view text) {
  if (text.empty() || text.size() > 9 || (text.size() > 1 && text[0] == '0'))
    return std::nullopt;
  int64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return value;
}

bool StartsWith(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

// 2..4 words joined by '-': the slug of an article's path.
std::string Slug(uint64_t seed, int i) {
  Rng rng(seed, static_cast<uint64_t>(i), kSlug);
  std::string slug;
  const int words = 2 + rng.Below(3);
  for (int w = 0; w < words; ++w) {
    if (w > 0) slug += '-';
    slug += rng.Pick(kWords);
  }
  return slug;
}

// A page's title, from its path: "Quiet river garden" for
// /articles/quiet-river-garden-42.
std::string TitleOf(const GeneratedSite& site, int i) {
  if (i == 0) return "影迷周刊 首页";
  if (i <= static_cast<int>(kSections.size()))
    return std::string(kSectionNames[i - 1]) + "频道";
  if (i < GeneratedSite::kFixedPages)
    return std::string(kInfoNames[i - 1 - kSections.size()]);
  const std::string path = site.PagePath(i);
  if (StartsWith(path, "/board/")) {
    const size_t query = path.find('?');
    return "电影榜单 " + path.substr(7, query - 7) + " 第" +
           std::to_string(
               std::stoi(path.substr(query + kOffsetQuery.size())) / 10 + 1) +
           "页";
  }
  if (StartsWith(path, "/page/")) return "第 " + std::to_string(i) + " 期专题";
  std::string title = path.substr(std::string_view("/articles/").size());
  title = title.substr(0, title.rfind('-'));
  for (char& c : title) {
    if (c == '-') c = ' ';
  }
  title[0] = static_cast<char>(title[0] - 'a' + 'A');
  return title;
}

// The section a content page belongs to (its breadcrumb), or 0 (home) when the
// site is too small to have it.
int SectionOf(const GeneratedSite& site, int i) {
  if (i < GeneratedSite::kFixedPages) return 0;
  const int section = 1 + i % static_cast<int>(kSections.size());
  return section < site.page_count() ? section : 0;
}

// An href for page `target` in one of the spellings a crawler must resolve to
// the same URL. Every page sits at most one directory deep, so "../" + the
// path without its '/' resolves the same from anywhere.
std::string Href(const GeneratedSite& site, int target, Rng& rng) {
  const std::string path = site.PagePath(target);
  std::string href = rng.Below(5) == 0 ? ".." + path : path;
  if (rng.Below(6) == 0) href += "#c" + std::to_string(rng.Below(9));
  return href;
}

// The nav bar: every fixed page that exists, the same on every page.
std::string NavBar(const GeneratedSite& site) {
  std::string out =
      "<header class=\"site-header\">\n"
      "<a class=\"logo\" href=\"/home\">影迷周刊</a>\n"
      "<a class=\"menu-toggle\" href=\"javascript:void(0)\" "
      "onclick=\"toggleMenu(this)\" aria-expanded=\"false\">菜单</a>\n"
      "<nav class=\"main-nav\">\n<ul>\n";
  const int fixed = std::min(site.page_count(), GeneratedSite::kFixedPages);
  for (int j = 0; j < fixed; ++j) {
    const std::string label =
        j == 0 ? std::string("首页")
        : j <= static_cast<int>(kSections.size())
            ? std::string(kSectionNames[j - 1])
            : std::string(kInfoNames[j - 1 - kSections.size()]);
    out += "<li><a href=\"" + site.PagePath(j) + "\">" + label + "</a></li>\n";
  }
  out += "</ul>\n</nav>\n</header>\n";
  return out;
}

// The script in <head>: page settings, an analytics stub and a tracker whose
// strings are markup.
std::string HeadScript(const GeneratedSite& site, int i,
                       const std::string& path, Rng& rng) {
  const std::string id = std::to_string(i);
  std::string out = "<script>\n";
  out += "window.dataLayer = window.dataLayer || [];\n";
  out +=
      "window.__PAGE__ = {\"id\": " + id + ", \"path\": \"" + path +
      "\", \"section\": \"" +
      (SectionOf(site, i) > 0 ? std::string(kSections[SectionOf(site, i) - 1])
                              : std::string("home")) +
      "\", \"variant\": \"" + (rng.Below(2) == 0 ? "a" : "b") +
      "\", \"recent\": [";
  const int recent = 8 + rng.Below(12);
  for (int k = 0; k < recent; ++k) {
    if (k > 0) out += ", ";
    out += std::to_string(rng.Below(site.page_count()));
  }
  out += "]};\n";
  out +=
      "function gtag() { dataLayer.push(arguments); }\n"
      "gtag('js', new Date());\n"
      "gtag('config', 'G-CRAWLBOX1', {page_path: window.__PAGE__.path, "
      "anonymize_ip: true});\n"
      "function toggleMenu(el) {\n"
      "  var nav = document.querySelector('.main-nav');\n"
      "  nav.classList.toggle('open');\n"
      "  el.setAttribute('aria-expanded', nav.classList.contains('open') ? "
      "'true' : 'false');\n"
      "  return false;\n"
      "}\n"
      "var tracker = {\n"
      "  pixel: '<img src=\"/drafts/pixel.gif?p=" +
      id +
      "\" width=\"1\" height=\"1\" alt=\"\">',\n"
      "  fallback: '<a href=\"/drafts/track?page=" +
      id +
      "\">track</a>',\n"
      "  queue: [],\n"
      "  send: function (event, data) {\n"
      "    this.queue.push({event: event, data: data, at: Date.now()});\n"
      "    if (this.queue.length >= 5 && navigator.sendBeacon) {\n"
      "      navigator.sendBeacon('/drafts/beacon', "
      "JSON.stringify(this.queue));\n"
      "      this.queue = [];\n"
      "    }\n"
      "  }\n"
      "};\n"
      "document.addEventListener('click', function (e) {\n"
      "  var a = e.target.closest ? e.target.closest('a') : null;\n"
      "  if (a) tracker.send('click', {href: a.getAttribute('href'), page: " +
      id +
      "});\n"
      "});\n"
      "</script>\n";
  return out;
}

// The script at the end of <body>: renders promotion cards from templates
// full of '<a href=' and '<dd>' (never a whole board entry); `few` (board
// pages, already large) makes 2..4 cards instead of 4..9.
std::string BodyScript(int i, bool few, Rng& rng) {
  const std::string id = std::to_string(i);
  std::string out =
      "<script>\n"
      "(function () {\n"
      "  'use strict';\n"
      "  function esc(s) {\n"
      "    return String(s).replace(/[&<>\"]/g, function (c) {\n"
      "      return {'&': '&amp;', '<': '&lt;', '>': '&gt;', '\"': "
      "'&quot;'}[c];\n"
      "    });\n"
      "  }\n"
      "  function card(item) {\n"
      "    return '<dl class=\"card\"><dd>' + esc(item.title) + '</dd>' +\n"
      "      '<dd><a href=\"/drafts/' + item.slug + '\">' + esc(item.title) "
      "+ '</a></dd></dl>';\n"
      "  }\n"
      "  var promos = [\n";
  const int promos = few ? 2 + rng.Below(3) : 4 + rng.Below(6);
  for (int k = 0; k < promos; ++k) {
    std::string title;
    const int words = 2 + rng.Below(3);
    for (int w = 0; w < words; ++w) {
      if (w > 0) title += ' ';
      title += rng.Pick(kWords);
    }
    std::string slug = title;
    for (char& c : slug) {
      if (c == ' ') c = '-';
    }
    out += "    {slug: '" + slug + "-" + std::to_string(rng.Below(100000)) +
           "', title: '" + title + "', html: '<a href=\"/drafts/" + slug +
           "\">" + title + "</a>'}" + (k + 1 < promos ? ",\n" : "\n");
  }
  out +=
      "  ];\n"
      "  var html = '';\n"
      "  for (var k = 0; k < promos.length; k++) html += card(promos[k]);\n"
      "  var box = document.getElementById('promo');\n"
      "  if (box) {\n"
      "    box.innerHTML = html + '<dd class=\"more\"><a "
      "href=\"/drafts/more?from=" +
      id +
      "\">更多</a></dd>';\n"
      "  }\n"
      "  var shown = false;\n"
      "  window.addEventListener('scroll', function () {\n"
      "    if (shown || window.scrollY < 600) return;\n"
      "    shown = true;\n"
      "    var tip = document.createElement('div');\n"
      "    tip.className = 'tip';\n"
      "    tip.innerHTML = '<dd>继续阅读</dd><a href=\"/drafts/next-" +
      id +
      "\">下一篇</a>';\n"
      "    document.body.appendChild(tip);\n"
      "  }, {passive: true});\n"
      "})();\n"
      "</script>\n";
  return out;
}

// A board page's pager: relative "?offset=N" links to the board's pages.
std::string Pager(const GeneratedSite& site, int ordinal) {
  const int board_every = site.options().board_every;
  const int first = ordinal - ordinal % kPagesPerBoard;
  auto exists = [&](int k) {
    return GeneratedSite::kFixedPages + static_cast<int64_t>(k) * board_every +
               board_every - 1 <
           site.page_count();
  };
  std::string out = "<div class=\"pager-main\">\n<ul class=\"list-pager\">\n";
  for (int k = first; k < first + kPagesPerBoard && exists(k); ++k) {
    out += k == ordinal ? "<li class=\"active\">" : "<li>";
    out += "<a href=\"?offset=" + std::to_string((k - first) * 10) + "\">" +
           std::to_string(k - first + 1) + "</a></li>\n";
  }
  if (ordinal + 1 < first + kPagesPerBoard && exists(ordinal + 1)) {
    out += "<li><a class=\"page_next\" href=\"?offset=" +
           std::to_string((ordinal + 1 - first) * 10) + "\">下一页</a></li>\n";
  }
  out += "</ul>\n</div>\n";
  return out;
}

}  // namespace

std::string GeneratedSite::RealisticPagePath(int i) const {
  if (i == 0) return "/home";
  if (i <= static_cast<int>(kSections.size()))
    return "/section/" + std::string(kSections[i - 1]);
  if (i < kFixedPages) return std::string(kInfoPaths[i - 1 - kSections.size()]);
  const int ordinal = BoardOrdinal(i);
  if (ordinal >= 0) {
    return "/board/" + std::to_string(kFirstBoard + ordinal / kPagesPerBoard) +
           std::string(kOffsetQuery) +
           std::to_string(ordinal % kPagesPerBoard * 10);
  }
  if (i % 2 == 0)
    return "/articles/" + Slug(options_.seed, i) + "-" + std::to_string(i);
  return "/page/" + std::to_string(i);
}

std::optional<int> GeneratedSite::RealisticFindPage(
    std::string_view path_and_query) const {
  // Every candidate is confirmed by rebuilding its path, so only the exact
  // spelling of a page finds it.
  auto confirm = [&](std::optional<int64_t> i) -> std::optional<int> {
    if (!i || *i < 0 || *i >= options_.pages) return std::nullopt;
    if (PagePath(static_cast<int>(*i)) != path_and_query) return std::nullopt;
    return static_cast<int>(*i);
  };
  const size_t query = path_and_query.find('?');
  const std::string_view path = path_and_query.substr(0, query);
  if (query != std::string_view::npos) {
    constexpr std::string_view kBoard = "/board/";
    if (!StartsWith(path, kBoard) || options_.board_every <= 0 ||
        !StartsWith(path_and_query.substr(query), kOffsetQuery)) {
      return std::nullopt;
    }
    const std::optional<int64_t> board = ParseIndex(path.substr(kBoard.size()));
    const std::optional<int64_t> offset =
        ParseIndex(path_and_query.substr(query + kOffsetQuery.size()));
    if (!board || !offset || *board < kFirstBoard || *offset % 10 != 0 ||
        *offset >= kPagesPerBoard * 10) {
      return std::nullopt;
    }
    const int64_t ordinal =
        (*board - kFirstBoard) * kPagesPerBoard + *offset / 10;
    return confirm(kFixedPages + ordinal * options_.board_every +
                   options_.board_every - 1);
  }
  for (int j = 0; j < std::min(options_.pages, kFixedPages); ++j) {
    if (PagePath(j) == path) return j;
  }
  if (StartsWith(path, "/page/"))
    return confirm(ParseIndex(path.substr(std::string_view("/page/").size())));
  if (StartsWith(path, "/articles/")) {
    const size_t dash = path.rfind('-');
    if (dash == std::string_view::npos) return std::nullopt;
    return confirm(ParseIndex(path.substr(dash + 1)));
  }
  return std::nullopt;
}

std::string GeneratedSite::RealisticPageHtml(int i) const {
  const int n = options_.pages;
  const std::string path = PagePath(i);
  const std::string title = TitleOf(*this, i);
  Rng script_rng(options_.seed, static_cast<uint64_t>(i), kScript);
  Rng text_rng(options_.seed, static_cast<uint64_t>(i), kPadding);

  std::string out;
  out.reserve(static_cast<size_t>(options_.max_bytes) + 8192);
  out +=
      "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n"
      "<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, "
      "initial-scale=1\">\n<title>" +
      title + " - 影迷周刊</title>\n<link rel=\"canonical\" href=\"" + path +
      "\">\n<style>\n";
  out += kStyle;
  out += "</style>\n";
  out += HeadScript(*this, i, path, script_rng);
  out += "</head>\n<body>\n<a id=\"top\"></a>\n";
  out += NavBar(*this);
  const int section = SectionOf(*this, i);
  out += "<div class=\"breadcrumb\"><a href=\"/home\">首页</a>";
  if (section > 0) {
    out += " &gt; <a href=\"" + PagePath(section) + "\">" +
           std::string(kSectionNames[section - 1]) + "</a>";
  }
  out += " &gt; <span>" + title + "</span></div>\n";
  out += "<main id=\"content\">\n<h1 class=\"page-title\">" + title +
         "</h1>\n<p class=\"meta\">2026-" +
         std::to_string(1 + script_rng.Below(12)) + "-" +
         std::to_string(1 + script_rng.Below(28)) +
         " · <a href=\"#comments\">评论</a> · <a href=\"#\" "
         "class=\"share-btn\">分享</a></p>\n";

  const int ordinal = BoardOrdinal(i);
  if (ordinal >= 0) {
    out += "<div class=\"board\">\n<dl class=\"board-wrapper\">\n";
    for (const Film& film : PageFilms(i)) {
      const int detail = (i + film.rank) % n;
      const int image = (film.rank - 1) % 100 + 1;
      out += RenderBoardEntry(
          film, {PagePath(detail), "/img/" + std::to_string(image) + ".png"});
    }
    out += "</dl>\n</div>\n";
    out += Pager(*this, ordinal);
  }
  out += "<article class=\"body\">\n";

  // After the article: the link list (tree links first, for reachability; then
  // random pages, some repeated verbatim), the non-page hrefs, the footer and
  // the closing script. A board page, whose entries already take ~7 KB, lists
  // half as many links, so that it stays below 20 KB.
  const int list_links =
      ordinal >= 0 ? options_.links_per_page / 2 : options_.links_per_page;
  Rng link_rng(options_.seed, static_cast<uint64_t>(i), kLinks);
  std::vector<std::string> hrefs;
  std::vector<int> targets;
  for (int child : {2 * i + 1, 2 * i + 2}) {
    if (child < n) {
      hrefs.push_back(Href(*this, child, link_rng));
      targets.push_back(child);
    }
  }
  while (static_cast<int>(hrefs.size()) < list_links) {
    if (!hrefs.empty() && link_rng.Below(10) == 0) {
      const int k = link_rng.Below(static_cast<int>(hrefs.size()));
      hrefs.push_back(hrefs[k]);
      targets.push_back(targets[k]);
    } else {
      const int target = link_rng.Below(n);
      hrefs.push_back(Href(*this, target, link_rng));
      targets.push_back(target);
    }
  }
  std::string tail = "</article>\n<div id=\"promo\" class=\"promo\"></div>\n";
  tail +=
      "<section class=\"related\" id=\"comments\">\n<h2>相关阅读</h2>\n<ul>\n";
  for (size_t k = 0; k < hrefs.size(); ++k) {
    tail += "<li><a href=\"" + hrefs[k] + "\">" + TitleOf(*this, targets[k]) +
            "</a></li>\n";
  }
  tail += "</ul>\n</section>\n";
  tail += "<!-- <a href=\"/drafts/old-" + std::to_string(i) +
          "\">旧版页面</a> -->\n";
  tail +=
      "<p class=\"share\"><a href=\"javascript:void(0)\" "
      "data-act=\"fav\">收藏</a><a href=\"mailto:x@example.com\">投稿</a>"
      "<a href=\"#top\">回到顶部</a></p>\n"
      "</main>\n<footer class=\"site-footer\">\n"
      "<a href=\"#top\">返回顶部</a> · <a "
      "href=\"mailto:x@example.com\">x@example.com</a> · <a "
      "href=\"/home\">首页</a>\n"
      "<p>© 2026 影迷周刊, a crawlbox generated site</p>\n</footer>\n";
  tail += BodyScript(i, ordinal >= 0, script_rng);
  tail += "</body>\n</html>\n";

  // The article pads the page to its drawn size.
  Rng size_rng(options_.seed, static_cast<uint64_t>(i), kSize);
  const size_t target = static_cast<size_t>(
      options_.min_bytes +
      size_rng.Below(options_.max_bytes - options_.min_bytes + 1));
  size_t remaining =
      target > out.size() + tail.size() ? target - out.size() - tail.size() : 0;
  remaining = site_text::AppendParagraphs(&out, remaining, text_rng);
  // Top up with ASCII words (one byte per character) to the exact size.
  constexpr std::string_view kOpen = "<p>", kClose = "</p>\n";
  if (remaining >= kOpen.size() + kClose.size() + 1) {
    std::string fill;
    const size_t want = remaining - kOpen.size() - kClose.size();
    while (fill.size() < want) {
      std::string_view word = text_rng.Pick(kWords);
      if (!fill.empty()) fill += ' ';
      fill += word;
    }
    fill.resize(want);
    if (fill.back() == ' ') fill.back() = '.';
    out += kOpen;
    out += fill;
    out += kClose;
  } else {
    out.append(remaining, '\n');
  }
  out += tail;
  return out;
}

}  // namespace crawlbox::testing
