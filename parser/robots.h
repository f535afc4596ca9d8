// robots.txt per RFC 9309 (the Robots Exclusion Protocol): a parser that
// accepts any bytes as Google's reference parser does, and the matcher that
// decides whether a crawler may fetch a path. Pure: no network.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace crawlbox::parser {

// A parsed robots.txt. Immutable after construction: thread-safe for
// concurrent const use, copyable and movable; callers that share one between
// threads hold it in a std::shared_ptr<const RobotsTxt>.
//
// Grammar and semantics (RFC 9309, with the leniencies of Google's reference
// parser, github.com/google/robotstxt):
//  - Lines end at LF, CR or CRLF; '#' starts a comment; a leading UTF-8 BOM
//    (or any prefix of one) is skipped. A line is "key: value", whitespace
//    around both tolerated, or "key value" when the line has exactly two words.
//    Keys are case-insensitive; the typos "useragent", "user agent",
//    "disalow", "dissallow", "dissalow", "diasllow", "disallaw", "site-map",
//    "crawldelay" and "crawl delay" are accepted. Other lines are ignored.
//  - A group is one or more user-agent lines (blank lines between them allowed)
//    followed by its members: allow, disallow and crawl-delay lines. Members
//    before the first user-agent line belong to no group and are ignored.
//    Several groups naming the same agent are merged.
//  - A user-agent value is "*" (the global group; "* anything" too) or a
//    product token: its leading run of letters, '-' and '_' ("Foo Bar" names
//    "Foo"), compared case-insensitively.
//  - sitemap lines are global and may appear anywhere.
class RobotsTxt {
 public:
  // RFC 9309 §2.5: crawlers must parse at least the first 500 KiB; bytes past
  // this many are ignored (and a line cut by the limit is dropped).
  static constexpr size_t kMaxParsedBytes = 500 * 1024;
  // Lines longer than this (Google's limit, 8 maximal URLs) are dropped
  // whole, which bounds the cost of matching one pattern.
  static constexpr size_t kMaxLineBytes = 2083 * 8;

  // The empty robots.txt: allows everything (same as AllowAll()).
  RobotsTxt() = default;

  // Parses `body`, any bytes: BOM, CR/LF/CRLF line ends, comments, invalid
  // UTF-8, NUL bytes and files over kMaxParsedBytes. Never fails: what cannot
  // be understood is ignored. `body` is only read during the call.
  static RobotsTxt Parse(std::string_view body);
  // For a robots.txt answered with 4xx (RFC 9309 §2.3.1.3): no restrictions.
  static RobotsTxt AllowAll();
  // For a robots.txt that is unreachable or answered with 5xx (§2.3.1.4):
  // nothing but /robots.txt may be fetched.
  static RobotsTxt DisallowAll();

  // Whether the crawler whose product token is `user_agent_token` (e.g.
  // "crawlbox", see UserAgentToken) may fetch the URL whose path and query are
  // `path_and_query` ("/a/b?c=d"; "" means "/", a leading '/' is added when
  // missing). The token is compared whole and case-insensitively with the
  // groups' tokens, so a value with spaces or digits matches only "*" groups;
  // the empty token matches only "*" groups too.
  //
  // The groups naming the token are used if any exist, else the "*" groups,
  // else everything is allowed. Among their allow and disallow rules the one
  // with the longest matching pattern wins, allow on a tie; no match allows.
  // A pattern matches a prefix of the path; '*' matches any run of bytes and
  // a final '$' anchors the pattern at the end; an empty pattern matches
  // nothing. An allow rule whose last segment begins with "index.htm" also
  // allows its directory ("/d/index.html" allows "/d/"), as Google does.
  // Pattern and path are compared after the same escape normalization on both
  // sides: "%xx" of an unreserved character (ALPHA DIGIT - . _ ~) is decoded,
  // other escapes get uppercase hex digits, and bytes that the URL Standard
  // escapes in paths or queries (controls, space, non-ASCII, " # < > ' ^ `
  // { }) are escaped, so "/ツ", "/%e3%83%84" and "/%E3%83%84" are equal and
  // "/%7Ejoe" equals "/~joe". "/robots.txt" is always allowed.
  //
  // Cost: linear in the rules of the chosen groups, each match at worst the
  // product of pattern and path lengths. Thread-safe.
  bool Allowed(std::string_view user_agent_token,
               std::string_view path_and_query) const;

  // The crawl-delay in seconds (fractional allowed, never negative) of the
  // groups Allowed() would use for `user_agent_token`, or nullopt when they
  // give none. Merged groups with several values give the largest. A value
  // that is not a non-negative decimal number is ignored.
  std::optional<double> CrawlDelaySeconds(
      std::string_view user_agent_token) const;

  // The values of the sitemap lines, in file order, as written (not resolved
  // against the robots.txt URL; callers resolve and validate them). Valid as
  // long as this object.
  const std::vector<std::string>& sitemaps() const { return sitemaps_; }

 private:
  struct Rule {
    std::string pattern;  // escape-normalized, non-empty
    bool allow = false;
  };
  // All the rules of every group naming one agent (or "*"), merged.
  struct Group {
    std::vector<Rule> rules;
    std::optional<double> crawl_delay_seconds;
  };
  class Parser;

  // The group Allowed() uses for `user_agent_token`, or null when there is
  // none (everything is allowed).
  const Group* GroupFor(std::string_view user_agent_token) const;

  bool disallow_all_ = false;
  // Keyed by lowercased product token; never holds the empty token.
  std::unordered_map<std::string, Group> groups_;
  std::optional<Group> global_group_;
  std::vector<std::string> sitemaps_;
};

// The product token of a User-Agent header value: the leading run of ASCII
// letters, '-' and '_' after any leading whitespace, as RFC 9309 §2.2.1
// defines it: "crawlbox/0.1 (+http://example.com/bot)" → "crawlbox". Returns
// "" when the value does not start with such a character.
std::string UserAgentToken(std::string_view user_agent);

}  // namespace crawlbox::parser
