// The robots.txt parser (line splitting, key recognition, grouping) and the
// longest-match matcher behind RobotsTxt::Allowed.
#include "parser/robots.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <initializer_list>

#include "parser/url_encoding.h"

namespace crawlbox::parser {

namespace {

// Whitespace inside a line; CR and LF never get here, they end lines.
bool IsLineSpace(char c) {
  return c == ' ' || c == '\t' || c == '\v' || c == '\f';
}

// RFC 9309 §2.2.1: product-token = 1*(ALPHA / "_" / "-").
bool IsTokenChar(char c) { return IsAsciiAlpha(c) || c == '-' || c == '_'; }

bool IsUnreserved(int c) {
  return IsAsciiAlpha(c) || IsAsciiDigit(c) || c == '-' || c == '.' ||
         c == '_' || c == '~';
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsLineSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsLineSpace(s.back())) s.remove_suffix(1);
  return s;
}

std::string_view LeadingToken(std::string_view s) {
  size_t n = 0;
  while (n < s.size() && IsTokenChar(s[n])) ++n;
  return s.substr(0, n);
}

std::string AsciiLowercase(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = AsciiLower(c);
  return out;
}

bool EqualsAnyIgnoreCase(std::string_view key,
                         std::initializer_list<std::string_view> names) {
  for (std::string_view name : names) {
    if (AsciiEqualsNoCase(key, name)) return true;
  }
  return false;
}

enum class Key { kUserAgent, kAllow, kDisallow, kCrawlDelay, kSitemap, kOther };

// The typos are the ones Google's parser accepts (kAllowFrequentTypos), plus
// the crawl-delay spellings seen in the wild.
Key ClassifyKey(std::string_view key) {
  if (EqualsAnyIgnoreCase(key, {"user-agent", "useragent", "user agent"}))
    return Key::kUserAgent;
  if (AsciiEqualsNoCase(key, "allow")) return Key::kAllow;
  if (EqualsAnyIgnoreCase(key, {"disallow", "dissallow", "dissalow", "disalow",
                                "diasllow", "disallaw"}))
    return Key::kDisallow;
  if (EqualsAnyIgnoreCase(key, {"crawl-delay", "crawldelay", "crawl delay"}))
    return Key::kCrawlDelay;
  if (EqualsAnyIgnoreCase(key, {"sitemap", "site-map"})) return Key::kSitemap;
  return Key::kOther;
}

// Splits a comment-free, trimmed, non-empty line into key and value. The
// separator is the first ':'; without one, Google accepts whitespace instead
// ("disallow /x"), but only when the line has exactly two words, so that
// prose lines do not become rules.
bool SplitKeyValue(std::string_view line, std::string_view* key,
                   std::string_view* value) {
  size_t sep = line.find(':');
  size_t value_start = sep + 1;
  if (sep == std::string_view::npos) {
    sep = 0;
    while (sep < line.size() && !IsLineSpace(line[sep])) ++sep;
    if (sep == line.size()) return false;
    value_start = sep;
    if (Trim(line.substr(sep)).find_first_of(" \t\v\f") !=
        std::string_view::npos) {
      return false;
    }
  }
  *key = Trim(line.substr(0, sep));
  *value = Trim(line.substr(value_start));
  return !key->empty();
}

// Bytes escaped before comparison: those the URL Standard escapes in a path
// or in a special query, so a pattern written raw compares equal to what
// ParseUrl makes of the same text. '?' stays: it separates path and query.
bool NeedsEscape(unsigned char c) {
  return (c != '?' && InPercentEncodeSet(c, PercentEncodeSet::kPath)) ||
         InPercentEncodeSet(c, PercentEncodeSet::kSpecialQuery);
}

bool IsEscapeAt(std::string_view s, size_t i) {
  return s[i] == '%' && i + 2 < s.size() && IsAsciiHexDigit(s[i + 1]) &&
         IsAsciiHexDigit(s[i + 2]);
}

// True when AppendNormalized would change `s` (the common path has no '%'
// and nothing to escape, and then needs no copy).
bool NeedsNormalization(std::string_view s) {
  for (char c : s) {
    if (c == '%' || NeedsEscape(static_cast<unsigned char>(c))) return true;
  }
  return false;
}

// The escape normalization both patterns and paths go through (RFC 9309
// §2.2.2): escapes of unreserved characters decoded, the others with
// uppercase hex, raw bytes that need it escaped. Matches what
// NormalizeForCrawl does to the URLs the crawler fetches.
void AppendNormalized(std::string_view s, std::string* out,
                      bool decode_unreserved = true) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  out->reserve(out->size() + s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == '%' && IsEscapeAt(s, i)) {
      const int value = HexDigitValue(s[i + 1]) * 16 + HexDigitValue(s[i + 2]);
      if (decode_unreserved && IsUnreserved(value)) {
        out->push_back(static_cast<char>(value));
      } else {
        out->push_back('%');
        out->push_back(kHex[value >> 4]);
        out->push_back(kHex[value & 0xF]);
      }
      i += 2;
    } else if (NeedsEscape(c)) {
      out->push_back('%');
      out->push_back(kHex[c >> 4]);
      out->push_back(kHex[c & 0xF]);
    } else {
      out->push_back(static_cast<char>(c));
    }
  }
}

