// Every Fate (storage/outcome.h) through Store::CommitPages against a real
// SQLite file: which rows each one writes, and that a batch is written whole
// or not at all.
#include "storage/outcome.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <string>
#include <utility>
#include <vector>

#include "storage/reader.h"
#include "storage/store.h"
#include "tests/support/status_matchers.h"
#include "tests/support/temp_dir.h"

namespace crawlbox::storage {
namespace {

using testing::TempDir;

struct Db {
  TempDir dir;
  std::string path = dir.File("o.db");
  std::unique_ptr<Store> store;
  std::vector<QueuedUrl> urls;  // http://h/1, /2, /3

  Db() {
    auto opened = Store::Open(path);
    EXPECT_TRUE(opened.ok()) << opened.status().ToString();
    store = std::move(opened).value();
    std::vector<NewUrl> add = {{"http://h/1", "h", 0, 0},
                               {"http://h/2", "h", 0, 0},
                               {"http://h/3", "h", 0, 0}};
    EXPECT_OK(store->AddUrls(add, &urls));
  }

  // An outcome of urls[i]: a 200 text/html page with `fate`.
  PageOutcome Page(size_t i, Fate fate) const {
    PageOutcome r;
    r.page.url_id = urls[i].id;
    r.page.url = urls[i].url;
    r.page.final_url = urls[i].url;
    r.page.status = 200;
    r.page.content_type = "text/html";
    r.page.bytes = 10;
    r.page.body_hash = "hash" + std::to_string(i);
    r.fate = std::move(fate);
    return r;
  }

  // Commits `batch` in run `crawl`; returns the links that were new.
  std::vector<QueuedUrl> Commit(std::vector<PageOutcome> batch,
                                int64_t crawl = 1) {
    std::vector<QueuedUrl> added;
    EXPECT_OK(store->CommitPages(crawl, batch, &added));
    return added;
  }

  // The first column of the first row as text: "(none)" without rows,
  // "(null)" for NULL.
  std::string One(const std::string& sql) {
    auto reader = Reader::Open(path);
    EXPECT_TRUE(reader.ok());
    auto rows = (*reader)->QueryAll(sql);
    EXPECT_TRUE(rows.ok()) << sql << ": " << rows.status().ToString();
    if (!rows.ok() || rows->rows.empty()) return "(none)";
    const Value& v = rows->rows[0][0];
    if (const auto* s = std::get_if<std::string>(&v)) return *s;
    if (const auto* n = std::get_if<int64_t>(&v)) return std::to_string(*n);
    return "(null)";
  }

