// Shared by the end-to-end WARC tests: the files of a WARC folder read by the
// outside parsers (warcio.js, tests/support/warc_check.py), and the
// warc_records table checked against the files it points into.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "crawler/archive/warc_record.h"
#include "crawler/archive/warc_scan.h"
#include "tests/e2e/crawl_support.h"
#include "tests/support/subprocess.h"
#include "tests/support/warcio.h"

namespace crawlbox::e2e {

// The closed WARC files of `dir` (ending in .warc.gz), sorted.
inline std::vector<std::string> WarcFiles(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().string().ends_with(".warc.gz"))
      out.push_back(entry.path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// tests/support/warc_check.py's report on `files` (its docstring says what
// it holds): counts by type, responses as
// [url, status], WARC-Concurrent-To/-Refers-To links, problems (digests,
// links that resolve to nothing).
inline nlohmann::json PythonCheck(const std::vector<std::string>& files) {
  std::vector<std::string> argv = {
      "/usr/bin/python3",
      std::string(CRAWLBOX_SOURCE_DIR) + "/tests/support/warc_check.py"};
  argv.insert(argv.end(), files.begin(), files.end());
  testing::ProcessResult r = testing::RunProcess(argv, {}, 300'000);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return nlohmann::json::parse(r.out, nullptr, false);
}

// Whether a "url status" line is of robots.txt, which a crawl may archive
// without a page row.
inline bool IsRobots(const std::string& url_status) {
  return url_status.find("/robots.txt ") != std::string::npos;
}

// Adds the "url status" of one CDXJ line (from crawlbox or warcio) to *out,
// unless it is robots.txt's.
inline void AddCdxjEntry(const std::string& line,
                         std::multiset<std::string>* out) {
  const size_t brace = line.find('{');
  auto json = nlohmann::json::parse(
      brace == std::string::npos ? "" : line.substr(brace), nullptr, false);
  EXPECT_TRUE(json.is_object()) << line;
  if (!json.is_object()) return;
  std::string entry =
      json["url"].get<std::string>() + " " + json["status"].get<std::string>();
  if (!IsRobots(entry)) out->insert(std::move(entry));
}

// warcio.js (`cli`, see testing::WarcioCli) over `files`, in one run each of
// its `index` and `cdx-index` (a node start costs more than a small file):
// `index` must read as many records as crawlbox's own scan finds, so every
// file to its end; returns what `cdx-index` lists as "url status" lines
// (robots.txt left out).
inline std::multiset<std::string> WarcioResponses(
    const std::string& cli, const std::vector<std::string>& files) {
  std::multiset<std::string> listed;
  int64_t records = 0;
  for (const std::string& file : files) {
    auto ours = crawler::ScanWarcFile(file, nullptr);
    EXPECT_TRUE(ours.ok()) << file;
    if (!ours.ok()) continue;
    EXPECT_TRUE(ours->complete) << file << ": " << ours->tail_error;
    records += ours->records;
  }
  std::vector<std::string> args = {"index"};
  args.insert(args.end(), files.begin(), files.end());
  testing::ProcessResult index = testing::RunWarcio(cli, args);
  EXPECT_EQ(index.exit_code, 0) << index.err;
  EXPECT_EQ(std::count(index.out.begin(), index.out.end(), '\n'), records);
  args[0] = "cdx-index";
  testing::ProcessResult cdx = testing::RunWarcio(cli, args);
  EXPECT_EQ(cdx.exit_code, 0) << cdx.err;
  std::istringstream lines(cdx.out);
  for (std::string line; std::getline(lines, line);)
    AddCdxjEntry(line, &listed);
  return listed;
}

// warc_check.py's responses as "url status" lines (robots.txt left out).
inline std::multiset<std::string> CheckedResponses(
    const nlohmann::json& check) {
  std::multiset<std::string> out;
  if (!check.is_object() || !check.contains("responses")) return out;
  for (const auto& r : check["responses"]) {
    std::string entry =
        r[0].get<std::string>() + " " + std::to_string(r[1].get<int64_t>());
    if (!IsRobots(entry)) out.insert(std::move(entry));
  }
  return out;
}

// The CDXJ indexes crawlbox wrote beside `files` ("<file>.cdxj"), as
// "url status" lines (robots.txt left out).
inline std::multiset<std::string> IndexedResponses(
    const std::vector<std::string>& files) {
  std::multiset<std::string> out;
  for (const std::string& file : files) {
    std::ifstream in(file + ".cdxj");
    EXPECT_TRUE(in.good()) << file << " has no index";
    for (std::string line; std::getline(in, line);) AddCdxjEntry(line, &out);
  }
  return out;
}

// The pages table as "url status" lines, pages with a status only (a
// transport failure has no response to archive).
inline std::multiset<std::string> PageStatuses(const std::string& db) {
  std::multiset<std::string> out;
  for (const auto& row :
       QueryDb(db, "SELECT url, status FROM pages WHERE status > 0").rows) {
    out.insert(std::get<std::string>(row[0]) + " " +
               std::to_string(std::get<int64_t>(row[1])));
  }
  return out;
}

// Every warc_records row of `db` points at a whole record in `warc_dir`: its
// file, offset and length are one gzip member holding a record of the row's
// type for the row's URL (a row of url_id 0, a robots.txt's or sitemap's,
// has no frontier URL to compare). Returns the rows checked.
inline int64_t ExpectRecordsTablePointsAtRecords(const std::string& db,
                                                 const std::string& warc_dir) {
  const storage::QueryResult rows = QueryDb(
      db,
      "SELECT w.file, w.offset, w.length, w.type, f.url FROM warc_records w "
      "LEFT JOIN frontier f ON f.id = w.url_id ORDER BY w.file, w.offset");
  EXPECT_EQ(CountDb(db,
                    "SELECT count(*) FROM warc_records w WHERE w.url_id <> 0 "
                    "AND NOT EXISTS (SELECT 1 FROM frontier f WHERE f.id = "
                    "w.url_id)"),
            0)
      << "every row but robots.txt's and sitemaps' names a frontier URL";
  std::string file, bytes;
  for (const auto& row : rows.rows) {
    const auto& name = std::get<std::string>(row[0]);
    const auto offset = static_cast<size_t>(std::get<int64_t>(row[1]));
    const auto length = static_cast<size_t>(std::get<int64_t>(row[2]));
    const auto& type = std::get<std::string>(row[3]);
    const auto* url = std::get_if<std::string>(&row[4]);
    if (name != file) {
      file = name;
      std::ifstream in(warc_dir + "/" + name, std::ios::binary);
      EXPECT_TRUE(in.good()) << name << " is missing";
      bytes.assign(std::istreambuf_iterator<char>(in), {});
    }
    if (offset + length > bytes.size()) {
      ADD_FAILURE() << name << " ends before " << offset << "+" << length;
      continue;
    }
    auto member =
        crawler::ReadGzipMember(std::string_view(bytes).substr(offset, length));
    if (!member.ok() || member->consumed != length) {
      ADD_FAILURE() << name << " at " << offset << ": not one gzip member";
      continue;
    }
    auto record = crawler::ParseWarcRecord(member->data);
    if (!record.ok()) {
      ADD_FAILURE() << name << " at " << offset << ": "
                    << record.status().ToString();
      continue;
    }
    EXPECT_EQ(record->type, type) << name << " at " << offset;
    if (url != nullptr) {
      EXPECT_EQ(record->Field("WARC-Target-URI").value_or(""), *url)
          << name << " at " << offset;
    }
  }
  return static_cast<int64_t>(rows.rows.size());
}

// What ExpectOneResponsePerPage read.
struct ArchiveCheck {
  std::vector<std::string> files;
  std::string warcio_missing;  // why warcio.js did not run, or ""
};

// The archive in `warc_dir` agrees with the pages table of `db`, which holds
// `pages` pages: no file is left ".open"; warc_check.py finds every digest
// right and every link resolved, and one response per page with the pages'
// URLs and statuses, as do the CDXJ indexes, warcio.js's cdx-index (reading
// every file to its end; unless node is missing) and warc_records, each of
// whose rows points at its record.
inline ArchiveCheck ExpectOneResponsePerPage(const std::string& db,
                                             const std::string& warc_dir,
                                             int64_t pages) {
  ArchiveCheck out;
  out.files = WarcFiles(warc_dir);
  EXPECT_FALSE(out.files.empty());
  for (const auto& entry : std::filesystem::directory_iterator(warc_dir))
    EXPECT_FALSE(entry.path().string().ends_with(".open")) << entry.path();
  const std::multiset<std::string> expected = PageStatuses(db);
  EXPECT_EQ(static_cast<int64_t>(expected.size()), pages);

  nlohmann::json check = PythonCheck(out.files);
  EXPECT_TRUE(check.is_object());
  if (check.is_object()) {
    EXPECT_EQ(check["problems"], nlohmann::json::array()) << check["problems"];
  }
  EXPECT_TRUE(CheckedResponses(check) == expected)
      << "a page archived twice, or not at all";
  EXPECT_TRUE(IndexedResponses(out.files) == expected);
  const std::string responses =
      "FROM warc_records w JOIN pages p ON p.url_id = w.url_id WHERE w.type = "
      "'response'";
  EXPECT_EQ(CountDb(db, "SELECT count(*) " + responses), pages);
  EXPECT_EQ(CountDb(db, "SELECT count(DISTINCT w.url_id) " + responses), pages);
  EXPECT_GE(ExpectRecordsTablePointsAtRecords(db, warc_dir), 2 * pages);

  const std::string cli = testing::WarcioCli(&out.warcio_missing);
  if (!cli.empty()) {
    EXPECT_TRUE(WarcioResponses(cli, out.files) == expected);
  }
  return out;
}

}  // namespace crawlbox::e2e
