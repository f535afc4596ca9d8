// QueueReader against a real SQLite file per test, written by a Store in the
// same process (or killed in a child): windows, counts, validators, what a
// reader sees after a commit returns, and the query plan LoadQueued relies on.
#include "storage/queue_reader.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <utility>
#include <vector>

#include "storage/reader.h"
#include "storage/schema.h"
#include "storage/store.h"
#include "tests/support/status_matchers.h"
#include "tests/support/temp_dir.h"

namespace crawlbox::storage {
namespace {

using testing::TempDir;
using HostCounts = std::vector<std::pair<std::string, int64_t>>;

// A Store and a QueueReader on one fresh file.
struct Db {
  TempDir dir;
  std::string path = dir.File("q.db");
  std::unique_ptr<Store> store;
  std::unique_ptr<QueueReader> queue;

  Db() {
    auto opened = Store::Open(path);
    EXPECT_TRUE(opened.ok()) << opened.status().ToString();
    if (opened.ok()) store = std::move(opened).value();
    auto reader = QueueReader::Open(path);
    EXPECT_TRUE(reader.ok()) << reader.status().ToString();
    if (reader.ok()) queue = std::move(reader).value();
  }

  std::vector<QueuedUrl> Add(const std::vector<NewUrl>& urls) {
    std::vector<QueuedUrl> added;
    EXPECT_OK(store->AddUrls(urls, &added));
    return added;
  }

  // Commits one outcome for `url` with `fate` and `links`; returns the links
  // that were new.
  std::vector<QueuedUrl> Commit(const QueuedUrl& url, Fate fate,
                                std::vector<NewUrl> links = {}) {
    PageOutcome outcome;
    outcome.page.url_id = url.id;
    outcome.page.url = url.url;
    outcome.page.status = 200;
    outcome.links = std::move(links);
    outcome.fate = std::move(fate);
    std::vector<QueuedUrl> added;
    EXPECT_OK(store->CommitPages(1, std::vector<PageOutcome>{outcome}, &added));
    return added;
  }