// Whether `pattern` matches a prefix of `path` ('*' any run of bytes, a final
// '$' anchors the end). Greedy with backtracking to the last '*' only, which
// is exact for patterns whose only wildcard is '*': O(|path| * |pattern|) at
// worst, O(|pattern|) for the usual star-free prefix, and no allocation.
bool PatternMatches(std::string_view path, std::string_view pattern) {
  const bool anchored = !pattern.empty() && pattern.back() == '$';
  if (anchored) pattern.remove_suffix(1);
  size_t p = 0;  // in pattern
  size_t s = 0;  // in path
  size_t star = std::string_view::npos;
  size_t star_s = 0;
  while (true) {
    if (p == pattern.size()) {
      if (!anchored || s == path.size()) return true;
    } else if (pattern[p] == '*') {
      star = p++;
      star_s = s;
      continue;
    } else if (s < path.size() && pattern[p] == path[s]) {
      ++p;
      ++s;
      continue;
    }
    // Mismatch: let the last '*' swallow one more byte and retry after it.
    if (star == std::string_view::npos || star_s >= path.size()) return false;
    p = star + 1;
    s = ++star_s;
  }
}

// A non-negative decimal number of seconds ("10", "0.5"); nullopt otherwise.
std::optional<double> ParseSeconds(std::string_view value) {
  double seconds = 0;
  const char* end = value.data() + value.size();
  const auto [ptr, ec] =
      std::from_chars(value.data(), end, seconds, std::chars_format::fixed);
  if (value.empty() || ec != std::errc() || ptr != end ||
      !std::isfinite(seconds) || seconds < 0) {
    return std::nullopt;
  }
  return seconds;
}

}  // namespace

// Feeds lines into a RobotsTxt, keeping the group state between them.
class RobotsTxt::Parser {
 public:
  explicit Parser(RobotsTxt* robots) : robots_(robots) {}

  void Line(std::string_view line) {
    line = Trim(line.substr(0, line.find('#')));
    if (line.empty()) return;
    std::string_view key;
    std::string_view value;
    if (!SplitKeyValue(line, &key, &value)) return;
    switch (ClassifyKey(key)) {
      case Key::kUserAgent:
        UserAgent(value);
        break;
      case Key::kAllow:
        AddRule(value, /*allow=*/true);
        break;
      case Key::kDisallow:
        AddRule(value, /*allow=*/false);
        break;
      case Key::kCrawlDelay:
        CrawlDelay(value);
        break;
      case Key::kSitemap:
        if (!value.empty()) robots_->sitemaps_.emplace_back(value);
        break;
      case Key::kOther:
        break;
    }
  }

 private:
  void UserAgent(std::string_view value) {
    // A user-agent line after a member starts a new group; consecutive ones
    // (blank lines between them included) share one.
    if (in_members_) {
      targets_.clear();
      in_members_ = false;
    }
    Group* group = nullptr;
    // Google's leniency: "* anything" is still the global agent.
    if (!value.empty() && value[0] == '*' &&
        (value.size() == 1 || IsLineSpace(value[1]))) {
      if (!robots_->global_group_) robots_->global_group_.emplace();
      group = &*robots_->global_group_;
    } else {
      const std::string_view token = LeadingToken(value);
      if (token.empty()) return;  // names no agent we could match
      // Node-based map: the pointer survives later insertions.
      group = &robots_->groups_[AsciiLowercase(token)];
    }
    if (std::find(targets_.begin(), targets_.end(), group) == targets_.end())
      targets_.push_back(group);
  }

  void AddRule(std::string_view value, bool allow) {
    in_members_ = true;
    // An empty value ("Disallow:") restricts nothing.
    if (value.empty() || targets_.empty()) return;
    // Disallow patterns are decoded as RFC 9309 §2.2.2 says, so that
    // "Disallow: /%7Ejoe/" keeps us out of /~joe/. Allow patterns keep their
    // escapes, as Google's parser (and its conformance vectors) do: where the
    // two readings differ, the stricter one wins.
    std::string pattern;
    AppendNormalized(value, &pattern, /*decode_unreserved=*/!allow);
    for (Group* group : targets_) group->rules.push_back({pattern, allow});
    if (!allow) return;
    // Google: "/d/index.htm" and "/d/index.html" also allow "/d/".
    const size_t slash = pattern.rfind('/');
    if (slash != std::string::npos &&
        pattern.compare(slash, 10, "/index.htm") == 0) {
      std::string directory = pattern.substr(0, slash + 1) + "$";
      for (Group* group : targets_) group->rules.push_back({directory, true});
    }
  }

