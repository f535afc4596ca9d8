// Why the result equals the state machine's (parser/url.cc) for an accepted
// input: its first byte, '/', is no scheme, so the no-scheme state hands a
// non-opaque http(s) base to the relative state, which takes the base's
// scheme and, the next byte being neither '/' nor '\', the relative slash
// state copies the base's userinfo, host and port and starts the path state
// on the byte after the '/'. That state appends "/" + segment at each '/'
// and at the end, resolving only "." and ".." (and their %2e spellings,
// impossible without '%') and percent-encoding only bytes outside the set
// accepted here; '?' starts the query, which the special-query set leaves as
// it is up to '#'; the fragment state percent-encodes the rest.
#include "parser/url_plain_path.h"

#include <array>

#include "parser/url_encoding.h"

namespace crawlbox::parser {
namespace {

constexpr unsigned char kPathByte = 1;   // kept as it is in a path segment
constexpr unsigned char kQueryByte = 2;  // kept as it is in a special query

constexpr std::array<unsigned char, 256> MakeClasses() {
  std::array<unsigned char, 256> classes{};
  for (int c = 0; c < 256; ++c) {
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                       (c >= '0' && c <= '9');
    bool path = alnum;
    for (char p : std::string_view("-._~!$&()*+,;=:@")) path = path || c == p;
    classes[static_cast<size_t>(c)] = static_cast<unsigned char>(
        (path ? kPathByte : 0) |
        (path || c == '/' || c == '?' ? kQueryByte : 0));
  }
  return classes;
}
constexpr std::array<unsigned char, 256> kClasses = MakeClasses();

bool Has(char c, unsigned char cls) {
  return (kClasses[static_cast<unsigned char>(c)] & cls) != 0;
}

bool IsDotSegment(std::string_view segment) {
  return segment == "." || segment == "..";
}

}  // namespace

bool ParsePlainAbsolutePath(std::string_view input, const Url& base, Url* out) {
  if (input.empty() || input[0] != '/' || !base.IsHttp() ||
      base.has_opaque_path || !base.has_host) {
    return false;
  }
  const size_t n = input.size();
  size_t i = 1;
  size_t segment_start = 1;
  for (; i < n; ++i) {
    const char c = input[i];
    if (c == '/') {
      if (IsDotSegment(input.substr(segment_start, i - segment_start)) ||
          i == 1) {
        return false;  // "/./", "/../" and "//host"
      }
      segment_start = i + 1;
    } else if (c == '?' || c == '#') {
      break;
    } else if (!Has(c, kPathByte)) {
      return false;
    }
  }
  if (IsDotSegment(input.substr(segment_start, i - segment_start)))
    return false;
  const size_t path_end = i;
  if (i < n && input[i] == '?') {
    for (++i; i < n && input[i] != '#'; ++i) {
      if (!Has(input[i], kQueryByte)) return false;
    }
  }
  const size_t hash = i;
  out->scheme.assign(base.scheme);
  out->username.assign(base.username);
  out->password.assign(base.password);
  out->host.assign(base.host);
  out->has_host = true;
  out->port = base.port;
  out->has_opaque_path = false;
  out->path.assign(input.data(), path_end);
  if (path_end < hash) {
    if (!out->query) out->query.emplace();
    out->query->assign(input.data() + path_end + 1, hash - path_end - 1);
  } else {
    out->query.reset();
  }
  if (hash < n) {
    if (!out->fragment) out->fragment.emplace();
    out->fragment->clear();
    AppendPercentEncoded(input.substr(hash + 1), PercentEncodeSet::kFragment,
                         &*out->fragment);
  } else {
    out->fragment.reset();
  }
  return true;
}

}  // namespace crawlbox::parser
