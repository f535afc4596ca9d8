// Tests of parser/sitemap.h: table-driven XML and plain-text sitemaps, the
// URL limit, gzip bodies compressed here with zlib, a gzip bomb, and random
// or cut input.
#include "parser/sitemap.h"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <zlib.h>

#include <algorithm>
#include <chrono>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace crawlbox::parser {
namespace {

using Strings = std::vector<std::string>;

// Compresses `data` as one gzip member (windowBits 31 = gzip wrapper).
std::string Gzip(std::string_view data) {
  z_stream zs{};
  EXPECT_EQ(deflateInit2(&zs, Z_BEST_COMPRESSION, Z_DEFLATED, 31, 8,
                         Z_DEFAULT_STRATEGY),
            Z_OK);
  std::string out(deflateBound(&zs, data.size()), '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&zs, Z_FINISH), Z_STREAM_END);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

// gzip of `prefix` followed by `spaces` spaces, compressed in 1 MiB steps so
// that the test itself never holds the inflated size.
std::string GzipBomb(std::string_view prefix, size_t spaces) {
  z_stream zs{};
  EXPECT_EQ(deflateInit2(&zs, Z_BEST_COMPRESSION, Z_DEFLATED, 31, 8,
                         Z_DEFAULT_STRATEGY),
            Z_OK);
  std::string out;
  char buffer[64 * 1024];
  auto drain = [&](std::string_view in, int flush) {
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    zs.avail_in = static_cast<uInt>(in.size());
    do {
      zs.next_out = reinterpret_cast<Bytef*>(buffer);
      zs.avail_out = sizeof(buffer);
      deflate(&zs, flush);
      out.append(buffer, sizeof(buffer) - zs.avail_out);
    } while (zs.avail_out == 0);
  };
  drain(prefix, Z_NO_FLUSH);
  const std::string block(1 << 20, ' ');
  for (size_t left = spaces; left > 0;) {
    const size_t n = std::min(left, block.size());
    drain(std::string_view(block).substr(0, n), Z_NO_FLUSH);
    left -= n;
  }
  drain("", Z_FINISH);
  deflateEnd(&zs);
  return out;
}

struct Case {
  const char* name;
  std::string body;
  Strings urls = {};
  Strings sitemaps = {};
  bool truncated = false;
  std::string error = {};
};

void Check(const Case& c, const SitemapContents& got) {
  EXPECT_EQ(got.urls, c.urls) << c.name << ":\n" << c.body;
  EXPECT_EQ(got.sitemaps, c.sitemaps) << c.name << ":\n" << c.body;
  EXPECT_EQ(got.truncated, c.truncated) << c.name << ":\n" << c.body;
  EXPECT_EQ(got.error, c.error) << c.name << ":\n" << c.body;
}

const char kUrlset[] =
    R"(<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <url>
    <loc>https://example.com/</loc>
    <lastmod>2024-01-01</lastmod>
    <changefreq>daily</changefreq>
    <priority>0.8</priority>
  </url>
  <url><loc>https://example.com/a</loc></url>
</urlset>
)";

TEST(SitemapTest, ParsesDocuments) {
  const std::vector<Case> cases = {
      {"urlset", kUrlset, {"https://example.com/", "https://example.com/a"}},
      {"sitemapindex",
       R"(<?xml version="1.0"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <sitemap><loc>https://example.com/s1.xml.gz</loc>
    <lastmod>2024-01-01T00:00:00+00:00</lastmod></sitemap>
  <sitemap><loc>https://example.com/s2.xml</loc></sitemap>
</sitemapindex>)",
       {},
       {"https://example.com/s1.xml.gz", "https://example.com/s2.xml"}},
      {"namespaced",
       R"(<ns:urlset xmlns:ns="http://www.sitemaps.org/schemas/sitemap/0.9">
<ns:url><ns:loc>https://example.com/ns</ns:loc></ns:url></ns:urlset>)",
       {"https://example.com/ns"}},
      {"extensions are not <loc>s of the entry",
       R"(<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
  xmlns:image="http://www.google.com/schemas/sitemap-image/1.1"
  xmlns:xhtml="http://www.w3.org/1999/xhtml">
<url><loc>https://example.com/p</loc>
  <xhtml:link rel="alternate" hreflang="de" href="https://example.com/de/p"/>
  <image:image><image:loc>https://example.com/i.jpg</image:loc></image:image>
</url></urlset>)",
       {"https://example.com/p"}},
      {"local names are case-sensitive",
       "<urlset><URL><loc>https://x/1</loc></URL>"
       "<url><LOC>https://x/2</LOC><loc>https://x/3</loc></url></urlset>",
       {"https://x/3"}},
      {"<loc> outside an entry", "<urlset><loc>https://x/1</loc></urlset>", {}},
      {"<sitemap> in a urlset",
       "<urlset><sitemap><loc>https://x/s</loc></sitemap></urlset>",
       {}},
      {"CDATA",
       "<urlset><url><loc><![CDATA[ https://x/?a=1&b=<2> ]]></loc></url>"
       "<url><loc>https://x/<![CDATA[p]]>&amp;q</loc></url></urlset>",
       {"https://x/?a=1&b=<2>", "https://x/p&q"}},
      {"entities",
       "<urlset><url><loc>https://x/?a=1&amp;b=&lt;&gt;&quot;&apos;"
       "&#65;&#x42;&#x263a;&#128512;</loc></url></urlset>",
       {"https://x/?a=1&b=<>\"'AB\u263a\U0001F600"}},
      {"bad references",
       "<urlset><url><loc>https://x/&nbsp;&#0;&#xD800;&#x110000;&#;&#x;"
       "&#12a;& &amp</loc></url></urlset>",
       {"https://x/&nbsp;\uFFFD\uFFFD\uFFFD&#;&#x;&#12a;& &amp"}},
      {"comments, PIs, DOCTYPE",
       R"(<?xml version="1.0"?><!-- top -->
<!DOCTYPE urlset [ <!ENTITY e "<loc>no</loc>"> ]>
<?xml-stylesheet href="s.xsl"?>
<urlset><!-- <url><loc>https://x/commented</loc></url> -->
<url><loc><!-- c -->https://x/1<?pi?></loc></url>
</urlset>)",
       {"https://x/1"}},
      {"BOM and CRLF",
       "\xEF\xBB\xBF<?xml version=\"1.0\"?>\r\n<urlset>\r\n<url>\r\n"
       "<loc>\r\n  https://x/1 \r\n</loc>\r\n</url>\r\n</urlset>\r\n",
       {"https://x/1"}},
      {"quoted '>' in attributes and self-closing tags",
       "<urlset a='>' b=\"/>\"><url x=\">\"><loc/><loc >https://x/1</loc >"
       "</url></urlset>",
       {"https://x/1"}},
      {"empty <loc>s are dropped",
       "<urlset><url><loc> </loc></url><url><loc></loc></url></urlset>",
       {}},
      {"relative and non-http <loc> kept as written",
       "<urlset><url><loc>/rel</loc></url><url><loc>ftp://x/</loc></url>"
       "</urlset>",
       {"/rel", "ftp://x/"}},
      {"unclosed <url> closed by the root",
       "<urlset><url><loc>https://x/1</loc><url><loc>https://x/2</loc>"
       "</urlset><url><loc>https://x/after</loc></url>",
       {"https://x/1"}},
      {"stray end tags ignored",
       "<urlset></foo><url></bar><loc>https://x/1</loc></url></urlset>",
       {"https://x/1"}},
      {"truncated XML keeps complete <loc>s",
       "<urlset><url><loc>https://x/1</loc></url><url><loc>https://x/2</loc>"
       "</url><url><loc>https://x/3",
       {"https://x/1", "https://x/2"},
       {},
       true},
      {"cut inside a tag",
       "<urlset><url><loc>https://x/1</loc></url><ur",
       {"https://x/1"},
       {},
       true},
      {"plain text",
       "https://x/1\r\nhttps://x/2\n\n  https://x/3  \rnot a url\n"
       "http://x/ with space\nmailto:a@b\nhttps://x/4",
       {"https://x/1", "https://x/2", "https://x/3", "https://x/4"}},
      {"plain text with BOM", "\xEF\xBB\xBFhttps://x/1\n", {"https://x/1"}},
      {"empty", "", {}, {}, false, "empty body"},
      {"whitespace", " \r\n\t", {}, {}, false, "empty body"},
      {"BOM only", "\xEF\xBB\xBF", {}, {}, false, "empty body"},
      {"HTML page",
       "<!DOCTYPE html><html><body><urlset><url><loc>https://x/1</loc>"
       "</url></urlset></body></html>",
       {},
       {},
       false,
       "not a sitemap"},
      {"RSS",
       "<rss><channel><item><link>https://x/</link></item></channel>",
       {},
       {},
       false,
       "not a sitemap"},
      {"only a prolog",
       "<?xml version=\"1.0\"?><!-- -->",
       {},
       {},
       false,
       "not a sitemap"},
      {"text without URLs", "Not Found\n", {}, {}, false, "not a sitemap"},
  };
  for (const Case& c : cases) Check(c, ParseSitemap(c.body));
}

