// The deterministic records of the API test site (items and members) and their
// JSON renderings. The site serves exactly these, and tests call the same
// functions to compute what a crawl should have stored, without hard-coding.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace crawlbox::testing {

// Items behind /api/items, served kApiItemsPerPage to a page (50 pages).
inline constexpr int kApiItemCount = 5000;
inline constexpr int kApiItemsPerPage = 100;
// Hits per page of /app/search/results and /api/search.
inline constexpr int kSearchHitsPerPage = 20;
// /app/members/1 .. /app/members/kMemberPages, kMembersPerPage records each.
inline constexpr int kMemberPages = 20;
inline constexpr int kMembersPerPage = 5;

// One item, as /api/items/<id> serves it. Every value derives from the id.
struct ApiItemRecord {
  int id = 0;  // 1 .. kApiItemCount
  // "Item 0042", with suffixes on some ids so that escaping gets exercised:
  // double quotes (id % 7 == 0), non-ASCII UTF-8 (id % 11 == 0), a backslash,
  // '&' and '<' (id % 13 == 0), " Sprocket" (id % 97 == 0).
  std::string name;
  // JSON "price": a whole number when price_cents % 100 == 0, else a decimal
  // with at most two places (see ApiPriceText).
  int64_t price_cents = 0;
  // Possibly empty (id % 31 == 0).
  std::vector<std::string> tags;
  std::string url;  // "/api/items/<id>"
  // The "details" object.
  std::string sku;  // "SKU-00042"
  int stock = 0;    // 0 = out of stock (id % 23 == 0)
  int width_mm = 0;
  int height_mm = 0;
  // JSON null when absent; some hold a newline.
  std::optional<std::string> note;
};

// The item with this id. Precondition: 1 <= id <= kApiItemCount.
ApiItemRecord ApiItem(int id);
// Every item, by id.
std::vector<ApiItemRecord> ApiItems();

// The price as the site prints it, in JSON and HTML alike: "12", "12.5",
// "12.05".
std::string ApiPriceText(int64_t price_cents);

// The item's JSON object, keys in this order: id, name, price, tags, url,
// details {sku, stock, in_stock, size {width_mm, height_mm}, note}.
std::string ApiItemJson(const ApiItemRecord& item);

// The body of /api/items?cursor=<c> for the page starting at item index
// `offset` (0-based, a multiple of kApiItemsPerPage below kApiItemCount):
//   {"data":{"items":[...]},"next_cursor":"<c>"|null,"has_more":bool,
//    "links":{"next":"/api/items?cursor=<c>"|null}}
std::string ApiItemsPageJson(int offset);

// The opaque cursor of the page starting at `offset`: 8 lowercase hex digits
// of the offset xor a constant. Tests use it to make bad or skipping cursors;
// a crawler must only follow the ones it is given.
std::string ApiCursor(int offset);
// The offset a cursor stands for, or nullopt if it is not one ApiCursor makes
// for a page (wrong length or digits, offset not a page start or past the end).
std::optional<int> ApiCursorOffset(std::string_view cursor);

// A search, as the /app/search form or POST /api/search sends it.
enum class SearchSort { kRelevance, kPrice, kName };
struct ApiSearchQuery {
  // Matched as a substring of the item name, ASCII letters case-insensitively
  // (other bytes exactly). Empty matches every item.
  std::string q;
  // kRelevance: by id; kPrice: by price then id; kName: by name bytes then id.
  SearchSort sort = SearchSort::kRelevance;
  // Leaves out items whose stock is 0.
  bool in_stock_only = false;
};

// The ids of every hit, in result order; page p (1-based) of the results shows
// hits [(p - 1) * kSearchHitsPerPage, p * kSearchHitsPerPage).
std::vector<int> ApiSearchIds(const ApiSearchQuery& query);
// How many result pages `hits` hits make: at least 1 (an empty first page).
int SearchPageCount(size_t hits);

// The body of POST /api/search for `q` (relevance order, all stock) and page
// `page` (1-based; past the end gives no items):
//   {"q":"...","page":N,"total":T,"pages":P,"has_more":bool,
//    "next_page":N+1|null,"items":[item objects]}
std::string ApiSearchJson(const std::string& q, int page);

// A record on a members page.
struct MemberRecord {
  std::string name;  // UTF-8; some hold an apostrophe or non-ASCII letters
  int since = 0;     // a year, 2000 .. 2023
};
// The kMembersPerPage records of /app/members/<page>, in page order.
// Precondition: 1 <= page <= kMemberPages. All 100 names differ.
std::vector<MemberRecord> MembersOnPage(int page);

}  // namespace crawlbox::testing
