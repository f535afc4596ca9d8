// Record bytes, ids and dates, SHA-1 digests in base32 (OpenSSL's libcrypto,
// which libcurl already loads), and gzip members (zlib).
#include "crawler/archive/warc_record.h"

#include <openssl/evp.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <ctime>
#include <random>

#include "crawler/archive/cdxj.h"

namespace crawlbox::crawler {

using config::Result;
using config::Status;

namespace {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  }
  return true;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' ||
                        s.back() == '\r' || s.back() == '\n'))
    s.remove_suffix(1);
  return s;
}

std::string Base32(const unsigned char* data, size_t size) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  std::string out;
  out.reserve((size * 8 + 4) / 5);
  uint32_t buffer = 0;
  int bits = 0;
  for (size_t i = 0; i < size; ++i) {
    buffer = (buffer << 8) | data[i];
    bits += 8;
    while (bits >= 5) {
      out.push_back(kAlphabet[(buffer >> (bits - 5)) & 31]);
      bits -= 5;
    }
  }
  if (bits > 0) out.push_back(kAlphabet[(buffer << (5 - bits)) & 31]);
  // SHA-1's 160 bits are 32 characters exactly: no padding is ever needed.
  return out;
}

}  // namespace

std::optional<std::string_view> WarcRecord::Field(std::string_view name) const {
  if (EqualsIgnoreCase(name, "WARC-Type")) return type;
  if (EqualsIgnoreCase(name, "WARC-Record-ID")) return record_id;
  if (EqualsIgnoreCase(name, "WARC-Date")) return date;
  if (EqualsIgnoreCase(name, "Content-Type") && !content_type.empty())
    return content_type;
  for (const auto& [key, value] : fields) {
    if (EqualsIgnoreCase(key, name)) return value;
  }
  return std::nullopt;
}

namespace {

// The record's header: "WARC/1.1", the fields and the empty line, for a
// block of `block_size` bytes.
std::string WarcHeader(const WarcRecord& record, size_t block_size) {
  std::string out;
  size_t size = 128 + record.content_type.size();
  for (const auto& [key, value] : record.fields)
    size += key.size() + value.size() + 4;
  out.reserve(size);
  auto line = [&out](std::string_view key, std::string_view value) {
    out.append(key).append(": ").append(value).append("\r\n");
  };
  out.append("WARC/1.1\r\n");
  line("WARC-Type", record.type);
  line("WARC-Record-ID", record.record_id);
  line("WARC-Date", record.date);
  for (const auto& [key, value] : record.fields) line(key, value);
  if (!record.content_type.empty()) line("Content-Type", record.content_type);
  line("Content-Length", std::to_string(block_size));
  out.append("\r\n");
  return out;
}

constexpr std::string_view kRecordEnd = "\r\n\r\n";

}  // namespace

std::string SerializeWarcRecord(const WarcRecord& record) {
  std::string out = WarcHeader(record, record.block.size());
  out.reserve(out.size() + record.block.size() + kRecordEnd.size());
  out.append(record.block).append(kRecordEnd);
  return out;
}

Result<WarcRecord> ParseWarcRecord(std::string_view bytes) {
  const size_t end = bytes.find("\r\n\r\n");
  if (end == std::string_view::npos)
    return Status::Corruption("a WARC header without its empty line");
  std::string_view header = bytes.substr(0, end + 2);
  const size_t first = header.find("\r\n");
  const std::string_view version = header.substr(0, first);
  if (version != "WARC/1.1" && version != "WARC/1.0")
    return Status::Corruption("not a WARC record: " +
                              std::string(version.substr(0, 20)));
  header.remove_prefix(first + 2);
  WarcRecord record;
  std::optional<size_t> length;
  while (!header.empty()) {
    const size_t eol = header.find("\r\n");
    std::string_view line = header.substr(0, eol);
    header.remove_prefix(eol == std::string_view::npos ? header.size()
                                                       : eol + 2);
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos)
      return Status::Corruption("a WARC header line without a colon");
    std::string_view key = Trim(line.substr(0, colon));
    std::string value(Trim(line.substr(colon + 1)));
    if (EqualsIgnoreCase(key, "WARC-Type")) {
      record.type = std::move(value);
    } else if (EqualsIgnoreCase(key, "WARC-Record-ID")) {
      record.record_id = std::move(value);
    } else if (EqualsIgnoreCase(key, "WARC-Date")) {
      record.date = std::move(value);
    } else if (EqualsIgnoreCase(key, "Content-Type")) {
      record.content_type = std::move(value);
    } else if (EqualsIgnoreCase(key, "Content-Length")) {
      size_t n = 0;
      auto [ptr, ec] =
          std::from_chars(value.data(), value.data() + value.size(), n);
      if (ec != std::errc() || ptr != value.data() + value.size())
        return Status::Corruption("a bad Content-Length: " + value);
      length = n;
    } else {
      record.fields.emplace_back(std::string(key), std::move(value));
    }
  }
  if (!length)
    return Status::Corruption("a WARC record without Content-Length");
  std::string_view rest = bytes.substr(end + 4);
  if (rest.size() < *length + 4 || rest.substr(*length, 4) != "\r\n\r\n")
    return Status::Corruption("a WARC block shorter than its Content-Length");
  record.block = std::string(rest.substr(0, *length));
  return record;
}

