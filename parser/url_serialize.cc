// The URL serializer (WHATWG URL §4.5) and the crawler's normalized
// deduplication key.
#include <charconv>
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

// Appends `s` with escapes of unreserved characters decoded and the hex
// digits of the others uppercased.
void AppendNormalizedEscapes(std::string_view s, std::string* out) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  size_t i = 0;
  while (i < s.size()) {
    const size_t percent = s.find('%', i);
    if (percent == std::string_view::npos) {
      out->append(s.data() + i, s.size() - i);
      return;
    }
    out->append(s.data() + i, percent - i);
    i = percent;
    if (i + 2 < s.size() && IsAsciiHexDigit(s[i + 1]) &&
        IsAsciiHexDigit(s[i + 2])) {
      const int value = HexDigitValue(s[i + 1]) * 16 + HexDigitValue(s[i + 2]);
      if (IsUnreserved(value)) {
        out->push_back(static_cast<char>(value));
      } else {
        const char escape[3] = {'%', kHex[value >> 4], kHex[value & 0xF]};
        out->append(escape, 3);
      }
      i += 3;
    } else {
      out->push_back('%');
      ++i;
    }
  }
}

// The serialization up to the path: scheme ":" ["//" [userinfo "@"] host
// [":" port]].
void AppendSchemeAndAuthority(const Url& url, std::string* out) {
  out->append(url.scheme);
  out->push_back(':');
  if (url.has_host || !url.host.empty()) {
    out->append("//");
    if (!url.username.empty() || !url.password.empty()) {
      out->append(url.username);
      if (!url.password.empty()) {
        out->push_back(':');
        out->append(url.password);
      }
      out->push_back('@');
    }
    out->append(url.host);
    if (url.port.has_value()) {
      // Every link of a page with a port comes here: no temporary string.
      char digits[16];  // any int fits
      out->push_back(':');
      out->append(
          digits,
          std::to_chars(digits, digits + sizeof(digits), *url.port).ptr);
    }
  }
}

// Without "/." a path starting with an empty segment would be read back as
// an authority when there is no host.
bool NeedsPathDotPrefix(const Url& url, std::string_view path) {
  return !(url.has_host || !url.host.empty()) && !url.has_opaque_path &&
         path.starts_with("//");
}

size_t SerializedSizeBound(const Url& url) {
  return url.scheme.size() + url.username.size() + url.password.size() +
         url.host.size() + url.path.size() +
         (url.query ? url.query->size() : 0) + 16;
}

}  // namespace

std::string Url::HrefWithoutFragment() const {
  std::string out;
  out.reserve(SerializedSizeBound(*this));
  AppendSchemeAndAuthority(*this, &out);
  if (NeedsPathDotPrefix(*this, path)) out += "/.";
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

bool Url::IsHttp() const {
  const std::string_view s = scheme;
  return s == "http" || s == "https";
}

std::string NormalizeForCrawl(const Url& url) {
  std::string out;
  NormalizeForCrawl(url, &out);
  return out;
}

void NormalizeForCrawl(const Url& url, std::string* out) {
  // Written straight from `url`: a normalized copy of the record would cost
  // an allocation per component for every link of every page.
  out->clear();
  out->reserve(SerializedSizeBound(url));
  AppendSchemeAndAuthority(url, out);
  const size_t path_start = out->size();
  AppendNormalizedEscapes(url.path, out);
  // As the serializer of the normalized record would, this looks at the
  // normalized path.
  if (NeedsPathDotPrefix(url, std::string_view(*out).substr(path_start))) {
    out->insert(path_start, "/.");
  }
  if (url.query.has_value()) {
    out->push_back('?');
    AppendNormalizedEscapes(*url.query, out);
  }
}

}  // namespace crawlbox::parser
