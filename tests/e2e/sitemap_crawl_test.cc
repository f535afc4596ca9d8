// Sitemaps: URLs listed in /sitemap.xml and in the sitemaps robots.txt names
// (an index pointing at a gzip-compressed sitemap) are crawled although no page
// links to them; off by default.
#include <gtest/gtest.h>
#include <zlib.h>

#include "config/job_loader.h"
#include "crawler/engine/engine.h"
#include "parser/page_parser.h"
#include "storage/store.h"
#include "tests/e2e/crawl_support.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_server.h"

namespace crawlbox {
namespace {

using testing::TempDir;
using testing::TestServer;

std::string Gzip(const std::string& data) {
  z_stream z = {};
  deflateInit2(&z, Z_BEST_COMPRESSION, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&z, data.size()) + 32, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

crawler::RunSnapshot Crawl(const TestServer& server, bool sitemaps,
                           const std::string& db) {
  config::LoadedJob loaded = config::LoadJobText(
      "[job]\nname = \"sm\"\nstart_urls = [\"" + server.Url("/start") +
          "\"]\n[scope]\nsitemaps = " + (sitemaps ? "true" : "false") +
          "\n[politeness]\nper_host_concurrency = 4\ndelay_ms = 0\n"
          "[[rules]]\nname = \"all\"\nfollow = ['.*']\n",
      "sm.toml");
  return e2e::RunJob(loaded, db).summary;
}

void ServeSitemaps(TestServer& server) {
  auto page = [](const std::string& text) {
    return [text](const httplib::Request&, const std::smatch&,
                  httplib::Response& res) {
      res.set_content("<p>" + text + "</p>", "text/html");
    };
  };
  server.Get("/start", page("no links here"));
  server.Get(R"(/listed/\d+)", page("listed"));
  server.Get(R"(/indexed/\d+)", page("indexed"));
  const std::string origin = server.Url("");
  server.SetRobotsTxt("User-agent: *\nDisallow:\nSitemap: " + origin +
                      "/maps/index.xml\n");
  std::string plain =
      "<?xml version=\"1.0\"?>\n<urlset "
      "xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">";
  for (int i = 0; i < 5; ++i)
    plain +=
        "<url><loc>" + origin + "/listed/" + std::to_string(i) + "</loc></url>";
  plain += "<url><loc>https://elsewhere.example/out</loc></url></urlset>";
  server.Get("/sitemap.xml",
             [plain](const httplib::Request&, const std::smatch&,
                     httplib::Response& res) {
               res.set_content(plain, "application/xml");
             });
  std::string index = "<sitemapindex><sitemap><loc>" + origin +
                      "/maps/part.xml.gz</loc></sitemap></sitemapindex>";
  server.Get("/maps/index.xml",
             [index](const httplib::Request&, const std::smatch&,
                     httplib::Response& res) {
               res.set_content(index, "application/xml");
             });
  std::string part = "<urlset>";
  for (int i = 0; i < 3; ++i)
    part += "<url><loc>" + origin + "/indexed/" + std::to_string(i) +
            "</loc></url>";
  part += "</urlset>";
  std::string gz = Gzip(part);
  server.Get("/maps/part.xml.gz",
             [gz](const httplib::Request&, const std::smatch&,
                  httplib::Response& res) {
               res.set_content(gz, "application/x-gzip");
             });
}

TEST(SitemapCrawlTest, ListedUrlsAreCrawledFromSitemapsIndexesAndGzip) {
  TestServer server;
  ServeSitemaps(server);
  TempDir dir;
  auto summary = Crawl(server, true, dir.File("s.db"));
  EXPECT_EQ(summary.pages, 1 + 5 + 3);
  for (int i = 0; i < 5; ++i)
    EXPECT_EQ(server.Hits("/listed/" + std::to_string(i)), 1);
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(server.Hits("/indexed/" + std::to_string(i)), 1);
  EXPECT_EQ(server.Hits("/sitemap.xml"), 1);
  EXPECT_EQ(server.Hits("/maps/index.xml"), 1);
  EXPECT_EQ(server.Hits("/maps/part.xml.gz"), 1);
}

TEST(SitemapCrawlTest, OffByDefault) {
  TestServer server;
  ServeSitemaps(server);
  TempDir dir;
  auto summary = Crawl(server, false, dir.File("o.db"));
  EXPECT_EQ(summary.pages, 1);
  EXPECT_EQ(server.Hits("/sitemap.xml"), 0);
}

}  // namespace
}  // namespace crawlbox