  void CrawlDelay(std::string_view value) {
    in_members_ = true;
    const std::optional<double> seconds = ParseSeconds(value);
    if (!seconds) return;
    for (Group* group : targets_) {
      group->crawl_delay_seconds =
          std::max(group->crawl_delay_seconds.value_or(0), *seconds);
    }
  }

  RobotsTxt* robots_;
  // The groups the current user-agent lines name; members go to all of them.
  std::vector<Group*> targets_;
  // True once the current group has had a member line.
  bool in_members_ = false;
};

RobotsTxt RobotsTxt::Parse(std::string_view body) {
  RobotsTxt robots;
  if (body.size() > kMaxParsedBytes) {
    // Keep whole lines only: a cut "Allow: /private-but-public" would allow
    // more than the file says.
    body = body.substr(0, kMaxParsedBytes);
    const size_t last_break = body.find_last_of("\r\n");
    body =
        body.substr(0, last_break == std::string_view::npos ? 0 : last_break);
  }
  // A UTF-8 BOM never belongs in robots.txt but occurs; Google skips any
  // prefix of one at the start of the file.
  static constexpr std::string_view kBom = "\xEF\xBB\xBF";
  for (size_t i = 0; i < kBom.size() && !body.empty() && body[0] == kBom[i];
       ++i) {
    body.remove_prefix(1);
  }
  Parser parser(&robots);
  while (!body.empty()) {
    const size_t end = body.find_first_of("\r\n");
    const std::string_view line = body.substr(0, end);
    if (line.size() <= kMaxLineBytes) parser.Line(line);
    if (end == std::string_view::npos) break;
    // CR, LF and CRLF all end a line; CRLF leaves an empty line between
    // them, which is ignored like any blank line.
    body.remove_prefix(end + 1);
  }
  return robots;
}

RobotsTxt RobotsTxt::AllowAll() { return RobotsTxt(); }

RobotsTxt RobotsTxt::DisallowAll() {
  RobotsTxt robots;
  robots.disallow_all_ = true;
  return robots;
}

const RobotsTxt::Group* RobotsTxt::GroupFor(
    std::string_view user_agent_token) const {
  if (!user_agent_token.empty()) {
    const auto it = groups_.find(AsciiLowercase(user_agent_token));
    if (it != groups_.end()) return &it->second;
  }
  return global_group_ ? &*global_group_ : nullptr;
}

bool RobotsTxt::Allowed(std::string_view user_agent_token,
                        std::string_view path_and_query) const {
  // Two readings of the path: escapes of unreserved characters decoded (for
  // Disallow patterns, decoded the same way) and kept (for Allow patterns,
  // kept the same way). See AddRule for why the stricter reading wins.
  auto normalize = [&](bool decode, std::string* storage) {
    std::string_view path = path_and_query;
    if (path.empty() || path.front() != '/') {
      storage->push_back('/');
      AppendNormalized(path, storage, decode);
      return std::string_view(*storage);
    }
    if (!NeedsNormalization(path)) return path;
    AppendNormalized(path, storage, decode);
    return std::string_view(*storage);
  };
  std::string decoded_storage, kept_storage;
  const std::string_view decoded = normalize(true, &decoded_storage);
  // RFC 9309 §2.2.2: the robots.txt URI is implicitly allowed.
  if (decoded.substr(0, decoded.find('?')) == "/robots.txt") return true;
  if (disallow_all_) return false;
  const Group* group = GroupFor(user_agent_token);
  if (group == nullptr) return true;
  const std::string_view kept = normalize(false, &kept_storage);

  // Longest match per kind; patterns are never empty, so 0 means "none".
  size_t longest_allow = 0;
  size_t longest_disallow = 0;
  for (const RobotsTxt::Rule& rule : group->rules) {
    size_t& longest = rule.allow ? longest_allow : longest_disallow;
    if (rule.pattern.size() <= longest) continue;
    if (PatternMatches(rule.allow ? kept : decoded, rule.pattern)) {
      longest = rule.pattern.size();
    }
  }
  return longest_disallow <= longest_allow;  // allow wins a tie
}

std::optional<double> RobotsTxt::CrawlDelaySeconds(
    std::string_view user_agent_token) const {
  if (disallow_all_) return std::nullopt;
  const Group* group = GroupFor(user_agent_token);
  if (group == nullptr) return std::nullopt;
  return group->crawl_delay_seconds;
}

std::string UserAgentToken(std::string_view user_agent) {
  while (!user_agent.empty() && IsLineSpace(user_agent.front()))
    user_agent.remove_prefix(1);
  return std::string(LeadingToken(user_agent));
}

}  // namespace crawlbox::parser
