// The WARC writer on its own: record bytes, digests against an outside
// SHA-1 (Python's hashlib, computed once: the vectors below), gzip members,
// rotation, indexes, repair of a file a crash cut short (and of records
// written but never recorded by the caller), and warcio.js
// reading every file to its end.
#include "crawler/archive/warc_writer.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "crawler/archive/cdxj.h"
#include "crawler/archive/warc_record.h"
#include "crawler/archive/warc_scan.h"
#include "tests/support/temp_dir.h"
#include "tests/support/warcio.h"

namespace crawlbox::crawler {
namespace {

using testing::TempDir;

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// A request and response pair of a GET of `url` answered `status` with
// `body`, as the fetch side will build them.
std::vector<WarcRecord> Exchange(const std::string& url, int status,
                                 const std::string& body) {
  const std::string date = WarcDate(std::chrono::system_clock::time_point(
      std::chrono::seconds(1'796'000'000)));
  WarcRecord response;
  response.type = "response";
  response.record_id = NewRecordId();
  response.date = date;
  response.content_type = "application/http; msgtype=response";
  response.block = "HTTP/1.1 " + std::to_string(status) +
                   " OK\r\nContent-Type: text/html; charset=utf-8\r\n"
                   "Content-Length: " +
                   std::to_string(body.size()) + "\r\n\r\n" + body;
  response.fields = {{"WARC-Target-URI", url},
                     {"WARC-IP-Address", "127.0.0.1"},
                     {"WARC-Block-Digest", Sha1Digest(response.block)},
                     {"WARC-Payload-Digest", Sha1Digest(body)}};
  WarcRecord request;
  request.type = "request";
  request.record_id = NewRecordId();
  request.date = date;
  request.content_type = "application/http; msgtype=request";
  request.block = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  request.fields = {{"WARC-Target-URI", url},
                    {"WARC-Concurrent-To", response.record_id},
                    {"WARC-Block-Digest", Sha1Digest(request.block)}};
  return {std::move(request), std::move(response)};
}

TEST(WarcRecordTest, DigestsAreSha1InBase32) {
  // python3 -c "import hashlib,base64; print(base64.b32encode(
  //   hashlib.sha1(b'abc').digest()).decode())"
  EXPECT_EQ(Sha1Digest("abc"), "sha1:VGMT4NSHA2AWVOR6EVYXQUGCNSONBWE5");
  EXPECT_EQ(Sha1Digest(""), "sha1:3I42H3S6NNFQ2MSVX7XZKYAYSCX5QBYJ");
}

TEST(WarcRecordTest, ARecordReadsBackAsWritten) {
  std::vector<WarcRecord> pair = Exchange("http://a.test/x", 200, "<p>hi</p>");
  const std::string bytes = SerializeWarcRecord(pair[1]);
  EXPECT_EQ(bytes.rfind("WARC/1.1\r\nWARC-Type: response\r\n", 0), 0u);
  EXPECT_TRUE(bytes.ends_with("<p>hi</p>\r\n\r\n"));
  auto back = ParseWarcRecord(bytes);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->type, "response");
  EXPECT_EQ(back->record_id, pair[1].record_id);
  EXPECT_EQ(back->date, pair[1].date);
  EXPECT_EQ(back->content_type, pair[1].content_type);
  EXPECT_EQ(back->fields, pair[1].fields);
  EXPECT_EQ(back->block, pair[1].block);
  EXPECT_EQ(*back->Field("warc-target-uri"), "http://a.test/x");
  EXPECT_FALSE(ParseWarcRecord(bytes.substr(0, bytes.size() - 6)).ok());
  EXPECT_FALSE(ParseWarcRecord("HTTP/1.1 200 OK\r\n\r\n").ok());
}

TEST(WarcRecordTest, IdsAreUuidsAndDatesAreUtc) {
  std::set<std::string> ids;
  for (int i = 0; i < 1000; ++i) ids.insert(NewRecordId());
  EXPECT_EQ(ids.size(), 1000u);
  EXPECT_EQ(ids.begin()->size(), 47u);  // <urn:uuid: 36 >
  EXPECT_EQ(WarcDate(std::chrono::system_clock::time_point(
                std::chrono::microseconds(1'796'000'000'000'001))),
            "2026-11-30T00:53:20.000001Z");
  EXPECT_EQ(CdxTimestamp("2026-11-30T00:53:20.000001Z"), "20261130005320");
}

TEST(WarcRecordTest, AGzipMemberReadsBackAndACutOneIsCaught) {
  std::string data(100'000, 'x');
  for (size_t i = 0; i < data.size(); i += 7) data[i] = static_cast<char>(i);
  const std::string member = GzipMember(data, 6);
  auto read = ReadGzipMember(member + "trailing bytes of the next member");
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ(read->data, data);
  EXPECT_EQ(read->consumed, member.size());
  auto cut =
      ReadGzipMember(std::string_view(member).substr(0, member.size() / 2));
  EXPECT_FALSE(cut.ok());
}

TEST(CdxjTest, SurtAndIndexLines) {
  EXPECT_EQ(Surt("https://www.Example.com/A/b?z=1&a=2#frag"),
            "com,example)/a/b?a=2&z=1");
  EXPECT_EQ(Surt("http://127.0.0.1:8080"), "1,0,0,127:8080)/");
  EXPECT_EQ(Surt("http://example.com:80/x"), "com,example)/x");
  std::vector<WarcRecord> pair = Exchange("http://a.test/x", 404, "gone");
  EXPECT_FALSE(CdxjLine(pair[0], "f.warc.gz", 0, 10).has_value());
  auto line = CdxjLine(pair[1], "f.warc.gz", 123, 456);
  ASSERT_TRUE(line.has_value());
  const size_t brace = line->find('{');
  EXPECT_EQ(line->substr(0, brace), "test,a)/x 20261130005320 ");
  auto json = nlohmann::json::parse(line->substr(brace));
  EXPECT_EQ(json["url"], "http://a.test/x");
  EXPECT_EQ(json["status"], "404");
  EXPECT_EQ(json["mime"], "text/html");
  EXPECT_EQ(json["digest"], Sha1Digest("gone").substr(5));
  EXPECT_EQ(json["offset"], "123");
  EXPECT_EQ(json["length"], "456");
  EXPECT_EQ(json["filename"], "f.warc.gz");
}

// Writes `pages` exchanges with files of at most about `max_bytes`.
std::vector<std::string> WritePages(const std::string& dir, int pages,
                                    uint64_t max_bytes,
                                    std::vector<WarcLocation>* responses) {
  WarcWriterOptions options;
  options.dir = dir;
  options.prefix = "test";
  options.max_bytes = max_bytes;
  options.info = {{"software", "crawlbox test"},
                  {"format", "WARC File Format 1.1"}};
  auto writer = WarcWriter::Open(options, nullptr);
  EXPECT_TRUE(writer.ok()) << writer.status().ToString();
  if (!writer.ok()) return {};
  for (int i = 0; i < pages; ++i) {
    auto where =
        (*writer)->Write(Exchange("http://a.test/p" + std::to_string(i), 200,
                                  std::string(2000 + i, 'a' + i % 26)));
    EXPECT_TRUE(where.ok()) << where.status().ToString();
    if (!where.ok()) break;
    EXPECT_EQ((*where)[0].file, (*where)[1].file) << "a pair shares a file";
    EXPECT_EQ((*where)[1].offset, (*where)[0].offset + (*where)[0].length);
    if (responses != nullptr) responses->push_back((*where)[1]);
  }
  EXPECT_TRUE((*writer)->Close().ok());
  return (*writer)->closed_files();
}

TEST(WarcWriterTest, FilesRotateAndEachParsesWithItsIndex) {
  TempDir dir;
  std::vector<WarcLocation> responses;
  const std::vector<std::string> files =
      WritePages(dir.path().string(), 60, 20'000, &responses);
  ASSERT_GT(files.size(), 2u) << "60 pages of 2 KB in files of 20 KB";
  int64_t indexed = 0;
  for (const std::string& name : files) {
    const std::string path = dir.File(name);
    std::string warcinfo_id;
    int64_t records = 0;
    auto scan =
        ScanWarcFile(path, [&](const WarcRecord& r, uint64_t, uint64_t) {
          if (records++ == 0) {
            EXPECT_EQ(r.type, "warcinfo");
            EXPECT_EQ(*r.Field("WARC-Filename"), name);
            warcinfo_id = r.record_id;
          } else {
            EXPECT_EQ(*r.Field("WARC-Warcinfo-ID"), warcinfo_id);
          }
        });
    ASSERT_TRUE(scan.ok());
    EXPECT_TRUE(scan->complete) << scan->tail_error;
    EXPECT_EQ(scan->valid_bytes, scan->file_bytes);
    EXPECT_FALSE(std::filesystem::exists(path + ".open"));
    std::istringstream index(ReadAll(path + ".cdxj"));
    for (std::string line; std::getline(index, line);) ++indexed;
  }
  EXPECT_EQ(indexed, 60);
  // Every location points at its record's member.
  for (const WarcLocation& where : responses) {
    const std::string bytes = ReadAll(dir.File(where.file));
    auto member = ReadGzipMember(
        std::string_view(bytes).substr(where.offset, where.length));
    ASSERT_TRUE(member.ok());
    EXPECT_EQ(member->consumed, where.length);
    auto record = ParseWarcRecord(member->data);
    ASSERT_TRUE(record.ok());
    EXPECT_EQ(record->type, "response");
  }
}

TEST(WarcWriterTest, AFileACrashCutShortIsRepairedOnOpen) {
  TempDir dir;
  const std::vector<std::string> files =
      WritePages(dir.path().string(), 5, 1'000'000'000, nullptr);
  ASSERT_EQ(files.size(), 1u);
  // As a crash leaves it: still .open, no index, half a member at its tail.
  const std::string path = dir.File(files[0]);
  const std::string whole = ReadAll(path);
  std::filesystem::remove(path + ".cdxj");
  const std::string half = GzipMember(
      SerializeWarcRecord(Exchange("http://a.test/cut", 200, "x")[1]), 6);
  {
    std::ofstream out(path + ".open", std::ios::binary);
    out << whole << half.substr(0, half.size() / 2);
  }
  std::filesystem::remove(path);
  std::vector<std::string> repaired;
  WarcWriterOptions options;
  options.dir = dir.path().string();
  options.prefix = "test";
  auto writer = WarcWriter::Open(options, &repaired);
  ASSERT_TRUE(writer.ok()) << writer.status().ToString();
  EXPECT_EQ(repaired, files);
  EXPECT_EQ(ReadAll(path), whole);
  auto scan = ScanWarcFile(path, nullptr);
  ASSERT_TRUE(scan.ok());
  EXPECT_TRUE(scan->complete);
  EXPECT_EQ(scan->records, 11);  // warcinfo + 5 pairs
  std::istringstream index(ReadAll(path + ".cdxj"));
  int lines = 0;
  for (std::string line; std::getline(index, line);) ++lines;
  EXPECT_EQ(lines, 5);
}

// A kill between Sync and the caller's commit: the records of pages the
// caller never recorded are cut, so a page fetched again is archived once.
TEST(WarcWriterTest, RepairCutsRecordsTheCallerNeverRecorded) {
  TempDir dir;
  WarcWriterOptions options;
  options.dir = dir.path().string();
  options.prefix = "test";
  std::string name;
  uint64_t recorded = 0;
  {
    auto writer = WarcWriter::Open(options, nullptr);
    ASSERT_TRUE(writer.ok()) << writer.status().ToString();
    for (int i = 0; i < 5; ++i) {
      auto where = (*writer)->Write(
          Exchange("http://a.test/p" + std::to_string(i), 200, "body"));
      ASSERT_TRUE(where.ok());
      ASSERT_TRUE((*writer)->Sync().ok());
      name = (*where)[1].file;
      // The caller's commit of the first three pairs made it.
      if (i < 3) recorded = (*where)[1].offset + (*where)[1].length;
    }
    (*writer)->Abandon();  // as a kill leaves it: ".open", no index
  }
  const std::string path = dir.File(name);
  ASSERT_TRUE(std::filesystem::exists(path + ".open"));
  ASSERT_FALSE(std::filesystem::exists(path + ".cdxj"));
  // A second file killed before its warcinfo record was whole.
  const std::string torn = dir.File("test-20260101000000-00009.warc.gz");
  std::ofstream(torn + ".open", std::ios::binary)
      << GzipMember(SerializeWarcRecord(Exchange("http://a.test/", 200, "")[0]),
                    6)
             .substr(0, 20);

  std::vector<std::string> asked;
  options.recorded_end = [&](const std::string& file) {
    asked.push_back(file);
    return config::Result<uint64_t>(file == name ? recorded : 0);
  };
  std::vector<std::string> repaired;
  auto writer = WarcWriter::Open(options, &repaired);
  ASSERT_TRUE(writer.ok()) << writer.status().ToString();
  EXPECT_EQ(repaired, std::vector<std::string>{name});
  EXPECT_EQ(asked.size(), 2u) << "the caller is asked about every open file";
  EXPECT_FALSE(std::filesystem::exists(torn + ".open"));
  EXPECT_FALSE(std::filesystem::exists(torn)) << "nothing whole to keep";
  std::vector<std::string> urls;
  auto scan = ScanWarcFile(path, [&](const WarcRecord& r, uint64_t, uint64_t) {
    if (r.type == "response") urls.emplace_back(*r.Field("WARC-Target-URI"));
  });
  ASSERT_TRUE(scan.ok());
  EXPECT_TRUE(scan->complete);
  EXPECT_EQ(scan->file_bytes, recorded);
  EXPECT_EQ(scan->records, 7);  // warcinfo + 3 pairs
  EXPECT_EQ(urls,
            (std::vector<std::string>{"http://a.test/p0", "http://a.test/p1",
                                      "http://a.test/p2"}));
  std::istringstream index(ReadAll(path + ".cdxj"));
  int lines = 0;
  for (std::string line; std::getline(index, line);) {
    EXPECT_NE(line.find("\"filename\":\"" + name + "\""), std::string::npos)
        << line;
    ++lines;
  }
  EXPECT_EQ(lines, 3);
}

TEST(WarcWriterTest, WarcioReadsEveryFileToItsEnd) {
  std::string why;
  const std::string cli = testing::WarcioCli(&why);
  if (cli.empty()) GTEST_SKIP() << why;
  TempDir dir;
  std::vector<WarcLocation> responses;
  const std::vector<std::string> files =
      WritePages(dir.path().string(), 40, 8000, &responses);
  ASSERT_GT(files.size(), 1u);
  int64_t records = 0, listed = 0;
  for (const std::string& name : files) {
    const std::string path = dir.File(name);
    auto ours = ScanWarcFile(path, nullptr);
    ASSERT_TRUE(ours.ok());
    testing::ProcessResult index = testing::RunWarcio(cli, {"index", path});
    ASSERT_EQ(index.exit_code, 0) << index.err;
    std::istringstream lines(index.out);
    int64_t read = 0;
    for (std::string line; std::getline(lines, line);) {
      auto json = nlohmann::json::parse(line, nullptr, false);
      ASSERT_FALSE(json.is_discarded()) << line;
      ++read;
    }
    EXPECT_EQ(read, ours->records) << index.out;
    records += read;
    // warcio's own CDXJ agrees with ours on URL, status and offset.
    testing::ProcessResult cdx = testing::RunWarcio(cli, {"cdx-index", path});
    ASSERT_EQ(cdx.exit_code, 0) << cdx.err;
    std::set<std::string> theirs, mine;
    std::istringstream cdx_lines(cdx.out);
    for (std::string line; std::getline(cdx_lines, line);) {
      auto json = nlohmann::json::parse(line.substr(line.find('{')));
      theirs.insert(json["url"].get<std::string>() + " " +
                    json["status"].get<std::string>() + " " +
                    json["offset"].get<std::string>());
      ++listed;
    }
    std::istringstream my_lines(ReadAll(path + ".cdxj"));
    for (std::string line; std::getline(my_lines, line);) {
      auto json = nlohmann::json::parse(line.substr(line.find('{')));
      mine.insert(json["url"].get<std::string>() + " " +
                  json["status"].get<std::string>() + " " +
                  json["offset"].get<std::string>());
    }
    EXPECT_EQ(theirs, mine);
  }
  EXPECT_EQ(records, 80 + static_cast<int64_t>(files.size()));
  EXPECT_EQ(listed, 40);
}

}  // namespace
}  // namespace crawlbox::crawler
