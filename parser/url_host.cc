// The WHATWG host parser: IPv6 and IPv4 literals, domains (via url_idna.h) and
// opaque hosts.
#include "parser/url_host.h"

#include <vector>

#include "parser/url_encoding.h"
#include "parser/url_idna.h"

namespace crawlbox::parser {
namespace {

config::Status InvalidIpv4() {
  return config::Status::InvalidArgument("invalid IPv4 address");
}
config::Status InvalidIpv6() {
  return config::Status::InvalidArgument("invalid IPv6 address");
}

// Anything above 2^32 - 1 is out of range for every use, so values saturate
// here instead of overflowing on inputs such as "http://99999999999999999999/".
constexpr uint64_t kIpv4Saturated = uint64_t{1} << 40;

// The IPv4 number parser: decimal, "0x" hex or leading-zero octal. False for a
// non-number.
bool ParseIpv4Number(std::string_view input, uint64_t* value) {
  if (input.empty()) return false;
  int radix = 10;
  if (input.size() >= 2 && input[0] == '0' &&
      (input[1] == 'x' || input[1] == 'X')) {
    input.remove_prefix(2);
    radix = 16;
  } else if (input.size() >= 2 && input[0] == '0') {
    input.remove_prefix(1);
    radix = 8;
  }
  uint64_t result = 0;
  for (char c : input) {
    int digit;
    if (radix == 16) {
      if (!IsAsciiHexDigit(c)) return false;
      digit = HexDigitValue(c);
    } else {
      if (!IsAsciiDigit(c) || c - '0' >= radix) return false;
      digit = c - '0';
    }
    result = result * radix + digit;
    if (result > kIpv4Saturated) result = kIpv4Saturated;
  }
  *value = result;
  return true;
}

std::vector<std::string_view> SplitOnDots(std::string_view input) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    const size_t dot = input.find('.', start);
    if (dot == std::string_view::npos) {
      parts.push_back(input.substr(start));
      return parts;
    }
    parts.push_back(input.substr(start, dot - start));
    start = dot + 1;
  }
}

bool IsForbiddenHostCodePoint(unsigned char c) {
  switch (c) {
    case 0x00:
    case '\t':
    case '\n':
    case '\r':
    case ' ':
    case '#':
    case '/':
    case ':':
    case '<':
    case '>':
    case '?':
    case '@':
    case '[':
    case '\\':
    case ']':
    case '^':
    case '|':
      return true;
    default:
      return false;
  }
}

bool IsForbiddenDomainCodePoint(unsigned char c) {
  return IsForbiddenHostCodePoint(c) || c <= 0x1F || c == '%' || c == 0x7F;
}

config::Result<std::string> ParseOpaqueHost(std::string_view input) {
  for (char c : input) {
    if (IsForbiddenHostCodePoint(static_cast<unsigned char>(c))) {
      return config::Status::InvalidArgument("forbidden host code point");
    }
  }
  std::string out;
  AppendPercentEncoded(input, PercentEncodeSet::kC0Control, &out);
  return out;
}

}  // namespace

bool EndsInANumber(std::string_view domain) {
  std::vector<std::string_view> parts = SplitOnDots(domain);
  if (parts.back().empty()) {
    if (parts.size() == 1) return false;
    parts.pop_back();
  }
  const std::string_view last = parts.back();
  if (last.empty()) return false;
  bool all_digits = true;
  for (char c : last) all_digits = all_digits && IsAsciiDigit(c);
  if (all_digits) return true;
  // Only the hex form can parse as a number without being all digits.
  uint64_t ignored;
  return last.size() >= 2 && last[0] == '0' &&
         (last[1] == 'x' || last[1] == 'X') && ParseIpv4Number(last, &ignored);
}

config::Result<uint32_t> ParseIpv4(std::string_view input) {
  std::vector<std::string_view> parts = SplitOnDots(input);
  if (parts.back().empty() && parts.size() > 1) parts.pop_back();
  if (parts.size() > 4) return InvalidIpv4();
  std::vector<uint64_t> numbers;
  for (std::string_view part : parts) {
    uint64_t n;
    if (!ParseIpv4Number(part, &n)) return InvalidIpv4();
    numbers.push_back(n);
  }
  for (size_t i = 0; i + 1 < numbers.size(); ++i) {
    if (numbers[i] > 255) return InvalidIpv4();
  }
  const uint64_t limit = uint64_t{1} << (8 * (5 - numbers.size()));
  if (numbers.back() >= limit) return InvalidIpv4();
  uint64_t ipv4 = numbers.back();
  for (size_t i = 0; i + 1 < numbers.size(); ++i)
    ipv4 += numbers[i] << (8 * (3 - i));
  return static_cast<uint32_t>(ipv4);
}

std::string SerializeIpv4(uint32_t address) {
  std::string out;
  for (int shift = 24; shift >= 0; shift -= 8) {
    out += std::to_string((address >> shift) & 0xFF);
    if (shift > 0) out.push_back('.');
  }
  return out;
}

