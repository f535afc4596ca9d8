// A crawlbox database with known contents for the web/ tests, written through
// storage::Store exactly as a crawl writes it.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "config/job_loader.h"
#include "storage/store.h"

namespace crawlbox::web {

// What BuildStatusDb wrote.
struct StatusDbContents {
  int64_t crawl_id = 0;
  // An item title that would run script if it became markup.
  static constexpr const char* kXssTitle =
      "<img src=x onerror=alert(1)> \"quoted\" & more";
};

inline config::Job StatusDbJob() {
  config::LoadedJob loaded = config::LoadJobText(R"toml(
[job]
name = "shop"
start_urls = ["http://a.test/1", "http://b.test/1"]
[limits]
max_pages = 10
[[rules]]
name = "board"
pattern = '(?P<title>\w+)'
[[rules]]
name = "note"
pattern = '(?P<text>\w+)'
)toml",
                                                 "shop.toml");
  EXPECT_TRUE(loaded.ok());
  return loaded.job;
}

// The database: URLs http://a.test/1 (200, 1000 bytes, three "board" items
// and one "note"), http://a.test/2 (404, 200 bytes), http://b.test/1 (no
// response: "timeout", failed), http://b.test/secret (blocked: "robots"),
// and http://a.test/3, /4 and http://b.test/2 still queued. The run stays
// "running" unless `finish`, which ends it "finished" with `stats_json`.
inline StatusDbContents BuildStatusDb(const std::string& path, bool finish,
                                      const std::string& stats_json = "{}") {
  StatusDbContents out;
  const config::Job job = StatusDbJob();
  auto store = storage::Store::Open(path);
  EXPECT_TRUE(store.ok()) << store.status().ToString();
  if (!store.ok()) return out;
  storage::Store& s = **store;
  EXPECT_TRUE(s.EnsureViews(job).ok());
  auto crawl = s.BeginCrawl(job);
  EXPECT_TRUE(crawl.ok());
  out.crawl_id = *crawl;
  std::vector<storage::QueuedUrl> urls;
  const std::vector<storage::NewUrl> seeds = {
      {"http://a.test/1", "a.test", 0, 0},
      {"http://a.test/2", "a.test", 0, 0},
      {"http://b.test/1", "b.test", 0, 0},
      {"http://b.test/secret", "b.test", 0, 0}};
  EXPECT_TRUE(s.AddUrls(seeds, &urls).ok());
  EXPECT_EQ(urls.size(), 4u);
  if (urls.size() != 4u) return out;

  std::vector<storage::PageOutcome> batch(4);
  batch[0].page.url_id = urls[0].id;
  batch[0].page.url = urls[0].url;
  batch[0].page.final_url = urls[0].url;
  batch[0].page.status = 200;
  batch[0].page.bytes = 1000;
  batch[0].items = {
      {"board", R"({"title":"first","rank":1})"},
      {"board", R"({"title":"second","rank":2})"},
      {"board",
       R"({"title":"<img src=x onerror=alert(1)> \"quoted\" & more","rank":3})"},
      {"note", R"({"text":"hello"})"}};
  batch[0].links = {{"http://a.test/3", "a.test", 1, urls[0].id},
                    {"http://a.test/4", "a.test", 1, urls[0].id},
                    {"http://b.test/2", "b.test", 1, urls[0].id}};
  batch[1].page.url_id = urls[1].id;
  batch[1].page.url = urls[1].url;
  batch[1].page.final_url = urls[1].url;
  batch[1].page.status = 404;
  batch[1].page.bytes = 200;
  batch[2].page.url_id = urls[2].id;
  batch[2].page.url = urls[2].url;
  batch[2].page.status = 0;
  batch[2].fate = storage::Failed{"timeout"};
  batch[3].page.url_id = urls[3].id;
  batch[3].page.url = urls[3].url;
  batch[3].fate = storage::Blocked{"robots"};
  std::vector<storage::QueuedUrl> added;
  EXPECT_TRUE(s.CommitPages(out.crawl_id, batch, &added).ok());
  EXPECT_EQ(added.size(), 3u);
  if (finish) {
    EXPECT_TRUE(s.FinishCrawl(out.crawl_id, "finished", stats_json).ok());
  }
  return out;
}

}  // namespace crawlbox::web
