// parser/link_cache.h: the scope and key rules, checked against the URL parser
// itself over the WPT vectors and generated hrefs (an href must resolve the
// same against every base of its scope), the slot table, and PageParser with
// the cache against the same links computed without it.
#include "parser/link_cache.h"

#include <gtest/gtest.h>
#include <re2/re2.h>

#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "config/job_loader.h"
#include "parser/link_scanner.h"
#include "parser/page_parser.h"
#include "parser/url.h"
#include "tests/support/temp_dir.h"

namespace crawlbox::parser {
namespace {

// What the crawl makes of `href` on a page whose links resolve against
// `base`, computed without the cache: "bad", "other", or key and host.
std::string Outcome(std::string_view href, const Url& base) {
  config::Result<Url> url = ParseUrl(href, &base);
  if (!url.ok()) return "bad";
  if (!url->IsHttp()) return "other";
  return NormalizeForCrawl(*url) + " host=" + url->host;
}

Url MustParse(std::string_view text) {
  config::Result<Url> url = ParseUrl(text);
  EXPECT_TRUE(url.ok()) << text;
  return url.ok() ? std::move(url).value() : Url();
}

// Bases that share the scope of `base` but differ in everything else: the
// last path segment, the query and the fragment.
std::vector<Url> SameScopeVariants(const Url& base) {
  std::vector<Url> variants;
  for (const char* last : {"", "other-file", "x.html"}) {
    for (const char* query : {"", "?q=1/2", "?"}) {
      for (const char* fragment : {"", "#f", "#"}) {
        Url variant = base;
        variant.path.resize(variant.path.rfind('/') + 1);
        variant.path += last;
        variant.query.reset();
        variant.fragment.reset();
        config::Result<Url> reparsed =
            ParseUrl(variant.Href() + query + fragment);
        if (reparsed.ok()) variants.push_back(std::move(reparsed).value());
      }
    }
  }
  return variants;
}

// The property the cache relies on: an href that LinkCacheKey accepts
// resolves the same against every base of one scope, and so does every other
// href with the same key.
void ExpectScopeDecides(std::string_view href, const Url& base) {
  std::optional<LinkScope> scope = LinkCacheScope(base);
  if (!scope) return;
  std::optional<std::string_view> key = LinkCacheKey(href, base.scheme);
  if (!key) return;
  const std::string want = Outcome(href, base);
  for (const Url& variant : SameScopeVariants(base)) {
    std::optional<LinkScope> variant_scope = LinkCacheScope(variant);
    ASSERT_TRUE(variant_scope.has_value()) << variant.Href();
    ASSERT_EQ(variant_scope->text, scope->text) << variant.Href();
    EXPECT_EQ(Outcome(href, variant), want)
        << "href: \"" << href << "\" base: " << base.Href()
        << " variant: " << variant.Href();
  }
  const std::string before_fragment(href.substr(0, href.find('#')));
  for (const std::string& sibling : {before_fragment, before_fragment + "#",
                                     before_fragment + "#other \t frag"}) {
    if (LinkCacheKey(sibling, base.scheme) != key) continue;
    EXPECT_EQ(Outcome(sibling, base), want)
        << "href: \"" << href << "\" sibling: \"" << sibling
        << "\" base: " << base.Href();
  }
}

TEST(LinkCacheTest, ScopeIsTheBaseUpToItsDirectory) {
  struct Case {
    const char* base;
    const char* scope;  // nullptr: none
  } cases[] = {
      {"http://u:p@site.test:8080/a/b/c.html?q=1/2#f",
       "http://u:p@site.test:8080/a/b/"},
      {"https://site.test", "https://site.test/"},
      {"HTTP://Site.Test:80/dir/", "http://site.test/dir/"},
      {"http://site.test/a?b/c", "http://site.test/"},
      {"mailto:a@site.test", nullptr},
      {"file:///a/b", nullptr},
      {"ftp://site.test/a/b", nullptr},
  };
  for (const Case& c : cases) {
    std::optional<LinkScope> scope = LinkCacheScope(MustParse(c.base));
    if (c.scope == nullptr) {
      EXPECT_FALSE(scope.has_value()) << c.base;
    } else {
      ASSERT_TRUE(scope.has_value()) << c.base;
      EXPECT_EQ(scope->text, c.scope) << c.base;
    }
  }
}

TEST(LinkCacheTest, KeysAnHrefUpToItsFragment) {
  struct Case {
    const char* href;
    const char* key;  // nullptr: not cached
  } cases[] = {
      {"7.html", "7.html"},
      {"./7.html#section-1", "./7.html#"},
      {"../site/7.html#", "../site/7.html#"},
      {"/site/7.html?a=1#x", "/site/7.html?a=1#"},
      {" 7.html ", " 7.html "},
      {"//other.test/x", "//other.test/x"},
      {"javascript:void(0)", "javascript:void(0)"},
      {"http:7.html", "http:7.html"},
      {"https:?q", "https:?q"},  // another scheme: the base is not used
      {"", nullptr},
      {"  \x01", nullptr},
      {"?page=2", nullptr},
      {" ?page=2", nullptr},
      {"#top", nullptr},
      {"\t#top", nullptr},
      {"http:", nullptr},
      {"HTTP:?q", nullptr},
      {"http:#f", nullptr},
      {"http: ", nullptr},
      {"a\nb.html", nullptr},
      {"a.html#x\ty", nullptr},
  };
  for (const Case& c : cases) {
    std::optional<std::string_view> key = LinkCacheKey(c.href, "http");
    if (c.key == nullptr) {
      EXPECT_FALSE(key.has_value()) << "href: \"" << c.href << "\"";
    } else {
      ASSERT_TRUE(key.has_value()) << "href: \"" << c.href << "\"";
      EXPECT_EQ(*key, c.key) << "href: \"" << c.href << "\"";
    }
  }
}

// Every WPT vector with a base that parses: resolving its input against any
// base of the same scope gives the same link.
TEST(LinkCacheTest, ScopeDecidesOverWptUrlTestData) {
  const std::string path =
      crawlbox::testing::SharedTestDataPath("url/urltestdata.json");
  std::ifstream file(path);
  ASSERT_TRUE(file.good()) << "cannot open " << path;
  const nlohmann::json data =
      nlohmann::json::parse(file, nullptr, /*allow_exceptions=*/false);
  ASSERT_FALSE(data.is_discarded()) << "malformed JSON in " << path;
  std::set<std::string> inputs;
  std::set<std::string> http_bases = {"http://site.test/a/b/c.html"};
  int checked = 0;
  for (const nlohmann::json& entry : data) {
    if (!entry.is_object() || !entry.contains("base") ||
        !entry["base"].is_string()) {
      continue;
    }
    const std::string input = entry.value("input", "");
    inputs.insert(input);
    config::Result<Url> base = ParseUrl(entry["base"].get<std::string>());
    if (!base.ok()) continue;
    if (base->IsHttp()) http_bases.insert(base->Href());
    ExpectScopeDecides(input, *base);
    ++checked;
  }
  // Each input against each http(s) base of the file, too.
  for (const std::string& base_text : http_bases) {
    const Url base = MustParse(base_text);
    for (const std::string& input : inputs) ExpectScopeDecides(input, base);
  }
  EXPECT_GT(checked, 300);
}

TEST(LinkCacheTest, ScopeDecidesOverGeneratedHrefs) {
  const char* bases[] = {
      "http://site.test/site/5.html",
      "https://u:p@site.test:8443/a/b/c?x=1#frag",
      "http://site.test/",
      "http://site.test/dir/",
      "http://site.test/a/%2e%2E/b",
      "http://127.0.0.1:8000/board/10?offset=20",
  };
  const char* parts[] = {
      "",      "7.html", "./",           "../", ".",   "..",   "%2e", ".%2E",
      "x y",   "/",      "\\",           "?",   "#",   "?q=1", "#f",  "http:",
      "HTTP:", "https:", "//",           "a:",  "%41", "~",    ":",   "@",
      "[",     "\x7f",   "\xe4\xb8\xad", " ",
  };
  int checked = 0;
  for (const char* base_text : bases) {
    const Url base = MustParse(base_text);
    for (const char* a : parts) {
      for (const char* b : parts) {
        for (const char* c : {"", "x", "/", "?", "#"}) {
          const std::string href = std::string(a) + b + c;
          ExpectScopeDecides(href, base);
          ExpectScopeDecides(" " + href, base);
          ++checked;
        }
      }
    }
  }
  EXPECT_GT(checked, 1000);
}

TEST(LinkCacheTest, SlotsHoldOnePairEachAndResolveOnlyOnAMiss) {
  LinkCache cache(/*slots=*/1);
  cache.SetOwner(1);
  LinkScope scope_a{"http://a.test/", 1};
  LinkScope scope_b{"http://b.test/", 2};
  int resolved = 0;
  auto resolve = [&](std::string key) {
    return [&resolved, key] {
      ++resolved;
      ResolvedHref r;
      r.kind = ResolvedHref::Kind::kHttp;
      r.key = key;
      return r;
    };
  };
  EXPECT_EQ(cache.Get(scope_a, "x", resolve("a/x")).key, "a/x");
  EXPECT_EQ(cache.Get(scope_a, "x", resolve("unused")).key, "a/x");
  EXPECT_EQ(resolved, 1);
  // One slot: another scope or key replaces the pair.
  EXPECT_EQ(cache.Get(scope_b, "x", resolve("b/x")).key, "b/x");
  EXPECT_EQ(cache.Get(scope_a, "x", resolve("a/x again")).key, "a/x again");
  EXPECT_EQ(resolved, 3);
  // Another owner (parser) starts from nothing.
  cache.SetOwner(2);
  EXPECT_EQ(cache.Get(scope_a, "x", resolve("owner 2")).key, "owner 2");
  EXPECT_EQ(resolved, 4);
  EXPECT_EQ(cache.hits(), 1u);
  EXPECT_EQ(cache.misses(), 4u);
}

// PageParser with its cache against the links computed here from the public
// pieces (ScanLinks, ParseUrl, CrawlKey, the rules' follow patterns), over
// pages in several directories that share hrefs, each parsed several times.
class CachedLinksTest : public ::testing::Test {
 protected:
  struct Compiled {
    config::Job job;
    std::unique_ptr<PageParser> parser;
  };

