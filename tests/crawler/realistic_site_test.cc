// The realistic generated site (SiteOptions::realistic): deterministic pages of
// 8-20 KB, every page reachable from the start page through the hrefs outside
// scripts, styles and comments, ten board entries per board page, trap links
// only where a naive scanner looks, and the same pages served and written.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <deque>
#include <fstream>
#include <iterator>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/demo_board.h"
#include "tests/support/site_generator.h"
#include "tests/support/status_matchers.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_server.h"

namespace crawlbox::testing {
namespace {

SiteOptions Realistic(int pages) {
  SiteOptions options;
  options.pages = pages;
  options.realistic = true;
  return options;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)),
                     std::istreambuf_iterator<char>());
}

// The page without the raw text a browser never turns into links: <script>
// and <style> contents and comments.
std::string WithoutRawText(const std::string& html) {
  std::string out;
  size_t at = 0;
  while (at < html.size()) {
    const size_t script = html.find("<script", at);
    const size_t style = html.find("<style", at);
    const size_t comment = html.find("<!--", at);
    const size_t next = std::min({script, style, comment});
    if (next == std::string::npos) break;
    out.append(html, at, next - at);
    const char* close = next == script  ? "</script>"
                        : next == style ? "</style>"
                                        : "-->";
    const size_t end = html.find(close, next);
    if (end == std::string::npos) return out;  // unterminated: drop the rest
    at = end + std::string(close).size();
  }
  out.append(html, at, std::string::npos);
  return out;
}

