// The syntax of a page's instructions to crawlers, as text: robots directives
// (<meta name="robots"> content, X-Robots-Tag), refresh (<meta
// http-equiv="refresh"> content, the Refresh header) and the Link header's
// rel="canonical". Pure string work: resolving URLs is the caller's.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace crawlbox::parser {

// What robots directives ask of a page. `none` sets both.
struct RobotsDirectives {
  bool noindex = false;
  bool nofollow = false;
};

// Adds the directives of a robots meta content ("noindex, nofollow") to *out:
// tokens separated by commas or ASCII whitespace, ASCII case-insensitive;
// `noindex`, `nofollow` and `none` count, every other token is ignored.
void AddRobotsContent(std::string_view content, RobotsDirectives* out);

// Adds the directives of one X-Robots-Tag header value to *out. A value is a
// comma-separated list of directives that may be prefixed with a user agent
// token and a colon ("crawlbox: noindex, nofollow"); a prefix applies to the
// directives after it up to the next prefix. Directives under another user
// agent are ignored; those without one, or under `ua_token` (compared ASCII
// case-insensitively), count. `unavailable_after:` and the `max-*:` directives
// are directives, not user agents.
void AddXRobotsTag(std::string_view value, std::string_view ua_token,
                   RobotsDirectives* out);

// The user agent's product token as robots rules name it: the lowercase text
// of `user_agent` before its first '/', space, ';' or '(' ("crawlbox" of
// "crawlbox/0.1 (+https://...)").
std::string ProductToken(std::string_view user_agent);

// A refresh instruction as written.
struct RefreshSpec {
  int64_t delay_s = 0;  // whole seconds; saturates at INT64_MAX
  // The URL text as written (quotes removed, not resolved), or nullopt when
  // the refresh reloads the page itself.
  std::optional<std::string> url;
};

// Parses a <meta http-equiv="refresh"> content or a Refresh header value by
// the WHATWG "shared declarative refresh steps": optional whitespace, the
// delay digits (fractions ignored), then optionally ';' or ',', `url=` (any
// case, optional) and the URL, optionally quoted. nullopt when the text is no
// refresh (no delay digits and no '.', or junk after the delay).
std::optional<RefreshSpec> ParseRefresh(std::string_view text);

// The target of the first link of an RFC 8288 Link header value
// (`<url>; rel="canonical", <url2>; rel=next`) whose rel parameter holds the
// token "canonical" (rel may list several, space-separated; case-insensitive),
// as written between < and >. nullopt when there is none.
std::optional<std::string> CanonicalFromLinkHeader(std::string_view value);

// True when the space-separated token list `rel` (an HTML rel attribute)
// holds `token`, ASCII case-insensitively.
bool RelHas(std::string_view rel, std::string_view token);

}  // namespace crawlbox::parser