std::string NewRecordId() {
  thread_local std::mt19937_64 random{std::random_device{}()};
  const uint64_t high = random(), low = random();
  unsigned char b[16];
  for (int i = 0; i < 8; ++i) {
    b[i] = static_cast<unsigned char>(high >> (56 - 8 * i));
    b[8 + i] = static_cast<unsigned char>(low >> (56 - 8 * i));
  }
  b[6] = (b[6] & 0x0f) | 0x40;  // version 4
  b[8] = (b[8] & 0x3f) | 0x80;  // RFC 4122 variant
  char out[64];
  std::snprintf(out, sizeof out,
                "<urn:uuid:%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
                "%02x%02x%02x%02x%02x%02x>",
                b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9],
                b[10], b[11], b[12], b[13], b[14], b[15]);
  return out;
}

std::string WarcDate(std::chrono::system_clock::time_point when) {
  using namespace std::chrono;
  const auto micros =
      duration_cast<microseconds>(when.time_since_epoch()).count();
  const time_t seconds = static_cast<time_t>(micros / 1'000'000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char out[96];  // room for any int, which the compiler cannot rule out
  std::snprintf(out, sizeof out, "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ",
                tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                tm.tm_min, tm.tm_sec, static_cast<int>(micros % 1'000'000));
  return out;
}

std::string CdxTimestamp(std::string_view warc_date) {
  std::string out;
  for (char c : warc_date) {
    if (c == '.' || c == 'Z') break;
    if (std::isdigit(static_cast<unsigned char>(c))) out.push_back(c);
  }
  return out.size() == 14 ? out : "";
}

std::string Sha1Digest(std::string_view data) { return Sha1Digest(data, {}); }

std::string Sha1Digest(std::string_view first, std::string_view second) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  const bool ok = ctx != nullptr &&
                  EVP_DigestInit_ex(ctx, EVP_sha1(), nullptr) == 1 &&
                  EVP_DigestUpdate(ctx, first.data(), first.size()) == 1 &&
                  EVP_DigestUpdate(ctx, second.data(), second.size()) == 1 &&
                  EVP_DigestFinal_ex(ctx, md, &size) == 1;
  EVP_MD_CTX_free(ctx);
  return ok ? "sha1:" + Base32(md, size) : "";
}

std::string GzipMember(std::string_view data, int level) {
  z_stream z{};
  // windowBits 15 + 16: a gzip wrapper around the deflate stream.
  if (deflateInit2(&z, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) !=
      Z_OK)
    return "";
  std::string out;
  out.resize(deflateBound(&z, data.size()) + 32);
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return rc == Z_STREAM_END ? out : "";
}

namespace {

// A raw deflate stream (no wrapper) kept per thread and reset for each
// record: deflateInit2 allocates about 270 KB and clears a hash table, which
// would otherwise be paid twice per page.
class ThreadDeflater {
 public:
  ThreadDeflater() = default;
  ThreadDeflater(const ThreadDeflater&) = delete;
  ThreadDeflater& operator=(const ThreadDeflater&) = delete;
  ~ThreadDeflater() {
    if (ready_) deflateEnd(&z_);
  }

  // The stream, reset, at `level`; nullptr when zlib cannot set one up.
  z_stream* Get(int level) {
    if (ready_ && level == level_) {
      deflateReset(&z_);
      return &z_;
    }
    if (ready_) deflateEnd(&z_);
    z_ = z_stream{};
    ready_ = deflateInit2(&z_, level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) ==
             Z_OK;
    level_ = level;
    return ready_ ? &z_ : nullptr;
  }