std::vector<std::string> Hrefs(const std::string& html) {
  static const std::regex href_re(R"re(href="([^"]*)")re");
  std::vector<std::string> hrefs;
  for (std::sregex_iterator it(html.begin(), html.end(), href_re), end;
       it != end; ++it) {
    hrefs.push_back((*it)[1].str());
  }
  return hrefs;
}

// Resolves an href of the page at `base` (a path with an optional query, at
// most one directory deep, as the generator makes them) to a path and query
// without fragment, or "" for an href that is not an http page.
std::string Resolve(const std::string& base, std::string href) {
  if (href.rfind("javascript:", 0) == 0 || href.rfind("mailto:", 0) == 0)
    return "";
  href = href.substr(0, href.find('#'));
  const std::string base_path = base.substr(0, base.find('?'));
  if (href.empty()) return base;  // "#", "#top": the page itself
  if (href[0] == '?') return base_path + href;
  if (href[0] == '/') return href;
  std::string dir = base_path.substr(0, base_path.rfind('/') + 1);
  while (href.rfind("../", 0) == 0 || href.rfind("./", 0) == 0) {
    if (href[1] == '.') {
      href = href.substr(3);
      if (dir.size() > 1)
        dir = dir.substr(0, dir.rfind('/', dir.size() - 2) + 1);
    } else {
      href = href.substr(2);
    }
  }
  return dir + href;
}

// The board extraction regex of bench/crawlbox.toml and the Maoyan example
// ([\s\S] for DOTALL's dot), with the fields tests compare.
std::vector<Film> ExtractFilms(const std::string& html) {
  static const std::regex re(
      R"re(<dd>[\s\S]*?board-index[\s\S]*?>(\d+)</i>[\s\S]*?title="([^"]*)"[\s\S]*?)re"
      R"re(<p class="star">([\s\S]*?)</p>[\s\S]*?<p class="releasetime">([\s\S]*?)</p>)re"
      R"re([\s\S]*?<i class="integer">([\s\S]*?)</i>[\s\S]*?<i class="fraction">([\s\S]*?)</i>)re"
      R"re([\s\S]*?</dd>)re");
  std::vector<Film> films;
  for (std::sregex_iterator it(html.begin(), html.end(), re), end; it != end;
       ++it) {
    Film film;
    film.rank = std::stoi((*it)[1].str());
    film.title = (*it)[2].str();
    film.score = std::stod((*it)[5].str() + (*it)[6].str());
    films.push_back(film);
  }
  return films;
}

TEST(RealisticSiteTest, PagesAreDeterministicSizedAndFoundByTheirPath) {
  const SiteOptions options = Realistic(1500);
  GeneratedSite site(options);
  GeneratedSite again(options);
  SiteOptions other_seed = options;
  other_seed.seed = 2;
  GeneratedSite other(other_seed);
  EXPECT_EQ(site.StartPath(), "/home");
  std::set<std::string> paths, files;
  int differ = 0;
  for (int i = 0; i < options.pages; ++i) {
    const std::string path = site.PagePath(i);
    const std::string html = site.PageHtml(i);
    EXPECT_EQ(html, again.PageHtml(i)) << path << " is not deterministic";
    EXPECT_EQ(path, again.PagePath(i));
    if (html != other.PageHtml(i)) ++differ;
    EXPECT_GE(html.size(), 8000u) << path;
    EXPECT_LE(html.size(), 20000u) << path;
    EXPECT_EQ(path.find(".html"), std::string::npos) << path;
    EXPECT_EQ(site.FindPage(path), std::optional<int>(i)) << path;
    EXPECT_TRUE(paths.insert(path).second) << "duplicate path " << path;
    EXPECT_TRUE(files.insert(GeneratedSite::FileFor(path)).second) << path;
  }
  EXPECT_GT(differ, options.pages / 2) << "the seed changes little";
  for (const char* missing :
       {"/", "/home?x=1", "/board/4?offset=0", "/board/10",
        "/board/10?offset=5", "/board/10?offset=0&x=1", "/page/0", "/page/20",
        "/articles/x-20", "/site/0.html", "/drafts/old-1", "/section/none",
        "/page/99999"}) {
    EXPECT_EQ(site.FindPage(missing), std::nullopt) << missing;
  }
  EXPECT_EQ(GeneratedSite::FileFor("/board/10?offset=20"),
            "board/10/offset-20");
  EXPECT_EQ(GeneratedSite::FileFor("/articles/a-b-21"), "articles/a-b-21");
}

TEST(RealisticSiteTest, FindPageKnowsThePlainSiteToo) {
  SiteOptions options;
  options.pages = 120;
  GeneratedSite site(options);
  EXPECT_EQ(site.StartPath(), "/site/0.html");
  for (int i = 0; i < options.pages; ++i) {
    EXPECT_EQ(site.FindPage(site.PagePath(i)), std::optional<int>(i));
    EXPECT_EQ(GeneratedSite::FileFor(site.PagePath(i)),
              "site/" + std::to_string(i) + ".html");
  }
  for (const char* missing : {"/site/120.html", "/site/07.html", "/site/x.html",
                              "/site/1.htm", "/home", "/site/.html"}) {
    EXPECT_EQ(site.FindPage(missing), std::nullopt) << missing;
  }
}

TEST(RealisticSiteTest, EveryPageIsReachableFromTheStartPage) {
  for (int pages : {1, 7, 25, 1000}) {
    GeneratedSite site(Realistic(pages));
    std::vector<bool> seen(pages, false);
    std::deque<int> queue = {0};
    seen[0] = true;
    std::set<std::string> nav_bars;
    while (!queue.empty()) {
      const int i = queue.front();
      queue.pop_front();
      const std::string path = site.PagePath(i);
      const std::string html = WithoutRawText(site.PageHtml(i));
      const size_t nav = html.find("<nav"), nav_end = html.find("</nav>");
      ASSERT_NE(nav, std::string::npos) << path;
      nav_bars.insert(html.substr(nav, nav_end - nav));
      std::set<std::string> odd;  // the hrefs that are not page paths
      for (const std::string& href : Hrefs(html)) {
        const std::string target = Resolve(path, href);
        if (target.empty() || target == path) odd.insert(href);
        if (target.empty()) continue;
        const std::optional<int> page = site.FindPage(target);
        ASSERT_TRUE(page) << path << " links to " << href << " = " << target
                          << ", not a page";
        if (!seen[*page]) {
          seen[*page] = true;
          queue.push_back(*page);
        }
      }
      for (const char* want :
           {"javascript:void(0)", "mailto:x@example.com", "#", "#top"}) {
        EXPECT_EQ(odd.count(want), 1u) << path << " lacks href " << want;
      }
    }
    for (int i = 0; i < pages; ++i)
      EXPECT_TRUE(seen[i]) << site.PagePath(i) << " unreachable of " << pages;
    EXPECT_EQ(nav_bars.size(), 1u) << "the nav bar differs between pages";
    if (pages >= GeneratedSite::kFixedPages) {
      EXPECT_EQ(Hrefs(*nav_bars.begin()).size(),
                static_cast<size_t>(GeneratedSite::kFixedPages));
    }
  }
}

TEST(RealisticSiteTest, BoardPagesCarryTenEntriesAddressedByOffset) {
  const SiteOptions options = Realistic(1200);
  GeneratedSite site(options);
  int entries = 0, board_pages = 0;
  std::set<int> ranks;
  for (int i = 0; i < options.pages; ++i) {
    const std::string path = site.PagePath(i);
    const bool board = path.find("?offset=") != std::string::npos;
    const std::vector<Film> films = ExtractFilms(site.PageHtml(i));
    ASSERT_EQ(static_cast<int>(films.size()), site.BoardEntries(i)) << path;
    EXPECT_EQ(site.BoardEntries(i),
              board ? GeneratedSite::kEntriesPerBoardPage : 0)
        << path;
    if (!board) continue;
    ++board_pages;
    EXPECT_EQ(path.rfind("/board/", 0), 0u) << path;
    const std::vector<Film> want = site.PageFilms(i);
    ASSERT_EQ(want.size(), films.size());
    for (size_t j = 0; j < films.size(); ++j) {
      EXPECT_EQ(films[j].rank, want[j].rank) << path;
      EXPECT_EQ(films[j].title, want[j].title) << path;
      EXPECT_EQ(films[j].score, want[j].score) << path;
      ranks.insert(films[j].rank);
    }
    entries += static_cast<int>(films.size());
  }
  EXPECT_EQ(board_pages, (options.pages - GeneratedSite::kFixedPages) / 10);
  EXPECT_EQ(entries, site.TotalBoardEntries());
  EXPECT_EQ(static_cast<int>(ranks.size()), entries);
  EXPECT_EQ(site.FindPage("/board/10?offset=0"), std::optional<int>(29));
  EXPECT_EQ(site.FindPage("/board/11?offset=0"), std::optional<int>(129));
}

TEST(RealisticSiteTest, RawTextHoldsLinksAndEntriesANaiveScannerWouldTake) {
  GeneratedSite site(Realistic(300));
  for (int i : {0, 29, 30, 31, 299}) {
    const std::string html = site.PageHtml(i);
    const std::string path = site.PagePath(i);
    std::set<std::string> naive, real;
    for (const std::string& href : Hrefs(html)) naive.insert(href);
    for (const std::string& href : Hrefs(WithoutRawText(html)))
      real.insert(href);
    int traps = 0;
    for (const std::string& href : naive) {
      if (real.count(href)) continue;
      ++traps;
      EXPECT_EQ(href.rfind("/drafts/", 0), 0u) << path << ": " << href;
      EXPECT_EQ(site.FindPage(href), std::nullopt) << href;
    }
    EXPECT_GE(traps, 3) << path;
    EXPECT_NE(html.find("<script>"), std::string::npos) << path;
    EXPECT_NE(html.find("<style>"), std::string::npos) << path;
    const std::string raw =
        html.substr(html.find("<script>", html.find("</main>")));
    EXPECT_NE(raw.find("<dd>"), std::string::npos) << path;
    EXPECT_NE(raw.find("<a href="), std::string::npos) << path;
  }
}

TEST(RealisticSiteTest, ServedOnRequestAndWrittenToDisk) {
  const SiteOptions options = Realistic(240);
  GeneratedSite site(options);
  TestServerOptions server_options;
  server_options.site = options;
  TestServer server(server_options);
  httplib::Client client("127.0.0.1", server.port());
  for (int i : {0, 5, 19, 20, 21, 29, 239}) {
    auto res = client.Get(site.PagePath(i));
    ASSERT_TRUE(res) << site.PagePath(i);
    EXPECT_EQ(res->status, 200) << site.PagePath(i);
    EXPECT_EQ(res->body, site.PageHtml(i)) << site.PagePath(i);
  }
  for (const char* missing :
       {"/site/1.html", "/drafts/old-1", "/board/10?offset=5", "/page/20"}) {
    auto res = client.Get(missing);
    ASSERT_TRUE(res) << missing;
    EXPECT_EQ(res->status, 404) << missing;
  }
  auto demo = client.Get("/board/4?offset=10");  // the demo board is unchanged
  ASSERT_TRUE(demo);
  EXPECT_EQ(demo->status, 200);
  EXPECT_EQ(ExtractFilms(demo->body).front().rank, 11);

  TempDir dir;
  ASSERT_OK(site.WriteTo(dir.path().string()));
  std::istringstream urls(ReadFile(dir.File("urls.txt")));
  std::string line;
  int count = 0;
  int64_t bytes = 0;
  while (std::getline(urls, line)) {
    ASSERT_EQ(line, site.PagePath(count));
    const std::string html = ReadFile(dir.File(GeneratedSite::FileFor(line)));
    EXPECT_EQ(html, site.PageHtml(count)) << line;
    bytes += static_cast<int64_t>(html.size());
    ++count;
  }
  EXPECT_EQ(count, options.pages);
  EXPECT_EQ(ReadFile(dir.File("manifest.json")),
            "{\"pages\": 240, \"board_entries\": " +
                std::to_string(site.TotalBoardEntries()) +
                ", \"total_bytes\": " + std::to_string(bytes) + "}\n");
  EXPECT_EQ(site.TotalBoardEntries(), 220);
}

}  // namespace
}  // namespace crawlbox::testing
