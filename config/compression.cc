// zlib streams: a bounded, streaming inflater and a one-shot deflater.
#include "config/compression.h"

#include <zlib.h>

#include <algorithm>
#include <limits>

namespace crawlbox::config {

bool IsGzip(std::string_view data) {
  return data.size() >= 2 && static_cast<unsigned char>(data[0]) == 0x1f &&
         static_cast<unsigned char>(data[1]) == 0x8b;
}

// The output grows in steps rather than being sized up front, so memory
// follows the real output, never what a header or a bomb claims.
Inflated Inflate(std::string_view in, size_t max_bytes, bool raw_fallback) {
  Inflated result;
  z_stream zs{};
  // 32 + MAX_WBITS: zlib or gzip wrapper, whichever the header says.
  if (inflateInit2(&zs, 32 + MAX_WBITS) != Z_OK) {
    result.cut = true;
    return result;
  }
  // avail_in is a uInt: feed large bodies in slices.
  constexpr size_t kMaxSlice = size_t{1} << 30;
  size_t fed = 0;
  auto feed = [&] {
    if (zs.avail_in == 0 && fed < in.size()) {
      const size_t n = std::min(in.size() - fed, kMaxSlice);
      zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data() + fed));
      zs.avail_in = static_cast<uInt>(n);
      fed += n;
    }
  };
  std::string& out = result.data;
  while (true) {
    feed();
    if (out.size() >= max_bytes) {
      // Full: the body is cut unless the stream has nothing more to give.
      unsigned char probe;
      zs.next_out = &probe;
      zs.avail_out = 1;
      const int ret = inflate(&zs, Z_NO_FLUSH);
      result.cut = ret != Z_STREAM_END || zs.avail_out == 0;
      result.too_large = result.cut;
      break;
    }
    const size_t old_size = out.size();
    const size_t step = std::min<size_t>({max_bytes - old_size,
                                          std::max<size_t>(old_size, 64 * 1024),
                                          std::numeric_limits<uInt>::max()});
    out.resize(old_size + step);
    zs.next_out = reinterpret_cast<Bytef*>(out.data() + old_size);
    zs.avail_out = static_cast<uInt>(step);
    const int ret = inflate(&zs, Z_NO_FLUSH);
    out.resize(old_size + (step - zs.avail_out));
    if (ret == Z_STREAM_END) {
      // RFC 1952 allows several members back to back; gzip(1) joins them.
      feed();
      const std::string_view rest(reinterpret_cast<const char*>(zs.next_in),
                                  zs.avail_in + (in.size() - fed));
      if (IsGzip(rest) && inflateReset(&zs) == Z_OK) continue;
      break;  // trailing garbage after the last member is ignored
    }
    if (ret == Z_OK) continue;
    if (ret == Z_DATA_ERROR && raw_fallback && out.empty()) {
      // No zlib or gzip header: start again, reading raw deflate.
      raw_fallback = false;
      inflateEnd(&zs);
      zs = z_stream{};
      if (inflateInit2(&zs, -MAX_WBITS) != Z_OK) {
        result.cut = true;
        return result;
      }
      fed = 0;
      continue;
    }
    // Z_BUF_ERROR: no progress, i.e. the input ended inside the stream;
    // Z_DATA_ERROR and the rest: corrupt. Either way the output is cut.
    result.cut = true;
    break;
  }
  inflateEnd(&zs);
  return result;
}

std::string Deflate(std::string_view in) {
  uLongf size = compressBound(static_cast<uLong>(in.size()));
  std::string out(size, '\0');
  // compress2 cannot fail with a buffer of compressBound bytes and a valid
  // level; Z_MEM_ERROR would be an allocation failure, which we do not handle
  // anywhere else either.
  const int ret =
      compress2(reinterpret_cast<Bytef*>(out.data()), &size,
                reinterpret_cast<const Bytef*>(in.data()),
                static_cast<uLong>(in.size()), Z_DEFAULT_COMPRESSION);
  if (ret != Z_OK) return std::string();
  out.resize(size);
  return out;
}

}  // namespace crawlbox::config
