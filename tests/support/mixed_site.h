// MixedSite: a site of the render benchmark (bench/run.sh --scenario render)
// where one page in ten needs a browser: every tenth page is a shell whose
// script builds its board from JSON, the other nine are the same markup
// served as plain HTML. crawlbox-testsite mounts it under /mixed/.
#pragma once

#include <string>
#include <vector>

#include "tests/support/api_site.h"
#include "tests/support/spa_site.h"

namespace crawlbox::testing {

// Entries on each page; ranks run 1 .. pages * kMixedEntriesPerPage.
inline constexpr int kMixedEntriesPerPage = 10;
// Page i is a script-built shell when i % kMixedShellEvery == 0.
inline constexpr int kMixedShellEvery = 10;

// True when page i of the mixed site is a shell (needs rendering).
inline bool MixedPageIsShell(int page) { return page % kMixedShellEvery == 0; }

// The entries of page `page` (kMixedEntriesPerPage of them, rank order):
// rank r is film ((r - 1) % 100 + 1) of the demo board, title "<title> #<r>",
// the film's score. Empty when page < 1. Pure; thread-safe; aborts as
// DemoFilms() does on a broken checkout.
std::vector<SpaEntry> MixedEntries(int page);

// The pages page `page` links to, in this order: 2 * page and 2 * page + 1
// (a binary tree from page 1, so a crawl from /mixed/page/1 finds every page
// and has many pages to fetch at once) and page + 1, each only when at most
// `pages`.
std::vector<int> MixedLinks(int page, int pages);

// The routes of a mixed site of `pages` pages (GET and HEAD; numbers without
// leading zeros; anything else under /mixed is a 404):
//   /mixed/page/<i>            i in 1..pages. When MixedPageIsShell(i): an
//                              HTML shell whose inline script fetches
//                              /mixed/api/page/<i>.json and builds the page;
//                              else the page as HTML. Either way the page
//                              (after the script, for a shell) is
//                                <dl class="board"><dd class="film">
//                                <span class="rank">R</span>
//                                <a class="title">TITLE</a>
//                                <span class="score">S</span></dd> ...</dl>
//                                <nav class="pager"><a href="/mixed/page/K">
//                                K</a> ...</nav> <div id="ready"></div>
//                              (the SPA site's record markup; the titles are
//                              not links) with MixedLinks(i) in the pager.
//   /mixed/api/page/<i>.json   {"page":i,"pages":N,"entries":[{"rank":..,
//                              "title":"..","score":..},...],"links":
//                              ["/mixed/page/K",...]} for every i in 1..pages
//                              (the source a check compares records with)
// Precondition: pages >= 1.
std::vector<ApiSite::Route> MixedSiteRoutes(int pages);

}  // namespace crawlbox::testing
