// The demo movie board: TSV loading and the HTML of its pages.
#include "tests/support/demo_board.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <utility>

namespace crawlbox::testing {
namespace {

std::vector<std::string> SplitTabs(const std::string& line) {
  std::vector<std::string> fields;
  size_t start = 0;
  while (true) {
    size_t tab = line.find('\t', start);
    fields.push_back(line.substr(start, tab - start));
    if (tab == std::string::npos) break;
    start = tab + 1;
  }
  return fields;
}

bool ParseInt(const std::string& text, int* out) {
  if (text.empty() || text.size() > 9) return false;
  int value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + (c - '0');
  }
  *out = value;
  return true;
}

// Scores are "D.D" or "D" so that rendering them back gives the same text.
bool ParseScore(const std::string& text, double* out) {
  if (text.empty() || text.size() > 4) return false;
  char* end = nullptr;
  double value = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size() || value < 0 || value >= 10)
    return false;
  *out = value;
  return true;
}

std::string ScoreText(double score) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "%.1f", score);
  return buf;
}

// The link soup of a real site's header: what a crawler must filter out or
// resolve.
constexpr std::string_view kNav =
    "<div class=\"header\">\n"
    "  <nav class=\"navbar\">\n"
    "    <a href=\"/\" class=\"logo\">演示影院</a>\n"
    "    <a href=\"/about\">关于</a>\n"
    "    <a href=\"/login?next=/board/4\">登录</a>\n"
    "    <a href=\"https://www.example.com/ads\" rel=\"nofollow\">广告</a>\n"
    "    <a href=\"javascript:void(0)\" class=\"js-menu\">菜单</a>\n"
    "    <a href=\"mailto:film@example.com\">联系我们</a>\n"
    "    <a href=\"#top\">回到顶部</a>\n"
    "  </nav>\n"
    "</div>\n";

std::string PageHead(std::string_view title) {
  std::string out =
      "<!DOCTYPE html>\n"
      "<html lang=\"zh-CN\">\n"
      "<head>\n"
      "  <meta charset=\"utf-8\">\n"
      "  <title>";
  out += HtmlEscape(title);
  out +=
      "</title>\n"
      "</head>\n"
      "<body>\n"
      "<a id=\"top\"></a>\n";
  out += kNav;
  return out;
}

constexpr std::string_view kPageFoot =
    "<div class=\"footer\">\n"
    "  <p>crawlbox 演示数据，仅供测试抓取使用。</p>\n"
    "</div>\n"
    "</body>\n"
    "</html>\n";

std::string BoardHref(int offset) {
  return "/board/4?offset=" + std::to_string(offset);
}

}  // namespace

std::string HtmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string RenderBoardEntry(const Film& film, const BoardEntryLinks& links) {
  const std::string rank = std::to_string(film.rank);
  const std::string title = HtmlEscape(film.title);
  const std::string href = HtmlEscape(links.detail_href);
  const std::string score = ScoreText(film.score);
  const size_t dot = score.find('.');
  const std::string integer = score.substr(0, dot + 1);
  const std::string fraction = score.substr(dot + 1);
  std::string out;
  out.reserve(1024);
  out += "<dd>\n  <i class=\"board-index board-index-" + rank + "\">" + rank +
         "</i>\n";
  out += "  <a href=\"" + href + "\" title=\"" + title +
         "\" class=\"image-link\" data-act=\"boarditem-click\" "
         "data-val=\"{movieId:" +
         rank + "}\">\n";
  out += "    <img src=\"" + HtmlEscape(links.image_src) + "\" alt=\"" + title +
         "\" class=\"board-img\" />\n";
  out += "  </a>\n";
  out += "  <div class=\"board-item-main\">\n";
  out += "    <div class=\"board-item-content\">\n";
  out += "      <div class=\"movie-item-info\">\n";
  out += "        <p class=\"name\"><a href=\"" + href + "\" title=\"" + title +
         "\" data-act=\"boarditem-click\" data-val=\"{movieId:" + rank +
         "}\">" + title + "</a></p>\n";
  out += "        <p class=\"star\">\n                主演:" +
         HtmlEscape(film.actors) + "\n        </p>\n";
  out +=
      "        <p class=\"releasetime\">上映时间:" + HtmlEscape(film.release) +
      "</p>\n";
  out += "      </div>\n";
  out += "      <div class=\"movie-item-number score-num\">\n";
  out += "        <p class=\"score\"><i class=\"integer\">" + integer +
         "</i><i class=\"fraction\">" + fraction + "</i></p>\n";
  out += "      </div>\n";
  out += "    </div>\n";
  out += "  </div>\n";
  out += "</dd>\n";
  return out;
}