TEST(SitemapTest, LimitsUrls) {
  const std::vector<Case> cases = {
      {"at the limit",
       "<urlset><url><loc>a</loc></url><url><loc>b</loc></url></urlset>",
       {"a", "b"}},
      {"over the limit",
       "<urlset><url><loc>a</loc></url><url><loc>b</loc></url>"
       "<url><loc>c</loc></url></urlset>",
       {"a", "b"},
       {},
       true},
      {"sitemapindex over the limit",
       "<sitemapindex><sitemap><loc>a</loc></sitemap><sitemap><loc>b</loc>"
       "</sitemap><sitemap><loc>c</loc></sitemap></sitemapindex>",
       {},
       {"a", "b"},
       true},
      {"plain text over the limit",
       "https://x/1\nhttps://x/2\nhttps://x/3\n",
       {"https://x/1", "https://x/2"},
       {},
       true},
  };
  for (const Case& c : cases) Check(c, ParseSitemap(c.body, 1 << 20, 2));
}

TEST(SitemapTest, CutsBodyAtMaxBytes) {
  const std::string body = "https://x/1\nhttps://x/22\n";
  Check({"cut mid-line drops the partial URL", body, {"https://x/1"}, {}, true},
        ParseSitemap(body, body.size() - 3));
  Check({"exactly max_bytes", body, {"https://x/1", "https://x/22"}},
        ParseSitemap(body, body.size()));
  const std::string xml = "<urlset><url><loc>https://x/1</loc></url></urlset>";
  Check({"XML cut after </loc>", xml, {"https://x/1"}, {}, true},
        ParseSitemap(xml, xml.size() - 12));
  Check({"XML cut inside <loc>", xml, {}, {}, true},
        ParseSitemap(xml, xml.size() - 25));
}

