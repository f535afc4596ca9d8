// UTF-8 validation and repair with the WHATWG decoder's error handling, and
// the small decoders (UTF-16, windows-1252, x-user-defined) that are simpler
// and more exact written out than through iconv.
#include "parser/charset_decode.h"

#include <cstdint>
#include <cstring>

#include "parser/charset.h"

namespace crawlbox::parser {

namespace {

constexpr uint64_t kHighBits = 0x8080808080808080ULL;

// Index of the first byte >= 0x80 at or after `i`, or text.size(). ASCII is
// skipped sixteen, then eight bytes at a time: most of a page is markup.
size_t SkipAscii(std::string_view text, size_t i) {
  const char* data = text.data();
  while (i + 16 <= text.size()) {
    uint64_t words[2];
    std::memcpy(words, data + i, sizeof(words));
    if (((words[0] | words[1]) & kHighBits) != 0) break;
    i += 16;
  }
  while (i + 8 <= text.size()) {
    uint64_t word;
    std::memcpy(&word, data + i, sizeof(word));
    if ((word & kHighBits) != 0) break;
    i += 8;
  }
  while (i < text.size() && static_cast<unsigned char>(data[i]) < 0x80) ++i;
  return i;
}

// The UTF-8 sequence starting at p[0], which is not ASCII. When it is
// well-formed, `valid` is true and `length` its length. Otherwise `length` is
// the length of its maximal ill-formed subpart (the lead byte and the
// continuation bytes accepted before the failure), which the WHATWG decoder
// replaces by one U+FFFD, and `at_end` tells whether the failure is running
// out of input.
struct Sequence {
  size_t length;
  bool valid;
  bool at_end;
};

Sequence ExamineSequence(const unsigned char* p, size_t available) {
  unsigned char lead = p[0];
  size_t continuation;
  // The range the first continuation byte must fall in excludes overlong
  // forms (E0, F0), surrogates (ED) and code points above U+10FFFF (F4).
  unsigned char low = 0x80;
  unsigned char high = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    continuation = 1;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    continuation = 2;
    if (lead == 0xE0) low = 0xA0;
    if (lead == 0xED) high = 0x9F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    continuation = 3;
    if (lead == 0xF0) low = 0x90;
    if (lead == 0xF4) high = 0x8F;
  } else {
    return {1, false, false};
  }
  for (size_t i = 1; i <= continuation; ++i) {
    if (i >= available) return {i, false, true};
    if (p[i] < low || p[i] > high) return {i, false, false};
    low = 0x80;
    high = 0xBF;
  }
  return {continuation + 1, true, false};
}

// windows-1252 bytes 0x80-0x9F; the others decode to the code point of the
// same value.
constexpr char16_t kWindows1252High[32] = {
    0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
    0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,
    0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
    0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
};

// Decodes a single-byte encoding whose bytes below 0x80 are ASCII, copying
// runs of ASCII at once. `high` maps a byte >= 0x80 to its code point.
template <typename HighByte>
void DecodeSingleByte(std::string_view bytes, HighByte high, std::string* out) {
  out->reserve(out->size() + bytes.size() + bytes.size() / 4);
  size_t i = 0;
  while (i < bytes.size()) {
    size_t ascii_end = SkipAscii(bytes, i);
    out->append(bytes.data() + i, ascii_end - i);
    i = ascii_end;
    if (i < bytes.size()) {
      AppendUtf8(high(static_cast<unsigned char>(bytes[i])), out);
      ++i;
    }
  }
}

}  // namespace

Utf8Check CheckUtf8(std::string_view text) {
  const auto* data = reinterpret_cast<const unsigned char*>(text.data());
  const size_t size = text.size();
  size_t i = 0;
  while (true) {
    i = SkipAscii(text, i);
    if (i >= size) return Utf8Check::kValid;
    // Non-ASCII text comes in runs (a sentence of CJK is 3-byte sequences back
    // to back): stay here while it lasts, taking well-formed two- and
    // three-byte sequences without the general check.
    do {
      const unsigned char lead = data[i];
      if (lead >= 0xC2 && lead <= 0xDF && i + 1 < size &&
          (data[i + 1] & 0xC0) == 0x80) {
        i += 2;
        continue;
      }
      if (lead >= 0xE0 && lead <= 0xEF && i + 2 < size) {
        const unsigned char second = data[i + 1];
        const unsigned char low = lead == 0xE0 ? 0xA0 : 0x80;
        const unsigned char high = lead == 0xED ? 0x9F : 0xBF;
        if (second >= low && second <= high && (data[i + 2] & 0xC0) == 0x80) {
          i += 3;
          continue;
        }
      }
      Sequence seq = ExamineSequence(data + i, size - i);
      if (!seq.valid) {
        return seq.at_end ? Utf8Check::kTruncatedAtEnd : Utf8Check::kInvalid;
      }
      i += seq.length;
    } while (i < size && data[i] >= 0x80);
  }
}

