// The generated site: the plain site's page HTML from a seeded PRNG, the
// dispatch to the realistic site (realistic_site.cc), and writing either site
// to disk.
#include "tests/support/site_generator.h"

#include <cassert>
#include <filesystem>
#include <fstream>
#include <string_view>
#include <system_error>
#include <utility>

#include "tests/support/site_text.h"

namespace crawlbox::testing {
namespace {

using site_text::kLinks;
using site_text::kPadding;
using site_text::kSize;
using site_text::MakeFilm;
using site_text::Rng;

// An href for page `target` as seen from a page in /site/, in one of the
// spellings a crawler must resolve to the same URL.
std::string Href(int target, Rng& rng) {
  const std::string name = std::to_string(target) + ".html";
  std::string href;
  switch (rng.Below(4)) {
    case 0:
      href = name;
      break;
    case 1:
      href = "./" + name;
      break;
    case 2:
      href = "../site/" + name;
      break;
    default:
      href = "/site/" + name;
  }
  if (rng.Below(5) == 0) href += "#section-" + std::to_string(rng.Below(5));
  return href;
}

}  // namespace

GeneratedSite::GeneratedSite(SiteOptions options) : options_(options) {
  assert(options_.pages >= 1);
  assert(options_.links_per_page >= 0);
  assert(options_.min_bytes > 0 && options_.min_bytes <= options_.max_bytes);
  assert(options_.board_every >= 0);
}

std::string GeneratedSite::PagePath(int i) const {
  assert(i >= 0 && i < options_.pages);
  if (options_.realistic) return RealisticPagePath(i);
  return "/site/" + std::to_string(i) + ".html";
}

std::optional<int> GeneratedSite::FindPage(
    std::string_view path_and_query) const {
  if (options_.realistic) return RealisticFindPage(path_and_query);
  constexpr std::string_view kPrefix = "/site/", kSuffix = ".html";
  if (path_and_query.size() <= kPrefix.size() + kSuffix.size() ||
      path_and_query.substr(0, kPrefix.size()) != kPrefix ||
      path_and_query.substr(path_and_query.size() - kSuffix.size()) !=
          kSuffix) {
    return std::nullopt;
  }
  const std::string_view digits = path_and_query.substr(
      kPrefix.size(), path_and_query.size() - kPrefix.size() - kSuffix.size());
  if (digits.size() > 9 || (digits.size() > 1 && digits[0] == '0'))
    return std::nullopt;
  int i = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    i = i * 10 + (c - '0');
  }
  if (i >= options_.pages) return std::nullopt;
  return i;
}

std::string GeneratedSite::FileFor(std::string_view path_and_query) {
  assert(!path_and_query.empty() && path_and_query[0] == '/');
  std::string file(path_and_query.substr(1));
  const size_t query = file.find("?offset=");
  if (query != std::string::npos) {
    file = file.substr(0, query) + "/offset-" +
           file.substr(query + std::string_view("?offset=").size());
  }
  return file;
}

int GeneratedSite::BoardOrdinal(int i) const {
  const int k = options_.board_every;
  const int c = options_.realistic ? i - kFixedPages : i;
  if (k <= 0 || c < 0 || c % k != k - 1) return -1;
  return c / k;
}

int GeneratedSite::BoardEntries(int i) const {
  return BoardOrdinal(i) >= 0 ? kEntriesPerBoardPage : 0;
}

int GeneratedSite::TotalBoardEntries() const {
  if (options_.board_every <= 0) return 0;
  const int content =
      options_.realistic ? options_.pages - kFixedPages : options_.pages;
  if (content <= 0) return 0;
  return content / options_.board_every * kEntriesPerBoardPage;
}

std::vector<Film> GeneratedSite::PageFilms(int i) const {
  std::vector<Film> films;
  const int ordinal = BoardOrdinal(i);
  if (ordinal < 0) return films;
  const int first_rank = ordinal * kEntriesPerBoardPage + 1;
  for (int j = 0; j < kEntriesPerBoardPage; ++j) {
    films.push_back(MakeFilm(options_.seed, first_rank + j));
  }
  return films;
}

