// StatusCollector: gathers what the status server shows from the crawl running
// in this process (a StatusSource, if any) and from the database (read-only,
// through storage/), and shares one collection among concurrent requests.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "config/job.h"
#include "config/status.h"
#include "storage/reader.h"
#include "web/process_stats.h"
#include "web/rate_history.h"
#include "web/status_data.h"
#include "web/status_source.h"

namespace crawlbox::web {

// Thread-safe: every method may be called from any thread; calls are
// serialized on one read-only database connection.
class StatusCollector {
 public:
  // Collect() results are reused for this long, so many pollers cost one set of
  // queries.
  static constexpr std::chrono::milliseconds kMaxAge{500};
  // Points of StatusData::history at most.
  static constexpr size_t kMaxHistoryPoints = 300;

  // `db_path`: the crawl's database, opened read-only on first use (it must
  // exist by then). `source`: the live crawl, or null to show the database
  // alone; when given it must outlive the collector.
  StatusCollector(std::string db_path, const StatusSource* source);
  ~StatusCollector();
  StatusCollector(const StatusCollector&) = delete;
  StatusCollector& operator=(const StatusCollector&) = delete;

  // The current numbers, at most kMaxAge old. Fails when the database cannot
  // be read (NotFound, IOError, Corruption, or InvalidArgument when it lacks
  // crawlbox's tables).
  config::Result<StatusData> Collect();
  // The `limit` busiest hosts (most queued, then in flight).
  config::Result<HostsData> Hosts(int64_t limit);
  // Error breakdowns and the `recent` latest failed pages.
  config::Result<ErrorsData> Errors(int64_t recent);
  // Items of `rule` ("" = all rules), newest first.
  config::Result<ItemsData> Items(const std::string& rule, int64_t limit,
                                  int64_t offset);

 private:
  // Opens the reader if needed. Requires mu_.
  config::Status EnsureReader();
  config::Result<StatusData> CollectLocked();
  // The job limits of run `run` from the job text it stored (database mode).
  void LimitsOf(const storage::CrawlRun& run, StatusData* data);
  // Feeds the history with the pages stored since the last call. Requires mu_.
  config::Status UpdateHistory(int64_t crawl_id, double started_unix);

  const std::string db_path_;
  const StatusSource* const source_;

  std::mutex mu_;
  std::unique_ptr<storage::Reader> reader_;
  RateHistory history_;
  ProcessSampler process_;
  uint64_t seq_ = 0;
  std::optional<StatusData> cached_;
  std::chrono::steady_clock::time_point cached_at_;
  // Limits parsed from a run's job text, by crawl id.
  int64_t limits_crawl_id_ = 0;
  config::Limits limits_;
};

}  // namespace crawlbox::web
