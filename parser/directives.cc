// Robots directives, refresh and Link header syntax. Each reader is lenient
// the way browsers and search engines are: junk is skipped, never an error.
#include "parser/directives.h"

#include <cstdint>

#include "parser/url_encoding.h"

namespace crawlbox::parser {

namespace {

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r';
}
std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

void AddDirective(std::string_view token, RobotsDirectives* out) {
  if (AsciiEqualsNoCase(token, "noindex")) {
    out->noindex = true;
  } else if (AsciiEqualsNoCase(token, "nofollow")) {
    out->nofollow = true;
  } else if (AsciiEqualsNoCase(token, "none")) {
    out->noindex = true;
    out->nofollow = true;
  }
}

// Directives that carry a value after a colon; anything else before a colon
// names a user agent.
bool IsValuedDirective(std::string_view name) {
  return AsciiEqualsNoCase(name, "unavailable_after") ||
         AsciiEqualsNoCase(name, "max-snippet") ||
         AsciiEqualsNoCase(name, "max-image-preview") ||
         AsciiEqualsNoCase(name, "max-video-preview");
}

}  // namespace

void AddRobotsContent(std::string_view content, RobotsDirectives* out) {
  size_t i = 0;
  while (i < content.size()) {
    while (i < content.size() && (IsSpace(content[i]) || content[i] == ','))
      ++i;
    size_t start = i;
    while (i < content.size() && !IsSpace(content[i]) && content[i] != ',') ++i;
    if (i > start) AddDirective(content.substr(start, i - start), out);
  }
}

void AddXRobotsTag(std::string_view value, std::string_view ua_token,
                   RobotsDirectives* out) {
  bool ours = true;  // no user agent named yet: the directives are for all
  while (!value.empty()) {
    size_t comma = value.find(',');
    std::string_view item = Trim(value.substr(0, comma));
    value = comma == std::string_view::npos ? std::string_view()
                                            : value.substr(comma + 1);
    size_t colon = item.find(':');
    if (colon != std::string_view::npos) {
      std::string_view name = Trim(item.substr(0, colon));
      bool is_agent = !name.empty() && !IsValuedDirective(name);
      for (char c : name) {
        if (IsSpace(c)) is_agent = false;
      }
      if (is_agent) {
        ours = !ua_token.empty() && AsciiEqualsNoCase(name, ua_token);
        item = Trim(item.substr(colon + 1));
      }
    }
    if (!ours) continue;
    // "crawlbox: noindex nofollow" is seen in the wild; tokens split on space
    // too.
    AddRobotsContent(item, out);
  }
}

std::string ProductToken(std::string_view user_agent) {
  std::string token;
  for (char c : Trim(user_agent)) {
    if (c == '/' || c == ';' || c == '(' || IsSpace(c)) break;
    token += AsciiLower(c);
  }
  return token;
}

std::optional<RefreshSpec> ParseRefresh(std::string_view in) {
  size_t pos = 0;
  const size_t n = in.size();
  auto skip_space = [&] {
    while (pos < n && IsSpace(in[pos])) ++pos;
  };
  skip_space();
  RefreshSpec out;
  size_t digits = pos;
  while (pos < n && in[pos] >= '0' && in[pos] <= '9') {
    int64_t d = in[pos] - '0';
    out.delay_s =
        out.delay_s > (INT64_MAX - d) / 10 ? INT64_MAX : out.delay_s * 10 + d;
    ++pos;
  }
  if (pos == digits && (pos >= n || in[pos] != '.')) return std::nullopt;
  while (pos < n && ((in[pos] >= '0' && in[pos] <= '9') || in[pos] == '.'))
    ++pos;
  if (pos < n) {
    if (in[pos] != ';' && in[pos] != ',' && !IsSpace(in[pos]))
      return std::nullopt;
    skip_space();
    if (pos < n && (in[pos] == ';' || in[pos] == ',')) {
      ++pos;
      skip_space();
    }
  }
  if (pos >= n) return out;
  // The steps jump to "skip quotes" or to "parse" when `url=` is incomplete;
  // "parse" then takes everything from where the URL part began.
  std::string_view url = in.substr(pos);
  bool skip_quotes = true;
  if (AsciiLower(in[pos]) == 'u') {
    ++pos;
    if (pos < n && AsciiLower(in[pos]) == 'r') {
      ++pos;
      if (pos < n && AsciiLower(in[pos]) == 'l') {
        ++pos;
        skip_space();
        if (pos < n && in[pos] == '=') {
          ++pos;
          skip_space();
        } else {
          skip_quotes = false;
        }
      } else {
        skip_quotes = false;
      }
    } else {
      skip_quotes = false;
    }
  }
  if (skip_quotes) {
    char quote = 0;
    if (pos < n && (in[pos] == '\'' || in[pos] == '"')) quote = in[pos++];
    url = in.substr(pos);
    if (quote != 0) url = url.substr(0, url.find(quote));
  }
  out.url = std::string(url);
  return out;
}

bool RelHas(std::string_view rel, std::string_view token) {
  size_t i = 0;
  while (i < rel.size()) {
    while (i < rel.size() && IsSpace(rel[i])) ++i;
    size_t start = i;
    while (i < rel.size() && !IsSpace(rel[i])) ++i;
    if (i > start && AsciiEqualsNoCase(rel.substr(start, i - start), token))
      return true;
  }
  return false;
}

std::optional<std::string> CanonicalFromLinkHeader(std::string_view value) {
  size_t pos = 0;
  const size_t n = value.size();
  auto skip_space = [&] {
    while (pos < n && IsSpace(value[pos])) ++pos;
  };
  while (pos < n) {
    skip_space();
    if (pos < n && value[pos] == ',') {
      ++pos;
      continue;
    }
    if (pos >= n) break;
    if (value[pos] != '<') {  // not a link-value: skip to the next one
      size_t comma = value.find(',', pos);
      pos = comma == std::string_view::npos ? n : comma + 1;
      continue;
    }
    size_t close = value.find('>', pos + 1);
    if (close == std::string_view::npos) break;
    std::string_view target = value.substr(pos + 1, close - pos - 1);
    pos = close + 1;
    bool canonical = false;
    bool rel_seen = false;
    // Parameters up to the ',' that ends this link-value.
    while (true) {
      skip_space();
      if (pos >= n || value[pos] == ',') break;
      if (value[pos] != ';') {  // junk: skip it
        ++pos;
        continue;
      }
      ++pos;
      skip_space();
      size_t name_start = pos;
      while (pos < n && !IsSpace(value[pos]) && value[pos] != '=' &&
             value[pos] != ';' && value[pos] != ',') {
        ++pos;
      }
      std::string_view name = value.substr(name_start, pos - name_start);
      skip_space();
      std::string param;
      if (pos < n && value[pos] == '=') {
        ++pos;
        skip_space();
        if (pos < n && value[pos] == '"') {
          ++pos;
          while (pos < n && value[pos] != '"') {
            if (value[pos] == '\\' && pos + 1 < n) ++pos;
            param += value[pos++];
          }
          if (pos < n) ++pos;  // the closing quote
        } else {
          while (pos < n && !IsSpace(value[pos]) && value[pos] != ';' &&
                 value[pos] != ',') {
            param += value[pos++];
          }
        }
      }
      // RFC 8288 §3.3: only the first rel parameter counts.
      if (AsciiEqualsNoCase(name, "rel") && !rel_seen) {
        rel_seen = true;
        canonical = RelHas(param, "canonical");
      }
    }
    if (canonical) return std::string(Trim(target));
  }
  return std::nullopt;
}

}  // namespace crawlbox::parser
