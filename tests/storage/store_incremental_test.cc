// The Store's incremental side against a real SQLite file: how a re-fetched
// page replaces (or keeps) what was stored, re-crawl requeueing, --fresh,
// the last run, dropped-item counts, atomic re-extraction and the upgrade of
// an older database.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include "config/job_loader.h"
#include "storage/queue_reader.h"
#include "storage/reader.h"
#include "storage/schema.h"
#include "storage/store.h"
#include "storage/summary.h"
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
              std::vector<std::string> items, Fate fate = Stored{}) {
    PageOutcome r;
    r.page.url_id = urls[i].id;
    r.page.url = urls[i].url;
    r.page.status = status;
    r.page.etag = status == 200 ? "\"e" + body_hash + "\"" : "";
    r.page.body_hash = std::move(body_hash);
    r.fate = std::move(fate);
    for (const std::string& item : items) r.items.push_back({"r", item});
    std::vector<PageOutcome> batch = {std::move(r)};
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

  // 304: page row and items stay, with the run they came from.
  db.Commit(2, 0, 304, "", {}, NotModified{});
  EXPECT_EQ(db.One("SELECT change || status || crawl_id FROM pages"),
            "unchanged2002");
  EXPECT_EQ(db.One("SELECT record || crawl_id FROM items"), R"({"v":1}1)");

  // The same body without validators: unchanged too, items kept.
  db.Commit(3, 0, 200, "a", {R"({"v":1})"});
  EXPECT_EQ(db.One("SELECT change || crawl_id FROM pages"), "unchanged3");
  EXPECT_EQ(db.One("SELECT crawl_id FROM items"), "1");

  // A different body replaces the items.
  db.Commit(4, 0, 200, "b", {R"({"v":2})", R"({"v":3})"});
  EXPECT_EQ(db.One("SELECT change FROM pages"), "changed");
  EXPECT_EQ(db.One("SELECT count(*) FROM items WHERE crawl_id = 4"), "2");
  EXPECT_EQ(db.One("SELECT etag FROM pages"), "\"eb\"");

  // A server error keeps the good page and its items; the URL is failed.
  db.Commit(5, 0, 503, "", {}, Failed{"http_503"});
  EXPECT_EQ(db.One("SELECT status || change FROM pages"), "200changed");
  EXPECT_EQ(db.One("SELECT count(*) FROM items"), "2");
  EXPECT_EQ(db.One("SELECT state || ' ' || reason FROM frontier WHERE id = 1"),
            "failed http_503");

  // So does an answer that says nothing about the page, even if not Failed.
  db.Commit(5, 0, 403, "y", {});
  EXPECT_EQ(db.One("SELECT status || change FROM pages"), "200changed");
  EXPECT_EQ(db.One("SELECT count(*) FROM items"), "2");
  EXPECT_EQ(db.One("SELECT state FROM frontier WHERE id = 1"), "done");

  // 404: gone, items removed.
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
  auto queue = QueueReader::Open(db.path);
  ASSERT_OK(queue);
  std::vector<QueuedUrl> queued;
  ASSERT_OK((*queue)->LoadQueued("h", 0, 10, &queued));
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

TEST(StoreIncrementalTest, LastCrawlIsTheSameRowTheStatusPageReads) {
  Db db;
  config::LoadedJob job = config::LoadJobText(
      "[job]\nname = \"j\"\nstart_urls = [\"http://h/1\"]\n", "jobs/j.toml");
  ASSERT_TRUE(job.ok());
  auto crawl = db.store->BeginCrawl(job.job);
  ASSERT_OK(crawl);
  ASSERT_OK(db.store->FinishCrawl(*crawl, "stopped", "{\"a\":1}"));

  auto last = db.store->LastCrawl();
  ASSERT_OK(last);
  ASSERT_TRUE(last->has_value());
  const CrawlRun& run = **last;
  EXPECT_EQ(run.id, *crawl);
  EXPECT_EQ(run.job_name, "j");
  EXPECT_EQ(run.job_file, "jobs/j.toml");
  EXPECT_EQ(run.job_text, job.job.text);
  EXPECT_EQ(run.state, "stopped");
  EXPECT_FALSE(run.started_at.empty());
  EXPECT_FALSE(run.finished_at.empty());
  EXPECT_GT(run.started_unix, 1.6e9);
  EXPECT_GE(run.elapsed_s, 0);
  EXPECT_EQ(run.stats_json, "{\"a\":1}");

  auto reader = Reader::Open(db.path);
  ASSERT_OK(reader);
  auto latest = LatestCrawl(**reader);
  ASSERT_OK(latest);
  ASSERT_TRUE(latest->has_value());
  const CrawlRun& shown = **latest;
  EXPECT_EQ(shown.id, run.id);
  EXPECT_EQ(shown.job_name, run.job_name);
  EXPECT_EQ(shown.job_file, run.job_file);
  EXPECT_EQ(shown.job_text, run.job_text);
  EXPECT_EQ(shown.state, run.state);
  EXPECT_EQ(shown.started_at, run.started_at);
  EXPECT_EQ(shown.finished_at, run.finished_at);
  EXPECT_DOUBLE_EQ(shown.started_unix, run.started_unix);
  EXPECT_DOUBLE_EQ(shown.elapsed_s, run.elapsed_s);
  EXPECT_EQ(shown.stats_json, run.stats_json);
}

TEST(StoreIncrementalTest, DroppedItemsAreCountedPerRuleWithTheFirstUrl) {
  Db db;
  for (size_t i = 0; i < 2; ++i) {
    PageOutcome r;
    r.page.url_id = db.urls[i].id;
    r.page.url = db.urls[i].url;
    r.page.status = 200;
    r.dropped = {{"r", 2}};
    std::vector<PageOutcome> batch = {r};
    std::vector<QueuedUrl> added;
    ASSERT_OK(db.store->CommitPages(1, batch, &added));
  }
  EXPECT_EQ(db.One("SELECT rule || count || example_url FROM dropped_items"),
            "r4http://h/1");
}

TEST(StoreIncrementalTest, ReplaceItemsIsAllOrNothing) {
  Db db;
  for (size_t i = 0; i < 2; ++i) {
    PageOutcome r;
    r.page.url_id = db.urls[i].id;
    r.page.url = db.urls[i].url;
    r.page.status = 200;
    r.page.body = "body" + std::to_string(i);
    r.page.body_encoding = "test";
    r.items = {{"r", "{\"old\":1}"}};
    std::vector<PageOutcome> batch = {r};
    std::vector<QueuedUrl> added;
    ASSERT_OK(db.store->CommitPages(7, batch, &added));
  }
  int64_t pages = 0;
  // Fails on the second page: nothing of the first page's new items stays.
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
      "SELECT url, etag, last_modified, body_hash, change, location FROM "
      "pages");
  ASSERT_OK(rows);
  ASSERT_EQ(rows->rows.size(), 1u);
  EXPECT_EQ(std::get<std::string>(rows->rows[0][0]), "http://h/1");
  auto version = (*reader)->QueryAll("PRAGMA user_version");
  ASSERT_OK(version);
  EXPECT_EQ(std::get<int64_t>(version->rows[0][0]), kSchemaVersion);
}