  std::vector<std::string> Queued(const std::string& host, size_t limit = 100,
                                  int64_t after_id = 0) {
    std::vector<QueuedUrl> window;
    EXPECT_OK(queue->LoadQueued(host, after_id, limit, &window));
    std::vector<std::string> urls;
    for (const QueuedUrl& u : window) urls.push_back(u.url);
    return urls;
  }
};

using Urls = std::vector<std::string>;

TEST(QueueReaderTest, SeesWhatTheStoreCommittedAsSoonAsTheCallReturns) {
  Db db;
  EXPECT_TRUE(db.Queued("h").empty());
  auto count = db.queue->CountQueued();
  ASSERT_OK(count);
  EXPECT_EQ(*count, 0);

  std::vector<QueuedUrl> urls =
      db.Add({{"http://h/1", "h", 0, 0}, {"http://h/2", "h", 0, 0}});
  ASSERT_EQ(urls.size(), 2u);
  // A window smaller than the queue, then commits: each call after a commit
  // returned sees it.
  EXPECT_EQ(db.Queued("h", 1), (Urls{"http://h/1"}));

  // Every commit shows at once, many times over on the same statements.
  for (int i = 0; i < 20; ++i) {
    std::vector<QueuedUrl> added =
        db.Commit(urls[0], Stored{},
                  {{"http://h/n" + std::to_string(i), "h", 1, urls[0].id}});
    ASSERT_EQ(added.size(), 1u);
    std::vector<QueuedUrl> window;
    ASSERT_OK(db.queue->LoadQueued("h", added[0].id - 1, 10, &window));
    ASSERT_EQ(window.size(), 1u) << "commit " << i;
    EXPECT_EQ(window[0].url, added[0].url);
    EXPECT_EQ(window[0].depth, 1);
  }
  EXPECT_EQ(db.Queued("h", 2), (Urls{"http://h/2", "http://h/n0"}));
  auto queued = db.queue->CountQueued();
  ASSERT_OK(queued);
  EXPECT_EQ(*queued, 21);
  auto fetched = db.queue->CountFetched();
  ASSERT_OK(fetched);
  EXPECT_EQ(*fetched, 1);

  // The reader does not depend on the Store object.
  db.store.reset();
  EXPECT_EQ(db.Queued("h", 1), (Urls{"http://h/2"}));
}

TEST(QueueReaderTest, LoadsOneHostAWindowAtATimeInDiscoveryOrder) {
  Db db;
  std::vector<NewUrl> urls;
  for (int i = 0; i < 50; ++i) {
    const std::string host = i % 2 == 0 ? "a" : "b";
    urls.push_back({"http://" + host + "/" + std::to_string(i), host, 0, 0});
  }
  db.Add(urls);
  std::vector<QueuedUrl> all;
  int64_t after = 0;
  while (true) {
    std::vector<QueuedUrl> window;
    ASSERT_OK(db.queue->LoadQueued("a", after, 10, &window));
    if (window.empty()) break;
    EXPECT_LE(window.size(), 10u);
    after = window.back().id;
    all.insert(all.end(), window.begin(), window.end());
  }
  ASSERT_EQ(all.size(), 25u);
  for (size_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(all[i].url, urls[2 * i].url);
    EXPECT_EQ(all[i].host, "a");
    if (i > 0) {
      EXPECT_GT(all[i].id, all[i - 1].id);
    }
  }
}

TEST(QueueReaderTest, CarriesAttemptsAndTheValidatorsOfGoodPagesOnly) {
  Db db;
  std::vector<QueuedUrl> urls = db.Add({{"http://h/1", "h", 0, 0},
                                        {"http://h/2", "h", 0, 0},
                                        {"http://h/3", "h", 0, 0}});
  ASSERT_EQ(urls.size(), 3u);
  db.Commit(urls[0], Retry{"timeout", 500});
  std::vector<QueuedUrl> window;
  ASSERT_OK(db.queue->LoadQueued("h", 0, 10, &window));
  ASSERT_EQ(window.size(), 3u);
  EXPECT_EQ(window[0].attempts, 1) << "a retry stays queued, one try made";

  for (size_t i : {1u, 2u}) {
    PageOutcome page;
    page.page.url_id = urls[i].id;
    page.page.url = urls[i].url;
    page.page.status = i == 1 ? 200 : 404;
    page.page.etag = "\"e" + std::to_string(i) + "\"";
    page.page.last_modified = "Mon, 0" + std::to_string(i) + " Jan 2024";
    std::vector<QueuedUrl> added;
    ASSERT_OK(db.store->CommitPages(1, std::vector<PageOutcome>{page}, &added));
  }
  ASSERT_OK(db.store->RequeueAll());
  window.clear();
  ASSERT_OK(db.queue->LoadQueued("h", 0, 10, &window));
  ASSERT_EQ(window.size(), 3u);
  EXPECT_EQ(window[0].attempts, 1) << "still queued: not requeued";
  EXPECT_EQ(window[0].etag, "");
  EXPECT_EQ(window[1].attempts, 0) << "a re-crawl starts over";
  EXPECT_EQ(window[1].etag, "\"e1\"");
  EXPECT_EQ(window[1].last_modified, "Mon, 01 Jan 2024");
  EXPECT_EQ(window[2].etag, "") << "a 404 lends no validators";
  EXPECT_EQ(window[2].last_modified, "");
}

TEST(QueueReaderTest, CountsPerHostByState) {
  Db db;
  std::vector<QueuedUrl> urls = db.Add({{"http://a/1", "a", 0, 0},
                                        {"http://a/2", "a", 0, 0},
                                        {"http://a/3", "a", 0, 0},
                                        {"http://b/1", "b", 0, 0},
                                        {"http://b/2", "b", 0, 0},
                                        {"http://c/1", "c", 0, 0}});
  ASSERT_EQ(urls.size(), 6u);
  db.Commit(urls[0], Stored{});
  db.Commit(urls[1], Failed{"timeout"});
  db.Commit(urls[3], Blocked{"robots"});
  db.Commit(urls[5], Retry{"http_503", 1000});

  HostCounts queued;
  ASSERT_OK(db.queue->CountQueuedByHost(&queued));
  EXPECT_EQ(queued, (HostCounts{{"a", 1}, {"b", 1}, {"c", 1}}));
  HostCounts fetched;
  ASSERT_OK(db.queue->CountFetchedByHost(&fetched));
  EXPECT_EQ(fetched, (HostCounts{{"a", 2}, {"b", 1}}))
      << "done, failed and blocked all count as no longer queued";
  auto n_queued = db.queue->CountQueued();
  ASSERT_OK(n_queued);
  EXPECT_EQ(*n_queued, 3);
  auto n_fetched = db.queue->CountFetched();
  ASSERT_OK(n_fetched);
  EXPECT_EQ(*n_fetched, 3);
}

TEST(QueueReaderTest, ReadsWhatAKilledWriterCommitted) {
  TempDir dir;
  const std::string path = dir.File("killed.db");
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // The writer: commits one page, then dies without closing anything (no
    // destructor, no checkpoint), as under kill -9.
    auto store = Store::Open(path);
    if (!store.ok()) _exit(1);
    std::vector<QueuedUrl> urls;
    if (!(*store)
             ->AddUrls(std::vector<NewUrl>{{"http://h/1", "h", 0, 0},
                                           {"http://h/2", "h", 0, 0}},
                       &urls)
             .ok())
      _exit(2);
    PageOutcome page;
    page.page.url_id = urls[0].id;
    page.page.url = urls[0].url;
    page.page.status = 200;
    std::vector<QueuedUrl> added;
    if (!(*store)->CommitPages(1, std::vector<PageOutcome>{page}, &added).ok())
      _exit(3);
    _exit(0);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_EQ(WEXITSTATUS(status), 0);

  // First alone, as a reader that opens before any Store does again.
  auto queue = QueueReader::Open(path);
  ASSERT_OK(queue);
  std::vector<QueuedUrl> window;
  ASSERT_OK((*queue)->LoadQueued("h", 0, 10, &window));
  ASSERT_EQ(window.size(), 1u);
  EXPECT_EQ(window[0].url, "http://h/2");
  auto fetched = (*queue)->CountFetched();
  ASSERT_OK(fetched);
  EXPECT_EQ(*fetched, 1);

  auto store = Store::Open(path);
  ASSERT_OK(store);
  window.clear();
  ASSERT_OK((*queue)->LoadQueued("h", 0, 10, &window));
  ASSERT_EQ(window.size(), 1u);
  EXPECT_EQ(window[0].url, "http://h/2");
}

TEST(QueueReaderTest, ARequeuedPageCarriesTheResponseRecordOfItsStoredBody) {
  Db db;
  std::vector<QueuedUrl> urls = db.Add({{"http://h/1", "h", 0, 0},
                                        {"http://h/2", "h", 0, 0},
                                        {"http://h/3", "h", 0, 0},
                                        {"http://h/4", "h", 0, 0},
                                        {"http://h/5", "h", 0, 0}});
  ASSERT_EQ(urls.size(), 5u);
  // One crawl's outcome for urls[i]: a page stored with `hash`, archived
  // with a response record `id` when `id` is not empty.
  auto commit = [&](size_t i, Fate fate, int status, const std::string& hash,
                    const std::string& id, const std::string& type) {
    PageOutcome outcome;
    outcome.page.url_id = urls[i].id;
    outcome.page.url = urls[i].url;
    outcome.page.status = status;
    outcome.page.body_hash = hash;
    outcome.fate = std::move(fate);
    if (!id.empty()) {
      outcome.archived.push_back({"request", "f.warc.gz", 0, 10, {}});
      WarcCapture capture;
      if (type == "response")
        capture = {id, "2026-12-07T00:00:0" + id + "Z", "sha1:" + id};
      outcome.archived.push_back({type, "f.warc.gz", 10, 20, capture});
    }
    std::vector<QueuedUrl> added;
    EXPECT_OK(
        db.store->CommitPages(1, std::vector<PageOutcome>{outcome}, &added));
  };
  // 1: archived twice with different bodies: the later record counts.
  commit(0, Stored{}, 200, "a", "1", "response");
  commit(0, Stored{}, 200, "b", "2", "response");
  // 2: archived, then a 304 archived as a revisit: still the response.
  commit(1, Stored{}, 200, "c", "3", "response");
  commit(1, NotModified{}, 304, "", "9", "revisit");
  // 3: archived, then changed in a run without WARC: no capture of its body.
  commit(2, Stored{}, 200, "d", "4", "response");
  commit(2, Stored{}, 200, "e", "", "");
  // 4: a 404 is no page to revisit; 5: never archived.
  commit(3, Stored{}, 404, "f", "5", "response");
  commit(4, Stored{}, 200, "g", "", "");
  // 6: a failed exchange's response record is not the page's.
  commit(4, Failed{"http_503"}, 503, "", "6", "response");

  auto requeued = db.store->RequeueAll();
  ASSERT_OK(requeued);
  std::vector<QueuedUrl> window;
  ASSERT_OK(db.queue->LoadQueued("h", 0, 10, &window));
  ASSERT_EQ(window.size(), 5u);
  EXPECT_EQ(window[0].last_capture.record_id, "2");
  EXPECT_EQ(window[0].last_capture.date, "2026-12-07T00:00:02Z");
  EXPECT_EQ(window[0].last_capture.payload_digest, "sha1:2");
  EXPECT_EQ(window[1].last_capture.record_id, "3");
  EXPECT_EQ(window[2].last_capture.record_id, "");
  EXPECT_EQ(window[3].last_capture.record_id, "");
  EXPECT_EQ(window[4].last_capture.record_id, "");
}

TEST(QueueReaderTest, LoadQueuedIsAnIndexRangeScan) {
  Db db;
  // Some rows in every state, so the plan is not that of an empty table.
  std::vector<NewUrl> urls;
  for (int i = 0; i < 300; ++i) {
    const std::string host = "h" + std::to_string(i % 7);
    urls.push_back({"http://" + host + "/" + std::to_string(i), host, 0, 0});
  }
  std::vector<QueuedUrl> added = db.Add(urls);
  for (size_t i = 0; i < added.size(); i += 3) db.Commit(added[i], Stored{});
  for (size_t i = 1; i < added.size(); i += 9) {
    db.Commit(added[i], Failed{"x"});
  }

  auto reader = Reader::Open(db.path);
  ASSERT_OK(reader);
  auto plan =
      (*reader)->QueryAll(std::string("EXPLAIN QUERY PLAN ") + kLoadQueuedSql);
  ASSERT_OK(plan);
  std::string details;
  for (const auto& row : plan->rows) {
    details += std::get<std::string>(row.back()) + "\n";
  }
  // The frontier through its partial index (host = ? AND id > ?), the page
  // through its url_id key; no table scan, no sort.
  EXPECT_NE(details.find("SEARCH f USING INDEX frontier_host_queued"),
            std::string::npos)
      << details;
  EXPECT_NE(details.find("SEARCH p USING INDEX"), std::string::npos) << details;
  // The last capture: the page's warc_records rows through their url_id
  // index, the row itself by its id.
  EXPECT_NE(details.find("SEARCH warc_records USING INDEX warc_records_url"),
            std::string::npos)
      << details;
  EXPECT_NE(details.find("SEARCH w USING INTEGER PRIMARY KEY"),
            std::string::npos)
      << details;
  EXPECT_EQ(details.find("SCAN"), std::string::npos) << details;
  EXPECT_EQ(details.find("TEMP B-TREE"), std::string::npos) << details;
}

TEST(QueueReaderTest, OpenFailsPlainlyOnMissingOrForeignFiles) {
  TempDir dir;
  auto missing = QueueReader::Open(dir.File("missing.db"));
  EXPECT_EQ(missing.status().code(), config::Status::Code::kNotFound);

  const std::string other = dir.File("other.db");
  {
    sqlite3* raw = nullptr;
    ASSERT_EQ(sqlite3_open(other.c_str(), &raw), SQLITE_OK);
    ASSERT_EQ(
        sqlite3_exec(raw, "CREATE TABLE t (x);", nullptr, nullptr, nullptr),
        SQLITE_OK);
    sqlite3_close(raw);
  }
  auto foreign = QueueReader::Open(other);
  ASSERT_FALSE(foreign.ok());
  EXPECT_EQ(foreign.status().code(), config::Status::Code::kInvalidArgument);
  EXPECT_NE(foreign.status().message().find(other), std::string::npos)
      << foreign.status().ToString();

  const std::string junk = dir.File("junk.db");
  {
    FILE* f = fopen(junk.c_str(), "w");
    ASSERT_NE(f, nullptr);
    fputs(
        "this is not a database, just text long enough to be looked at by "
        "sqlite......",
        f);
    fclose(f);
  }
  EXPECT_FALSE(QueueReader::Open(junk).ok());
}

}  // namespace
}  // namespace crawlbox::storage