config::Result<Ipv6Address> ParseIpv6(std::string_view input) {
  Ipv6Address address{};
  int piece_index = 0;
  int compress = -1;
  size_t pointer = 0;
  const auto at = [&](size_t i) -> int {
    return i < input.size() ? static_cast<unsigned char>(input[i]) : -1;
  };
  if (at(pointer) == ':') {
    if (at(pointer + 1) != ':') return InvalidIpv6();
    pointer += 2;
    compress = ++piece_index;
  }
  while (at(pointer) != -1) {
    if (piece_index == 8) return InvalidIpv6();
    if (at(pointer) == ':') {
      if (compress != -1) return InvalidIpv6();
      ++pointer;
      compress = ++piece_index;
      continue;
    }
    int value = 0;
    size_t length = 0;
    while (length < 4 && IsAsciiHexDigit(at(pointer))) {
      value = value * 16 + HexDigitValue(at(pointer));
      ++pointer;
      ++length;
    }
    if (at(pointer) == '.') {
      // An embedded IPv4 address fills the last two pieces.
      if (length == 0) return InvalidIpv6();
      pointer -= length;
      if (piece_index > 6) return InvalidIpv6();
      int numbers_seen = 0;
      while (at(pointer) != -1) {
        int ipv4_piece = -1;
        if (numbers_seen > 0) {
          if (at(pointer) == '.' && numbers_seen < 4) {
            ++pointer;
          } else {
            return InvalidIpv6();
          }
        }
        if (!IsAsciiDigit(at(pointer))) return InvalidIpv6();
        while (IsAsciiDigit(at(pointer))) {
          const int number = at(pointer) - '0';
          if (ipv4_piece == -1) {
            ipv4_piece = number;
          } else if (ipv4_piece == 0) {
            return InvalidIpv6();
          } else {
            ipv4_piece = ipv4_piece * 10 + number;
          }
          if (ipv4_piece > 255) return InvalidIpv6();
          ++pointer;
        }
        address[piece_index] =
            static_cast<uint16_t>(address[piece_index] * 0x100 + ipv4_piece);
        ++numbers_seen;
        if (numbers_seen == 2 || numbers_seen == 4) ++piece_index;
      }
      if (numbers_seen != 4) return InvalidIpv6();
      break;
    } else if (at(pointer) == ':') {
      ++pointer;
      if (at(pointer) == -1) return InvalidIpv6();
    } else if (at(pointer) != -1) {
      return InvalidIpv6();
    }
    address[piece_index] = static_cast<uint16_t>(value);
    ++piece_index;
  }
  if (compress != -1) {
    int swaps = piece_index - compress;
    piece_index = 7;
    while (piece_index != 0 && swaps > 0) {
      std::swap(address[piece_index], address[compress + swaps - 1]);
      --piece_index;
      --swaps;
    }
  } else if (piece_index != 8) {
    return InvalidIpv6();
  }
  return address;
}

std::string SerializeIpv6(const Ipv6Address& address) {
  // The first longest run of at least two zero pieces is compressed.
  int compress = -1;
  int best_length = 1;
  for (int i = 0; i < 8;) {
    if (address[i] != 0) {
      ++i;
      continue;
    }
    int j = i;
    while (j < 8 && address[j] == 0) ++j;
    if (j - i > best_length) {
      best_length = j - i;
      compress = i;
    }
    i = j;
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  bool ignore0 = false;
  for (int i = 0; i < 8; ++i) {
    if (ignore0 && address[i] == 0) continue;
    ignore0 = false;
    if (compress == i) {
      out += i == 0 ? "::" : ":";
      ignore0 = true;
      continue;
    }
    bool started = false;
    for (int shift = 12; shift >= 0; shift -= 4) {
      const int digit = (address[i] >> shift) & 0xF;
      if (digit != 0 || started || shift == 0) {
        out.push_back(kHex[digit]);
        started = true;
      }
    }
    if (i != 7) out.push_back(':');
  }
  return out;
}

config::Result<std::string> ParseHost(std::string_view input, bool is_opaque) {
  if (!input.empty() && input.front() == '[') {
    if (input.size() < 2 || input.back() != ']') return InvalidIpv6();
    config::Result<Ipv6Address> address =
        ParseIpv6(input.substr(1, input.size() - 2));
    if (!address.ok()) return address.status();
    return "[" + SerializeIpv6(*address) + "]";
  }
  if (is_opaque) return ParseOpaqueHost(input);
  config::Result<std::string> ascii = DomainToAscii(PercentDecode(input));
  if (!ascii.ok()) return ascii.status();
  for (char c : *ascii) {
    if (IsForbiddenDomainCodePoint(static_cast<unsigned char>(c))) {
      return config::Status::InvalidArgument("forbidden host code point");
    }
  }
  if (EndsInANumber(*ascii)) {
    config::Result<uint32_t> ipv4 = ParseIpv4(*ascii);
    if (!ipv4.ok()) return ipv4.status();
    return SerializeIpv4(*ipv4);
  }
  return std::move(ascii).value();
}

}  // namespace crawlbox::parser
