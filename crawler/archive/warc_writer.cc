// Files, rotation, durability and repair. The writer appends with write(2) to
// an O_APPEND descriptor and cuts a failed write's partial bytes off with
// ftruncate, so that a file on disk is always whole members; a crash between
// two writes leaves at most one member cut short, which Open repairs.
#include "crawler/archive/warc_writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <limits>

#include "crawler/archive/cdxj.h"
#include "crawler/archive/warc_scan.h"

namespace crawlbox::crawler {

using config::Result;
using config::Status;

namespace {

constexpr const char* kOpenSuffix = ".open";

Status Errno(const std::string& what) {
  return Status::IOError(what + ": " + std::strerror(errno));
}

std::string UtcStamp() {
  const time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char out[20];
  std::strftime(out, sizeof out, "%Y%m%d%H%M%S", &tm);
  return out;
}

// Writes `lines`, sorted, to `path` through a temporary file renamed over it.
Status WriteIndex(const std::string& path, std::vector<std::string> lines) {
  std::sort(lines.begin(), lines.end());
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    for (const std::string& line : lines) out << line << '\n';
    out.flush();
    if (!out) return Status::IOError(tmp + ": cannot write the index");
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0)
    return Errno("rename " + tmp);
  return Status::Ok();
}

}  // namespace

std::vector<std::pair<std::string, std::string>> CrawlboxWarcinfo() {
  return {{"software", "crawlbox/0.1"},
          {"format", "WARC File Format 1.1"},
          {"conformsTo",
           "https://iipc.github.io/warc-specifications/specifications/"
           "warc-format/warc-1.1/"}};
}

Status IndexWarcFile(const std::string& path) {
  return IndexWarcFile(path, path + ".cdxj");
}

Status IndexWarcFile(const std::string& path, const std::string& index_path) {
  // The index names the file by its final name, without ".open".
  std::string name = std::filesystem::path(path).filename().string();
  if (name.ends_with(kOpenSuffix))
    name.resize(name.size() - std::strlen(kOpenSuffix));
  std::vector<std::string> lines;
  auto scan = ScanWarcFile(
      path, [&](const WarcRecord& record, uint64_t offset, uint64_t length) {
        if (auto line = CdxjLine(record, name, offset, length))
          lines.push_back(std::move(*line));
      });
  if (!scan.ok()) return scan.status();
  return WriteIndex(index_path, std::move(lines));
}

Result<std::unique_ptr<WarcWriter>> WarcWriter::Open(
    WarcWriterOptions options, std::vector<std::string>* repaired) {
  std::error_code ec;
  std::filesystem::create_directories(options.dir, ec);
  if (ec) return Status::IOError(options.dir + ": " + ec.message());
  const std::string lead = options.prefix + "-";
  std::vector<std::filesystem::path> leftovers;
  for (const auto& entry :
       std::filesystem::directory_iterator(options.dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind(lead, 0) == 0 && name.size() > 13 &&
        name.ends_with(std::string(".warc.gz") + kOpenSuffix))
      leftovers.push_back(entry.path());
  }
  if (ec) return Status::IOError(options.dir + ": " + ec.message());
  std::sort(leftovers.begin(), leftovers.end());
  for (const auto& open_path : leftovers) {
    std::string final_path = open_path.string();
    final_path.resize(final_path.size() - std::strlen(kOpenSuffix));
    const std::string final_name =
        std::filesystem::path(final_path).filename().string();
    uint64_t recorded = std::numeric_limits<uint64_t>::max();
    if (options.recorded_end) {
      auto end = options.recorded_end(final_name);
      if (!end.ok()) return end.status();
      recorded = *end;
    }
    // Keep whole records up to the recorded end, and the warcinfo record.
    uint64_t keep = 0;
    auto scan =
        ScanWarcFile(open_path.string(),
                     [&](const WarcRecord&, uint64_t offset, uint64_t length) {
                       if (keep == 0 || offset + length <= recorded)
                         keep = offset + length;
                     });
    if (!scan.ok()) return scan.status();
    if (keep == 0) {
      // Killed before its warcinfo record was whole: nothing to keep.
      if (::unlink(open_path.c_str()) != 0)
        return Errno("remove " + open_path.string());
      continue;
    }
    if (keep < scan->file_bytes &&
        ::truncate(open_path.c_str(), static_cast<off_t>(keep)) != 0)
      return Errno("truncate " + open_path.string());
    Status indexed = IndexWarcFile(open_path.string(), final_path + ".cdxj");
    if (!indexed.ok()) return indexed;
    if (std::rename(open_path.c_str(), final_path.c_str()) != 0)
      return Errno("rename " + open_path.string());
    if (repaired != nullptr) repaired->push_back(final_name);
  }
  return std::unique_ptr<WarcWriter>(new WarcWriter(std::move(options)));
}