  static std::unique_ptr<Compiled> Compile(const std::string& toml) {
    auto c = std::make_unique<Compiled>();
    config::LoadedJob loaded = config::LoadJobText(toml, "job.toml");
    EXPECT_TRUE(loaded.ok())
        << (loaded.ok() ? "" : loaded.problems[0].ToString());
    c->job = std::move(loaded.job);
    std::vector<config::JobProblem> problems;
    c->parser = PageParser::Compile(c->job, &problems);
    EXPECT_TRUE(problems.empty());
    return c;
  }

  // The links and bad-link count PageParser must report, computed without
  // the cache. Precondition: no rule has follow_within or url limits.
  static Parsed Expected(const Compiled& c, std::string_view url,
                         std::string_view html) {
    Parsed out;
    Url page = MustParse(url);
    ScannedLinks scanned = ScanLinks(html);
    Url base = page;
    if (scanned.base_href) {
      config::Result<Url> b = ParseUrl(*scanned.base_href, &page);
      if (b.ok()) base = std::move(b).value();
    }
    std::set<std::string> seen;
    for (const std::string& href : scanned.hrefs) {
      config::Result<Url> link = ParseUrl(href, &base);
      if (!link.ok()) {
        ++out.bad_links;
        continue;
      }
      if (!link->IsHttp()) continue;
      std::string key = c.parser->CrawlKey(*link);
      bool follow = false;
      for (const config::Rule& rule : c.job.rules) {
        for (const auto& pattern : rule.follow) {
          follow = follow || re2::RE2::PartialMatch(key, *pattern);
        }
      }
      if (follow && seen.insert(key).second) {
        out.links.push_back({key, link->host});
      }
    }
    return out;
  }

