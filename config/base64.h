// Base64 (RFC 4648 §4, standard alphabet, padded): how binary bytes ride in
// JSON, both in the fleet's wire messages and in Chromium's DevTools answers.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace crawlbox::config {

// `bytes` as padded base64.
std::string ToBase64(std::string_view bytes);

// The bytes of `text`; nullopt when it holds anything but the alphabet and
// trailing '=' padding (strict: no whitespace, no URL-safe alphabet).
std::optional<std::string> FromBase64(std::string_view text);

}  // namespace crawlbox::config
