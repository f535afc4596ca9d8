// Shared by the end-to-end tests: run a job in-process (real curl, real SQLite)
// and read the database it wrote.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <string>
#include <thread>

#include "config/job_loader.h"
#include "crawler/engine/engine.h"
#include "parser/page_parser.h"
#include "storage/reader.h"
#include "storage/store.h"

namespace crawlbox::e2e {

struct JobRun {
  crawler::RunSnapshot summary;
  std::map<std::string, int64_t, std::less<>> counters;
};

// Compiles and runs a loaded job into the database at `db`; any problem fails
// the test.
inline JobRun RunJob(const config::LoadedJob& loaded, const std::string& db) {
  JobRun run;
  EXPECT_TRUE(loaded.ok()) << (loaded.ok() ? ""
                                           : loaded.problems[0].ToString());
  if (!loaded.ok()) return run;
  std::vector<config::JobProblem> problems;
  auto parser = parser::PageParser::Compile(loaded.job, &problems);
  EXPECT_TRUE(problems.empty())
      << (problems.empty() ? "" : problems[0].ToString());
  auto store = storage::Store::Open(db);
  EXPECT_TRUE(store.ok()) << store.status().ToString();
  if (!store.ok()) return run;
  crawler::Engine engine(loaded.job, *parser, store->get(), {});
  auto summary = engine.Run();
  EXPECT_TRUE(summary.ok()) << summary.status().ToString();
  if (summary.ok()) run.summary = *summary;
  run.counters = engine.counters().Snapshot();
  return run;
}

// The same for a job given as TOML text.
inline JobRun RunJobText(const std::string& toml, const std::string& db) {
  return RunJob(config::LoadJobText(toml, "job.toml"), db);
}

// Just the summary of RunJobText.
inline crawler::RunSnapshot CrawlText(const std::string& toml,
                                      const std::string& db) {
  return RunJobText(toml, db).summary;
}

// Every row of `sql` (read-only, as a second process would).
inline storage::QueryResult QueryDb(const std::string& db,
                                    const std::string& sql) {
  auto reader = storage::Reader::Open(db);
  EXPECT_TRUE(reader.ok()) << reader.status().ToString();
  if (!reader.ok()) return {};
  auto rows = (*reader)->QueryAll(sql);
  EXPECT_TRUE(rows.ok()) << sql << ": " << rows.status().ToString();
  return rows.ok() ? *rows : storage::QueryResult{};
}

// Polls the database (as a second process would) until the integer `sql`
// returns is >= want; false after `timeout`.
inline bool WaitForCount(const std::string& db, const std::string& sql,
                         int64_t want, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    auto reader = storage::Reader::Open(db);
    if (reader.ok()) {
      auto rows = (*reader)->QueryAll(sql);
      if (rows.ok() && !rows->rows.empty() &&
          std::holds_alternative<int64_t>(rows->rows[0][0]) &&
          std::get<int64_t>(rows->rows[0][0]) >= want) {
        return true;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

// The integer in the first column of the first row of `sql`, or -1.
inline int64_t CountDb(const std::string& db, const std::string& sql) {
  auto rows = QueryDb(db, sql);
  if (rows.rows.empty() || !std::holds_alternative<int64_t>(rows.rows[0][0]))
    return -1;
  return std::get<int64_t>(rows.rows[0][0]);
}

}  // namespace crawlbox::e2e