WarcWriter::~WarcWriter() { (void)Close(); }

Status WarcWriter::Begin() {
  // The serial keeps names of one second apart and sorts them in order.
  std::string name;
  std::string path;
  const std::string stamp = UtcStamp();
  do {
    char serial[8];
    std::snprintf(serial, sizeof serial, "%05d", ++serial_ % 100000);
    name = options_.prefix + "-" + stamp + "-" + serial + ".warc.gz";
    path = options_.dir + "/" + name;
  } while (std::filesystem::exists(path) ||
           std::filesystem::exists(path + kOpenSuffix));
  const std::string open_path = path + kOpenSuffix;
  fd_ = ::open(open_path.c_str(),
               O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0644);
  if (fd_ < 0) return Errno("create " + open_path);
  name_ = name;
  size_ = 0;
  index_.clear();
  WarcRecord info;
  info.type = "warcinfo";
  info.record_id = NewRecordId();
  info.date = WarcDate(std::chrono::system_clock::now());
  info.fields.emplace_back("WARC-Filename", name_);
  info.content_type = "application/warc-fields";
  for (const auto& [key, value] : options_.info)
    info.block.append(key).append(": ").append(value).append("\r\n");
  warcinfo_id_ = info.record_id;
  Status s = Append(FinishMember(PrepareRecord(info, options_.gzip_level), ""));
  if (!s.ok()) {
    ::close(fd_);
    fd_ = -1;
  }
  return s;
}

Status WarcWriter::Append(const std::string& member) {
  size_t done = 0;
  while (done < member.size()) {
    const ssize_t n = ::write(fd_, member.data() + done, member.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      Status s = Errno("write " + name_ + kOpenSuffix);
      // Whole members only: what this call wrote of one is cut off again.
      if (::ftruncate(fd_, static_cast<off_t>(size_)) != 0) {
        // The next Open's repair cuts it.
      }
      return s;
    }
    done += static_cast<size_t>(n);
  }
  size_ += member.size();
  dirty_ = true;
  return Status::Ok();
}

Result<std::vector<WarcLocation>> WarcWriter::Write(
    const std::vector<WarcRecord>& records) {
  std::vector<PreparedRecord> prepared;
  prepared.reserve(records.size());
  for (const WarcRecord& record : records)
    prepared.push_back(PrepareRecord(record, options_.gzip_level));
  return Write(prepared);
}

Result<std::vector<WarcLocation>> WarcWriter::Write(
    const std::vector<PreparedRecord>& records) {
  if (fd_ >= 0 && size_ >= options_.max_bytes) {
    Status s = Close();
    if (!s.ok()) return s;
  }
  if (fd_ < 0) {
    Status s = Begin();
    if (!s.ok()) return s;
  }
  std::vector<WarcLocation> out;
  out.reserve(records.size());
  std::vector<std::string> lines;
  const uint64_t start = size_;
  std::string members;
  for (const PreparedRecord& record : records) {
    std::string member = FinishMember(record, warcinfo_id_);
    WarcLocation where{name_, start + members.size(), member.size()};
    if (!record.index_key.empty()) {
      lines.push_back(CdxjLine(record.index_key, record.index_fields, name_,
                               where.offset, where.length));
    }
    members += member;
    out.push_back(std::move(where));
  }
  // One write for the group: a request and its response land together.
  Status s = Append(members);
  if (!s.ok()) return s;
  for (std::string& line : lines) index_.push_back(std::move(line));
  return out;
}

Status WarcWriter::Sync() {
  if (fd_ < 0 || !dirty_) return Status::Ok();
  if (::fdatasync(fd_) != 0) return Errno("fdatasync " + name_);
  dirty_ = false;
  return Status::Ok();
}

Status WarcWriter::Close() {
  if (fd_ < 0) return Status::Ok();
  Status s = Sync();
  ::close(fd_);
  fd_ = -1;
  if (!s.ok()) return s;
  const std::string path = options_.dir + "/" + name_;
  s = WriteIndex(path + ".cdxj", std::move(index_));
  if (!s.ok()) return s;
  if (std::rename((path + kOpenSuffix).c_str(), path.c_str()) != 0)
    return Errno("rename " + path + kOpenSuffix);
  closed_.push_back(name_);
  return Status::Ok();
}

void WarcWriter::Abandon() {
  if (fd_ < 0) return;
  ::close(fd_);
  fd_ = -1;
  index_.clear();
}

}  // namespace crawlbox::crawler
