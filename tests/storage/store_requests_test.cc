// Frontier rows as requests against a real SQLite file: URL, method and
// body_key are an entry's identity, QueueReader hands back what was stored,
// and a version-5 frontier (one row per URL) is copied into the new table.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <string>
#include <vector>

#include "storage/queue_reader.h"
#include "storage/reader.h"
#include "storage/schema.h"
#include "storage/store.h"
#include "tests/support/status_matchers.h"
#include "tests/support/temp_dir.h"

namespace crawlbox::storage {
namespace {

using testing::TempDir;

NewUrl Entry(const std::string& url, const std::string& method = "GET",
             const std::string& body_key = "",
             const std::string& encoded = "") {
  NewUrl entry;
  entry.url = url;
  entry.host = "h";
  entry.via = Via::kSeed;
  entry.request = RequestParts{method, body_key, encoded};
  return entry;
}

// "id url method body_key" of every frontier row, in id order.
std::vector<std::string> Rows(const std::string& path) {
  auto reader = Reader::Open(path);
  EXPECT_OK(reader);
  if (!reader.ok()) return {};
  auto rows = (*reader)->QueryAll(
      "SELECT id || ' ' || url || ' ' || method || ' ' || body_key FROM "
      "frontier ORDER BY id");
  EXPECT_OK(rows);
  std::vector<std::string> out;
  if (rows.ok()) {
    for (const auto& row : rows->rows)
      out.push_back(std::get<std::string>(row[0]));
  }
  return out;
}

TEST(StoreRequestsTest, UrlMethodAndBodyKeyAreTheIdentity) {
  TempDir dir;
  const std::string path = dir.File("r.db");
  auto store = Store::Open(path);
  ASSERT_OK(store);
  std::vector<QueuedUrl> added;
  ASSERT_OK((*store)->AddUrls(
      std::vector<NewUrl>{
          Entry("http://h/a"),
          Entry("http://h/a", "POST", "k1", "Content-Type: x\r\n\r\none"),
          Entry("http://h/a", "POST", "k2", "Content-Type: x\r\n\r\ntwo"),
          Entry("http://h/a", "PUT", "k1", "\r\none"),
      },
      &added));
  ASSERT_EQ(added.size(), 4u);
  EXPECT_EQ(added[1].request.method, "POST");
  EXPECT_EQ(added[1].request.body_key, "k1");
  EXPECT_EQ(added[1].request.encoded, "Content-Type: x\r\n\r\none");

  // The same requests again, in another batch and order: nothing new.
  added.clear();
  ASSERT_OK((*store)->AddUrls(
      std::vector<NewUrl>{
          Entry("http://h/a", "POST", "k2", "other encoding, same identity"),
          Entry("http://h/a", "POST", "k1"),
          Entry("http://h/a"),
          Entry("http://h/a", "PUT", "k1"),
      },
      &added));
  EXPECT_TRUE(added.empty());
  EXPECT_EQ(Rows(path), (std::vector<std::string>{
                            "1 http://h/a GET ", "2 http://h/a POST k1",
                            "3 http://h/a POST k2", "4 http://h/a PUT k1"}));
}

TEST(StoreRequestsTest, QueueReaderReturnsMethodBodyKeyAndRequestBytes) {
  TempDir dir;
  const std::string path = dir.File("q.db");
  auto store = Store::Open(path);
  ASSERT_OK(store);
  const std::string encoded("X-A: 1\r\n\r\nbin\0\xff\r\n", 15);
  std::vector<QueuedUrl> added;
  ASSERT_OK((*store)->AddUrls(
      std::vector<NewUrl>{Entry("http://h/get"),
                          Entry("http://h/post", "POST", "key", encoded)},
      &added));
  auto queue = QueueReader::Open(path);
  ASSERT_OK(queue);
  std::vector<QueuedUrl> queued;
  ASSERT_OK((*queue)->LoadQueued("h", 0, 10, &queued));
  ASSERT_EQ(queued.size(), 2u);
  EXPECT_EQ(queued[0].url, "http://h/get");
  EXPECT_EQ(queued[0].request.method, "GET");
  EXPECT_EQ(queued[0].request.body_key, "");
  EXPECT_EQ(queued[0].request.encoded, "");
  EXPECT_EQ(queued[1].url, "http://h/post");
  EXPECT_EQ(queued[1].request.method, "POST");
  EXPECT_EQ(queued[1].request.body_key, "key");
  EXPECT_EQ(queued[1].request.encoded, encoded);
  // A plain GET stores no request at all.
  auto reader = Reader::Open(path);
  ASSERT_OK(reader);
  auto nulls = (*reader)->QueryAll(
      "SELECT count(*) FROM frontier WHERE request IS NULL");
  ASSERT_OK(nulls);
  EXPECT_EQ(std::get<int64_t>(nulls->rows[0][0]), 1);
}

TEST(StoreRequestsTest, AVersion5FrontierIsCopiedWithItsIds) {
  TempDir dir;
  const std::string path = dir.File("v5.db");
  {
    // The frontier as schema version 5 created it: one row per URL.
    sqlite3* raw = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &raw), SQLITE_OK);
    char* error = nullptr;
    ASSERT_EQ(
        sqlite3_exec(
            raw,
            "CREATE TABLE frontier (id INTEGER PRIMARY KEY, url TEXT NOT NULL "
            "UNIQUE, host TEXT NOT NULL, depth INTEGER NOT NULL, state TEXT "
            "NOT NULL DEFAULT 'queued', attempts INTEGER NOT NULL DEFAULT 0, "
            "reason TEXT, discovered_from INTEGER, via TEXT NOT NULL DEFAULT "
            "'link', redirects INTEGER NOT NULL DEFAULT 0, added_at TEXT NOT "
            "NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')));"
            "CREATE INDEX frontier_host_queued ON frontier(host, id) WHERE "
            "state = 'queued';"
            "INSERT INTO frontier (id, url, host, depth, state, attempts, "
            "reason, discovered_from, via, redirects, added_at) VALUES "
            "(3, 'http://h/', 'h', 0, 'done', 1, NULL, NULL, 'seed', 0, 't1'),"
            "(7, 'http://h/old', 'h', 1, 'failed', 3, 'http_503', 3, 'link', "
            "0, 't2'),"
            "(9, 'http://h/new', 'h', 1, 'queued', 0, NULL, 7, 'redirect', 2, "
            "'t3');"
            "PRAGMA user_version = 5;",
            nullptr, nullptr, &error),
        SQLITE_OK)
        << error;
    sqlite3_close(raw);
  }
  auto store = Store::Open(path);
  ASSERT_OK(store);
  {
    auto reader = Reader::Open(path);
    ASSERT_OK(reader);
    auto rows = (*reader)->QueryAll(
        "SELECT id || ' ' || url || ' ' || depth || ' ' || state || ' ' || "
        "attempts || ' ' || coalesce(reason, '-') || ' ' || "
        "coalesce(discovered_from, '-') || ' ' || via || ' ' || redirects || "
        "' ' || added_at || ' ' || method || ' [' || body_key || '] ' || "
        "coalesce(request, '-') FROM frontier ORDER BY id");
    ASSERT_OK(rows);
    ASSERT_EQ(rows->rows.size(), 3u);
    EXPECT_EQ(std::get<std::string>(rows->rows[0][0]),
              "3 http://h/ 0 done 1 - - seed 0 t1 GET [] -");
    EXPECT_EQ(std::get<std::string>(rows->rows[1][0]),
              "7 http://h/old 1 failed 3 http_503 3 link 0 t2 GET [] -");
    EXPECT_EQ(std::get<std::string>(rows->rows[2][0]),
              "9 http://h/new 1 queued 0 - 7 redirect 2 t3 GET [] -");
    auto meta = (*reader)->QueryAll(
        "SELECT (SELECT user_version FROM pragma_user_version), "
        "(SELECT count(*) FROM sqlite_master WHERE name = 'frontier_v5'), "
        "(SELECT count(*) FROM sqlite_master WHERE name = "
        "'frontier_host_queued' AND tbl_name = 'frontier')");
    ASSERT_OK(meta);
    EXPECT_EQ(std::get<int64_t>(meta->rows[0][0]), kSchemaVersion);
    EXPECT_EQ(std::get<int64_t>(meta->rows[0][1]), 0);
    EXPECT_EQ(std::get<int64_t>(meta->rows[0][2]), 1);
  }
  // The queue still finds the queued row by the index...
  auto queue = QueueReader::Open(path);
  ASSERT_OK(queue);
  std::vector<QueuedUrl> queued;
  ASSERT_OK((*queue)->LoadQueued("h", 0, 10, &queued));
  ASSERT_EQ(queued.size(), 1u);
  EXPECT_EQ(queued[0].id, 9);
  EXPECT_EQ(queued[0].redirects, 2);
  EXPECT_EQ(queued[0].request.method, "GET");

  // ...and a POST of a URL the old frontier had is a new entry; a GET of it
  // is not.
  std::vector<QueuedUrl> added;
  ASSERT_OK((*store)->AddUrls(
      std::vector<NewUrl>{Entry("http://h/old"),
                          Entry("http://h/old", "POST", "k", "\r\nq=1")},
      &added));
  ASSERT_EQ(added.size(), 1u);
  EXPECT_EQ(added[0].id, 10);
  EXPECT_EQ(added[0].request.method, "POST");

  // Opening again changes nothing.
  store->reset();
  auto again = Store::Open(path);
  ASSERT_OK(again);
  EXPECT_EQ(Rows(path), (std::vector<std::string>{
                            "3 http://h/ GET ", "7 http://h/old GET ",
                            "9 http://h/new GET ", "10 http://h/old POST k"}));
}

}  // namespace
}  // namespace crawlbox::storage
