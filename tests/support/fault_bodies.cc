// The bodies FaultServer sends: plain pages, the filler of its cut and
// trickled bodies, the gzip bomb, invalid UTF-8 and binary bytes.
#include "tests/support/fault_bodies.h"

#include <zlib.h>

#include <cassert>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace crawlbox::testing {

namespace {

constexpr uint64_t kBombSegmentBytes = uint64_t{1} << 20;
constexpr int kBombSegments = 1024;  // 1 GiB in all

// Deflates `in` in one go, ending with `flush`: raw deflate for window_bits
// -15, a gzip member for 15 + 16.
std::string Deflate(std::string_view in, int window_bits, int flush) {
  z_stream z = {};
  const int rc =
      deflateInit2(&z, 9, Z_DEFLATED, window_bits, 9, Z_DEFAULT_STRATEGY);
  assert(rc == Z_OK);
  (void)rc;
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  std::string out;
  char buf[16384];
  do {
    z.next_out = reinterpret_cast<Bytef*>(buf);
    z.avail_out = sizeof(buf);
    deflate(&z, flush);
    out.append(buf, sizeof(buf) - z.avail_out);
  } while (z.avail_out == 0);
  deflateEnd(&z);
  return out;
}

void AppendLe32(uint32_t value, std::string* out) {
  for (int i = 0; i < 4; ++i)
    out->push_back(static_cast<char>(value >> (8 * i)));
}

// A gzip member inflating to 1 GiB of spaces, built without deflating 1 GiB:
// one MiB of spaces is deflated once and ended with a full flush, which
// byte-aligns the output and drops the history, so that segment is valid after
// any other and repeats 1024 times; an empty final block, the CRC (combined,
// not computed over 1 GiB) and the length end the member. Deflate's ratio tops
// out near 1032:1, so the result is about 1 MiB.
std::string BuildGzipBomb() {
  const std::string spaces(kBombSegmentBytes, ' ');
  const std::string segment = Deflate(spaces, -15, Z_FULL_FLUSH);
  const uLong segment_crc =
      crc32(crc32(0L, Z_NULL, 0), reinterpret_cast<const Bytef*>(spaces.data()),
            static_cast<uInt>(spaces.size()));
  uLong crc = crc32(0L, Z_NULL, 0);
  for (int i = 0; i < kBombSegments; ++i)
    crc = crc32_combine(crc, segment_crc,
                        static_cast<z_off_t>(kBombSegmentBytes));
  // Magic, deflate, no flags, no mtime, no extra flags, OS unix.
  std::string gzip("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03", 10);
  gzip.reserve(gzip.size() + segment.size() * kBombSegments + 10);
  for (int i = 0; i < kBombSegments; ++i) gzip += segment;
  gzip.append("\x03\x00", 2);  // a final, empty block with fixed codes
  AppendLe32(static_cast<uint32_t>(crc), &gzip);
  AppendLe32(static_cast<uint32_t>(kBombSegmentBytes * kBombSegments), &gzip);
  return gzip;
}

// Each invalid sequence is followed by a character that cannot extend a hex
// escape.
constexpr char kInvalidUtf8[] =
    "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
    "<title>Bad \xff UTF-8</title></head>\n<body>\n"
    "<p>Lone 0xFF: [\xff]; lone continuation: [\x80]</p>\n"
    "<p>Truncated 3-byte sequence: [\xe2\x82] then ASCII</p>\n"
    "<p>Overlong '/': [\xc0\xaf] [\xe0\x80\xaf]; overlong NUL: [\xc0\x80]</p>\n"
    "<p>UTF-8-encoded surrogates: [\xed\xa0\x80] [\xed\xbf\xbf]</p>\n"
    "<p title=\"t\xff [\xe2\x82] [\xc0\xaf] [\xed\xa0\x80]\">In "
    "attributes</p>\n"
    "<img alt=\"\xed\xb2\x80 \xf8\x88\x80\x80\x80\" src=\"/page/1\">\n"
    "<a href=\"/page/2?q=\xff\xfe\">Raw 0xFF in a query</a>\n"
    "<a href=\"/caf\xff/\xc0\xaf\">Raw 0xFF in a path</a>\n"
    "</body></html>\n";

}  // namespace

std::string Page(std::string_view title,
                 const std::vector<std::string>& links) {
  std::string html = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">";
  html += "<title>" + std::string(title) + "</title></head>\n<body>\n<h1>" +
          std::string(title) + "</h1>\n";
  html += "<ul>\n";
  for (const std::string& link : links)
    html += "<li><a href=\"" + link + "\">" + link + "</a></li>\n";
  html += "</ul>\n</body></html>\n";
  return html;
}

// Bytes [begin, begin + size) of the bodies of /trickle, /reset,
// /lying-length and /big: an HTML start, then one line repeated, so that any
// prefix looks like a page being loaded.
std::string Filler(uint64_t begin, size_t size) {
  constexpr std::string_view kStart = "<!DOCTYPE html>\n<html><body>\n";
  constexpr std::string_view kLine =
      "<p>All work and no play makes a dull crawler.</p>\n";
  std::string out(size, ' ');
  for (uint64_t k = begin; k < begin + size; ++k) {
    out[k - begin] = k < kStart.size()
                         ? kStart[k]
                         : kLine[(k - kStart.size()) % kLine.size()];
  }
  return out;
}

// Built on first use, shared by every server (function statics are
// initialized once, thread-safely).
const std::string& GzipBomb(int layers) {
  static const std::string one = BuildGzipBomb();
  if (layers == 1) return one;
  static const std::string two = Deflate(one, 15 + 16, Z_FINISH);
  return two;
}

std::string InvalidUtf8Page() { return kInvalidUtf8; }

std::string BinaryBody() {
  std::string body(4096, '\0');
  uint32_t x = 0x2545f491;
  for (size_t i = 0; i < body.size(); ++i) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    body[i] = i % 61 == 3 ? '\0' : static_cast<char>(x >> 24);
  }
  return body;
}

}  // namespace crawlbox::testing
