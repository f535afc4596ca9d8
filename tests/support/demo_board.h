// The demo movie board: a top-100 film list in the markup of the classic Maoyan
// scraping example, loaded from tests/data/board/films.tsv and rendered as the
// pages TestServer serves under /board/4, /films/<rank>, /, /about and /login.
// Also the one <dd> renderer the generated site shares.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/status.h"

namespace crawlbox::testing {

// One film of the board; the source of truth tests compare extracted records
// against.
struct Film {
  // 1-based position on the board.
  int rank = 0;
  // E.g. "霸王别姬"; never contains '"', '<' or '&'.
  std::string title;
  // Comma-separated, no spaces: "张国荣,张丰毅,巩俐".
  std::string actors;
  // "1993-01-01" or "1994-09-10(加拿大)".
  std::string release;
  // One decimal, 8.0 .. 9.6; rendered as <i class="integer">9.</i> and
  // <i class="fraction">5</i>.
  double score = 0;
};

// Escapes &, <, > and " for HTML text and attribute values.
std::string HtmlEscape(std::string_view text);

// Where a board entry's links point. The demo board uses "/films/<rank>" and
// "/img/<rank>.png"; the generated site points detail_href at one of its own
// pages so no link leaves it.
struct BoardEntryLinks {
  std::string detail_href;
  std::string image_src;
};

// Renders one board entry exactly in the Maoyan markup, for example:
//   <dd>
//     <i class="board-index board-index-1">1</i>
//     <a href="/films/1" title="霸王别姬" class="image-link" ...>
//       <img src="/img/1.png" alt="霸王别姬" class="board-img" />
//     </a>
//     ... <p class="name"><a href="/films/1" title="霸王别姬" ...>
//           霸王别姬</a></p>  (on one line)
//         <p class="star">
//                 主演:张国荣,张丰毅,巩俐
//         </p>
//         <p class="releasetime">上映时间:1993-01-01</p>
//     ... <p class="score"><i class="integer">9.</i>
//           <i class="fraction">5</i></p>  (on one line)
//     ...
//   </dd>
// with hrefs from `links`. Pure; the result ends with a newline. The demo board
// and the generated site both use it.
std::string RenderBoardEntry(const Film& film, const BoardEntryLinks& links);

// Reads a films TSV (header "rank\ttitle\tactors\trelease\tscore", one film per
// line). Returns the films in file order, or kNotFound if the file cannot be
// opened, or kInvalidArgument naming path:line for a malformed row (wrong
// column count, bad number, a title with '"', '<' or '&', or ranks not 1..n in
// order).
config::Result<std::vector<Film>> LoadFilms(const std::string& path);

// The repository's tests/data directory (CRAWLBOX_SOURCE_DIR + "/tests/data"),
// no trailing slash.
std::string DefaultDataDir();

// The 100 films of tests/data/board/films.tsv, loaded once on first use
// (thread-safe). Aborts with a message if the file is missing or malformed:
// that is a broken checkout, not a test failure. The reference stays valid for
// the life of the program.
const std::vector<Film>& DemoFilms();

// The pages of the demo board. Immutable after Load, so safe to use from many
// threads.
class DemoBoard {
 public:
  static constexpr int kPageSize = 10;

  // Loads <data_dir>/board/films.tsv. Fails as LoadFilms does, or with
  // kInvalidArgument if the file does not hold a whole number of pages.
  static config::Result<DemoBoard> Load(const std::string& data_dir);
  explicit DemoBoard(std::vector<Film> films) : films_(std::move(films)) {}

  const std::vector<Film>& films() const { return films_; }
  // Offsets the board answers: 0, 10, ..., films().size() - 10.
  int page_count() const { return static_cast<int>(films_.size()) / kPageSize; }

  // The full page of /board/4?offset=<offset> (10 <dd> entries, noisy nav, a
  // list-pager with relative "?offset=N" links and a page_next link except on
  // the last page), or nullopt when offset is not a multiple of 10 inside the
  // board (the server answers 404).
  std::optional<std::string> BoardPage(int offset) const;
  // The detail page of /films/<rank> (title in <h1 class="name">, actors,
  // release, score, a link back to its board page and links to two other
  // films), or nullopt for an unknown rank.
  std::optional<std::string> FilmPage(int rank) const;
  // The small pages at "/", "/about" and "/login"; the first two link to
  // /board/4?offset=0.
  std::string HomePage() const;
  std::string AboutPage() const;
  std::string LoginPage() const;

 private:
  std::vector<Film> films_;
};

}  // namespace crawlbox::testing