 private:
  z_stream z_{};
  bool ready_ = false;
  int level_ = 0;
};

// The concatenation of `pieces` as one finished raw deflate stream in *out,
// fed piece by piece so that nothing is joined first.
bool DeflatePieces(const std::string_view* pieces, size_t count, int level,
                   std::string* out) {
  thread_local ThreadDeflater deflater;
  z_stream* z = deflater.Get(level);
  if (z == nullptr) return false;
  size_t total = 0;
  for (size_t i = 0; i < count; ++i) total += pieces[i].size();
  // Text compresses to well under a third; a body that does not grows the
  // buffer below, which costs less than sizing every record for the worst.
  out->resize(total / 3 + 256);
  size_t written = 0;
  int rc = Z_OK;
  for (size_t i = 0; i < count; ++i) {
    const bool last = i + 1 == count;
    z->next_in = reinterpret_cast<Bytef*>(const_cast<char*>(pieces[i].data()));
    z->avail_in = static_cast<uInt>(pieces[i].size());
    do {
      if (written == out->size()) out->resize(out->size() * 2);
      z->next_out = reinterpret_cast<Bytef*>(out->data() + written);
      z->avail_out = static_cast<uInt>(out->size() - written);
      rc = deflate(z, last ? Z_FINISH : Z_NO_FLUSH);
      written = out->size() - z->avail_out;
      if (rc == Z_STREAM_ERROR) return false;
    } while (last ? rc != Z_STREAM_END : z->avail_in > 0);
  }
  out->resize(written);
  return true;
}

void PutLittleEndian16(uint16_t v, std::string* out) {
  out->push_back(static_cast<char>(v & 0xff));
  out->push_back(static_cast<char>(v >> 8));
}

void PutLittleEndian32(uint32_t v, std::string* out) {
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<char>(v >> (8 * i)));
}

}  // namespace

PreparedRecord PrepareRecord(const WarcRecord& record, int level,
                             std::string_view block_tail) {
  PreparedRecord out;
  out.type = record.type;
  const std::string header =
      WarcHeader(record, record.block.size() + block_tail.size());
  // The first line is written by FinishMember.
  const std::string_view pieces[] = {
      std::string_view(header).substr(header.find("\r\n") + 2), record.block,
      block_tail, kRecordEnd};
  uLong crc = crc32_z(0, nullptr, 0);
  for (std::string_view piece : pieces) {
    // crc32_z of a null buffer (an empty view's data()) starts over at 0.
    if (piece.empty()) continue;
    crc = crc32_z(crc, reinterpret_cast<const Bytef*>(piece.data()),
                  piece.size());
    out.size += piece.size();
  }
  out.crc = static_cast<uint32_t>(crc);
  if (!DeflatePieces(pieces, std::size(pieces), level, &out.deflated))
    out.deflated.clear();
  CdxjEntry(record, &out.index_key, &out.index_fields);
  return out;
}

std::string FinishMember(const PreparedRecord& record,
                         std::string_view warcinfo_id) {
  std::string head = "WARC/1.1\r\n";
  if (!warcinfo_id.empty())
    head.append("WARC-Warcinfo-ID: ").append(warcinfo_id).append("\r\n");
  // gzip header: magic, deflate, no flags, no mtime, no extra flags, Unix.
  std::string out("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03", 10);
  out.reserve(10 + head.size() + 16 + record.deflated.size() + 8);
  // The head goes in as stored (uncompressed) deflate blocks, not final, and
  // byte-aligned, so the prepared stream follows as it is. Storing a few dozen
  // bytes costs the one writer thread no zlib stream per record.
  std::string_view rest = head;
  do {
    const size_t n = std::min<size_t>(rest.size(), 0xffff);
    out.push_back('\0');  // BFINAL 0, BTYPE 00 (stored), padding
    PutLittleEndian16(static_cast<uint16_t>(n), &out);
    PutLittleEndian16(static_cast<uint16_t>(~n & 0xffff), &out);
    out.append(rest.substr(0, n));
    rest.remove_prefix(n);
  } while (!rest.empty());
  out.append(record.deflated);
  const uLong head_crc =
      crc32_z(0, reinterpret_cast<const Bytef*>(head.data()), head.size());
  const uLong crc =
      crc32_combine(head_crc, record.crc, static_cast<z_off_t>(record.size));
  PutLittleEndian32(static_cast<uint32_t>(crc), &out);
  PutLittleEndian32(static_cast<uint32_t>(head.size() + record.size), &out);
  return out;
}

Result<GzipMemberRead> ReadGzipMember(std::string_view bytes) {
  z_stream z{};
  // 15 + 16: gzip only; inflate stops at the member's end, so the next
  // member's bytes are left unread.
  if (inflateInit2(&z, 15 + 16) != Z_OK)
    return Status::Corruption("zlib inflateInit2 failed");
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
  z.avail_in = static_cast<uInt>(bytes.size());
  GzipMemberRead read;
  std::array<char, 64 * 1024> chunk;
  int rc = Z_OK;
  while (rc == Z_OK) {
    z.next_out = reinterpret_cast<Bytef*>(chunk.data());
    z.avail_out = static_cast<uInt>(chunk.size());
    rc = inflate(&z, Z_NO_FLUSH);
    read.data.append(chunk.data(), chunk.size() - z.avail_out);
    if (rc == Z_BUF_ERROR && z.avail_in == 0) break;  // input ran out
  }
  read.consumed = bytes.size() - z.avail_in;
  inflateEnd(&z);
  if (rc != Z_STREAM_END) {
    return Status::Corruption(z.avail_in == 0 ? "a gzip member cut short"
                                              : "a bad gzip member");
  }
  return read;
}

}  // namespace crawlbox::crawler
