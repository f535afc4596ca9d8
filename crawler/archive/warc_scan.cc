// The file is mapped, not read: a WARC file may be a gigabyte, and the scan
// looks at each member once.
#include "crawler/archive/warc_scan.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string_view>

namespace crawlbox::crawler {

using config::Result;
using config::Status;

Result<WarcScan> ScanWarcFile(
    const std::string& path,
    const std::function<void(const WarcRecord&, uint64_t, uint64_t)>& each) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::IOError(path + ": " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const int err = errno;
    ::close(fd);
    return Status::IOError(path + ": " + std::strerror(err));
  }
  WarcScan scan;
  scan.file_bytes = static_cast<uint64_t>(st.st_size);
  if (st.st_size == 0) {
    ::close(fd);
    return scan;
  }
  void* map = ::mmap(nullptr, static_cast<size_t>(st.st_size), PROT_READ,
                     MAP_PRIVATE, fd, 0);
  ::close(fd);
  if (map == MAP_FAILED)
    return Status::IOError(path + ": mmap: " + std::strerror(errno));
  const std::string_view bytes(static_cast<const char*>(map),
                               static_cast<size_t>(st.st_size));
  uint64_t offset = 0;
  while (offset < bytes.size()) {
    auto member = ReadGzipMember(bytes.substr(offset));
    if (!member.ok()) {
      scan.complete = false;
      scan.tail_error = member.status().message();
      break;
    }
    auto record = ParseWarcRecord(member->data);
    if (!record.ok()) {
      scan.complete = false;
      scan.tail_error = record.status().message();
      break;
    }
    if (each) each(*record, offset, member->consumed);
    offset += member->consumed;
    ++scan.records;
    scan.valid_bytes = offset;
  }
  ::munmap(map, static_cast<size_t>(st.st_size));
  return scan;
}

}  // namespace crawlbox::crawler