std::string GeneratedSite::PageHtml(int i) const {
  assert(i >= 0 && i < options_.pages);
  if (options_.realistic) return RealisticPageHtml(i);
  const int n = options_.pages;
  const std::string number = std::to_string(i);
  std::string out;
  out.reserve(static_cast<size_t>(options_.max_bytes) + 4096);
  out +=
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta "
      "charset=\"utf-8\">\n<title>Page " +
      number +
      " - crawlbox generated site</title>\n</head>\n<body>\n<a "
      "id=\"top\"></a>\n";
  out += "<header><h1 class=\"page-title\">Page " + number + "</h1></header>\n";

  // The link list: tree links first (reachability), then random pages, some
  // repeated verbatim.
  Rng link_rng(options_.seed, static_cast<uint64_t>(i), kLinks);
  std::vector<std::string> hrefs;
  for (int child : {2 * i + 1, 2 * i + 2}) {
    if (child < n) hrefs.push_back(Href(child, link_rng));
  }
  while (static_cast<int>(hrefs.size()) < options_.links_per_page) {
    if (!hrefs.empty() && link_rng.Below(10) == 0) {
      hrefs.push_back(hrefs[link_rng.Below(static_cast<int>(hrefs.size()))]);
    } else {
      hrefs.push_back(Href(link_rng.Below(n), link_rng));
    }
  }
  out += "<nav class=\"links\">\n<ul>\n";
  for (const std::string& href : hrefs) {
    out += "<li><a href=\"" + href + "\">Go to " + href + "</a></li>\n";
  }
  out += "</ul>\n</nav>\n";

  if (BoardEntries(i) > 0) {
    out += "<h2>Board</h2>\n<dl class=\"board-wrapper\">\n";
    for (const Film& film : PageFilms(i)) {
      const int detail = (i + film.rank) % n;
      const int image = (film.rank - 1) % 100 + 1;
      out += RenderBoardEntry(
          film, {PagePath(detail), "/img/" + std::to_string(image) + ".png"});
    }
    out += "</dl>\n";
  }
  out += "<main>\n";

  const std::string tail =
      "</main>\n<footer><a href=\"#top\">Back to "
      "top</a></footer>\n</body>\n</html>\n";
  Rng size_rng(options_.seed, static_cast<uint64_t>(i), kSize);
  const size_t target = static_cast<size_t>(
      options_.min_bytes +
      size_rng.Below(options_.max_bytes - options_.min_bytes + 1));
  Rng text_rng(options_.seed, static_cast<uint64_t>(i), kPadding);
  size_t remaining =
      target > out.size() + tail.size() ? target - out.size() - tail.size() : 0;
  remaining = site_text::AppendParagraphs(&out, remaining, text_rng);
  // Top up to the exact size with ASCII, which has one byte per character.
  constexpr std::string_view kFillOpen = "<p>", kFillClose = "</p>\n";
  if (remaining >= kFillOpen.size() + kFillClose.size()) {
    size_t fill = remaining - kFillOpen.size() - kFillClose.size();
    out += kFillOpen;
    for (size_t k = 0; k < fill; ++k)
      out += (k % 6 == 5) ? ' ' : "filler"[k % 6];
    out += kFillClose;
  } else {
    out.append(remaining, '\n');
  }
  out += tail;
  return out;
}

config::Status GeneratedSite::WriteTo(const std::string& dir) const {
  namespace fs = std::filesystem;
  const fs::path root(dir);
  std::error_code ec;
  fs::create_directories(root, ec);
  if (ec) {
    return config::Status::IOError("cannot create " + root.string() + ": " +
                                   ec.message());
  }
  const fs::path url_list = root / "urls.txt";
  std::ofstream urls(url_list, std::ios::binary | std::ios::trunc);
  uint64_t total_bytes = 0;
  for (int i = 0; i < options_.pages; ++i) {
    const std::string path = PagePath(i);
    urls << path << '\n';
    const fs::path file = root / FileFor(path);
    fs::create_directories(file.parent_path(), ec);
    if (ec) {
      return config::Status::IOError(
          "cannot create " + file.parent_path().string() + ": " + ec.message());
    }
    const std::string html = PageHtml(i);
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out.write(html.data(), static_cast<std::streamsize>(html.size()));
    out.close();
    if (!out) return config::Status::IOError("cannot write " + file.string());
    total_bytes += html.size();
  }
  urls.close();
  if (!urls)
    return config::Status::IOError("cannot write " + url_list.string());
  const fs::path manifest = root / "manifest.json";
  std::ofstream out(manifest, std::ios::binary | std::ios::trunc);
  out << "{\"pages\": " << options_.pages
      << ", \"board_entries\": " << TotalBoardEntries()
      << ", \"total_bytes\": " << total_bytes << "}\n";
  out.close();
  if (!out) return config::Status::IOError("cannot write " + manifest.string());
  return config::Status::Ok();
}

}  // namespace crawlbox::testing