TEST(SitemapTest, InflatesGzip) {
  const std::string gz = Gzip(kUrlset);
  ASSERT_GT(gz.size(), 2u);
  const Strings want = {"https://example.com/", "https://example.com/a"};
  Check({"gzip", gz, want}, ParseSitemap(gz));
  Check({"two gzip members", gz + gz, want}, ParseSitemap(gz + gz));
  Check({"gzip twice", Gzip(gz), want}, ParseSitemap(Gzip(gz)));
  Check({"gzip plain text", Gzip("https://x/1\n"), {"https://x/1"}},
        ParseSitemap(Gzip("https://x/1\n")));
  Check({"gzip of nothing", Gzip(""), {}, {}, false, "empty body"},
        ParseSitemap(Gzip("")));
  Check({"gzip cut", gz.substr(0, gz.size() - 8), want, {}, true},
        ParseSitemap(gz.substr(0, gz.size() - 8)));
  Check({"inflated over max_bytes", gz, {"https://example.com/"}, {}, true},
        ParseSitemap(gz, 200));
  Check({"magic only", "\x1f\x8b", {}, {}, false, "bad gzip"},
        ParseSitemap("\x1f\x8b"));
  Check(
      {"bad header", "\x1f\x8bxxxxxxxxxxxxxxxxxxx", {}, {}, false, "bad gzip"},
      ParseSitemap("\x1f\x8bxxxxxxxxxxxxxxxxxxx"));
}

