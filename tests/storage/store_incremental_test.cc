// The Store's incremental side against a real SQLite file: how a re-fetched
// page replaces (or keeps) what was stored, re-crawl requeueing, --fresh,
// dropped-record counts, atomic re-extraction and the upgrade of an older
// database.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include "config/job_loader.h"
#include "storage/reader.h"
#include "storage/store.h"
#include "tests/support/status_matchers.h"
#include "tests/support/temp_dir.h"

namespace crawlbox::storage {
namespace {

using testing::TempDir;

struct Db {
  TempDir dir;
  std::string path = dir.File("s.db");
  std::unique_ptr<Store> store;
  std::vector<QueuedUrl> urls;

  Db() {
    auto opened = Store::Open(path);
    EXPECT_TRUE(opened.ok()) << opened.status().ToString();
    store = std::move(opened).value();
    std::vector<NewUrl> add = {{"http://h/1", "h", 0, 0},
                               {"http://h/2", "h", 0, 0}};
    EXPECT_TRUE(store->AddUrls(add, &urls).ok());
  }

  // Commits one page of urls[i] in run `crawl`.
  void Commit(int64_t crawl, size_t i, int status, std::string body_hash,
              std::vector<std::string> records, bool not_modified = false,
              bool failed = false) {
    PageResult r;
    r.page.url_id = urls[i].id;
    r.page.url = urls[i].url;
    r.page.status = status;
    r.page.etag = status == 200 ? "\"e" + body_hash + "\"" : "";
    r.page.body_hash = std::move(body_hash);
    r.not_modified = not_modified;
    r.failed = failed;
    for (const std::string& rec : records) r.items.push_back({"r", rec});
    std::vector<PageResult> batch = {std::move(r)};
    std::vector<QueuedUrl> added;
    ASSERT_OK(store->CommitPages(crawl, batch, &added));
  }

