// A deterministic generated web site of N linked pages, for crawl tests and
// benchmarks: pure functions of SiteOptions, so TestServer can serve it and
// crawlbox-testsite can write it to disk. Two layouts: the plain site
// (/site/<i>.html) and the realistic one (scripts, a nav bar, query strings).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/status.h"
#include "tests/support/demo_board.h"

namespace crawlbox::testing {

struct SiteOptions {
  // Number of pages (distinct URLs), served as /site/0.html ..
  // /site/<pages-1>.html, or at the realistic site's paths. Page 0 is the start
  // page.
  int pages = 2000;
  // Anchors in each page's link list (the tree links below count towards it; a
  // page always keeps its tree links even if this is smaller). Board entries
  // add their own links on top.
  int links_per_page = 40;
  // Each page is padded with paragraphs to a size drawn from [min_bytes,
  // max_bytes] (bytes of UTF-8). A page whose links and board entries alone
  // exceed the drawn size is left larger.
  int min_bytes = 8000;
  int max_bytes = 20000;
  // Page i is a board page iff board_every > 0 and
  // i % board_every == board_every - 1 (pages 9, 19, 29, ... by default); a
  // board page carries GeneratedSite::kEntriesPerBoardPage <dd> entries in the
  // demo board's markup. 0 means no board pages. The realistic site counts
  // from its first content page instead: i - kFixedPages.
  int board_every = 10;
  // Seeds the PRNG; the same options always give byte-identical pages.
  uint64_t seed = 1;
  // false (default): the plain site, byte for byte as it has always been (many
  // tests depend on it). true: the realistic site described at GeneratedSite.
  bool realistic = false;
};

// The pages of one generated site. Immutable, so safe to use from many threads.
//
// The plain site. Links: page i always links to pages 2i+1 and 2i+2 when they
// exist (so every page is reachable from page 0), then to pseudo-random pages.
// Hrefs mix "7.html", "./7.html", "../site/7.html" and "/site/7.html", some
// with a "#fragment", some repeated on the same page, plus "#top" (the page
// itself). Every href resolves, after removing the fragment, to a page in
// 0..pages-1: there are no other links (board entries' images are <img
// src="/img/<1..100>.png">, which TestServer serves, and are not links).
//
// The realistic site (SiteOptions::realistic) looks more like a real news or
// film site to a crawler:
//   - paths without extension: page 0 is /home, pages 1..16 are sections
//     (/section/news, ...), 17..19 are /about-us, /contact and /help (these
//     kFixedPages pages exist when pages allows); content pages are
//     /articles/<slug>-<i> and /page/<i>, and board pages
//     /board/<b>?offset=<o> (board b >= 10 holds up to 10 pages, offsets 0,
//     10, ..., 90; never /board/4, the demo board's);
//   - every page has a nav bar of the same kFixedPages links, the tree and
//     random links of the plain site (as "/articles/x", "../page/7" or with a
//     "#fragment"; links_per_page of them, half as many on a board page), and
//     hrefs that are not pages: "javascript:void(0)", "mailto:x@example.com",
//     "#" and "#top";
//   - inline <style> and <script> blocks of a few KB whose strings and an
//     HTML comment hold '<a href="/drafts/...">' (paths the site answers
//     with 404) and "<dd>" text, to trip scanners that do not skip raw text;
//     no script holds a whole board entry, so the board regex still finds
//     exactly kEntriesPerBoardPage records on a board page and none elsewhere;
//   - board pages carry a "list-pager" of relative "?offset=N" links to the
//     board's other pages;
//   - 8-20 KB per page with the default sizes.
// Every page is reachable from page 0 by the hrefs outside <script>, <style>
// and comments; each of those resolves (fragment removed) to a page of the
// site, or is one of the four non-page hrefs above.
class GeneratedSite {
 public:
  static constexpr int kEntriesPerBoardPage = 10;
  // Pages 0..kFixedPages-1 of the realistic site: home, sections, info pages;
  // the nav bar links to all of them.
  static constexpr int kFixedPages = 20;

  // Preconditions (asserted): pages >= 1, links_per_page >= 0,
  // 0 < min_bytes <= max_bytes, board_every >= 0.
  explicit GeneratedSite(SiteOptions options);

  const SiteOptions& options() const { return options_; }
  int page_count() const { return options_.pages; }

  // "/site/<i>.html", or the realistic site's path and query of page i
  // ("/home", "/board/10?offset=20"). Precondition: 0 <= i < page_count().
  std::string PagePath(int i) const;
  // PagePath(0): where a crawl of the whole site starts.
  std::string StartPath() const { return PagePath(0); }
  // The page whose PagePath is exactly `path_and_query`, or nullopt (no such
  // page, or another spelling of it: TestServer answers those with 404).
  std::optional<int> FindPage(std::string_view path_and_query) const;
  // Where WriteTo stores the page at `path_and_query`, relative to its
  // directory: the path without its leading '/', a query "?offset=<o>"
  // becoming "/offset-<o>" ("/board/10?offset=20" -> "board/10/offset-20";
  // bench/run.sh's nginx configuration maps it back). Precondition: a
  // PagePath of some site.
  static std::string FileFor(std::string_view path_and_query);
  // The full HTML of page i (UTF-8). Same i and options → same bytes.
  std::string PageHtml(int i) const;
  // How many board entries page i carries: kEntriesPerBoardPage on a board
  // page, else 0.
  int BoardEntries(int i) const;
  // The films shown on page i, in page order (empty unless a board page).
  // Ranks are unique across the site: the k-th board page (0-based) holds
  // ranks 10k+1 .. 10k+10.
  std::vector<Film> PageFilms(int i) const;
  // Sum of BoardEntries over all pages.
  int TotalBoardEntries() const;

  // Writes every page to <dir>/<FileFor(PagePath(i))> (<dir>/site/<i>.html
  // for the plain site), <dir>/manifest.json ({"pages": N, "board_entries": M,
  // "total_bytes": B}: N is also the number of pages a full crawl stores) and
  // <dir>/urls.txt (every PagePath, one a line, in page order), creating
  // directories as needed and overwriting files. Returns kIOError naming the
  // path that could not be written.
  config::Status WriteTo(const std::string& dir) const;

 private:
  // The realistic site (realistic_site.cc).
  std::string RealisticPagePath(int i) const;
  std::string RealisticPageHtml(int i) const;
  std::optional<int> RealisticFindPage(std::string_view path_and_query) const;
  // The 0-based position of page i among the board pages, or -1.
  int BoardOrdinal(int i) const;

  SiteOptions options_;
};

}  // namespace crawlbox::testing