config::Result<std::vector<Film>> LoadFilms(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return config::Status::NotFound("cannot open films file " + path);
  std::vector<Film> films;
  std::string line;
  int line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line_no == 1 || line.empty()) continue;  // the header
    const std::string where = path + ":" + std::to_string(line_no) + ": ";
    std::vector<std::string> fields = SplitTabs(line);
    if (fields.size() != 5) {
      return config::Status::InvalidArgument(
          where + "expected 5 tab-separated fields, found " +
          std::to_string(fields.size()));
    }
    Film film;
    if (!ParseInt(fields[0], &film.rank) ||
        film.rank != static_cast<int>(films.size()) + 1) {
      return config::Status::InvalidArgument(where + "expected rank " +
                                             std::to_string(films.size() + 1) +
                                             ", found '" + fields[0] + "'");
    }
    film.title = fields[1];
    film.actors = fields[2];
    film.release = fields[3];
    if (film.title.empty() ||
        film.title.find_first_of("\"<&") != std::string::npos) {
      return config::Status::InvalidArgument(
          where + "title is empty or has '\"', '<' or '&'");
    }
    if (!ParseScore(fields[4], &film.score)) {
      return config::Status::InvalidArgument(
          where + "expected a score like 9.5, found '" + fields[4] + "'");
    }
    films.push_back(std::move(film));
  }
  return films;
}

std::string DefaultDataDir() {
  return std::string(CRAWLBOX_SOURCE_DIR) + "/tests/data";
}

const std::vector<Film>& DemoFilms() {
  static const std::vector<Film>* const films = [] {
    const std::string path = DefaultDataDir() + "/board/films.tsv";
    config::Result<std::vector<Film>> loaded = LoadFilms(path);
    if (!loaded.ok()) {
      std::fprintf(stderr, "DemoFilms: %s\n",
                   loaded.status().ToString().c_str());
      std::abort();
    }
    return new std::vector<Film>(std::move(loaded).value());
  }();
  return *films;
}

config::Result<DemoBoard> DemoBoard::Load(const std::string& data_dir) {
  const std::string path = data_dir + "/board/films.tsv";
  config::Result<std::vector<Film>> films = LoadFilms(path);
  if (!films.ok()) return films.status();
  if (films->empty() || films->size() % kPageSize != 0) {
    return config::Status::InvalidArgument(
        path + ": expected a multiple of " + std::to_string(kPageSize) +
        " films, found " + std::to_string(films->size()));
  }
  return DemoBoard(std::move(films).value());
}

std::optional<std::string> DemoBoard::BoardPage(int offset) const {
  if (offset < 0 || offset % kPageSize != 0 ||
      offset >= static_cast<int>(films_.size())) {
    return std::nullopt;
  }
  std::string out = PageHead("TOP100榜 - 演示影院");
  out +=
      "<div class=\"content\">\n"
      "  <div class=\"wrapper\">\n"
      "    <div class=\"main\">\n"
      "      <p class=\"update-time\">2018-06-01<span "
      "class=\"has-fresh-text\">已更新</span></p>\n"
      "      <p "
      "class=\"board-content\">"
      "榜单规则：将演示影院库中的经典影片，按照评分和评分人数从高"
      "到低综合排序取前100名，每天上午10点更新。</p>\n"
      "      <dl class=\"board-wrapper\">\n";
  for (int i = offset; i < offset + kPageSize; ++i) {
    const Film& film = films_[i];
    const std::string rank = std::to_string(film.rank);
    out += RenderBoardEntry(film, {"/films/" + rank, "/img/" + rank + ".png"});
  }
  out +=
      "      </dl>\n"
      "    </div>\n"
      "    <div class=\"pager-main\">\n"
      "      <ul class=\"list-pager\">\n";
  for (int page = 0; page < page_count(); ++page) {
    const std::string page_offset = std::to_string(page * kPageSize);
    out += page * kPageSize == offset ? "        <li class=\"active\">"
                                      : "        <li>";
    out += "<a href=\"?offset=" + page_offset + "\">" +
           std::to_string(page + 1) + "</a></li>\n";
  }
  if (offset + kPageSize < static_cast<int>(films_.size())) {
    out += "        <li><a class=\"page_next\" href=\"?offset=" +
           std::to_string(offset + kPageSize) + "\">下一页</a></li>\n";
  }
  out +=
      "      </ul>\n"
      "    </div>\n"
      "  </div>\n"
      "</div>\n";
  out += kPageFoot;
  return out;
}

