// Pages in legacy encodings, declared every way a browser understands (and
// mislabelled), crawled end to end: every record arrives in SQLite as valid
// UTF-8 with the right text.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "config/job_loader.h"
#include "crawler/engine/engine.h"
#include "parser/charset.h"
#include "parser/page_parser.h"
#include "storage/reader.h"
#include "storage/store.h"
#include "tests/e2e/crawl_support.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_server.h"

namespace crawlbox {
namespace {

using testing::TempDir;
using testing::TestServer;

std::string Fixture(const std::string& name) {
  std::ifstream in(testing::TestDataPath("charset/" + name), std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

TEST(CharsetCrawlTest, RecordsAreUtf8WhateverThePageWasWrittenIn) {
  TestServer server;
  auto serve = [&](const std::string& path, const std::string& file,
                   const std::string& content_type) {
    std::string body = Fixture(file);
    server.Get(path,
               [body, content_type](const httplib::Request&, const std::smatch&,
                                    httplib::Response& res) {
                 res.set_content(body, content_type.c_str());
               });
  };
  serve("/gbk", "gbk_meta.html", "text/html");          // <meta charset>
  serve("/big5", "big5_http_equiv.html", "text/html");  // http-equiv
  serve("/sjis", "shift_jis_nolabel.html",
        "text/html; charset=Shift_JIS");                   // header
  serve("/cp1252", "windows1252_meta.html", "text/html");  // iso-8859-1 label
  serve("/utf16", "utf16le_bom.html", "text/html");        // BOM
  serve("/latin-unlabelled", "windows1252_nolabel.html",
        "text/html");  // invalid UTF-8
  serve("/mislabelled", "gbk_meta.html",
        "text/html; charset=utf-8");  // header lies
  server.Get("/start", [](const httplib::Request&, const std::smatch&,
                          httplib::Response& res) {
    res.set_content(
        "<a href=/gbk>1</a><a href=/big5>2</a><a href=/sjis>3</a><a "
        "href=/cp1252>4</a>"
        "<a href=/utf16>5</a><a href=/latin-unlabelled>6</a><a "
        "href=/mislabelled>7</a>",
        "text/html");
  });
  TempDir dir;
  const std::string db = dir.File("c.db");
  e2e::JobRun run = e2e::RunJobText(
      "[job]\nname = \"cs\"\nstart_urls = [\"" + server.Url("/start") +
          "\"]\n[politeness]\nper_host_concurrency = 8\ndelay_ms = 0\n"
          "[[rules]]\nname = \"marker\"\npattern = '<p "
          "id=\"marker\">(?P<text>.*?)</p>'\n"
          "follow = ['.*']\n",
      db);
  EXPECT_EQ(run.summary.pages, 8);

  storage::QueryResult rows =
      e2e::QueryDb(db, "SELECT _url, text FROM marker ORDER BY _url");
  std::map<std::string, std::string> text;
  for (const auto& row : rows.rows) {
    std::string url = std::get<std::string>(row[0]);
    const std::string& value = std::get<std::string>(row[1]);
    EXPECT_TRUE(parser::IsValidUtf8(value)) << url;
    text[url.substr(url.rfind('/'))] = value;
  }
  EXPECT_EQ(text["/gbk"], "简体中文：编码测试");
  EXPECT_EQ(text["/big5"], "繁體中文測試");
  EXPECT_EQ(text["/sjis"], "日本語のテキスト、カタカナとｶﾀｶﾅ");
  EXPECT_EQ(text["/cp1252"], "€ ’ “ ” café – naïve");
  EXPECT_EQ(text["/utf16"], "UTF-16 текст 中文 \U0001F600");
  EXPECT_EQ(text["/latin-unlabelled"], "€ ’ “ ” café – naïve");
  // The header wins over the page's own <meta>, as in browsers: wrong text, but
  // valid UTF-8 with the undecodable bytes replaced, and the page counted.
  EXPECT_NE(text["/mislabelled"].find("\uFFFD"), std::string::npos);
  EXPECT_EQ(run.counters["parse/invalid_encoding"], 1);
  EXPECT_EQ(run.counters["parse/encoding/GBK"], 1);
}

}  // namespace
}  // namespace crawlbox