  static void ExpectSameLinks(const Parsed& got, const Parsed& want,
                              const std::string& where) {
    EXPECT_EQ(got.bad_links, want.bad_links) << where;
    ASSERT_EQ(got.links.size(), want.links.size()) << where;
    for (size_t i = 0; i < got.links.size(); ++i) {
      EXPECT_EQ(got.links[i].url, want.links[i].url) << where << " #" << i;
      EXPECT_EQ(got.links[i].host, want.links[i].host) << where << " #" << i;
    }
  }

  // A page of `hrefs` (each with a few spellings), optionally with <base>.
  static std::string Page(const std::vector<std::string>& hrefs,
                          const char* base_href) {
    std::string html = "<html><head>";
    if (base_href != nullptr) {
      html += "<base href=\"" + std::string(base_href) + "\">";
    }
    html += "<script>var s = '<a href=\"/in-script\">';</script></head><body>";
    for (const std::string& href : hrefs) {
      html += "<a href=\"" + href + "\">x</a>\n";
    }
    return html + "</body></html>";
  }
};

const char* kFollowSomeJob = R"toml(
[job]
name = "t"
start_urls = ["http://site.test/"]
[scope]
strip_query_params = ["utm_*", "sid"]
[[rules]]
name = "some"
follow = ['/a/', '\.html', 'sid']
[[rules]]
name = "other"
follow = ['other\.test']
)toml";

const char* kFollowAllJob = R"toml(
[job]
name = "t"
start_urls = ["http://site.test/"]
[[rules]]
name = "all"
follow = ['.']
)toml";