std::optional<std::string> DemoBoard::FilmPage(int rank) const {
  if (rank < 1 || rank > static_cast<int>(films_.size())) return std::nullopt;
  const int n = static_cast<int>(films_.size());
  const Film& film = films_[rank - 1];
  const Film& next = films_[rank % n];
  const Film& previous = films_[(rank + n - 2) % n];
  std::string out = PageHead(film.title + " - 演示影院");
  out += "<div class=\"movie-detail\">\n";
  out += "  <h1 class=\"name\">" + HtmlEscape(film.title) + "</h1>\n";
  out += "  <img src=\"/img/" + std::to_string(rank) + ".png\" alt=\"" +
         HtmlEscape(film.title) + "\" class=\"poster\" />\n";
  out += "  <ul class=\"info\">\n";
  out += "    <li class=\"rank\">排名:" + std::to_string(rank) + "</li>\n";
  out += "    <li class=\"star\">主演:" + HtmlEscape(film.actors) + "</li>\n";
  out += "    <li class=\"releasetime\">上映时间:" + HtmlEscape(film.release) +
         "</li>\n";
  out += "    <li class=\"score\">评分:<span class=\"score-num\">" +
         ScoreText(film.score) + "</span></li>\n";
  out += "  </ul>\n";
  out += "  <p class=\"back\"><a href=\"" +
         BoardHref((rank - 1) / kPageSize * kPageSize) +
         "\">返回榜单</a></p>\n";
  out += "  <div class=\"related\">\n    <h2>相关影片</h2>\n";
  for (const Film* other : {&previous, &next}) {
    out += "    <a href=\"/films/" + std::to_string(other->rank) + "\">" +
           HtmlEscape(other->title) + "</a>\n";
  }
  out += "  </div>\n</div>\n";
  out += kPageFoot;
  return out;
}

std::string DemoBoard::HomePage() const {
  std::string out = PageHead("演示影院");
  out +=
      "<div class=\"content\">\n"
      "  <h1>演示影院</h1>\n"
      "  <p>经典电影榜单，供 crawlbox 演示抓取。</p>\n"
      "  <p><a href=\"/board/4?offset=0\">TOP100榜</a></p>\n"
      "</div>\n";
  out += kPageFoot;
  return out;
}

std::string DemoBoard::AboutPage() const {
  std::string out = PageHead("关于 - 演示影院");
  out +=
      "<div class=\"content\">\n"
      "  <h1>关于</h1>\n"
      "  <p>本站是 crawlbox 测试服务器提供的演示站点，数据为本地样例。</p>\n"
      "  <p><a href=\"/board/4?offset=0\">查看 TOP100榜</a></p>\n"
      "</div>\n";
  out += kPageFoot;
  return out;
}

std::string DemoBoard::LoginPage() const {
  std::string out = PageHead("登录 - 演示影院");
  out +=
      "<div class=\"content\">\n"
      "  <h1>登录</h1>\n"
      "  <form method=\"post\" action=\"/login\">\n"
      "    <input type=\"text\" name=\"user\"> <input type=\"password\" "
      "name=\"password\">\n"
      "    <button type=\"submit\">登录</button>\n"
      "  </form>\n"
      "</div>\n";
  out += kPageFoot;
  return out;
}

}  // namespace crawlbox::testing
