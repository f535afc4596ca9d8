// Domain to ASCII with a reduced UTS #46 mapping (see url_idna.h for what is
// left out) and RFC 3492 Punycode encoding.
#include "parser/url_idna.h"

#include <cstdint>
#include <limits>

#include "parser/url_encoding.h"

namespace crawlbox::parser {
namespace {

// Strict UTF-8 decoding: overlong forms, surrogates and values above U+10FFFF
// are errors, as they would decode to U+FFFD, which UTS #46 disallows anyway.
bool DecodeUtf8(std::string_view in, std::u32string* out) {
  size_t i = 0;
  while (i < in.size()) {
    const auto b0 = static_cast<unsigned char>(in[i]);
    char32_t cp;
    size_t len;
    char32_t min;
    if (b0 < 0x80) {
      out->push_back(b0);
      ++i;
      continue;
    } else if ((b0 & 0xE0) == 0xC0) {
      cp = b0 & 0x1F;
      len = 2;
      min = 0x80;
    } else if ((b0 & 0xF0) == 0xE0) {
      cp = b0 & 0x0F;
      len = 3;
      min = 0x800;
    } else if ((b0 & 0xF8) == 0xF0) {
      cp = b0 & 0x07;
      len = 4;
      min = 0x10000;
    } else {
      return false;
    }
    if (i + len > in.size()) return false;
    for (size_t k = 1; k < len; ++k) {
      const auto b = static_cast<unsigned char>(in[i + k]);
      if ((b & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (b & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
      return false;
    out->push_back(cp);
    i += len;
  }
  return true;
}

bool InRange(char32_t cp, char32_t lo, char32_t hi) {
  return cp >= lo && cp <= hi;
}

// Simple lowercase mapping for the scripts the reduced table covers. Pairs laid
// out as "capital at even, small at odd" (or the reverse) follow the Unicode
// charts.
char32_t LowerCodePoint(char32_t cp) {
  if (InRange(cp, 'A', 'Z')) return cp + 0x20;
  if (cp < 0x80) return cp;
  if (cp == 0xB5) return 0x3BC;  // micro sign -> Greek mu
  if (InRange(cp, 0xC0, 0xDE) && cp != 0xD7) return cp + 0x20;
  if (InRange(cp, 0x100, 0x12F) || InRange(cp, 0x132, 0x137) ||
      InRange(cp, 0x14A, 0x177)) {
    return cp | 1;
  }
  if (InRange(cp, 0x139, 0x148) || InRange(cp, 0x179, 0x17E))
    return (cp & 1) ? cp + 1 : cp;
  if (cp == 0x178) return 0xFF;
  if (cp == 0x17F) return 's';
  if (InRange(cp, 0x391, 0x3AB) && cp != 0x3A2) return cp + 0x20;
  if (InRange(cp, 0x400, 0x40F)) return cp + 0x50;
  if (InRange(cp, 0x410, 0x42F)) return cp + 0x20;
  if (InRange(cp, 0x460, 0x481) || InRange(cp, 0x48A, 0x4BF) ||
      InRange(cp, 0x4D0, 0x52F)) {
    return cp | 1;
  }
  if (InRange(cp, 0x531, 0x556)) return cp + 0x30;
  if (InRange(cp, 0x1E00, 0x1E95) || InRange(cp, 0x1EA0, 0x1EFF)) return cp | 1;
  if (cp == 0x1E9E) return 0xDF;   // capital sharp s
  if (cp == 0x2126) return 0x3C9;  // ohm sign
  if (cp == 0x212A) return 'k';    // kelvin sign
  if (cp == 0x212B) return 0xE5;   // angstrom sign
  return cp;
}

// UTS #46 status "ignored": mapped to nothing.
bool IsIgnored(char32_t cp) {
  return cp == 0xAD || cp == 0x34F || InRange(cp, 0x180B, 0x180D) ||
         cp == 0x180F || cp == 0x200B || cp == 0x2060 || cp == 0x2064 ||
         InRange(cp, 0xFE00, 0xFE0F) || cp == 0xFEFF ||
         InRange(cp, 0x1BCA0, 0x1BCA3) || InRange(cp, 0xE0100, 0xE01EF);
}

bool IsDisallowed(char32_t cp) {
  return InRange(cp, 0x80, 0x9F) || cp == 0x1680 ||
         InRange(cp, 0x200C, 0x200F) || InRange(cp, 0x2028, 0x202E) ||
         InRange(cp, 0x2066, 0x206F) || InRange(cp, 0xD800, 0xF8FF) ||
         InRange(cp, 0xFDD0, 0xFDEF) || (cp & 0xFFFE) == 0xFFFE ||
         InRange(cp, 0xFFF9, 0xFFFD) || InRange(cp, 0xE0000, 0xE00FF) ||
         cp >= 0xF0000;
}

bool IsUnicodeSpace(char32_t cp) {
  return cp == 0xA0 || InRange(cp, 0x2000, 0x200A) || cp == 0x202F ||
         cp == 0x205F || cp == 0x3000;
}

// Appends the UTS #46 mapping of `cp` to `*out`; false when `cp` is disallowed.
bool MapCodePoint(char32_t cp, std::u32string* out) {
  if (IsIgnored(cp)) return true;
  if (IsDisallowed(cp)) return false;
  if (IsUnicodeSpace(cp)) {
    out->push_back(' ');
  } else if (cp == 0x3002 || cp == 0xFF61) {
    out->push_back('.');
  } else if (InRange(cp, 0xFF01, 0xFF5E)) {
    out->push_back(LowerCodePoint(cp - 0xFEE0));
  } else if (InRange(cp, 0x1D400, 0x1D6A3)) {
    // Mathematical alphanumerics: 13 styled copies of A-Z a-z. The few
    // unassigned holes in this range are mapped too rather than rejected.
    const char32_t letter = (cp - 0x1D400) % 52;
    out->push_back(letter < 26 ? 'a' + letter : 'a' + (letter - 26));
  } else if (InRange(cp, 0x1D7CE, 0x1D7FF)) {
    out->push_back('0' + (cp - 0x1D7CE) % 10);  // mathematical digits
  } else if (cp == 0x130) {
    out->push_back('i');  // capital I with dot above -> i + combining dot above
    out->push_back(0x307);
  } else {
    out->push_back(LowerCodePoint(cp));
  }
  return true;
}

constexpr uint32_t kBase = 36;
constexpr uint32_t kTMin = 1;
constexpr uint32_t kTMax = 26;
constexpr uint32_t kSkew = 38;
constexpr uint32_t kDamp = 700;
constexpr uint32_t kInitialBias = 72;
constexpr uint32_t kInitialN = 0x80;

uint32_t Adapt(uint32_t delta, uint32_t num_points, bool first_time) {
  delta = first_time ? delta / kDamp : delta / 2;
  delta += delta / num_points;
  uint32_t k = 0;
  while (delta > ((kBase - kTMin) * kTMax) / 2) {
    delta /= kBase - kTMin;
    k += kBase;
  }
  return k + (kBase - kTMin + 1) * delta / (delta + kSkew);
}

char EncodeDigit(uint32_t d) {
  return static_cast<char>(d < 26 ? 'a' + d : '0' + (d - 26));
}

}  // namespace

bool PunycodeEncode(std::u32string_view label, std::string* out) {
  constexpr uint32_t kMax = std::numeric_limits<uint32_t>::max();
  uint32_t n = kInitialN;
  uint32_t delta = 0;
  uint32_t bias = kInitialBias;
  uint32_t basic = 0;
  for (char32_t c : label) {
    if (c < 0x80) {
      out->push_back(static_cast<char>(c));
      ++basic;
    }
  }
  if (basic > 0) out->push_back('-');
  uint32_t handled = basic;
  while (handled < label.size()) {
    uint32_t m = kMax;
    for (char32_t c : label) {
      if (c >= n && c < m) m = c;
    }
    if (m - n > (kMax - delta) / (handled + 1)) return false;
    delta += (m - n) * (handled + 1);
    n = m;
    for (char32_t c : label) {
      if (c < n) {
        if (delta == kMax) return false;
        ++delta;
      }
      if (c == n) {
        uint32_t q = delta;
        for (uint32_t k = kBase;; k += kBase) {
          const uint32_t t =
              k <= bias ? kTMin : (k >= bias + kTMax ? kTMax : k - bias);
          if (q < t) break;
          out->push_back(EncodeDigit(t + (q - t) % (kBase - t)));
          q = (q - t) / (kBase - t);
        }
        out->push_back(EncodeDigit(q));
        bias = Adapt(delta, handled + 1, handled == basic);
        delta = 0;
        ++handled;
      }
    }
    if (delta == kMax) return false;
    ++delta;
    ++n;
  }
  return true;
}

config::Result<std::string> DomainToAscii(std::string_view domain) {
  const auto invalid = [] {
    return config::Status::InvalidArgument("invalid host");
  };
  bool ascii = true;
  for (char c : domain) ascii = ascii && static_cast<unsigned char>(c) < 0x80;
  std::string result;
  if (ascii) {
    result.reserve(domain.size());
    for (char c : domain) result.push_back(AsciiLower(c));
    if (result.empty()) return invalid();
    return result;
  }
  std::u32string decoded;
  if (!DecodeUtf8(domain, &decoded)) return invalid();
  std::u32string mapped;
  for (char32_t cp : decoded) {
    if (!MapCodePoint(cp, &mapped)) return invalid();
  }
  size_t start = 0;
  while (true) {
    size_t dot = mapped.find(U'.', start);
    const size_t end = dot == std::u32string::npos ? mapped.size() : dot;
    std::u32string_view label(mapped.data() + start, end - start);
    bool label_ascii = true;
    for (char32_t cp : label) label_ascii = label_ascii && cp < 0x80;
    if (label_ascii) {
      for (char32_t cp : label) result.push_back(static_cast<char>(cp));
    } else {
      result += "xn--";
      if (!PunycodeEncode(label, &result)) return invalid();
    }
    if (dot == std::u32string::npos) break;
    result.push_back('.');
    start = dot + 1;
  }
  if (result.empty()) return invalid();
  return result;
}

}  // namespace crawlbox::parser
