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

#include "parser/url_encoding.h"

namespace crawlbox::parser {
namespace {

// Bytes of a path segment that the path percent-encode set keeps as they are.
bool IsPlainPathByte(char c) {
  if (IsAsciiAlpha(c) || IsAsciiDigit(c)) return true;
  switch (c) {
    case '-':
    case '.':
    case '_':
    case '~':
    case '!':
    case '$':
    case '&':
    case '(':
    case ')':
    case '*':
    case '+':
    case ',':
    case ';':
    case '=':
    case ':':
    case '@':
      return true;
    default:
      return false;
  }
}

// Bytes of a query that the special-query percent-encode set keeps.
bool IsPlainQueryByte(char c) {
  return IsPlainPathByte(c) || c == '/' || c == '?';
}

}  // namespace

bool ParsePlainAbsolutePath(std::string_view input, const Url& base, Url* out) {
  if (input.empty() || input[0] != '/' || !base.IsHttp() ||
      base.has_opaque_path || !base.has_host) {
    return false;
  }
  if (input.size() > 1 && (input[1] == '/' || input[1] == '\\')) return false;
  const size_t hash = input.find('#');
  const std::string_view before_fragment = input.substr(0, hash);
  const size_t question = before_fragment.find('?');
  const std::string_view path = before_fragment.substr(0, question);
  size_t segment_start = 1;
  for (size_t i = 1; i <= path.size(); ++i) {
    if (i == path.size() || path[i] == '/') {
      const std::string_view segment =
          path.substr(segment_start, i - segment_start);
      if (segment == "." || segment == "..") return false;
      segment_start = i + 1;
    } else if (!IsPlainPathByte(path[i])) {
      return false;
    }
  }
  std::string_view query;
  if (question != std::string_view::npos) {
    query = before_fragment.substr(question + 1);
    for (char c : query) {
      if (!IsPlainQueryByte(c)) return false;
    }
  }
  out->scheme = base.scheme;
  out->username = base.username;
  out->password = base.password;
  out->host = base.host;
  out->has_host = true;
  out->port = base.port;
  out->has_opaque_path = false;
  out->path.assign(path);
  if (question != std::string_view::npos) {
    out->query.emplace(query);
  } else {
    out->query.reset();
  }
  if (hash != std::string_view::npos) {
    out->fragment.emplace();
    AppendPercentEncoded(input.substr(hash + 1), PercentEncodeSet::kFragment,
                         &*out->fragment);
  } else {
    out->fragment.reset();
  }
  return true;
}

}  // namespace crawlbox::parser
