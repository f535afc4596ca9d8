// The status page's queries (storage/summary.h) on a database written by the
// Store: per-second pages read on from a cursor, items by rule, hosts.
#include "storage/summary.h"

#include <gtest/gtest.h>

#include "config/job_loader.h"
#include "storage/store.h"
#include "tests/support/status_matchers.h"
#include "tests/support/temp_dir.h"

namespace crawlbox::storage {
namespace {

using testing::TempDir;

config::Job Job() {
  config::LoadedJob loaded = config::LoadJobText(
      "[job]\nname = \"sum\"\nstart_urls = [\"http://h/\"]\n", "sum.toml");
  EXPECT_TRUE(loaded.ok());
  return loaded.job;
}

// Stores one 200 page of `url` (queued first) with `items` items of `rule`.
void StorePage(Store& store, int64_t crawl, const std::string& url,
               const std::string& host, const std::string& rule, int items) {
  std::vector<QueuedUrl> queued;
  ASSERT_OK(store.AddUrls(std::vector<NewUrl>{{url, host, 0, 0}}, &queued));
  ASSERT_EQ(queued.size(), 1u);
  PageOutcome page;
  page.page.url_id = queued[0].id;
  page.page.url = url;
  page.page.status = 200;
  page.page.bytes = 100;
  for (int i = 0; i < items; ++i)
    page.items.push_back({rule, "{\"n\":" + std::to_string(i) + "}"});
  std::vector<QueuedUrl> added;
  ASSERT_OK(store.CommitPages(crawl, std::vector<PageOutcome>{page}, &added));
}

TEST(SummaryTest, ReadsTheLatestRunAndItsPagesFromACursor) {
  TempDir dir;
  const std::string path = dir.File("s.db");
  auto store = Store::Open(path);
  ASSERT_OK(store);
  auto reader = Reader::Open(path);
  ASSERT_OK(reader);
  auto none = LatestCrawl(**reader);
  ASSERT_OK(none);
  EXPECT_FALSE(none->has_value());

  auto first = (*store)->BeginCrawl(Job());
  ASSERT_OK(first);
  ASSERT_OK((*store)->FinishCrawl(*first, "stopped", "{\"a\":1}"));
  auto second = (*store)->BeginCrawl(Job());
  ASSERT_OK(second);
  StorePage(**store, *second, "http://h/1", "h", "board", 2);
  StorePage(**store, *second, "http://h/2", "h", "board", 1);

  auto latest = LatestCrawl(**reader);
  ASSERT_OK(latest);
  ASSERT_TRUE(latest->has_value());
  EXPECT_EQ((*latest)->id, *second);
  EXPECT_EQ((*latest)->state, "running");
  EXPECT_EQ((*latest)->job_name, "sum");
  EXPECT_GT((*latest)->started_unix, 1.6e9);
  EXPECT_GE((*latest)->elapsed_s, 0);
  auto old = CrawlById(**reader, *first);
  ASSERT_OK(old);
  EXPECT_EQ((*old)->state, "stopped");
  EXPECT_EQ((*old)->stats_json, "{\"a\":1}");

  int64_t cursor = 0;
  auto seconds = PagesPerSecond(**reader, *second, 0, &cursor);
  ASSERT_OK(seconds);
  int64_t pages = 0;
  for (const SecondCount& s : *seconds) pages += s.pages;
  EXPECT_EQ(pages, 2);
  EXPECT_GT(cursor, 0);
  // From the cursor on only new pages count.
  auto nothing_new = PagesPerSecond(**reader, *second, cursor, &cursor);
  ASSERT_OK(nothing_new);
  EXPECT_TRUE(nothing_new->empty());
  StorePage(**store, *second, "http://h/3", "h", "note", 1);
  auto one_more = PagesPerSecond(**reader, *second, cursor, &cursor);
  ASSERT_OK(one_more);
  ASSERT_EQ(one_more->size(), 1u);
  EXPECT_EQ((*one_more)[0].pages, 1);
  EXPECT_EQ((*one_more)[0].bytes, 100);
  // Pages of other runs are not this run's.
  auto other = PagesPerSecond(**reader, *first, 0, nullptr);
  ASSERT_OK(other);
  EXPECT_TRUE(other->empty());

  auto totals = TotalsOfRun(**reader, *second);
  ASSERT_OK(totals);
  EXPECT_EQ(totals->pages, 3);
  EXPECT_EQ(totals->items, 4);
  EXPECT_EQ(totals->bytes, 300);
  auto rules = ItemsByRule(**reader);
  ASSERT_OK(rules);
  EXPECT_EQ(*rules, (Counts{{"board", 3}, {"note", 1}}));
  auto board = LatestItems(**reader, "board", 2, 1);
  ASSERT_OK(board);
  ASSERT_EQ(board->size(), 2u);
  // Newest first, the newest one skipped: page 1's second and first item.
  EXPECT_EQ((*board)[0].json, "{\"n\":1}");
  EXPECT_EQ((*board)[0].url, "http://h/1");
  EXPECT_EQ((*board)[1].json, "{\"n\":0}");
  EXPECT_EQ((*board)[1].url, "http://h/1");
  int64_t hosts = 0;
  auto per_host = HostsByQueued(**reader, 10, &hosts);
  ASSERT_OK(per_host);
  EXPECT_EQ(hosts, 1);
  ASSERT_EQ(per_host->size(), 1u);
  EXPECT_EQ((*per_host)[0].done, 3);
}

}  // namespace
}  // namespace crawlbox::storage