TEST(StoreIncrementalTest, AVersion3DatabaseGainsPagesLocation) {
  TempDir dir;
  const std::string path = dir.File("v3.db");
  {
    auto store = Store::Open(path);
    ASSERT_OK(store);
  }
  {
    // Turn it back into what schema version 3 wrote: pages without location.
    sqlite3* raw = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &raw), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(raw,
                           "ALTER TABLE pages DROP COLUMN location; "
                           "INSERT INTO pages (url_id, url, status) VALUES "
                           "(1, 'http://h/1', 301); PRAGMA user_version = 3;",
                           nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(raw);
  }
  auto store = Store::Open(path);
  ASSERT_OK(store);
  auto reader = Reader::Open(path);
  ASSERT_OK(reader);
  auto rows = (*reader)->QueryAll(
      "SELECT url, location IS NULL, (SELECT user_version FROM "
      "pragma_user_version) FROM pages");
  ASSERT_OK(rows);
  ASSERT_EQ(rows->rows.size(), 1u);
  EXPECT_EQ(std::get<std::string>(rows->rows[0][0]), "http://h/1");
  EXPECT_EQ(std::get<int64_t>(rows->rows[0][1]), 1);
  EXPECT_EQ(std::get<int64_t>(rows->rows[0][2]), kSchemaVersion);
}

