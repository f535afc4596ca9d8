// Decoding through glibc iconv, with the WHATWG decoders' error handling laid
// over iconv's: iconv stops at the first invalid byte, and this file decides
// how many bytes the error covers, writes U+FFFD and carries on.
#include <errno.h>
#include <iconv.h>

#include <algorithm>

#include "parser/charset_decode.h"

namespace crawlbox::parser {

namespace {

bool InRange(unsigned char byte, unsigned char low, unsigned char high) {
  return byte >= low && byte <= high;
}

bool IsLeadByte(CharsetLeadBytes kind, unsigned char byte) {
  switch (kind) {
    case CharsetLeadBytes::kGb18030:
    case CharsetLeadBytes::kBig5:
    case CharsetLeadBytes::kEucKr:
      return InRange(byte, 0x81, 0xFE);
    case CharsetLeadBytes::kShiftJis:
      return InRange(byte, 0x81, 0x9F) || InRange(byte, 0xE0, 0xFC);
    case CharsetLeadBytes::kEucJp:
      return byte == 0x8E || byte == 0x8F || InRange(byte, 0xA1, 0xFE);
    case CharsetLeadBytes::kSingleByte:
    case CharsetLeadBytes::kStateful:
      return false;
  }
  return false;
}

// How many bytes, starting at the one iconv rejected, the standard's decoder
// turns into one U+FFFD. Its multi-byte decoders consume a valid lead byte
// together with a second byte that is not ASCII (EUC-JP: that is in
// 0xA1-0xFE), and give an ASCII second byte back to be decoded on its own; a
// gb18030 four-byte form is consumed whole only when its shape is right.
size_t ErrorLength(CharsetLeadBytes kind, const unsigned char* p,
                   size_t available) {
  if (available < 2 || !IsLeadByte(kind, p[0])) return 1;
  if (kind == CharsetLeadBytes::kGb18030 && InRange(p[1], 0x30, 0x39)) {
    bool four_byte_shape = available >= 4 && InRange(p[2], 0x81, 0xFE) &&
                           InRange(p[3], 0x30, 0x39);
    return four_byte_shape ? 4 : 1;
  }
  if (kind == CharsetLeadBytes::kEucJp) {
    if (!InRange(p[1], 0xA1, 0xFE)) return 1;
    // 0x8F introduces a three-byte JIS X 0212 character.
    if (p[0] == 0x8F && available >= 3 && InRange(p[2], 0xA1, 0xFE)) return 3;
    return 2;
  }
  return p[1] >= 0x80 ? 2 : 1;
}

// True when the `available` bytes at p, the last of the input, are the start
// of a sequence that more bytes could have completed. glibc reports EINVAL
// for some ill-formed tails too (gb18030: any lead byte followed by a digit
// and fewer than two more bytes).
bool IsTruncatedSequence(CharsetLeadBytes kind, const unsigned char* p,
                         size_t available) {
  if (kind == CharsetLeadBytes::kStateful) return true;
  if (!IsLeadByte(kind, p[0])) return false;
  if (available == 1) return true;
  if (kind == CharsetLeadBytes::kGb18030) {
    return InRange(p[1], 0x30, 0x39) &&
           (available == 2 || (available == 3 && InRange(p[2], 0x81, 0xFE)));
  }
  return kind == CharsetLeadBytes::kEucJp && p[0] == 0x8F && available == 2 &&
         InRange(p[1], 0xA1, 0xFE);
}

// Used when glibc has no converter for the encoding: keeps what is certain.
bool DecodeAsciiOnly(std::string_view bytes, std::string* out) {
  bool had_errors = false;
  for (char c : bytes) {
    if (static_cast<unsigned char>(c) < 0x80) {
      out->push_back(c);
    } else {
      out->append(kReplacementUtf8);
      had_errors = true;
    }
  }
  return had_errors;
}

// An iconv_t closed when it goes out of scope.
class IconvHandle {
 public:
  explicit IconvHandle(const char* from) : cd_(iconv_open("UTF-8", from)) {}
  ~IconvHandle() {
    if (ok()) iconv_close(cd_);
  }
  IconvHandle(const IconvHandle&) = delete;
  IconvHandle& operator=(const IconvHandle&) = delete;

