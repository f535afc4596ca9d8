// `crawlbox export-warc DB [-o DIR]`: a WARC of the pages a database stored
// with [store] bodies, for crawls made before WARC was on. Each page becomes
// a response record rebuilt from its row and body (see
// crawler/archive/stored_records.h), written by the crawl's own WarcWriter:
// one gzip member per record, rotation, a CDXJ index beside each file.
#include <cctype>
#include <cstdio>
#include <string>
#include <vector>

#include "config/compression.h"
#include "crawler/archive/stored_records.h"
#include "crawler/archive/warc_writer.h"
#include "crawler/cli/commands.h"
#include "storage/reader.h"

namespace crawlbox::crawler {

using config::Status;

namespace {

// A stored body inflates to at most this: bodies are stored no larger than
// fetch.max_body_bytes, whose range ends far below it.
constexpr size_t kMaxBody = size_t{1} << 31;

std::string Text(const storage::Value& v) {
  if (const auto* s = std::get_if<std::string>(&v)) return *s;
  return "";
}

// The job name of the database's latest crawl run, or "".
std::string LastJobName(storage::Reader* reader) {
  auto rows =
      reader->QueryAll("SELECT job_name FROM crawls ORDER BY id DESC LIMIT 1");
  if (!rows.ok() || rows->rows.empty()) return "";
  return Text(rows->rows[0][0]);
}

int Fail(const Status& s) {
  std::fprintf(stderr, "crawlbox export-warc: %s\n", s.ToString().c_str());
  return kExitFailure;
}

}  // namespace

int CmdExportWarc(const ExportWarcArgs& args) {
  // As [store] warc_prefix: a file name, never a path.
  for (char c : args.prefix) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '.' &&
        c != '-') {
      std::fprintf(stderr,
                   "crawlbox export-warc: --prefix: expected letters, digits, "
                   "'_', '.' and '-', got '%s'\n",
                   args.prefix.c_str());
      return kExitBadInput;
    }
  }
  auto reader = storage::Reader::Open(args.db);
  if (!reader.ok()) return Fail(reader.status());
  auto bodies = (*reader)->QueryAll("SELECT count(*) FROM bodies");
  if (!bodies.ok()) return Fail(bodies.status());
  if (bodies->rows.empty() ||
      std::get_if<int64_t>(&bodies->rows[0][0]) == nullptr ||
      std::get<int64_t>(bodies->rows[0][0]) == 0) {
    std::fprintf(stderr,
                 "crawlbox export-warc: %s holds no page bodies: only a crawl "
                 "with [store] bodies = true can be exported\n",
                 args.db.c_str());
    return kExitBadInput;
  }
  const std::string job_name = LastJobName(reader->get());

  WarcWriterOptions options;
  options.dir = args.out;
  if (options.dir.empty()) {
    std::string base = args.db;
    if (base.ends_with(".db")) base.resize(base.size() - 3);
    options.dir = base + "-export-warc";
  }
  options.prefix = args.prefix.empty() ? "export" : args.prefix;
  options.max_bytes = args.max_bytes;
  options.info = ExportWarcinfo(job_name);
  auto writer = WarcWriter::Open(options, nullptr);
  if (!writer.ok()) return Fail(writer.status());

  // Every page with a stored body, and redirects (their target is the
  // response); a page without a body otherwise has nothing to rebuild.
  int64_t written = 0, skipped = 0;
  Status failed = Status::Ok();
  Status s = (*reader)->Query(
      "SELECT p.url, p.status, p.content_type, p.etag, p.last_modified, "
      "p.location, p.fetched_at, p.error, b.encoding, b.data FROM pages p "
      "LEFT JOIN bodies b ON b.page_id = p.id WHERE p.status > 0 ORDER BY "
      "p.id",
      [](const std::vector<std::string>&) {},
      [&](const std::vector<storage::Value>& row) {
        if (!failed.ok()) return;
        StoredResponse page;
        page.url = Text(row[0]);
        const auto* status = std::get_if<int64_t>(&row[1]);
        if (status == nullptr) {  // not a number: nothing to rebuild
          ++skipped;
          return;
        }
        page.status = static_cast<int>(*status);
        page.content_type = Text(row[2]);
        page.etag = Text(row[3]);
        page.last_modified = Text(row[4]);
        page.location = Text(row[5]);
        page.stored_at = Text(row[6]);
        page.truncated = Text(row[7]) == "truncated";
        const std::string encoding = Text(row[8]);
        if (encoding.empty() && page.location.empty()) {
          ++skipped;
          return;
        }
        if (!encoding.empty()) {
          if (encoding != "zlib") {
            failed =
                Status::Corruption("the stored body of " + page.url +
                                   " has unknown encoding '" + encoding + "'");
            return;
          }
          config::Inflated body = config::Inflate(Text(row[9]), kMaxBody);
          if (body.cut) {
            failed = Status::Corruption("the stored body of " + page.url +
                                        " is damaged");
            return;
          }
          page.body = std::move(body.data);
        }
        auto where = (*writer)->Write(
            std::vector<WarcRecord>{StoredResponseRecord(page)});
        if (!where.ok()) {
          failed = where.status();
          return;
        }
        ++written;
      });
  if (s.ok()) s = failed;
  if (s.ok()) s = (*writer)->Close();
  if (!s.ok()) return Fail(s);
  std::fprintf(stderr,
               "crawlbox export-warc: %lld pages written to %zu file(s) in "
               "%s (reconstructed, not the bytes as received); %lld pages "
               "without a stored body left out\n",
               static_cast<long long>(written),
               (*writer)->closed_files().size(), options.dir.c_str(),
               static_cast<long long>(skipped));
  return kExitOk;
}

}  // namespace crawlbox::crawler
