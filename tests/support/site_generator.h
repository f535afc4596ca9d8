// A deterministic generated web site of N linked pages, for crawl tests and
// benchmarks: pure functions of SiteOptions, so TestServer can serve it and
// crawlbox-testsite can write it to disk.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "config/status.h"
#include "tests/support/demo_board.h"

namespace crawlbox::testing {

struct SiteOptions {
  // Number of pages, served as /site/0.html .. /site/<pages-1>.html. Page 0 is
  // the start page.
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
  // demo board's markup. 0 means no board pages.
  int board_every = 10;
  // Seeds the PRNG; the same options always give byte-identical pages.
  uint64_t seed = 1;
};

// The pages of one generated site. Immutable, so safe to use from many threads.
//
// Links: page i always links to pages 2i+1 and 2i+2 when they exist (so every
// page is reachable from page 0), then to pseudo-random pages. Hrefs mix
// "7.html", "./7.html", "../site/7.html" and "/site/7.html", some with a
// "#fragment", some repeated on the same page, plus "#top" (the page itself).
// Every href resolves, after removing the fragment, to a page in 0..pages-1:
// there are no other links (board entries' images are <img
// src="/img/<1..100>.png">, which TestServer serves, and are not links).
class GeneratedSite {
 public:
  static constexpr int kEntriesPerBoardPage = 10;

  // Preconditions (asserted): pages >= 1, links_per_page >= 0,
  // 0 < min_bytes <= max_bytes, board_every >= 0.
  explicit GeneratedSite(SiteOptions options);

  const SiteOptions& options() const { return options_; }
  int page_count() const { return options_.pages; }

  // "/site/<i>.html". Precondition: 0 <= i < page_count().
  std::string PagePath(int i) const;
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

  // Writes every page to <dir>/site/<i>.html and <dir>/manifest.json
  // ({"pages": N, "board_entries": M, "total_bytes": B}), creating directories
  // as needed and overwriting files. Returns kIOError naming the path that
  // could not be written.
  config::Status WriteTo(const std::string& dir) const;

 private:
  SiteOptions options_;
};

}  // namespace crawlbox::testing