TEST(StoreIncrementalTest, AVersion4DatabaseGainsFrontierViaAndRedirects) {
  TempDir dir;
  const std::string path = dir.File("v4.db");
  {
    auto store = Store::Open(path);
    ASSERT_OK(store);
  }
  {
    // What schema version 4 wrote: a frontier without via and redirects.
    sqlite3* raw = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &raw), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(raw,
                           "ALTER TABLE frontier DROP COLUMN via; "
                           "ALTER TABLE frontier DROP COLUMN redirects; "
                           "INSERT INTO frontier (url, host, depth) VALUES "
                           "('http://h/1', 'h', 0); PRAGMA user_version = 4;",
                           nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(raw);
  }
  auto store = Store::Open(path);
  ASSERT_OK(store);
  std::vector<QueuedUrl> added;
  ASSERT_OK((*store)->AddUrls(
      std::vector<NewUrl>{{"http://h/2", "h", 0, 1, Via::kRedirect, 1}},
      &added));
  ASSERT_EQ(added.size(), 1u);
  EXPECT_EQ(added[0].redirects, 1);
  auto reader = Reader::Open(path);
  ASSERT_OK(reader);
  auto rows = (*reader)->QueryAll(
      "SELECT url, via, redirects, (SELECT user_version FROM "
      "pragma_user_version) FROM frontier ORDER BY id");
  ASSERT_OK(rows);
  ASSERT_EQ(rows->rows.size(), 2u);
  EXPECT_EQ(std::get<std::string>(rows->rows[0][1]), "link");
  EXPECT_EQ(std::get<int64_t>(rows->rows[0][2]), 0);
  EXPECT_EQ(std::get<std::string>(rows->rows[1][1]), "redirect");
  EXPECT_EQ(std::get<int64_t>(rows->rows[1][2]), 1);
  EXPECT_EQ(std::get<int64_t>(rows->rows[1][3]), kSchemaVersion);
}

TEST(StoreIncrementalTest, AVersion8DatabaseGainsWhatRevisitsReferTo) {
  TempDir dir;
  const std::string path = dir.File("v8.db");
  {
    auto store = Store::Open(path);
    ASSERT_OK(store);
  }
  {
    // What schema version 8 wrote: warc_records with locations only.
    sqlite3* raw = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &raw), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(raw,
                           "ALTER TABLE warc_records DROP COLUMN record_id; "
                           "ALTER TABLE warc_records DROP COLUMN warc_date; "
                           "ALTER TABLE warc_records DROP COLUMN "
                           "payload_digest; "
                           "ALTER TABLE warc_records DROP COLUMN body_hash; "
                           "INSERT INTO warc_records (url_id, type, file, "
                           "offset, length) VALUES (1, 'response', 'f', 0, "
                           "9); PRAGMA user_version = 8;",
                           nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(raw);
  }
  auto store = Store::Open(path);
  ASSERT_OK(store);
  auto reader = Reader::Open(path);
  ASSERT_OK(reader);
  auto rows = (*reader)->QueryAll(
      "SELECT type, record_id IS NULL, warc_date IS NULL, payload_digest IS "
      "NULL, body_hash IS NULL, (SELECT user_version FROM "
      "pragma_user_version) FROM warc_records");
  ASSERT_OK(rows);
  ASSERT_EQ(rows->rows.size(), 1u);
  EXPECT_EQ(std::get<std::string>(rows->rows[0][0]), "response");
  for (int column = 1; column <= 4; ++column)
    EXPECT_EQ(std::get<int64_t>(rows->rows[0][column]), 1) << column;
  EXPECT_EQ(std::get<int64_t>(rows->rows[0][5]), kSchemaVersion);
}

}  // namespace
}  // namespace crawlbox::storage
