// The API test site's records and JSON bodies. Everything derives from ids
// with plain arithmetic, so the site and the tests agree without shared state.
#include "tests/support/api_data.h"

#include <algorithm>
#include <array>
#include <cassert>
#include <cstdio>
#include <nlohmann/json.hpp>

namespace crawlbox::testing {
namespace {

// ordered_json keeps keys in insertion order, so bodies read like a real API's
// instead of alphabetically.
using Json = nlohmann::ordered_json;

// Makes cursors look unlike offsets, so a crawler cannot get by with counting.
constexpr uint32_t kCursorKey = 0x5EED1234;

Json ItemObject(const ApiItemRecord& item) {
  Json price;
  if (item.price_cents % 100 == 0) {
    price = item.price_cents / 100;
  } else {
    // nlohmann prints the shortest text that reads back as the same double,
    // which for two decimal places is the text ApiPriceText makes.
    price = static_cast<double>(item.price_cents) / 100.0;
  }
  Json note = item.note ? Json(*item.note) : Json(nullptr);
  return Json{
      {"id", item.id},
      {"name", item.name},
      {"price", price},
      {"tags", item.tags},
      {"url", item.url},
      {"details", Json{{"sku", item.sku},
                       {"stock", item.stock},
                       {"in_stock", item.stock > 0},
                       {"size", Json{{"width_mm", item.width_mm},
                                     {"height_mm", item.height_mm}}},
                       {"note", note}}},
  };
}

char AsciiLower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool ContainsFolded(std::string_view haystack, std::string_view needle) {
  auto it = std::search(
      haystack.begin(), haystack.end(), needle.begin(), needle.end(),
      [](char a, char b) { return AsciiLower(a) == AsciiLower(b); });
  return it != haystack.end();
}

}  // namespace

ApiItemRecord ApiItem(int id) {
  assert(id >= 1 && id <= kApiItemCount);
  ApiItemRecord item;
  item.id = id;
  char number[16];
  std::snprintf(number, sizeof(number), "%04d", id);
  item.name = std::string("Item ") + number;
  if (id % 7 == 0) item.name += " \"Deluxe\"";
  if (id % 11 == 0) item.name += " Caf\xc3\xa9 \xe2\x98\x95 \xe8\x8c\xb6";
  if (id % 13 == 0) item.name += " back\\slash & <tag>";
  if (id % 97 == 0) item.name += " Sprocket";

  if (id % 4 == 0) {
    item.price_cents = (10 + id % 90) * 100;
  } else if (id % 4 == 1) {
    item.price_cents = (1 + id % 50) * 100 + 50;
  } else {
    item.price_cents = 199 + (id * 137) % 9800;
  }

  if (id % 31 != 0) {
    item.tags.push_back(id % 2 == 0 ? "even" : "odd");
    if (id % 5 == 0) item.tags.push_back("sale");
    if (id > kApiItemCount - 100) item.tags.push_back("new");
  }
  item.url = "/api/items/" + std::to_string(id);

  char sku[16];
  std::snprintf(sku, sizeof(sku), "SKU-%05d", id);
  item.sku = sku;
  item.stock = id % 23 == 0 ? 0 : 1 + (id * 37) % 60;
  item.width_mm = 20 + (id * 7) % 300;
  item.height_mm = 10 + (id * 11) % 200;
  if (id % 9 == 0) {
    item.note = "Ships in 2 days\nHandle with care";
  } else if (id % 9 == 4) {
    item.note = "Col A\tCol B";
  }
  return item;
}

std::vector<ApiItemRecord> ApiItems() {
  std::vector<ApiItemRecord> items;
  items.reserve(kApiItemCount);
  for (int id = 1; id <= kApiItemCount; ++id) items.push_back(ApiItem(id));
  return items;
}

std::string ApiPriceText(int64_t price_cents) {
  std::string text = std::to_string(price_cents / 100);
  const int64_t cents = price_cents % 100;
  if (cents == 0) return text;
  char fraction[8];
  std::snprintf(fraction, sizeof(fraction), ".%02d", static_cast<int>(cents));
  text += fraction;
  if (text.back() == '0') text.pop_back();
  return text;
}

std::string ApiItemJson(const ApiItemRecord& item) {
  return ItemObject(item).dump();
}

std::string ApiCursor(int offset) {
  char hex[16];
  std::snprintf(hex, sizeof(hex), "%08x",
                static_cast<uint32_t>(offset) ^ kCursorKey);
  return hex;
}

std::optional<int> ApiCursorOffset(std::string_view cursor) {
  if (cursor.size() != 8) return std::nullopt;
  uint32_t value = 0;
  for (char c : cursor) {
    int digit;
    if (c >= '0' && c <= '9') {
      digit = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      digit = c - 'a' + 10;
    } else {
      return std::nullopt;
    }
    value = value * 16 + static_cast<uint32_t>(digit);
  }
  const uint32_t offset = value ^ kCursorKey;
  if (offset >= static_cast<uint32_t>(kApiItemCount) ||
      offset % kApiItemsPerPage != 0) {
    return std::nullopt;
  }
  return static_cast<int>(offset);
}

std::string ApiItemsPageJson(int offset) {
  assert(offset >= 0 && offset < kApiItemCount &&
         offset % kApiItemsPerPage == 0);
  Json items = Json::array();
  const int end = std::min(offset + kApiItemsPerPage, kApiItemCount);
  for (int id = offset + 1; id <= end; ++id)
    items.push_back(ItemObject(ApiItem(id)));
  const bool has_more = end < kApiItemCount;
  Json cursor = has_more ? Json(ApiCursor(end)) : Json(nullptr);
  Json next =
      has_more ? Json("/api/items?cursor=" + ApiCursor(end)) : Json(nullptr);
  return Json{{"data", Json{{"items", std::move(items)}}},
              {"next_cursor", cursor},
              {"has_more", has_more},
              {"links", Json{{"next", next}}}}
      .dump();
}

std::vector<int> ApiSearchIds(const ApiSearchQuery& query) {
  std::vector<ApiItemRecord> hits;
  for (int id = 1; id <= kApiItemCount; ++id) {
    ApiItemRecord item = ApiItem(id);
    if (query.in_stock_only && item.stock == 0) continue;
    if (ContainsFolded(item.name, query.q)) hits.push_back(std::move(item));
  }
  // Stable sorts on an id-ordered list: ties stay by id.
  if (query.sort == SearchSort::kPrice) {
    std::stable_sort(hits.begin(), hits.end(),
                     [](const auto& a, const auto& b) {
                       return a.price_cents < b.price_cents;
                     });
  } else if (query.sort == SearchSort::kName) {
    std::stable_sort(
        hits.begin(), hits.end(),
        [](const auto& a, const auto& b) { return a.name < b.name; });
  }
  std::vector<int> ids;
  ids.reserve(hits.size());
  for (const ApiItemRecord& item : hits) ids.push_back(item.id);
  return ids;
}

int SearchPageCount(size_t hits) {
  return std::max<int>(1, static_cast<int>((hits + kSearchHitsPerPage - 1) /
                                           kSearchHitsPerPage));
}

std::string ApiSearchJson(const std::string& q, int page) {
  const std::vector<int> ids = ApiSearchIds({q, SearchSort::kRelevance, false});
  const int pages = SearchPageCount(ids.size());
  Json items = Json::array();
  const size_t begin = static_cast<size_t>(page - 1) * kSearchHitsPerPage;
  for (size_t k = begin; k < ids.size() && k < begin + kSearchHitsPerPage; ++k)
    items.push_back(ItemObject(ApiItem(ids[k])));
  const bool has_more = page < pages;
  return Json{{"q", q},
              {"page", page},
              {"total", ids.size()},
              {"pages", pages},
              {"has_more", has_more},
              {"next_page", has_more ? Json(page + 1) : Json(nullptr)},
              {"items", std::move(items)}}
      .dump();
}

std::vector<MemberRecord> MembersOnPage(int page) {
  assert(page >= 1 && page <= kMemberPages);
  static constexpr std::array<const char*, 10> kFirst = {
      "Ada",   "Bj\xc3\xb6rn", "Chlo\xc3\xa9", "Dmitri",  "Eun-ji",
      "Farah", "Gustav",       "Hana",         "Ibrahim", "Jo"};
  static constexpr std::array<const char*, 10> kLast = {
      "Lovelace", "\xc3\x98stergaard",
      "O'Brien",  "Nakamura",
      "Smith",    "Kowalski",
      "Achebe",   "Lind",
      "Moreau",   "Quispe"};
  std::vector<MemberRecord> members;
  for (int i = 0; i < kMembersPerPage; ++i) {
    // k runs over 0..99 once, and (first, last) = (k % 10, k / 10) is unique.
    const int k = (page - 1) * kMembersPerPage + i;
    members.push_back({std::string(kFirst[k % 10]) + " " + kLast[k / 10],
                       2000 + (k * 7) % 24});
  }
  return members;
}

}  // namespace crawlbox::testing
