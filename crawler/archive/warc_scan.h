// Reading a .warc.gz file record by record: for repairing a file a crash cut
// short, for indexing a file again, and for tests.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "config/status.h"
#include "crawler/archive/warc_record.h"

namespace crawlbox::crawler {

struct WarcScan {
  // Records read whole, and where the last of them ends: a file whose scan
  // has `complete` false holds bytes after `valid_bytes` that are not a whole
  // record (a crash cut it), described by `tail_error`.
  int64_t records = 0;
  uint64_t valid_bytes = 0;
  uint64_t file_bytes = 0;
  bool complete = true;
  std::string tail_error;
};

// Calls `each` with every record of the file at `path` (one gzip member per
// record) with its member's offset and length, in file order, and stops at
// the first member that is cut short or not a WARC record. `each` may be
// null. IOError when the file cannot be read.
config::Result<WarcScan> ScanWarcFile(
    const std::string& path,
    const std::function<void(const WarcRecord&, uint64_t offset,
                             uint64_t length)>& each);

}  // namespace crawlbox::crawler