long PeakRssKb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

TEST(SitemapTest, GzipBombStopsAtMaxBytes) {
  const std::string bomb =
      GzipBomb("<urlset><url><loc>https://x/1</loc></url>", size_t{200} << 20);
  ASSERT_LT(bomb.size(), 1u << 20);
  const long rss_before_kb = PeakRssKb();
  const auto start = std::chrono::steady_clock::now();
  const SitemapContents got = ParseSitemap(bomb, 1 << 20);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  Check({"bomb", "<gzip bomb>", {"https://x/1"}, {}, true}, got);
  // Inflating all 200 MB would take seconds and raise the peak by as much.
  EXPECT_LT(elapsed, std::chrono::seconds(5));
  EXPECT_LT(PeakRssKb() - rss_before_kb, 64 * 1024);
}

// Bodies that are not sitemaps or are cut anywhere: no crash, no sanitizer
// report, and the result stays within the limits.
TEST(SitemapTest, SurvivesRandomAndCutInput) {
  std::mt19937 rng(20240601);
  std::string xml = kUrlset;
  xml.insert(xml.rfind("</urlset>"),
             "<!-- <![CDATA[ --><url a='>'><loc>&#x41;<![CDATA[x]]>"
             "</loc></url><?pi <url> ?>");
  const std::string gz = Gzip(xml);
  const Strings all = ParseSitemap(xml).urls;
  ASSERT_EQ(all.size(), 3u);
  const std::string alphabet = "<>/!?[]-'\"&#;:x \n\x1f\x8b";
  for (int round = 0; round < 2000; ++round) {
    std::string body;
    switch (round % 4) {
      case 0: {  // random bytes, sometimes behind the gzip magic
        body.resize(rng() % 512);
        for (char& c : body) c = static_cast<char>(rng());
        if (round % 8 == 0) body.insert(0, "\x1f\x8b");
        break;
      }
      case 1:  // a valid gzip cut anywhere
        body = gz.substr(0, rng() % (gz.size() + 1));
        break;
      case 2: {  // a valid gzip with a few bytes flipped
        body = gz;
        for (int i = 0; i < 3; ++i) {
          body[2 + rng() % (body.size() - 2)] ^= static_cast<char>(1 + rng());
        }
        break;
      }
      case 3: {  // XML cut anywhere, or markup soup
        if (round % 8 == 3) {
          body = xml.substr(0, rng() % (xml.size() + 1));
        } else {
          body = "<urlset><url><loc>";
          for (unsigned i = rng() % 300; i > 0; --i) {
            body.push_back(alphabet[rng() % alphabet.size()]);
          }
        }
        break;
      }
    }
    const size_t max_bytes = 1 + rng() % 4096;
    const size_t max_urls = rng() % 4;
    const SitemapContents got = ParseSitemap(body, max_bytes, max_urls);
    EXPECT_LE(got.urls.size() + got.sitemaps.size(), max_urls)
        << "round " << round;
    if (!got.error.empty()) {
      EXPECT_TRUE(got.urls.empty() && got.sitemaps.empty())
          << "round " << round;
    }
    for (const std::string& url : got.urls) {
      EXPECT_LE(url.size(), max_bytes) << "round " << round;
    }
    // A cut body yields the first URLs of the whole one, nothing invented.
    if (round % 4 == 1 || round % 8 == 3) {
      ASSERT_LE(got.urls.size(), all.size()) << "round " << round;
      EXPECT_TRUE(std::equal(got.urls.begin(), got.urls.end(), all.begin()))
          << "round " << round;
    }
  }
}

}  // namespace
}  // namespace crawlbox::parser
