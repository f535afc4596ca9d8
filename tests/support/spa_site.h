// SpaSite: a single-page-app site every TestServer mounts under /spa/. Its
// pages are one HTML shell whose inline script fetches a page of the board as
// JSON and builds the entries in the browser, so a plain HTTP fetch sees no
// entries and only a renderer (headless Chromium) sees them.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "tests/support/api_site.h"

namespace crawlbox::testing {

// Pages of the SPA board (/spa/page/1 .. /spa/page/200).
inline constexpr int kSpaPages = 200;
// Entries on each page; ranks run 1 .. kSpaPages * kSpaEntriesPerPage.
inline constexpr int kSpaEntriesPerPage = 10;
// How long /spa/api/slow-data/<n>.json waits before answering.
inline constexpr std::chrono::milliseconds kSpaSlowDataDelay{1500};

// One entry of the SPA board; the source of truth tests compare rendered or
// extracted records against.
struct SpaEntry {
  // 1-based, 1 .. 2000.
  int rank = 0;
  // Film ((rank - 1) % 100 + 1) of the demo board's title, with " (<k>)"
  // after it in round k = (rank - 1) / 100 + 1 >= 2, then a suffix with
  // characters HTML must escape: " & Co." (rank % 5 == 1), " <Director's
  // Cut>" (rank % 5 == 3) or " \"Remastered\"" (rank % 5 == 4). UTF-8.
  std::string title;
  // One decimal, 7.6 .. 9.6: the film's score less 0.1 * ((k - 1) % 5).
  double score = 0;

  bool operator==(const SpaEntry&) const = default;
};

// The entries of page `page`, kSpaEntriesPerPage of them in rank order; empty
// if page is outside 1..kSpaPages. Pure and deterministic: derived from
// DemoFilms() (the repository's tests/data/board/films.tsv, whatever data_dir
// a TestServer has), cycled; aborts as DemoFilms() does on a broken checkout.
// Thread-safe.
std::vector<SpaEntry> SpaEntries(int page);

// A page or rank number of a route (the SPA's and the mixed site's): 1..limit
// written without leading zeros, else nullopt; one spelling per page, as a
// crawler's seen-URL set expects.
std::optional<int> ParseIndex(const std::string& text, int limit);

// `value` with one decimal, as both sites print a score.
std::string OneDecimal(double value);

// The body of /spa/api/page/<page>.json, compact, keys in this order:
//   {"page":3,"pages":200,"entries":[{"rank":21,"title":"...","score":9.1},
//    ...],"next":"/spa/page/4"}
// with "next": null on the last page. Precondition: 1 <= page <= kSpaPages.
std::string SpaPageJson(int page);

// The HTML shell every SPA page is: <div id="app"></div> and an inline script
// (no external files). The script takes the page from location.pathname
// (/spa/ is page 1), fetches its JSON and renders into #app
//   <dl class="board"><dd class="film"><span class="rank">21</span>
//   <a class="title" href="/spa/film/21">TITLE</a>
//   <span class="score">9.1</span></dd> ...</dl>
// (each <dd> on one line, titles set as text) and a
//   <nav class="pager">
// of <a data-route> links: "prev", up to two page numbers either side of the
// current one (which is a <span class="current">) and "next", with hrefs
// /spa/page/<k> (/spa/slow-data/<k> on a slow-data page). Clicking one uses
// history.pushState and renders again without a reload; back and forward
// render too. Once a page is rendered the script sets
// document.body.dataset.ready = "1" and appends <div id="ready"></div> to the
// body (both removed while the next page loads); on a failed fetch it renders
// <p class="error"> and sets data-ready="error" without #ready.
std::string SpaShellPage();

// Waits for the given time, or less if the server is stopping.
using SpaSleep = std::function<void(std::chrono::milliseconds)>;

// The site's routes (GET and HEAD; paths are exact, n and rank without
// leading zeros; anything else under /spa is a 404):
//   /spa/, /spa/page/<n>      SpaShellPage(), n in 1..kSpaPages (else 404)
//   /spa/slow-data/<n>        SpaShellPage() too; its script fetches
//                             /spa/api/slow-data/<n>.json
//   /spa/api/page/<n>.json    application/json SpaPageJson(n); other n a 404
//                             {"error":"no such page"}
//   /spa/api/slow-data/<n>.json
//                             the same after kSpaSlowDataDelay (via `sleep`)
//   /spa/film/<rank>          a server-rendered detail page: the title in
//                             <h1 class="title">, the score, a link back to
//                             its /spa/page/<n>; rank 1..2000 (else 404)
//   /spa/moved/<n>            301 to /spa/page/<n> (a relative Location),
//                             n in 1..kSpaPages (else 404)
//   /spa/loop                 a shell whose script never ends (for(;;){}),
//                             for render timeouts
//   /spa/bomb                 a shell whose script allocates 256 MB of
//                             arrays (then ends, without #ready): a tab whose
//                             script heap is limited below that crashes, for
//                             render crashes
// `sleep` must stay callable as long as the handlers may run.
std::vector<ApiSite::Route> SpaSiteRoutes(SpaSleep sleep);

}  // namespace crawlbox::testing
