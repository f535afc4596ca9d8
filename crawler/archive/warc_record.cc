// Record bytes, ids and dates, SHA-1 digests in base32 (OpenSSL's libcrypto,
// which libcurl already loads), and gzip members (zlib).
#include "crawler/archive/warc_record.h"

#include <openssl/evp.h>
#include <zlib.h>

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

std::string SerializeWarcRecord(const WarcRecord& record) {
  std::string out;
  size_t header = 128 + record.content_type.size();
  for (const auto& [key, value] : record.fields)
    header += key.size() + value.size() + 4;
  out.reserve(header + record.block.size() + 4);
  auto line = [&out](std::string_view key, std::string_view value) {
    out.append(key).append(": ").append(value).append("\r\n");
  };
  out.append("WARC/1.1\r\n");
  line("WARC-Type", record.type);
  line("WARC-Record-ID", record.record_id);
  line("WARC-Date", record.date);
  for (const auto& [key, value] : record.fields) line(key, value);
  if (!record.content_type.empty()) line("Content-Type", record.content_type);
  line("Content-Length", std::to_string(record.block.size()));
  out.append("\r\n").append(record.block).append("\r\n\r\n");
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

std::string Sha1Digest(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (EVP_Digest(data.data(), data.size(), md, &size, EVP_sha1(), nullptr) != 1)
    return "";
  return "sha1:" + Base32(md, size);
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

// Raw deflate (no wrapper) of `data` appended to *out, ending with a final
// block (`finish`) or a sync flush that leaves the stream open for more
// blocks after it.
bool Deflate(std::string_view data, int level, bool finish, std::string* out) {
  z_stream z{};
  if (deflateInit2(&z, level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    return false;
  const size_t start = out->size();
  out->resize(start + deflateBound(&z, data.size()) + 64);
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out->data() + start);
  z.avail_out = static_cast<uInt>(out->size() - start);
  const int rc = deflate(&z, finish ? Z_FINISH : Z_SYNC_FLUSH);
  out->resize(start + z.total_out);
  deflateEnd(&z);
  return finish ? rc == Z_STREAM_END : rc == Z_OK;
}

void PutLittleEndian32(uint32_t v, std::string* out) {
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<char>(v >> (8 * i)));
}

}  // namespace

PreparedRecord PrepareRecord(const WarcRecord& record, int level) {
  PreparedRecord out;
  out.type = record.type;
  std::string bytes = SerializeWarcRecord(record);
  // The first line is written by FinishMember.
  const std::string_view rest =
      std::string_view(bytes).substr(bytes.find("\r\n") + 2);
  out.size = rest.size();
  out.crc = static_cast<uint32_t>(
      crc32_z(0, reinterpret_cast<const Bytef*>(rest.data()), rest.size()));
  Deflate(rest, level, /*finish=*/true, &out.deflated);
  CdxjEntry(record, &out.index_key, &out.index_fields);
  return out;
}

std::string FinishMember(const PreparedRecord& record,
                         std::string_view warcinfo_id, int level) {
  std::string head = "WARC/1.1\r\n";
  if (!warcinfo_id.empty())
    head.append("WARC-Warcinfo-ID: ").append(warcinfo_id).append("\r\n");
  // gzip header: magic, deflate, no flags, no mtime, no extra flags, Unix.
  std::string out("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03", 10);
  out.reserve(10 + head.size() + 16 + record.deflated.size() + 8);
  Deflate(head, level, /*finish=*/false, &out);
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