TEST_F(CachedLinksTest, GivesTheLinksOfTheUncachedPath) {
  std::vector<std::string> hrefs = {
      "7.html",
      "./7.html#s1",
      "../a/7.html",
      "/a/7.html#s2",
      "7.html#s3",
      "x.html?sid=1",
      "x.html?utm_a=1&b=2",
      "?page=2",
      "#top",
      "",
      "http:?q",
      "http:x.html",
      "HTTP:/a/y.html",
      "//other.test/z",
      "https://other.test/",
      "mailto:x@y",
      "javascript:void(0)",
      "http://[::1",
      "http://a b/",
      " 7.html ",
      "a\n.html",
      "%2e%2e/a/q.html",
      "..",
      ".",
      "../../..",
      "\\a\\b.html",
      "nav/1.html",
      "/nav/2.html",
      "../nav/3.html",
      "x.html?sid=1#f",
      "8.html #s",
      "8.html ",
      "9.html",
      "javascript:x #y",
  };
  const char* page_urls[] = {
      "http://site.test/a/1.html",   "http://site.test/a/2.html?x=1",
      "http://site.test/a/b/3.html", "http://site.test/4.html",
      "https://site.test/a/5.html",  "http://u:p@site.test:81/a/6.html",
      "http://site.test/a/",         "http://site.test/a/1.html#frag",
  };
  const char* base_hrefs[] = {nullptr, "/a/b/", "https://other.test/q/r?s",
                              "mailto:nobody", "http://[bad"};
  auto some = Compile(kFollowSomeJob);
  auto all = Compile(kFollowAllJob);
  auto check = [&](const Compiled& c, const char* url, const char* base_href,
                   const std::string& where) {
    const std::string html = Page(hrefs, base_href);
    ExpectSameLinks(
        c.parser->Parse(url, "text/html", html, {}), Expected(c, url, html),
        where + " page " + url + " base " + (base_href ? base_href : "(none)"));
  };
  // Each parser on its own: later pages and rounds hit what earlier ones
  // stored.
  for (const Compiled* c : {some.get(), all.get()}) {
    for (int round = 0; round < 3; ++round) {
      for (const char* base_href : base_hrefs) {
        for (const char* url : page_urls) {
          check(*c, url, base_href, "round " + std::to_string(round));
        }
      }
    }
  }
  // Two parsers in turn on one thread: neither may see the other's entries.
  for (const char* url : page_urls) {
    for (const Compiled* c : {some.get(), all.get()}) {
      check(*c, url, nullptr, "parsers in turn");
    }
  }
}

TEST_F(CachedLinksTest, ThreadsKeepTheirOwnCaches) {
  auto c = Compile(kFollowAllJob);
  std::vector<std::string> hrefs;
  for (int i = 0; i < 300; ++i) {
    hrefs.push_back(std::to_string(i) + ".html");
    hrefs.push_back("../d" + std::to_string(i % 7) + "/" + std::to_string(i));
  }
  const std::string html = Page(hrefs, nullptr);
  auto work = [&](int t, int* failures) {
    for (int i = 0; i < 50; ++i) {
      const std::string url = "http://site.test/d" +
                              std::to_string((i + t) % 5) + "/p" +
                              std::to_string(i) + ".html";
      Parsed got = c->parser->Parse(url, "text/html", html, {});
      Parsed want = Expected(*c, url, html);
      if (got.links.size() != want.links.size()) {
        ++*failures;
        continue;
      }
      for (size_t j = 0; j < got.links.size(); ++j) {
        if (got.links[j].url != want.links[j].url) ++*failures;
      }
    }
  };
  int failures[4] = {};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) threads.emplace_back(work, t, &failures[t]);
  for (std::thread& thread : threads) thread.join();
  for (int t = 0; t < 4; ++t) EXPECT_EQ(failures[t], 0) << "thread " << t;
}

}  // namespace
}  // namespace crawlbox::parser