  bool ok() const { return cd_ != reinterpret_cast<iconv_t>(-1); }
  iconv_t get() const { return cd_; }

 private:
  iconv_t cd_;
};

// Output area for iconv: a string grown as iconv asks for room, trimmed to
// what was written at the end.
class Output {
 public:
  Output(std::string* out, size_t expected) : out_(out), written_(out->size()) {
    out_->resize(written_ + expected + 16);
  }

  // Makes room for at least `bytes` more.
  void Reserve(size_t bytes) {
    if (out_->size() - written_ < bytes) {
      out_->resize(std::max(out_->size() * 2, written_ + bytes));
    }
  }
  char* next() { return out_->data() + written_; }
  size_t room() const { return out_->size() - written_; }
  void Advance(char* new_next) {
    written_ = static_cast<size_t>(new_next - out_->data());
  }
  void Append(std::string_view text) {
    Reserve(text.size());
    std::copy(text.begin(), text.end(), next());
    written_ += text.size();
  }
  size_t written() const { return written_; }
  void Finish() { out_->resize(written_); }

 private:
  std::string* out_;
  size_t written_;
};

// Writes out whatever the converter holds back (glibc's BIG5-HKSCS keeps a
// character that may combine with the next) and returns it to its initial
// state.
void Flush(iconv_t cd, Output* output) {
  while (true) {
    output->Reserve(16);
    char* next = output->next();
    size_t room = output->room();
    size_t rc = iconv(cd, nullptr, nullptr, &next, &room);
    int error = errno;
    output->Advance(next);
    if (rc != static_cast<size_t>(-1) || error != E2BIG) return;
    output->Reserve(output->room() + 64);
  }
}

}  // namespace

bool DecodeWithIconv(const CharsetInfo& charset, std::string_view bytes,
                     std::string* out) {
  IconvHandle handle(charset.iconv_name);
  if (!handle.ok()) return DecodeAsciiOnly(bytes, out);
  iconv_t cd = handle.get();
  size_t start = out->size();
  Output output(out, bytes.size() + bytes.size() / 2);
  bool had_errors = false;

  // iconv's prototype takes char** for its input but never writes through it.
  char* in = const_cast<char*>(bytes.data());
  size_t in_left = bytes.size();
  while (in_left > 0) {
    char* next = output.next();
    size_t room = output.room();
    size_t rc = iconv(cd, &in, &in_left, &next, &room);
    int error = errno;
    output.Advance(next);
    if (rc != static_cast<size_t>(-1)) break;
    if (error == E2BIG) {
      output.Reserve(in_left * 2 + 64);
      continue;
    }
    const auto* p = reinterpret_cast<const unsigned char*>(in);
    // EINVAL is a sequence cut off by the end: one error for all of it.
    size_t skip = in_left;
    if (error != EINVAL ||
        !IsTruncatedSequence(charset.lead_bytes, p, in_left)) {
      skip = std::min(ErrorLength(charset.lead_bytes, p, in_left), in_left);
    }
    // Stateless converters are flushed so that a character they hold back
    // comes before the U+FFFD; a stateful one (ISO-2022-JP) keeps its mode,
    // as the standard's decoder does after an error.
    if (charset.lead_bytes != CharsetLeadBytes::kStateful) Flush(cd, &output);
    if (charset.lead_bytes == CharsetLeadBytes::kGb18030 && p[0] == 0x80) {
      output.Append("\xE2\x82\xAC");  // the standard's gb18030 maps 0x80 to €
    } else {
      output.Append(kReplacementUtf8);
      had_errors = true;
    }
    in += skip;
    in_left -= skip;
  }
  Flush(cd, &output);
  output.Finish();

  // glibc's converters emit valid UTF-8; this keeps the promise even if some
  // table maps to a surrogate.
  std::string_view appended(out->data() + start, out->size() - start);
  if (CheckUtf8(appended) != Utf8Check::kValid) {
    std::string repaired;
    DecodeUtf8(appended, &repaired);
    out->resize(start);
    out->append(repaired);
    had_errors = true;
  }
  return had_errors;
}

}  // namespace crawlbox::parser