bool IsAscii(std::string_view text) {
  return SkipAscii(text, 0) == text.size();
}

void AppendUtf8(char32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

void AppendReferencedChar(char32_t cp, std::string* out) {
  if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = 0xFFFD;
  AppendUtf8(cp, out);
}

bool DecodeUtf8(std::string_view bytes, std::string* out) {
  const auto* data = reinterpret_cast<const unsigned char*>(bytes.data());
  out->reserve(out->size() + bytes.size());
  bool had_errors = false;
  size_t run_start = 0;  // start of the well-formed bytes not yet appended
  size_t i = 0;
  while (true) {
    i = SkipAscii(bytes, i);
    if (i >= bytes.size()) break;
    Sequence seq = ExamineSequence(data + i, bytes.size() - i);
    if (!seq.valid) {
      out->append(bytes.data() + run_start, i - run_start);
      out->append(kReplacementUtf8);
      had_errors = true;
      run_start = i + seq.length;
    }
    i += seq.length;
  }
  out->append(bytes.data() + run_start, bytes.size() - run_start);
  return had_errors;
}

bool DecodeUtf16(std::string_view bytes, bool big_endian, std::string* out) {
  const auto* data = reinterpret_cast<const unsigned char*>(bytes.data());
  out->reserve(out->size() + bytes.size() + bytes.size() / 2);
  bool had_errors = false;
  char16_t lead_surrogate = 0;  // 0: none pending
  size_t i = 0;
  for (; i + 1 < bytes.size(); i += 2) {
    char16_t unit = big_endian
                        ? static_cast<char16_t>((data[i] << 8) | data[i + 1])
                        : static_cast<char16_t>((data[i + 1] << 8) | data[i]);
    if (lead_surrogate != 0) {
      char16_t lead = lead_surrogate;
      lead_surrogate = 0;
      if (unit >= 0xDC00 && unit <= 0xDFFF) {
        AppendUtf8(0x10000 + ((char32_t{lead} - 0xD800) << 10) +
                       (char32_t{unit} - 0xDC00),
                   out);
        continue;
      }
      // The lead surrogate is an error; `unit` is decoded on its own.
      out->append(kReplacementUtf8);
      had_errors = true;
    }
    if (unit >= 0xD800 && unit <= 0xDBFF) {
      lead_surrogate = unit;
    } else if (unit >= 0xDC00 && unit <= 0xDFFF) {
      out->append(kReplacementUtf8);
      had_errors = true;
    } else {
      AppendUtf8(unit, out);
    }
  }
  // A pending lead surrogate and a lone last byte make one error together.
  if (lead_surrogate != 0 || i < bytes.size()) {
    out->append(kReplacementUtf8);
    had_errors = true;
  }
  return had_errors;
}

bool DecodeWindows1252(std::string_view bytes, std::string* out) {
  DecodeSingleByte(
      bytes,
      [](unsigned char byte) -> char32_t {
        return byte < 0xA0 ? kWindows1252High[byte - 0x80] : byte;
      },
      out);
  return false;
}

bool DecodeXUserDefined(std::string_view bytes, std::string* out) {
  DecodeSingleByte(
      bytes,
      [](unsigned char byte) -> char32_t { return 0xF780 + (byte - 0x80); },
      out);
  return false;
}

bool IsValidUtf8(std::string_view text) {
  return CheckUtf8(text) == Utf8Check::kValid;
}

std::string RepairUtf8(std::string_view text) {
  if (IsValidUtf8(text)) return std::string(text);
  std::string repaired;
  DecodeUtf8(text, &repaired);
  return repaired;
}

}  // namespace crawlbox::parser