  std::string One(const std::string& sql) {
    auto reader = Reader::Open(path);
    EXPECT_TRUE(reader.ok());
    auto rows = (*reader)->QueryAll(sql);
    EXPECT_TRUE(rows.ok()) << sql;
    if (!rows.ok() || rows->rows.empty()) return "(none)";
    const Value& v = rows->rows[0][0];
    if (const auto* s = std::get_if<std::string>(&v)) return *s;
    if (const auto* n = std::get_if<int64_t>(&v)) return std::to_string(*n);
    return "(null)";
  }
};

TEST(StoreIncrementalTest, ARefetchIsNewChangedUnchangedOrGone) {
  Db db;
  db.Commit(1, 0, 200, "a", {R"({"v":1})"});
  EXPECT_EQ(db.One("SELECT change FROM pages"), "new");

  // 304: page row and records stay, with the run they came from.
  db.Commit(2, 0, 304, "", {}, /*not_modified=*/true);
  EXPECT_EQ(db.One("SELECT change || status || crawl_id FROM pages"),
            "unchanged2002");
  EXPECT_EQ(db.One("SELECT record || crawl_id FROM items"), R"({"v":1}1)");

  // The same body without validators: unchanged too, records kept.
  db.Commit(3, 0, 200, "a", {R"({"v":1})"});
  EXPECT_EQ(db.One("SELECT change || crawl_id FROM pages"), "unchanged3");
  EXPECT_EQ(db.One("SELECT crawl_id FROM items"), "1");

  // A different body replaces the records.
  db.Commit(4, 0, 200, "b", {R"({"v":2})", R"({"v":3})"});
  EXPECT_EQ(db.One("SELECT change FROM pages"), "changed");
  EXPECT_EQ(db.One("SELECT count(*) FROM items WHERE crawl_id = 4"), "2");
  EXPECT_EQ(db.One("SELECT etag FROM pages"), "\"eb\"");

  // A server error keeps the good page and its records; the URL is failed.
  db.Commit(5, 0, 503, "", {}, false, /*failed=*/true);
  EXPECT_EQ(db.One("SELECT status || change FROM pages"), "200changed");
  EXPECT_EQ(db.One("SELECT count(*) FROM items"), "2");
  EXPECT_EQ(db.One("SELECT state FROM frontier WHERE id = 1"), "failed");

  // 404: gone, records removed.
  db.Commit(6, 0, 404, "x", {});
  EXPECT_EQ(db.One("SELECT status || change FROM pages"), "404gone");
  EXPECT_EQ(db.One("SELECT count(*) FROM items"), "0");

  auto counts = db.store->CountChanges(6);
  ASSERT_OK(counts);
  EXPECT_EQ(counts->gone, 1);
  EXPECT_EQ(counts->new_pages + counts->changed + counts->unchanged, 0);
}

TEST(StoreIncrementalTest, RequeueAllLendsValidatorsOfGoodPagesOnly) {
  Db db;
  db.Commit(1, 0, 200, "a", {});
  db.Commit(1, 1, 404, "n", {});
  auto requeued = db.store->RequeueAll();
  ASSERT_OK(requeued);
  EXPECT_EQ(*requeued, 2);
  std::vector<QueuedUrl> queued;
  ASSERT_OK(db.store->LoadQueued("h", 0, 10, &queued));
  ASSERT_EQ(queued.size(), 2u);
  EXPECT_EQ(queued[0].etag, "\"ea\"");
  EXPECT_EQ(queued[0].attempts, 0);
  EXPECT_EQ(queued[1].etag, "");
  // The pages stay until the re-fetch replaces them.
  EXPECT_EQ(db.One("SELECT count(*) FROM pages"), "2");
}

TEST(StoreIncrementalTest, ResetForgetsEverythingButTheRunHistory) {
  Db db;
  config::LoadedJob job = config::LoadJobText(
      "[job]\nname = \"j\"\nstart_urls = [\"http://h/1\"]\n", "j.toml");
  auto crawl = db.store->BeginCrawl(job.job);
  ASSERT_OK(crawl);
  db.Commit(*crawl, 0, 200, "a", {"{}"});
  ASSERT_OK(db.store->Reset());
  EXPECT_EQ(db.One("SELECT (SELECT count(*) FROM frontier) + (SELECT count(*) "
                   "FROM pages) + (SELECT count(*) FROM items)"),
            "0");
  auto last = db.store->LastCrawl();
  ASSERT_OK(last);
  ASSERT_TRUE(last->has_value());
  EXPECT_EQ((*last)->job_name, "j");
  EXPECT_EQ((*last)->state, "running");
}

TEST(StoreIncrementalTest, DroppedRecordsAreCountedPerRuleWithTheFirstUrl) {
  Db db;
  for (size_t i = 0; i < 2; ++i) {
    PageResult r;
    r.page.url_id = db.urls[i].id;
    r.page.url = db.urls[i].url;
    r.page.status = 200;
    r.dropped = {{"r", 2}};
    std::vector<PageResult> batch = {r};
    std::vector<QueuedUrl> added;
    ASSERT_OK(db.store->CommitPages(1, batch, &added));
  }
  EXPECT_EQ(db.One("SELECT rule || count || example_url FROM dropped_items"),
            "r4http://h/1");
}

TEST(StoreIncrementalTest, ReplaceItemsIsAllOrNothing) {
  Db db;
  for (size_t i = 0; i < 2; ++i) {
    PageResult r;
    r.page.url_id = db.urls[i].id;
    r.page.url = db.urls[i].url;
    r.page.status = 200;
    r.page.body = "body" + std::to_string(i);
    r.page.body_encoding = "test";
    r.items = {{"r", "{\"old\":1}"}};
    std::vector<PageResult> batch = {r};
    std::vector<QueuedUrl> added;
    ASSERT_OK(db.store->CommitPages(7, batch, &added));
  }
  int64_t pages = 0;
  // Fails on the second page: nothing of the first page's new records stays.
  config::Status failed = db.store->ReplaceItems(
      [](const StoredPage& page, Reextracted* out) {
        if (page.body == "body1") return config::Status::Corruption("bad");
        out->items.push_back({"r", "{\"new\":1}"});
        return config::Status::Ok();
      },
      &pages);
  EXPECT_FALSE(failed.ok());
  EXPECT_EQ(db.One("SELECT count(*) FROM items WHERE record LIKE '%old%'"),
            "2");
  ASSERT_OK(db.store->ReplaceItems(
      [](const StoredPage& page, Reextracted* out) {
        out->items.push_back({"r", "{\"from\":\"" + page.body + "\"}"});
        return config::Status::Ok();
      },
      &pages));
  EXPECT_EQ(pages, 2);
  EXPECT_EQ(db.One("SELECT group_concat(record || crawl_id, ' ') FROM items"),
            R"({"from":"body0"}7 {"from":"body1"}7)");
}

TEST(StoreIncrementalTest, AnOlderDatabaseGainsTheNewColumns) {
  TempDir dir;
  const std::string path = dir.File("old.db");
  {
    sqlite3* raw = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &raw), SQLITE_OK);
    // The pages table as schema version 2 created it.
    ASSERT_EQ(sqlite3_exec(raw,
                           "CREATE TABLE pages (id INTEGER PRIMARY KEY, url_id "
                           "INTEGER NOT NULL UNIQUE, url TEXT NOT NULL, "
                           "final_url TEXT, status INTEGER, content_type TEXT, "
                           "bytes INTEGER, total_ms REAL, ttfb_ms REAL, error "
                           "TEXT, crawl_id INTEGER, fetched_at TEXT NOT NULL "
                           "DEFAULT 'x'); "
                           "INSERT INTO pages (url_id, url, status) VALUES (1, "
                           "'http://h/1', 200); PRAGMA user_version = 2;",
                           nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(raw);
  }
  auto store = Store::Open(path);
  ASSERT_OK(store);
  auto reader = Reader::Open(path);
  ASSERT_OK(reader);
  auto rows = (*reader)->QueryAll(
      "SELECT url, etag, last_modified, body_hash, change FROM pages");
  ASSERT_OK(rows);
  ASSERT_EQ(rows->rows.size(), 1u);
  EXPECT_EQ(std::get<std::string>(rows->rows[0][0]), "http://h/1");
}

}  // namespace
}  // namespace crawlbox::storage
