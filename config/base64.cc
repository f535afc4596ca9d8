// Base64 with a 256-entry table for decoding: fleet results carry every page
// body this way, so decoding is on the master's hot path.
#include "config/base64.h"

#include <array>
#include <cstdint>

namespace crawlbox::config {

namespace {

constexpr std::string_view kBase64Alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

}  // namespace

std::string ToBase64(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  uint32_t bits = 0;
  int pending = 0;
  for (unsigned char c : bytes) {
    bits = (bits << 8) | c;
    pending += 8;
    while (pending >= 6) {
      pending -= 6;
      out.push_back(kBase64Alphabet[(bits >> pending) & 0x3F]);
    }
  }
  if (pending > 0)
    out.push_back(kBase64Alphabet[(bits << (6 - pending)) & 0x3F]);
  while (out.size() % 4 != 0) out.push_back('=');
  return out;
}

// Strict: the alphabet and trailing '=' only.
std::optional<std::string> FromBase64(std::string_view text) {
  static const std::array<int8_t, 256> kValue = [] {
    std::array<int8_t, 256> v;
    v.fill(-1);
    for (size_t i = 0; i < kBase64Alphabet.size(); ++i)
      v[static_cast<unsigned char>(kBase64Alphabet[i])] =
          static_cast<int8_t>(i);
    return v;
  }();
  while (!text.empty() && text.back() == '=') text.remove_suffix(1);
  std::string out;
  out.reserve(text.size() * 3 / 4);
  uint32_t bits = 0;
  int pending = 0;
  for (unsigned char c : text) {
    if (kValue[c] < 0) return std::nullopt;
    bits = (bits << 6) | static_cast<uint32_t>(kValue[c]);
    pending += 6;
    if (pending >= 8) {
      pending -= 8;
      out.push_back(static_cast<char>((bits >> pending) & 0xFF));
    }
  }
  return out;
}

}  // namespace crawlbox::config
