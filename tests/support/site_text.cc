// Films and filler text of the generated sites, from the seeded PRNG.
#include "tests/support/site_text.h"

#include <cstdio>

namespace crawlbox::testing::site_text {
namespace {

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
constexpr std::array<std::string_view, 6> kChineseSentences = {
    "夜色渐深，城市的灯一盏一盏亮起来。",
    "他在车站等了很久，直到最后一班车开走。",
    "这部影片讲述了一个关于成长与告别的故事。",
    "雨停以后，街道上只剩下安静的风。",
    "她把旧信件整理好，放回抽屉最里面。",
    "海边的小镇每年夏天都会迎来许多游客。"};

}  // namespace

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

size_t AppendParagraphs(std::string* out, size_t room, Rng& rng) {
  while (room > 0) {
    std::string paragraph = Paragraph(rng);
    if (paragraph.size() > room) break;
    room -= paragraph.size();
    *out += paragraph;
  }
  return room;
}

}  // namespace crawlbox::testing::site_text
