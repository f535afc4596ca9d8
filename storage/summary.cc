// The status page's queries. Each is one statement over the schema in
// schema.h; the page polls them, so they stay simple scans or index lookups.
#include "storage/summary.h"

#include <algorithm>
#include <utility>
#include <variant>

#include "storage/schema.h"

namespace crawlbox::storage {

using config::Result;
using config::Status;

namespace {

int64_t AsInt(const Value& v) {
  if (const auto* i = std::get_if<int64_t>(&v)) return *i;
  if (const auto* d = std::get_if<double>(&v)) return static_cast<int64_t>(*d);
  return 0;
}

double AsReal(const Value& v) {
  if (const auto* d = std::get_if<double>(&v)) return *d;
  if (const auto* i = std::get_if<int64_t>(&v)) return static_cast<double>(*i);
  return 0;
}

std::string AsText(const Value& v) {
  if (const auto* s = std::get_if<std::string>(&v)) return *s;
  if (const auto* i = std::get_if<int64_t>(&v)) return std::to_string(*i);
  return "";
}

// Two-column rows (name, count) as Counts; a NULL name becomes `null_name`.
Result<Counts> CountRows(Reader& reader, std::string_view sql,
                         const std::vector<Value>& params,
                         const std::string& null_name) {
  Counts out;
  Status s = reader.Query(
      sql, params, [](const std::vector<std::string>&) {},
      [&](const std::vector<Value>& row) {
        std::string name = std::holds_alternative<std::monostate>(row[0])
                               ? null_name
                               : AsText(row[0]);
        if (name.empty()) name = null_name;
        out[name] += AsInt(row[1]);
      });
  if (!s.ok()) return s;
  return out;
}

Result<std::optional<CrawlRun>> OneCrawl(Reader& reader, std::string_view sql,
                                         const std::vector<Value>& params) {
  auto rows = reader.QueryAll(sql, params);
  if (!rows.ok()) return rows.status();
  if (rows->rows.empty()) return std::optional<CrawlRun>();
  const std::vector<Value>& r = rows->rows[0];
  CrawlRun run;
  run.id = AsInt(r[0]);
  run.job_name = AsText(r[1]);
  run.job_file = AsText(r[2]);
  run.job_text = AsText(r[3]);
  run.state = AsText(r[4]);
  run.started_at = AsText(r[5]);
  run.finished_at = AsText(r[6]);
  run.started_unix = AsReal(r[7]);
  run.elapsed_s = AsReal(r[8]);
  run.stats_json = AsText(r[9]);
  return std::optional<CrawlRun>(std::move(run));
}

}  // namespace

Result<std::optional<CrawlRun>> LatestCrawl(Reader& reader) {
  return OneCrawl(
      reader, std::string(kSelectCrawlRun) + "ORDER BY id DESC LIMIT 1", {});
}

Result<std::optional<CrawlRun>> CrawlById(Reader& reader, int64_t crawl_id) {
  return OneCrawl(reader, std::string(kSelectCrawlRun) + "WHERE id = ?1",
                  {crawl_id});
}

Result<Counts> FrontierByState(Reader& reader) {
  return CountRows(reader,
                   "SELECT state, count(*) FROM frontier GROUP BY state", {},
                   "unknown");
}

Result<Counts> FrontierReasons(Reader& reader, std::string_view state) {
  return CountRows(
      reader,
      "SELECT reason, count(*) FROM frontier WHERE state = ?1 GROUP BY reason",
      {std::string(state)}, "unknown");
}

Result<RunTotals> TotalsOfRun(Reader& reader, int64_t crawl_id) {
  auto pages = reader.QueryAll(
      "SELECT count(*), coalesce(sum(p.bytes), 0), "
      "coalesce(sum(f.state = 'failed'), 0) FROM pages p "
      "LEFT JOIN frontier f ON f.id = p.url_id WHERE p.crawl_id = ?1",
      {crawl_id});
  if (!pages.ok()) return pages.status();
  auto items = reader.QueryAll("SELECT count(*) FROM items WHERE crawl_id = ?1",
                               {crawl_id});
  if (!items.ok()) return items.status();
  RunTotals totals;
  totals.pages = AsInt(pages->rows[0][0]);
  totals.bytes = AsInt(pages->rows[0][1]);
  totals.failed = AsInt(pages->rows[0][2]);
  totals.items = AsInt(items->rows[0][0]);
  return totals;
}

Result<Counts> PagesByStatus(Reader& reader, int64_t crawl_id) {
  return CountRows(reader,
                   "SELECT status, count(*) FROM pages WHERE crawl_id = ?1 "
                   "AND status IS NOT NULL AND status > 0 GROUP BY status",
                   {crawl_id}, "none");
}

Result<Counts> PageErrorsOfRun(Reader& reader, int64_t crawl_id) {
  return CountRows(reader,
                   "SELECT error, count(*) FROM pages WHERE crawl_id = ?1 "
                   "AND error IS NOT NULL AND error != '' GROUP BY error",
                   {crawl_id}, "unknown");
}

Result<Counts> ItemsByRule(Reader& reader) {
  return CountRows(reader, "SELECT rule, count(*) FROM items GROUP BY rule", {},
                   "unknown");
}

Result<std::vector<StoredItem>> LatestItems(Reader& reader,
                                            std::string_view rule,
                                            int64_t limit, int64_t offset) {
  std::vector<StoredItem> out;
  Status s = reader.Query(
      "SELECT id, rule, url, record, created_at, coalesce(crawl_id, 0) "
      "FROM items WHERE ?1 = '' OR rule = ?1 ORDER BY id DESC "
      "LIMIT ?2 OFFSET ?3",
      {std::string(rule), limit, offset},
      [](const std::vector<std::string>&) {},
      [&](const std::vector<Value>& row) {
        out.push_back(StoredItem{AsInt(row[0]), AsText(row[1]), AsText(row[2]),
                                 AsText(row[3]), AsText(row[4]),
                                 AsInt(row[5])});
      });
  if (!s.ok()) return s;
  return out;
}

Result<std::vector<HostCounts>> HostsByQueued(Reader& reader, int64_t limit,
                                              int64_t* total) {
  if (total != nullptr) {
    auto count =
        reader.QueryAll("SELECT count(DISTINCT host) FROM frontier", {});
    if (!count.ok()) return count.status();
    *total = AsInt(count->rows[0][0]);
  }
  std::vector<HostCounts> out;
  Status s = reader.Query(
      "SELECT host, sum(state = 'queued'), sum(state = 'done'), "
      "sum(state = 'failed'), sum(state = 'blocked') FROM frontier "
      "GROUP BY host ORDER BY 2 DESC, host LIMIT ?1",
      {limit}, [](const std::vector<std::string>&) {},
      [&](const std::vector<Value>& row) {
        out.push_back(HostCounts{AsText(row[0]), AsInt(row[1]), AsInt(row[2]),
                                 AsInt(row[3]), AsInt(row[4])});
      });
  if (!s.ok()) return s;
  return out;
}

Result<std::vector<SecondCount>> PagesPerSecond(Reader& reader,
                                                int64_t crawl_id,
                                                int64_t after_page_id,
                                                int64_t* max_page_id) {
  std::vector<SecondCount> out;
  Status s = reader.Query(
      "SELECT CAST(strftime('%s', fetched_at) AS INTEGER), count(*), "
      "coalesce(sum(bytes), 0), max(id) FROM pages "
      "WHERE id > ?1 AND crawl_id = ?2 GROUP BY 1 ORDER BY 1",
      {after_page_id, crawl_id}, [](const std::vector<std::string>&) {},
      [&](const std::vector<Value>& row) {
        out.push_back(SecondCount{AsInt(row[0]), AsInt(row[1]), AsInt(row[2])});
        if (max_page_id != nullptr)
          *max_page_id = std::max(*max_page_id, AsInt(row[3]));
      });
  if (!s.ok()) return s;
  return out;
}

Result<std::vector<FailedPage>> RecentFailures(Reader& reader, int64_t limit) {
  std::vector<FailedPage> out;
  Status s = reader.Query(
      "SELECT url, coalesce(status, 0), coalesce(error, ''), fetched_at "
      "FROM pages WHERE (error IS NOT NULL AND error != '') OR status >= 400 "
      "ORDER BY id DESC LIMIT ?1",
      {limit}, [](const std::vector<std::string>&) {},
      [&](const std::vector<Value>& row) {
        out.push_back(FailedPage{AsText(row[0]),
                                 static_cast<int>(AsInt(row[1])),
                                 AsText(row[2]), AsText(row[3])});
      });
  if (!s.ok()) return s;
  return out;
}

}  // namespace crawlbox::storage
