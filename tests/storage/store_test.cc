// Store (writer) and Reader against a real SQLite file per test. The fates of
// CommitPages are in outcome_test.cc, the frontier's read side in
// queue_reader_test.cc.
#include "storage/store.h"

#include <gtest/gtest.h>

#include "config/job_loader.h"
#include "storage/reader.h"
#include "tests/support/status_matchers.h"
#include "tests/support/temp_dir.h"

namespace crawlbox::storage {
namespace {

using testing::TempDir;

config::Job BoardJob() {
  config::LoadedJob loaded = config::LoadJobText(R"toml(
[job]
name = "t"
start_urls = ["http://127.0.0.1/"]
[[rules]]
name = "board"
pattern = '(?P<rank>\d+) (?P<title>\w+) (?P<score>[\d.]+)'
[rules.fields]
rank = { type = "int" }
title = {}
score = { type = "real" }
)toml",
                                                 "t.toml");
  EXPECT_TRUE(loaded.ok()) << (loaded.problems.empty()
                                   ? ""
                                   : loaded.problems[0].ToString());
  return loaded.job;
}

PageOutcome Page(const QueuedUrl& url, std::vector<ItemRow> items,
                 std::vector<NewUrl> links) {
  PageOutcome r;
  r.page.url_id = url.id;
  r.page.url = url.url;
  r.page.final_url = url.url;
  r.page.status = 200;
  r.page.content_type = "text/html";
  r.page.bytes = 123;
  r.items = std::move(items);
  r.links = std::move(links);
  return r;
}

TEST(StoreTest, DedupsUrlsByUniqueConstraint) {
  TempDir dir;
  auto store = Store::Open(dir.File("a.db"));
  ASSERT_OK(store);
  std::vector<QueuedUrl> added;
  std::vector<NewUrl> urls = {{"http://h/a", "h", 0, 0},
                              {"http://h/b", "h", 0, 0},
                              {"http://h/a", "h", 0, 0}};
  ASSERT_OK((*store)->AddUrls(urls, &added));
  ASSERT_EQ(added.size(), 2u);
  EXPECT_EQ(added[0].url, "http://h/a");
  EXPECT_EQ(added[1].url, "http://h/b");
  added.clear();
  ASSERT_OK((*store)->AddUrls(urls, &added));
  EXPECT_TRUE(added.empty());
}

TEST(StoreTest, CommitsPagesItemsAndLinksTogetherAndViewsAreTyped) {
  TempDir dir;
  const std::string path = dir.File("b.db");
  config::Job job = BoardJob();
  auto store = Store::Open(path);
  ASSERT_OK(store);
  ASSERT_OK((*store)->EnsureViews(job));
  auto crawl = (*store)->BeginCrawl(job);
  ASSERT_OK(crawl);
  std::vector<QueuedUrl> queued;
  ASSERT_OK((*store)->AddUrls(std::vector<NewUrl>{{"http://h/1", "h", 0, 0}},
                              &queued));
  ASSERT_EQ(queued.size(), 1u);

  std::vector<PageOutcome> batch;
  batch.push_back(Page(queued[0],
                       {{"board", R"({"rank":1,"title":"A","score":9.5})"},
                        {"board", R"({"rank":2,"title":"B","score":9.25})"}},
                       {{"http://h/2", "h", 1, queued[0].id},
                        {"http://h/1", "h", 1, queued[0].id}}));
  std::vector<QueuedUrl> added;
  ASSERT_OK((*store)->CommitPages(*crawl, batch, &added));
  ASSERT_EQ(added.size(), 1u) << "the page's own URL is already known";
  EXPECT_EQ(added[0].url, "http://h/2");
  EXPECT_EQ(added[0].depth, 1);

  auto reader = Reader::Open(path);
  ASSERT_OK(reader);
  auto rows = (*reader)->QueryAll(
      "SELECT rank, title, score FROM board ORDER BY score DESC");
  ASSERT_OK(rows);
  ASSERT_EQ(rows->columns,
            (std::vector<std::string>{"rank", "title", "score"}));
  ASSERT_EQ(rows->rows.size(), 2u);
  EXPECT_EQ(std::get<int64_t>(rows->rows[0][0]), 1);
  EXPECT_EQ(std::get<std::string>(rows->rows[0][1]), "A");
  EXPECT_DOUBLE_EQ(std::get<double>(rows->rows[1][2]), 9.25);

  auto state =
      (*reader)->QueryAll("SELECT state, attempts FROM frontier ORDER BY id");
  ASSERT_OK(state);
  EXPECT_EQ(std::get<std::string>(state->rows[0][0]), "done");
  EXPECT_EQ(std::get<int64_t>(state->rows[0][1]), 1);
  EXPECT_EQ(std::get<std::string>(state->rows[1][0]), "queued");
}

TEST(StoreTest, RefetchedPageReplacesItsItems) {
  TempDir dir;
  const std::string path = dir.File("c.db");
  config::Job job = BoardJob();
  auto store = Store::Open(path);
  ASSERT_OK(store);
  ASSERT_OK((*store)->EnsureViews(job));
  std::vector<QueuedUrl> queued;
  ASSERT_OK((*store)->AddUrls(std::vector<NewUrl>{{"http://h/1", "h", 0, 0}},
                              &queued));
  std::vector<QueuedUrl> added;
  for (int round = 0; round < 2; ++round) {
    std::vector<PageOutcome> batch = {
        Page(queued[0], {{"board", R"({"rank":1})"}}, {})};
    ASSERT_OK((*store)->CommitPages(1, batch, &added));
  }
  auto reader = Reader::Open(path);
  ASSERT_OK(reader);
  auto n = (*reader)->QueryAll(
      "SELECT (SELECT count(*) FROM items), (SELECT count(*) FROM pages)");
  ASSERT_OK(n);
  EXPECT_EQ(std::get<int64_t>(n->rows[0][0]), 1);
  EXPECT_EQ(std::get<int64_t>(n->rows[0][1]), 1);
}

TEST(StoreTest, ReaderSeesCommittedDataWhileWriterIsOpen) {
  TempDir dir;
  const std::string path = dir.File("e.db");
  auto store = Store::Open(path);
  ASSERT_OK(store);
  std::vector<QueuedUrl> queued;
  ASSERT_OK((*store)->AddUrls(std::vector<NewUrl>{{"http://h/1", "h", 0, 0}},
                              &queued));
  auto reader = Reader::Open(path);
  ASSERT_OK(reader);
  auto n = (*reader)->QueryAll("SELECT count(*) FROM frontier");
  ASSERT_OK(n);
  EXPECT_EQ(std::get<int64_t>(n->rows[0][0]), 1);
}

TEST(ReaderTest, RefusesWritesAndSecondStatements) {
  TempDir dir;
  const std::string path = dir.File("f.db");
  ASSERT_OK(Store::Open(path));
  auto reader = Reader::Open(path);
  ASSERT_OK(reader);
  EXPECT_FALSE((*reader)->QueryAll("DELETE FROM frontier").ok());
  EXPECT_FALSE((*reader)->QueryAll("SELECT 1; DELETE FROM frontier").ok());
  EXPECT_FALSE((*reader)->QueryAll("SELEKT nonsense").ok());
  EXPECT_OK((*reader)->QueryAll("SELECT 1;"));
}

TEST(ReaderTest, MissingOrForeignFilesAreErrorsNotCrashes) {
  TempDir dir;
  EXPECT_EQ(Reader::Open(dir.File("missing.db")).status().code(),
            config::Status::Code::kNotFound);
  {
    FILE* f = fopen(dir.File("junk.db").c_str(), "w");
    fputs(
        "this is not a database, just text long enough to be looked at by "
        "sqlite......",
        f);
    fclose(f);
  }
  EXPECT_FALSE(Reader::Open(dir.File("junk.db")).ok());
  EXPECT_FALSE(Store::Open(dir.File("junk.db")).ok());
}

}  // namespace
}  // namespace crawlbox::storage
