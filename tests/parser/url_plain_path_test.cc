// Tests of parser/url_plain_path.h: ParseUrl's shortcut for path-absolute
// hrefs must give exactly what the state machine gives, field by field, and
// must take the inputs it was written for.
#include "parser/url_plain_path.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace crawlbox::parser {
namespace {

Url MustParse(std::string_view text) {
  config::Result<Url> url = ParseUrlByStates(text, nullptr);
  EXPECT_TRUE(url.ok()) << text;
  return url.ok() ? std::move(url).value() : Url{};
}

// Expects ParseUrl (with the shortcut) and the state machine alone to agree
// on `href` against `base`; returns whether the shortcut took it.
bool ExpectSame(std::string_view href, const Url& base) {
  config::Result<Url> fast = ParseUrl(href, &base);
  config::Result<Url> slow = ParseUrlByStates(href, &base);
  const std::string where =
      "href '" + std::string(href) + "' against '" + base.Href() + "'";
  EXPECT_EQ(fast.ok(), slow.ok()) << where;
  if (fast.ok() && slow.ok()) {
    EXPECT_EQ(fast->scheme, slow->scheme) << where;
    EXPECT_EQ(fast->username, slow->username) << where;
    EXPECT_EQ(fast->password, slow->password) << where;
    EXPECT_EQ(fast->host, slow->host) << where;
    EXPECT_EQ(fast->has_host, slow->has_host) << where;
    EXPECT_EQ(fast->port, slow->port) << where;
    EXPECT_EQ(fast->path, slow->path) << where;
    EXPECT_EQ(fast->query, slow->query) << where;
    EXPECT_EQ(fast->fragment, slow->fragment) << where;
    EXPECT_EQ(fast->has_opaque_path, slow->has_opaque_path) << where;
  }
  Url unused;
  return ParsePlainAbsolutePath(href, base, &unused);
}

const char* const kBases[] = {
    "http://127.0.0.1:8080/board/7?offset=10#x",
    "https://user:pw@Example.COM/a/b/c",
    "http://h/",
    "https://h:443/x/",
    "http://[::1]:81/d/e?q",
};

TEST(UrlPlainPathTest, AgreesWithTheStateMachineOnListedHrefs) {
  const char* const hrefs[] = {"/",
                               "/a",
                               "/a/",
                               "/a//b",
                               "/page/123",
                               "/board/7?offset=10",
                               "/a?",
                               "/a#",
                               "/a?x#y",
                               "/a#frag ment<>\"`",
                               "/a#\xC3\xA9",
                               "/a?b=c&d",
                               "/a?q=1/2?3",
                               "/~u/(x)*+,;=:@!$&",
                               "/a.b/c..d/.e/f.",
                               "/a/./b",
                               "/a/../b",
                               "/.",
                               "/..",
                               "/a/.",
                               "/a/..",
                               "/./a",
                               "/../a",
                               "/%2e/a",
                               "/a%2E%2e/b",
                               "/a%20b",
                               "//host/p",
                               "/\\x",
                               "/a\\b",
                               "/a b",
                               "/\xC3\xA9",
                               "/a?q'x",
                               "/a'b",
                               "/a{b}",
                               "/a|b",
                               "/a^b",
                               "/a[b]",
                               "/a<b",
                               "/a?x y",
                               "/C:/x",
                               "/c|/x",
                               "",
                               "a/b",
                               "../a",
                               "?x",
                               "#y",
                               "http://h/a",
                               "  /a  ",
                               "/a\tb",
                               "\n/a"};
  int taken = 0;
  for (const char* base_text : kBases) {
    const Url base = MustParse(base_text);
    for (const char* href : hrefs) taken += ExpectSame(href, base) ? 1 : 0;
  }
  // "/", "/a", ..., the hrefs of ordinary links: the shortcut must be used.
  EXPECT_GE(taken, 5 * 14);
}

TEST(UrlPlainPathTest, TakesNothingAgainstOtherBases) {
  for (const char* base_text : {"file:///C:/x/y", "sc://h/p", "mailto:a@b"}) {
    const Url base = MustParse(base_text);
    for (const char* href : {"/", "/a/b", "/a?q#f"}) {
      EXPECT_FALSE(ExpectSame(href, base)) << href << " on " << base_text;
    }
  }
}

TEST(UrlPlainPathTest, AgreesWithTheStateMachineOnRandomHrefs) {
  // Mostly plain bytes with every kind of byte the shortcut must refuse or
  // treat specially mixed in: separators, dots, escapes, encoded bytes.
  const std::string alphabet =
      "aZ09-._~!$&()*+,;=:@/////....??##%%2eE \t\\\"'<>`{}|^[]\x01\x7F\xC3";
  std::mt19937 rng(20261207);
  std::uniform_int_distribution<size_t> length(0, 14);
  std::uniform_int_distribution<size_t> pick(0, alphabet.size() - 1);
  std::vector<Url> bases;
  for (const char* base_text : kBases) bases.push_back(MustParse(base_text));
  int taken = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string href = "/";
    for (size_t n = length(rng); n > 0; --n) href += alphabet[pick(rng)];
    taken += ExpectSame(href, bases[static_cast<size_t>(i) % bases.size()]);
  }
  EXPECT_GT(taken, 1000);
}

}  // namespace
}  // namespace crawlbox::parser
