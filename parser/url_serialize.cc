// The URL serializer (WHATWG URL §4.5) and the crawler's normalized
// deduplication key.
#include <string>
#include <string_view>

#include "parser/url.h"
#include "parser/url_encoding.h"

namespace crawlbox::parser {
namespace {

bool IsUnreserved(int c) {
  return IsAsciiAlpha(c) || IsAsciiDigit(c) || c == '-' || c == '.' ||
         c == '_' || c == '~';
}

std::string NormalizeEscapes(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && IsAsciiHexDigit(s[i + 1]) &&
        IsAsciiHexDigit(s[i + 2])) {
      const int value = HexDigitValue(s[i + 1]) * 16 + HexDigitValue(s[i + 2]);
      if (IsUnreserved(value)) {
        out.push_back(static_cast<char>(value));
      } else {
        out.push_back('%');
        out.push_back(kHex[value >> 4]);
        out.push_back(kHex[value & 0xF]);
      }
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

}  // namespace

std::string Url::HrefWithoutFragment() const {
  std::string out = scheme;
  out.push_back(':');
  if (has_host || !host.empty()) {
    out += "//";
    if (!username.empty() || !password.empty()) {
      out += username;
      if (!password.empty()) {
        out.push_back(':');
        out += password;
      }
      out.push_back('@');
    }
    out += host;
    if (port.has_value()) {
      out.push_back(':');
      out += std::to_string(*port);
    }
  } else if (!has_opaque_path && path.starts_with("//")) {
    // Without "/." the first empty segment would be read back as an authority.
    out += "/.";
  }
  out += path;
  if (query.has_value()) {
    out.push_back('?');
    out += *query;
  }
  return out;
}

std::string Url::Href() const {
  std::string out = HrefWithoutFragment();
  if (fragment.has_value()) {
    out.push_back('#');
    out += *fragment;
  }
  return out;
}

bool Url::IsHttp() const { return scheme == "http" || scheme == "https"; }

std::string NormalizeForCrawl(const Url& url) {
  Url key = url;
  key.fragment.reset();
  key.path = NormalizeEscapes(url.path);
  if (url.query.has_value()) key.query = NormalizeEscapes(*url.query);
  return key.Href();
}

}  // namespace crawlbox::parser
