// The generated site: page HTML from a seeded PRNG, and writing the whole site
// to disk.
#include "tests/support/site_generator.h"

#include <array>
#include <cassert>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string_view>
#include <system_error>
#include <utility>

namespace crawlbox::testing {
namespace {

// splitmix64: tiny, fast and identical on every platform, unlike std::
// distributions.
class Rng {
 public:
  // One independent stream per (seed, subject, purpose), so a page's films do
  // not change when its link count does.
  Rng(uint64_t seed, uint64_t subject, uint64_t purpose)
      : state_(seed ^ (subject + 1) * 0x9E3779B97F4A7C15ULL ^
               (purpose + 1) * 0xD1B54A32D192ED03ULL) {
    Next();
  }
  uint64_t Next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  // Uniform enough in [0, n) for test data; n > 0.
  int Below(int n) {
    return static_cast<int>(Next() % static_cast<uint64_t>(n));
  }
  template <typename T, size_t N>
  const T& Pick(const std::array<T, N>& items) {
    return items[Below(static_cast<int>(N))];
  }

 private:
  uint64_t state_;
};

enum Purpose : uint64_t { kLinks = 1, kFilm = 2, kPadding = 3, kSize = 4 };

constexpr std::array<std::string_view, 24> kTitleHeads = {
    "长河", "孤城", "春风", "少年", "归途", "海上", "山河", "烈火",
    "白鹿", "秋水", "北方", "夜航", "雪国", "远山", "旧梦", "星海",
    "南城", "无声", "燕归", "风起", "花影", "天涯", "空谷", "月光"};
constexpr std::array<std::string_view, 24> kTitleTails = {
    "之歌", "往事", "行动", "传说", "之旅", "奇缘", "计划", "密码",
    "故事", "来信", "时代", "之恋", "人家", "别传", "记忆", "谜案",
    "岁月", "少年", "归来", "之城", "日记", "漂流", "风云", "物语"};
constexpr std::array<std::string_view, 30> kSurnames = {
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "周", "吴",
    "徐", "孙", "马", "朱", "胡", "林", "郭", "何", "高", "罗",
    "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹"};
constexpr std::array<std::string_view, 30> kGivenNames = {
    "伟", "芳", "娜",   "秀英", "敏",   "静",   "丽",   "强",   "磊",   "军",
    "洋", "勇", "艳",   "杰",   "娟",   "涛",   "明",   "超",   "秀兰", "霞",
    "平", "刚", "桂英", "晓东", "子怡", "家辉", "嘉欣", "志明", "雨桐", "浩然"};
constexpr std::array<std::string_view, 8> kRegions = {
    "(中国香港)", "(美国)", "(法国)", "(日本)",
    "(意大利)",   "(英国)", "(韩国)", "(中国台湾)"};
constexpr std::array<std::string_view, 40> kWords = {
    "crawler",  "frontier", "page",   "link",    "index",   "river",
    "mountain", "city",     "letter", "archive", "morning", "evening",
    "garden",   "station",  "window", "market",  "signal",  "harbor",
    "lantern",  "bridge",   "quiet",  "bright",  "distant", "early",
    "narrow",   "golden",   "silver", "hidden",  "open",    "ordinary",
    "careful",  "patient",  "walks",  "returns", "follows", "records",
    "crosses",  "keeps",    "finds",  "leaves"};
constexpr std::array<std::string_view, 6> kChineseSentences = {
    "夜色渐深，城市的灯一盏一盏亮起来。",
    "他在车站等了很久，直到最后一班车开走。",
    "这部影片讲述了一个关于成长与告别的故事。",
    "雨停以后，街道上只剩下安静的风。",
    "她把旧信件整理好，放回抽屉最里面。",
    "海边的小镇每年夏天都会迎来许多游客。"};

Film MakeFilm(uint64_t seed, int rank) {
  Rng rng(seed, static_cast<uint64_t>(rank), kFilm);
  Film film;
  film.rank = rank;
  film.title =
      std::string(rng.Pick(kTitleHeads)) + std::string(rng.Pick(kTitleTails));
  for (int i = 0; i < 3; ++i) {
    if (i > 0) film.actors += ",";
    film.actors +=
        std::string(rng.Pick(kSurnames)) + std::string(rng.Pick(kGivenNames));
  }
  char date[40];
  std::snprintf(date, sizeof(date), "%04d-%02d-%02d", 1950 + rng.Below(71),
                1 + rng.Below(12), 1 + rng.Below(28));
  film.release = date;
  if (rng.Below(2) == 0) film.release += rng.Pick(kRegions);
  film.score = (80 + rng.Below(17)) / 10.0;  // 8.0 .. 9.6
  return film;
}

std::string Sentence(Rng& rng) {
  if (rng.Below(5) == 0) return std::string(rng.Pick(kChineseSentences));
  std::string out;
  const int words = 6 + rng.Below(9);
  for (int w = 0; w < words; ++w) {
    std::string word(rng.Pick(kWords));
    if (w == 0) word[0] = static_cast<char>(word[0] - 'a' + 'A');
    if (w > 0) out += ' ';
    out += word;
  }
  out += ". ";
  return out;
}

std::string Paragraph(Rng& rng) {
  std::string out = "<p>";
  const int sentences = 3 + rng.Below(6);
  for (int s = 0; s < sentences; ++s) out += Sentence(rng);
  out += "</p>\n";
  return out;
}

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
  return "/site/" + std::to_string(i) + ".html";
}

int GeneratedSite::BoardEntries(int i) const {
  const int k = options_.board_every;
  return k > 0 && i % k == k - 1 ? kEntriesPerBoardPage : 0;
}

int GeneratedSite::TotalBoardEntries() const {
  if (options_.board_every <= 0) return 0;
  return options_.pages / options_.board_every * kEntriesPerBoardPage;
}

std::vector<Film> GeneratedSite::PageFilms(int i) const {
  std::vector<Film> films;
  if (BoardEntries(i) == 0) return films;
  const int first_rank = i / options_.board_every * kEntriesPerBoardPage + 1;
  for (int j = 0; j < kEntriesPerBoardPage; ++j) {
    films.push_back(MakeFilm(options_.seed, first_rank + j));
  }
  return films;
}

std::string GeneratedSite::PageHtml(int i) const {
  assert(i >= 0 && i < options_.pages);
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
  while (remaining > 0) {
    std::string paragraph = Paragraph(text_rng);
    if (paragraph.size() > remaining) break;
    remaining -= paragraph.size();
    out += paragraph;
  }
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
  const fs::path site_dir = fs::path(dir) / "site";
  std::error_code ec;
  fs::create_directories(site_dir, ec);
  if (ec) {
    return config::Status::IOError("cannot create " + site_dir.string() + ": " +
                                   ec.message());
  }
  uint64_t total_bytes = 0;
  for (int i = 0; i < options_.pages; ++i) {
    const fs::path file = site_dir / (std::to_string(i) + ".html");
    const std::string html = PageHtml(i);
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out.write(html.data(), static_cast<std::streamsize>(html.size()));
    out.close();
    if (!out) return config::Status::IOError("cannot write " + file.string());
    total_bytes += html.size();
  }
  const fs::path manifest = fs::path(dir) / "manifest.json";
  std::ofstream out(manifest, std::ios::binary | std::ios::trunc);
  out << "{\"pages\": " << options_.pages
      << ", \"board_entries\": " << TotalBoardEntries()
      << ", \"total_bytes\": " << total_bytes << "}\n";
  out.close();
  if (!out) return config::Status::IOError("cannot write " + manifest.string());
  return config::Status::Ok();
}

}  // namespace crawlbox::testing