  // "state attempts reason" of the frontier row of urls[i].
  std::string Frontier(size_t i) {
    return One(
        "SELECT state || ' ' || attempts || ' ' || coalesce(reason, '-') "
        "FROM frontier WHERE id = " +
        std::to_string(urls[i].id));
  }
};

std::vector<std::string> UrlsOf(const std::vector<QueuedUrl>& urls) {
  std::vector<std::string> out;
  for (const QueuedUrl& u : urls) out.push_back(u.url);
  return out;
}

using Urls = std::vector<std::string>;

TEST(OutcomeTest, APageOutcomeIsStoredUnlessItsFateSaysOtherwise) {
  PageOutcome outcome;
  EXPECT_TRUE(std::holds_alternative<Stored>(outcome.fate));
}

TEST(OutcomeTest, StoredWritesThePageItsItemsDropsAndLinks) {
  Db db;
  PageOutcome page = db.Page(0, Stored{});
  page.page.error = "truncated";  // a note on a stored page
  page.items = {{"r", R"({"n":1})"}, {"r", R"({"n":2})"}};
  page.dropped = {{"r", 3}};
  page.links = {{"http://h/new", "h", 1, db.urls[0].id},
                {"http://h/2", "h", 1, db.urls[0].id}};
  std::vector<QueuedUrl> added = db.Commit({page});
  EXPECT_EQ(UrlsOf(added), (Urls{"http://h/new"}));
  EXPECT_EQ(added[0].depth, 1);
  EXPECT_EQ(db.One("SELECT status || ' ' || error || ' ' || change || ' ' || "
                   "(location IS NULL) FROM pages"),
            "200 truncated new 1");
  EXPECT_EQ(db.One("SELECT count(*) FROM items WHERE crawl_id = 1"), "2");
  EXPECT_EQ(db.One("SELECT rule || count FROM dropped_items"), "r3");
  EXPECT_EQ(db.Frontier(0), "done 1 truncated");
}

TEST(OutcomeTest, NotModifiedKeepsTheStoredRowAndItems) {
  Db db;
  PageOutcome first = db.Page(0, Stored{});
  first.items = {{"r", R"({"n":1})"}};
  db.Commit({first}, 1);

  PageOutcome again = db.Page(0, NotModified{});
  again.page.status = 304;
  again.page.body_hash.clear();
  again.links = {{"http://h/seen-on-304", "h", 1, db.urls[0].id}};
  std::vector<QueuedUrl> added = db.Commit({again}, 2);
  EXPECT_EQ(UrlsOf(added), (Urls{"http://h/seen-on-304"}));
  EXPECT_EQ(db.One("SELECT status || ' ' || change || ' ' || crawl_id FROM "
                   "pages"),
            "200 unchanged 2");
  EXPECT_EQ(db.One("SELECT json_extract(record, '$.n') || ' ' || crawl_id "
                   "FROM items"),
            "1 1")
      << "the items keep the run they came from";
  EXPECT_EQ(db.Frontier(0), "done 2 -");
}

TEST(OutcomeTest, NotModifiedWithoutAStoredPageIsStoredAsNew) {
  Db db;
  PageOutcome page = db.Page(0, NotModified{});
  page.page.status = 304;
  db.Commit({page});
  EXPECT_EQ(db.One("SELECT status || ' ' || change FROM pages"), "304 new");
  EXPECT_EQ(db.Frontier(0), "done 1 -");
}

TEST(OutcomeTest, RedirectedStoresStatusAndTargetWithoutItems) {
  Db db;
  PageOutcome first = db.Page(0, Stored{});
  first.items = {{"r", R"({"n":1})"}};
  db.Commit({first}, 1);

  // The page moved: its row says where to, its items go, the target is
  // queued as one of its links.
  PageOutcome moved = db.Page(0, Redirected{"http://h/moved", true});
  moved.page.status = 301;
  moved.page.body_hash = "redirect-body";
  moved.items = {{"r", R"({"from":"the redirect body"})"}};
  moved.dropped = {{"r", 1}};
  moved.links = {{"http://h/moved", "h", 1, db.urls[0].id}};
  std::vector<QueuedUrl> added = db.Commit({moved}, 2);
  EXPECT_EQ(UrlsOf(added), (Urls{"http://h/moved"}));
  EXPECT_EQ(db.One("SELECT status || ' ' || location || ' ' || change || ' ' "
                   "|| crawl_id FROM pages"),
            "301 http://h/moved changed 2");
  EXPECT_EQ(db.One("SELECT count(*) FROM items"), "0");
  EXPECT_EQ(db.One("SELECT count(*) FROM dropped_items"), "0");
  EXPECT_EQ(db.Frontier(0), "done 2 -");

  // The same redirect again, whatever its body: unchanged.
  PageOutcome same = db.Page(0, Redirected{"http://h/moved", true});
  same.page.status = 301;
  same.page.body_hash = "another-body";
  same.links = moved.links;
  EXPECT_TRUE(db.Commit({same}, 3).empty());
  EXPECT_EQ(db.One("SELECT location || ' ' || change || ' ' || crawl_id FROM "
                   "pages"),
            "http://h/moved unchanged 3");

  // Another target: changed.
  PageOutcome elsewhere = db.Page(0, Redirected{"http://h/elsewhere", false});
  elsewhere.page.status = 302;
  elsewhere.links = {{"http://h/elsewhere", "h", 1, db.urls[0].id}};
  EXPECT_EQ(UrlsOf(db.Commit({elsewhere}, 4)), (Urls{"http://h/elsewhere"}));
  EXPECT_EQ(db.One("SELECT status || ' ' || location || ' ' || change FROM "
                   "pages"),
            "302 http://h/elsewhere changed");

  // Content again: the location goes.
  db.Commit({db.Page(0, Stored{})}, 5);
  EXPECT_EQ(db.One("SELECT status || ' ' || (location IS NULL) || ' ' || "
                   "change FROM pages"),
            "200 1 changed");
}

TEST(OutcomeTest, FailedStoresItsReasonAndFailsTheUrl) {
  Db db;
  // No response: no status; the fate's reason, not the page's note, is what
  // is written.
  PageOutcome none = db.Page(0, Failed{"timeout"});
  none.page.status = 0;
  none.page.body_hash.clear();
  none.page.error = "not this";
  // A response: its status is kept.
  PageOutcome error = db.Page(1, Failed{"http_500"});
  error.page.status = 500;
  db.Commit({none, error});
  EXPECT_EQ(db.One("SELECT coalesce(status, 'null') || ' ' || error || ' ' || "
                   "change FROM pages WHERE url_id = " +
                   std::to_string(db.urls[0].id)),
            "null timeout new");
  EXPECT_EQ(db.One("SELECT status || ' ' || error FROM pages WHERE url_id = " +
                   std::to_string(db.urls[1].id)),
            "500 http_500");
  EXPECT_EQ(db.Frontier(0), "failed 1 timeout");
  EXPECT_EQ(db.Frontier(1), "failed 1 http_500");
}

TEST(OutcomeTest, RetryOnlyCountsTheTry) {
  Db db;
  PageOutcome page = db.Page(0, Retry{"http_503", 2000});
  page.page.status = 503;
  page.items = {{"r", "{}"}};
  page.links = {{"http://h/not-stored", "h", 1, db.urls[0].id}};
  EXPECT_TRUE(db.Commit({page}).empty());
  EXPECT_EQ(db.Frontier(0), "queued 1 http_503");
  db.Commit({db.Page(0, Retry{"timeout", 4000})});
  EXPECT_EQ(db.Frontier(0), "queued 2 timeout");
  EXPECT_EQ(db.One("SELECT (SELECT count(*) FROM pages) + (SELECT count(*) "
                   "FROM items) + (SELECT count(*) FROM frontier WHERE url "
                   "LIKE '%not-stored')"),
            "0");
}

TEST(OutcomeTest, BlockedOnlyMarksTheUrl) {
  Db db;
  PageOutcome page = db.Page(0, Blocked{"robots"});
  page.links = {{"http://h/not-stored", "h", 1, db.urls[0].id}};
  EXPECT_TRUE(db.Commit({page}).empty());
  EXPECT_EQ(db.Frontier(0), "blocked 0 robots");
  EXPECT_EQ(db.One("SELECT (SELECT count(*) FROM pages) + (SELECT count(*) "
                   "FROM frontier WHERE url LIKE '%not-stored')"),
            "0");
}

TEST(OutcomeTest, LinksOnlyStoresOnlyTheLinks) {
  Db db;
  PageOutcome sitemap;
  sitemap.fate = LinksOnly{};
  sitemap.links = {{"http://h/from-sitemap", "h", 0, 0},
                   {"http://h/1", "h", 0, 0}};
  EXPECT_EQ(UrlsOf(db.Commit({sitemap})), (Urls{"http://h/from-sitemap"}));
  EXPECT_EQ(db.One("SELECT count(*) FROM pages"), "0");
  EXPECT_EQ(db.One("SELECT count(*) FROM frontier WHERE state != 'queued' OR "
                   "attempts > 0"),
            "0");
}

TEST(OutcomeTest, EveryFateInOneBatch) {
  Db db;
  std::vector<NewUrl> more = {{"http://h/4", "h", 0, 0},
                              {"http://h/5", "h", 0, 0},
                              {"http://h/6", "h", 0, 0}};
  ASSERT_OK(db.store->AddUrls(more, &db.urls));
  ASSERT_EQ(db.urls.size(), 6u);
  std::vector<PageOutcome> batch = {
      db.Page(0, Stored{}),
      db.Page(1, NotModified{}),
      db.Page(2, Redirected{"http://h/r", true}),
      db.Page(3, Failed{"too_large"}),
      db.Page(4, Retry{"timeout", 100}),
      db.Page(5, Blocked{"robots"}),
  };
  batch[2].page.status = 308;
  batch[2].links = {{"http://h/r", "h", 1, db.urls[2].id}};
  PageOutcome sitemap;
  sitemap.fate = LinksOnly{};
  sitemap.links = {{"http://h/s", "h", 0, 0}};
  batch.push_back(sitemap);
  EXPECT_EQ(UrlsOf(db.Commit(batch)), (Urls{"http://h/r", "http://h/s"}));
  EXPECT_EQ(db.One("SELECT group_concat(status || coalesce(error, '') || "
                   "coalesce(location, ''), ' ') FROM (SELECT * FROM pages "
                   "ORDER BY url_id)"),
            "200 200 308http://h/r 200too_large");
  for (size_t i = 0; i < 3; ++i) EXPECT_EQ(db.Frontier(i), "done 1 -") << i;
  EXPECT_EQ(db.Frontier(3), "failed 1 too_large");
  EXPECT_EQ(db.Frontier(4), "queued 1 timeout");
  EXPECT_EQ(db.Frontier(5), "blocked 0 robots");
}

TEST(OutcomeTest, ABatchIsWrittenWholeOrNotAtAll) {
  Db db;
  {
    // Fault injection: a trigger fails the insert of one item.
    sqlite3* raw = nullptr;
    ASSERT_EQ(sqlite3_open(db.path.c_str(), &raw), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(raw,
                           "CREATE TRIGGER boom BEFORE INSERT ON items WHEN "
                           "NEW.rule = 'boom' BEGIN SELECT RAISE(ABORT, "
                           "'injected'); END;",
                           nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(raw);
  }
  PageOutcome good = db.Page(0, Stored{});
  good.items = {{"r", "{}"}};
  good.links = {{"http://h/x", "h", 1, db.urls[0].id}};
  PageOutcome retry = db.Page(1, Retry{"timeout", 10});
  PageOutcome bad = db.Page(2, Stored{});
  bad.items = {{"boom", "{}"}};
  QueuedUrl sentinel;
  sentinel.url = "http://sentinel/";
  std::vector<QueuedUrl> added = {sentinel};
  config::Status s = db.store->CommitPages(
      1, std::vector<PageOutcome>{good, retry, bad}, &added);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("injected"), std::string::npos) << s.ToString();
  EXPECT_EQ(UrlsOf(added), (Urls{"http://sentinel/"})) << "*added is as it was";
  EXPECT_EQ(db.One("SELECT (SELECT count(*) FROM pages) + (SELECT count(*) "
                   "FROM items) + (SELECT count(*) FROM frontier WHERE url = "
                   "'http://h/x')"),
            "0");
  EXPECT_EQ(db.Frontier(0), "queued 0 -");
  EXPECT_EQ(db.Frontier(1), "queued 0 -");

  // The Store is still usable after the rollback.
  bad.items = {{"r", "{}"}};
  EXPECT_EQ(UrlsOf(db.Commit({good, retry, bad})), (Urls{"http://h/x"}));
  EXPECT_EQ(db.One("SELECT count(*) FROM items"), "2");
}

}  // namespace
}  // namespace crawlbox::storage
