// Read-only summaries of a crawlbox database for the status page and
// `crawlbox serve`: the latest crawl run, counts by state, status, reason and
// rule, per-host counts, the latest items and the pages stored per second.
// Every function runs its queries on a caller's Reader and never writes.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/status.h"
#include "storage/reader.h"

namespace crawlbox::storage {

// Name → count, ordered by name.
using Counts = std::map<std::string, int64_t, std::less<>>;

// What one run stored.
struct RunTotals {
  int64_t pages = 0;   // page rows of the run
  int64_t failed = 0;  // of which their frontier row is 'failed'
  int64_t bytes = 0;   // body bytes of those pages
  int64_t items = 0;   // items of the run
};

// The frontier rows of one host by state.
struct HostCounts {
  std::string host;
  int64_t queued = 0;
  int64_t done = 0;
  int64_t failed = 0;
  int64_t blocked = 0;
};

// One row of `items`.
struct StoredItem {
  int64_t id = 0;
  std::string rule;
  std::string url;   // the page it came from
  std::string json;  // the item as a JSON object text, as the crawler stored it
  std::string created_at;
  int64_t crawl_id = 0;
};

// Pages a run stored within one second.
struct SecondCount {
  int64_t unix_s = 0;
  int64_t pages = 0;
  int64_t bytes = 0;
};

// A page that failed or answered with an error status.
struct FailedPage {
  std::string url;
  int status = 0;     // 0 when no response arrived
  std::string error;  // the reason, or ""
  std::string fetched_at;
};

// All functions: on success the value; on failure the Reader's error (IOError,
// Corruption, or InvalidArgument when the file lacks crawlbox's tables).

// The run (a row of `crawls`, storage/rows.h) with the highest id, or nullopt
// when the database has none.
config::Result<std::optional<CrawlRun>> LatestCrawl(Reader& reader);
// The run `crawl_id`, or nullopt when there is no such run.
config::Result<std::optional<CrawlRun>> CrawlById(Reader& reader,
                                                  int64_t crawl_id);

// Frontier URLs by state ("queued", "done", "failed", "blocked").
config::Result<Counts> FrontierByState(Reader& reader);
// Frontier URLs in `state` by reason ("timeout", "http_503", "robots", ...);
// rows without a reason count as "unknown".
config::Result<Counts> FrontierReasons(Reader& reader, std::string_view state);

// Pages, failures, bytes and items of one run.
config::Result<RunTotals> TotalsOfRun(Reader& reader, int64_t crawl_id);
// Pages of one run by HTTP status ("200", "404"); pages without a response
// are left out (see PageErrorsOfRun).
config::Result<Counts> PagesByStatus(Reader& reader, int64_t crawl_id);
// Pages of one run by fetch error reason ("timeout", "too_large").
config::Result<Counts> PageErrorsOfRun(Reader& reader, int64_t crawl_id);

// Items in the database per rule, every run included.
config::Result<Counts> ItemsByRule(Reader& reader);
// Items of `rule` ("" = every rule), newest first, skipping `offset`.
config::Result<std::vector<StoredItem>> LatestItems(Reader& reader,
                                                    std::string_view rule,
                                                    int64_t limit,
                                                    int64_t offset);

// Frontier counts of the `limit` hosts with the most queued URLs (then by
// name), and in *total (if given) how many hosts the frontier has.
config::Result<std::vector<HostCounts>> HostsByQueued(Reader& reader,
                                                      int64_t limit,
                                                      int64_t* total);

// Pages of run `crawl_id` with an id above `after_page_id`, counted per second
// of their fetched_at, ascending; *max_page_id receives the highest page id
// seen (unchanged when none). Reading from the last id on makes repeated calls
// cost only the new pages.
config::Result<std::vector<SecondCount>> PagesPerSecond(Reader& reader,
                                                        int64_t crawl_id,
                                                        int64_t after_page_id,
                                                        int64_t* max_page_id);

// The latest `limit` pages with a fetch error or an HTTP status >= 400.
config::Result<std::vector<FailedPage>> RecentFailures(Reader& reader,
                                                       int64_t limit);

}  // namespace crawlbox::storage
