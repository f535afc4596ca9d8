// WarcWriter: appends WARC records to .warc.gz files in a directory, one gzip
// member per record, rotating files at a size, and indexing each file it
// closes (CDXJ beside it). A file being written is named "….warc.gz.open";
// only a closed file has its final name and its index, and a writer opening
// the directory repairs what a crash left (see Open).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "config/status.h"
#include "crawler/archive/warc_record.h"

namespace crawlbox::crawler {

struct WarcWriterOptions {
  // Created when missing.
  std::string dir;
  // Files are "<prefix>-<UTC yyyymmddhhmmss>-<serial, 5 digits>.warc.gz".
  std::string prefix = "crawlbox";
  // A new file is begun before a write once the current one holds this many
  // bytes or more (so a file may exceed it by one write).
  uint64_t max_bytes = 1'000'000'000;
  // zlib level of every member.
  int gzip_level = 6;
  // The fields of each file's warcinfo record (application/warc-fields), in
  // order, e.g. software, format, conformsTo, isPartOf.
  std::vector<std::pair<std::string, std::string>> info;
  // For repairing a file a writer left open: the bytes of the file named
  // `name` (its final name, no directory) that the caller recorded, i.e. the
  // end of the last record its own commit lists. Records after that end were
  // written but never recorded (a kill between Sync and the caller's commit):
  // they are cut off with any torn tail, so that a page fetched again after
  // the restart is not archived twice. The warcinfo record always stays.
  // Null: every whole record stays. An error fails Open.
  std::function<config::Result<uint64_t>(const std::string& name)> recorded_end;
};

// The warcinfo fields every crawlbox file starts with: software, format and
// conformsTo (WARC 1.1).
std::vector<std::pair<std::string, std::string>> CrawlboxWarcinfo();

// Where a record went: its file's name (no directory), and its gzip member.
struct WarcLocation {
  std::string file;
  uint64_t offset = 0;
  uint64_t length = 0;
};

// Single-threaded: one writer (the store side's serial node) calls it.
class WarcWriter {
 public:
  // Opens `options.dir` for writing. Every "<prefix>-*.warc.gz.open" file in
  // it (a writer that died) is repaired first: cut after its last whole
  // record (or its last recorded one, see recorded_end), indexed and given
  // its final name; their names are added to *repaired (may be null). A file
  // without even a whole warcinfo record is removed. IOError when the
  // directory cannot be used.
  static config::Result<std::unique_ptr<WarcWriter>> Open(
      WarcWriterOptions options, std::vector<std::string>* repaired);

  // Close()s.
  ~WarcWriter();
  WarcWriter(const WarcWriter&) = delete;
  WarcWriter& operator=(const WarcWriter&) = delete;

  // Appends `records`, in order and all in one file: a new one (begun with its
  // warcinfo record) when none is open or the current one reached max_bytes.
  // Each record gets a WARC-Warcinfo-ID field naming that file's warcinfo.
  // Written means handed to the kernel; Sync() makes it durable. IOError
  // leaves the file as it was before the call (a partial write is cut off).
  config::Result<std::vector<WarcLocation>> Write(
      const std::vector<PreparedRecord>& records);
  // The same for records not yet prepared (compressed here, at the writer's
  // gzip level).
  config::Result<std::vector<WarcLocation>> Write(
      const std::vector<WarcRecord>& records);

  // Makes every record written so far durable (fdatasync): what a caller
  // waits for before it records that the records exist.
  config::Status Sync();

  // Ends the current file, if any: synced, its index written, renamed to its
  // final name (in that order: a crash in between leaves a ".open" file that
  // the next Open repairs and indexes again). Idempotent.
  config::Status Close();

  // Stops writing without ending the file: it keeps its ".open" name, so the
  // next Open repairs it against recorded_end. For a caller whose commit of
  // the records written since the last Sync failed. Close() is then a no-op.
  void Abandon();

  // Names of the files this writer closed, in order.
  const std::vector<std::string>& closed_files() const { return closed_; }

 private:
  explicit WarcWriter(WarcWriterOptions options)
      : options_(std::move(options)) {}
  config::Status Begin();
  config::Status Append(const std::string& member);

  const WarcWriterOptions options_;
  int fd_ = -1;
  std::string name_;  // the open file's final name (no ".open")
  std::string warcinfo_id_;
  uint64_t size_ = 0;
  int serial_ = 0;
  bool dirty_ = false;              // written since the last Sync
  std::vector<std::string> index_;  // CDXJ lines of the open file
  std::vector<std::string> closed_;
};

// Writes "<path>.cdxj" (sorted CDXJ lines of every record CdxjLine lists)
// for the .warc.gz file at `path`, read to its end: the index of a file this
// writer did not close itself.
config::Status IndexWarcFile(const std::string& path);
// The same, written to `index_path` (a ".open" file's index under its final
// name; the lines name the file without ".open").
config::Status IndexWarcFile(const std::string& path,
                             const std::string& index_path);

}  // namespace crawlbox::crawler
