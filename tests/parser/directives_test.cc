// Tests of parser/directives.h: robots meta content and X-Robots-Tag, the
// product token, WHATWG refresh parsing, the Link header's rel="canonical".
#include "parser/directives.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <string>

namespace crawlbox::parser {
namespace {

TEST(DirectivesTest, RobotsContent) {
  struct Case {
    const char* content;
    bool noindex;
    bool nofollow;
  };
  const Case cases[] = {
      {"noindex", true, false},
      {"nofollow", false, true},
      {"none", true, true},
      {"NoIndex, NOFOLLOW", true, true},
      {"  noindex ,nofollow  ", true, true},
      {"noindex nofollow", true, true},
      {"index, follow", false, false},
      {"all", false, false},
      {"noarchive, nosnippet, max-snippet:-1", false, false},
      {"noindexx", false, false},
      {"no index", false, false},
      {"", false, false},
      {",,,", false, false},
  };
  for (const Case& c : cases) {
    RobotsDirectives got;
    AddRobotsContent(c.content, &got);
    EXPECT_EQ(got.noindex, c.noindex) << "input: '" << c.content << "'";
    EXPECT_EQ(got.nofollow, c.nofollow) << "input: '" << c.content << "'";
  }
}

TEST(DirectivesTest, XRobotsTagForAllOrForUs) {
  struct Case {
    const char* value;
    bool noindex;
    bool nofollow;
  };
  const Case cases[] = {
      {"noindex", true, false},
      {"noindex, nofollow", true, true},
      {"none", true, true},
      {"crawlbox: noindex", true, false},
      {"CrawlBox: nofollow", false, true},
      {"crawlbox:none", true, true},
      {"otherbot: noindex", false, false},
      {"otherbot: noindex, nofollow", false, false},
      {"otherbot: noindex, crawlbox: nofollow", false, true},
      {"nofollow, otherbot: noindex", false, true},
      {"crawlbox: noindex, otherbot: nofollow", true, false},
      {"unavailable_after: 25 Jun 2010 15:00:00 PST", false, false},
      {"unavailable_after: 25 Jun 2010, noindex", true, false},
      {"max-snippet: 20, nofollow", false, true},
      {"crawlboxx: noindex", false, false},
      {"all", false, false},
      {"", false, false},
  };
  for (const Case& c : cases) {
    RobotsDirectives got;
    AddXRobotsTag(c.value, "crawlbox", &got);
    EXPECT_EQ(got.noindex, c.noindex) << "input: '" << c.value << "'";
    EXPECT_EQ(got.nofollow, c.nofollow) << "input: '" << c.value << "'";
  }
  // Without a token of our own, only directives for all agents count.
  RobotsDirectives got;
  AddXRobotsTag("crawlbox: noindex, nofollow", "", &got);
  EXPECT_FALSE(got.noindex);
  EXPECT_FALSE(got.nofollow);
}

TEST(DirectivesTest, ProductToken) {
  const std::pair<const char*, const char*> cases[] = {
      {"crawlbox/0.1 (+https://github.com/crawlbox/crawlbox)", "crawlbox"},
      {"MyBot/2.0", "mybot"},
      {"  Spider (compatible)", "spider"},
      {"Mozilla/5.0 (compatible; Googlebot/2.1)", "mozilla"},
      {"bot;v=1", "bot"},
      {"plain", "plain"},
      {"", ""},
  };
  for (const auto& [agent, token] : cases) {
    EXPECT_EQ(ProductToken(agent), token) << "input: '" << agent << "'";
  }
}

TEST(DirectivesTest, RefreshAsTheSharedDeclarativeRefreshSteps) {
  struct Case {
    const char* text;
    bool valid;
    int64_t delay_s;
    std::optional<std::string> url;
  };
  const Case cases[] = {
      {"5; url=/next", true, 5, "/next"},
      {"5;url=/next", true, 5, "/next"},
      {"0; URL=http://a.test/x", true, 0, "http://a.test/x"},
      {"3, url=/comma", true, 3, "/comma"},
      {"3 url=/space", true, 3, "/space"},
      {"  7 ; Url = '/quoted' trailing", true, 7, "/quoted"},
      {"7; url=\"/dq\"", true, 7, "/dq"},
      {"7; url='/unterminated", true, 7, "/unterminated"},
      {"1; /no-url-prefix", true, 1, "/no-url-prefix"},
      {"1; urn:x", true, 1, "urn:x"},  // "ur" then 'n': the whole text
      {"1; u/x", true, 1, "u/x"},
      {"1; url/x", true, 1, "url/x"},  // no '=' after "url"
      {"2.5; url=/frac", true, 2, "/frac"},
      {".5; url=/dot", true, 0, "/dot"},
      {"10", true, 10, std::nullopt},
      {"10;", true, 10, std::nullopt},
      {"10 ; ", true, 10, std::nullopt},
      {"99999999999999999999999; url=/big", true, INT64_MAX, "/big"},
      {"", false, 0, std::nullopt},
      {"   ", false, 0, std::nullopt},
      {"url=/x", false, 0, std::nullopt},
      {"-1; url=/x", false, 0, std::nullopt},
      {"5x; url=/x", false, 0, std::nullopt},
  };
  for (const Case& c : cases) {
    std::optional<RefreshSpec> got = ParseRefresh(c.text);
    ASSERT_EQ(got.has_value(), c.valid) << "input: '" << c.text << "'";
    if (!got) continue;
    EXPECT_EQ(got->delay_s, c.delay_s) << "input: '" << c.text << "'";
    EXPECT_EQ(got->url, c.url) << "input: '" << c.text << "'";
  }
}

TEST(DirectivesTest, CanonicalFromLinkHeader) {
  const std::pair<const char*, std::optional<std::string>> cases[] = {
      {"<https://a.test/c>; rel=\"canonical\"", "https://a.test/c"},
      {"<https://a.test/c>; rel=canonical", "https://a.test/c"},
      {"<https://a.test/c>;rel=\"Canonical\"", "https://a.test/c"},
      {"</rel>; rel=\"alternate canonical\"", "/rel"},
      {"<https://a.test/n>; rel=\"next\", <https://a.test/c>; "
       "rel=\"canonical\"",
       "https://a.test/c"},
      {"<https://a.test/a,b>; rel=\"canonical\"", "https://a.test/a,b"},
      {"<https://a.test/t>; title=\"a, b; rel=canonical\", </c>; "
       "rel=canonical",
       "/c"},
      {"<https://a.test/x>; rel=\"next\"; rel=\"canonical\"", std::nullopt},
      {"<https://a.test/x>; rel=\"canonicalx\"", std::nullopt},
      {"<https://a.test/x>; hreflang=en", std::nullopt},
      {"https://a.test/x; rel=canonical", std::nullopt},
      {"<https://a.test/unclosed; rel=canonical", std::nullopt},
      {"", std::nullopt},
  };
  for (const auto& [value, want] : cases) {
    EXPECT_EQ(CanonicalFromLinkHeader(value), want) << "input: " << value;
  }
}

TEST(DirectivesTest, RelHas) {
  EXPECT_TRUE(RelHas("nofollow", "nofollow"));
  EXPECT_TRUE(RelHas("noopener NoFollow\tugc", "nofollow"));
  EXPECT_FALSE(RelHas("nofollowx", "nofollow"));
  EXPECT_FALSE(RelHas("no follow", "nofollow"));
  EXPECT_FALSE(RelHas("", "nofollow"));
}

}  // namespace
}  // namespace crawlbox::parser
