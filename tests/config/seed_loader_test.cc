// Tests of config/seed_loader.h: {A..B} ranges and the {{ }} escape, env
// values kept literal, start_urls_from files, [[job.requests]] bodies and
// methods, and each mistake as a problem at its file:line.
#include "config/seed_loader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "config/job.h"
#include "config/job_loader.h"
#include "tests/support/job_problems.h"
#include "tests/support/temp_dir.h"

namespace crawlbox::config {
namespace {

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;

std::vector<std::string> Urls(const LoadedJob& loaded) {
  std::vector<std::string> urls;
  for (const Seed& seed : loaded.job.seeds) urls.push_back(seed.url);
  return urls;
}

LoadedJob Load(const std::string& job_table) {
  return LoadJobText("[job]\nname = \"s\"\n" + job_table, "seeds.toml");
}

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

TEST(SeedLoaderTest, ExpandsRangesAndEscapes) {
  struct Case {
    const char* text;
    std::vector<std::string> want;
  };
  const Case accepted[] = {
      {"p{1..3}", {"p1", "p2", "p3"}},
      {"p{08..11}", {"p08", "p09", "p10", "p11"}},
      {"{007..9}", {"007", "008", "009"}},
      {"{0..100..25}", {"0", "25", "50", "75", "100"}},
      {"{0..10..4}", {"0", "4", "8"}},
      {"{5..1}", {"5", "4", "3", "2", "1"}},
      {"{10..0..5}", {"10", "5", "0"}},
      {"{-1..1}", {"-1", "0", "1"}},
      {"{7..7}", {"7"}},
      {"a{1..2}b{1..3}", {"a1b1", "a1b2", "a1b3", "a2b1", "a2b2", "a2b3"}},
      {"{{x}}", {"{x}"}},
      {"a}}b{{", {"a}b{"}},
      {"{{1..3}}", {"{1..3}"}},
      {"{{{1..2}}}", {"{1}", "{2}"}},
      {"no braces", {"no braces"}},
  };
  for (const Case& c : accepted) {
    std::vector<std::string> out;
    std::string error;
    EXPECT_TRUE(ExpandTemplate(c.text, 100, &out, &error))
        << c.text << ": " << error;
    EXPECT_EQ(out, c.want) << c.text;
  }

  struct Rejected {
    const char* text;
    const char* error;
  };
  const Rejected rejected[] = {
      {"a{b", "'{' at column 2 of 'a{b'"}, {"ab}", "'}' at column 3 of 'ab}'"},
      {"{1..}", "'{' at column 1"},        {"{..3}", "'{' at column 1"},
      {"{1..3..0}", "'{' at column 1"},    {"{1..3..-1}", "'{' at column 1"},
      {"{a..c}", "'{' at column 1"},       {"x{1..3", "'{' at column 2"},
      {"{}", "'{' at column 1"},           {"{1}", "'{' at column 1"},
      {"{{{", "'{' at column 3"},
  };
  for (const Rejected& c : rejected) {
    std::vector<std::string> out;
    std::string error;
    EXPECT_FALSE(ExpandTemplate(c.text, 100, &out, &error)) << c.text;
    EXPECT_THAT(error, HasSubstr(c.error)) << c.text;
  }
}

TEST(SeedLoaderTest, StopsPastTheBound) {
  std::vector<std::string> out;
  std::string error;
  EXPECT_TRUE(ExpandTemplate("{1..5}{1..10}", 50, &out, &error)) << error;
  EXPECT_EQ(out.size(), 50u);
  out.clear();
  EXPECT_FALSE(ExpandTemplate("{1..5}{1..11}", 50, &out, &error));
  EXPECT_THAT(error, HasSubstr("more than 50 URLs"));
  EXPECT_TRUE(out.empty());
}

TEST(SeedLoaderTest, StartUrlsExpandInOrderWithTheirKeys) {
  LoadedJob loaded = Load(
      "start_urls = [\"http://h/a\", \"http://h/p{01..03}\", "
      "\"http://h/{{x}}?q=${{y}}\"]\n");
  ASSERT_TRUE(loaded.ok()) << testing::ProblemsText(loaded);
  EXPECT_THAT(Urls(loaded),
              ElementsAre("http://h/a", "http://h/p01", "http://h/p02",
                          "http://h/p03", "http://h/{x}?q=${y}"));
  EXPECT_EQ(loaded.job.seeds[0].key, "job.start_urls[0]");
  EXPECT_EQ(loaded.job.seeds[2].key, "job.start_urls[1]");
  EXPECT_EQ(loaded.job.seeds[2].where.line, 3);
  for (const Seed& seed : loaded.job.seeds) {
    EXPECT_EQ(seed.method, "GET") << seed.url;
    EXPECT_TRUE(seed.headers.empty()) << seed.url;
    EXPECT_TRUE(seed.body.empty()) << seed.url;
  }
}

TEST(SeedLoaderTest, ALoneBraceIsAProblemAtItsLine) {
  LoadedJob loaded = Load(
      "start_urls = [\n  \"http://h/ok\",\n  \"http://h/a{b\",\n"
      "  \"http://h/c}d\",\n]\n");
  ASSERT_EQ(loaded.problems.size(), 2u) << testing::ProblemsText(loaded);
  const JobProblem& first = loaded.problems[0];
  EXPECT_EQ(first.key, "job.start_urls[1]");
  EXPECT_EQ(first.where.file, "seeds.toml");
  EXPECT_EQ(first.where.line, 5);
  EXPECT_GT(first.where.column, 0);
  EXPECT_THAT(first.expected, HasSubstr("{{ }}"));
  EXPECT_EQ(first.got, "'{' at column 11 of 'http://h/a{b'");
  EXPECT_THAT(first.ToString(), HasSubstr("seeds.toml:5:"));
  EXPECT_EQ(loaded.problems[1].key, "job.start_urls[2]");
  EXPECT_EQ(loaded.problems[1].where.line, 6);
  EXPECT_EQ(loaded.problems[1].got, "'}' at column 11 of 'http://h/c}d'");
}

TEST(SeedLoaderTest, TooManySeedsIsAProblem) {
  LoadedJob loaded = Load("start_urls = [\"http://h/{1..1000}/{0..1000}\"]\n");
  ASSERT_EQ(loaded.problems.size(), 1u) << testing::ProblemsText(loaded);
  EXPECT_EQ(loaded.problems[0].key, "job.start_urls[0]");
  EXPECT_THAT(loaded.problems[0].got,
              HasSubstr("more than " + std::to_string(kMaxSeeds) + " URLs"));

  // The bound counts every start point together.
  LoadedJob two = Load(
      "start_urls = [\"http://h/{1..1000}/{1..999}\", "
      "\"http://h/b/{1..1001}\"]\n");
  ASSERT_EQ(two.problems.size(), 1u) << testing::ProblemsText(two);
  EXPECT_EQ(two.problems[0].key, "job.start_urls[1]");
}

TEST(SeedLoaderTest, EnvironmentValuesKeepTheirBraces) {
  ASSERT_EQ(setenv("CRAWLBOX_SEED_TEST_PATH", "{1..3}}{", 1), 0);
  LoadedJob loaded = Load(
      "start_urls = [\"http://h/${CRAWLBOX_SEED_TEST_PATH}/{1..2}\", "
      "\"http://h/${CRAWLBOX_SEED_TEST_UNSET:-{a}}\"]\n");
  unsetenv("CRAWLBOX_SEED_TEST_PATH");
  ASSERT_TRUE(loaded.ok()) << testing::ProblemsText(loaded);
  EXPECT_THAT(Urls(loaded), ElementsAre("http://h/{1..3}}{/1",
                                        "http://h/{1..3}}{/2", "http://h/{a}"));
}

TEST(SeedLoaderTest, StartUrlsFromIsReadRelativeToTheJobFile) {
  testing::TempDir dir;
  std::filesystem::create_directories(dir.path() / "jobs" / "lists");
  WriteFile(dir.File("jobs/lists/urls.txt"),
            "# the shop\n"
            "\n"
            "http://h/1\n"
            "   http://h/p{2..3}  \r\n"
            "\t# indented comment\n"
            "  \n"
            "http://h/4");
  const std::string job_file = dir.File("jobs/job.toml");
  WriteFile(job_file,
            "[job]\nname = \"f\"\nstart_urls = [\"http://h/0\"]\n"
            "start_urls_from = \"lists/urls.txt\"\n");
  LoadedJob loaded = LoadJobFile(job_file);
  ASSERT_TRUE(loaded.ok()) << testing::ProblemsText(loaded);
  EXPECT_THAT(Urls(loaded),
              ElementsAre("http://h/0", "http://h/1", "http://h/p2",
                          "http://h/p3", "http://h/4"));
  const Seed& p3 = loaded.job.seeds[3];
  EXPECT_EQ(p3.key, "job.start_urls_from");
  EXPECT_EQ(p3.where.file, dir.File("jobs/lists/urls.txt"));
  EXPECT_EQ(p3.where.line, 4);
  EXPECT_EQ(loaded.job.seeds[4].where.line, 7);
}

TEST(SeedLoaderTest, ABadLineOfStartUrlsFromNamesThatFileAndLine) {
  testing::TempDir dir;
  const std::string urls = dir.File("urls.txt");
  WriteFile(urls, "http://h/1\n# fine\nhttp://h/{x}\nhttp://h/2\n");
  const std::string job_file = dir.File("job.toml");
  WriteFile(job_file, "[job]\nname = \"f\"\nstart_urls_from = \"urls.txt\"\n");
  LoadedJob loaded = LoadJobFile(job_file);
  ASSERT_EQ(loaded.problems.size(), 1u) << testing::ProblemsText(loaded);
  EXPECT_EQ(loaded.problems[0].key, "job.start_urls_from");
  EXPECT_EQ(loaded.problems[0].where.file, urls);
  EXPECT_EQ(loaded.problems[0].where.line, 3);
  EXPECT_THAT(loaded.problems[0].ToString(), HasSubstr(urls + ":3"));
  EXPECT_THAT(loaded.problems[0].got, HasSubstr("column 10"));

  // A file that is not there is a problem at the key in the job file.
  WriteFile(job_file, "[job]\nname = \"f\"\nstart_urls_from = \"none.txt\"\n");
  LoadedJob missing = LoadJobFile(job_file);
  ASSERT_EQ(missing.problems.size(), 1u) << testing::ProblemsText(missing);
  EXPECT_EQ(missing.problems[0].where.file, job_file);
  EXPECT_EQ(missing.problems[0].where.line, 3);
  EXPECT_THAT(missing.problems[0].got, HasSubstr(dir.File("none.txt")));
}

TEST(SeedLoaderTest, NoStartPointIsAProblem) {
  LoadedJob loaded = Load("");
  ASSERT_EQ(loaded.problems.size(), 1u) << testing::ProblemsText(loaded);
  EXPECT_EQ(loaded.problems[0].key, "job.start_urls");
  EXPECT_EQ(loaded.problems[0].expected,
            "start_urls, start_urls_from or [[job.requests]]");

  LoadedJob empty = Load("start_urls = []\n");
  EXPECT_FALSE(empty.ok());
  EXPECT_EQ(empty.problems[0].key, "job.start_urls");
}

TEST(SeedLoaderTest, AFormIsUrlEncodedInFileOrder) {
  LoadedJob loaded = Load(
      "[[job.requests]]\n"
      "url = \"http://h/search\"\n"
      "form = { q = \"red shoes & more\", lang = \"日本\", tag = [\"a b\", "
      "\"c=d\"], page = 2, all = true, \"x y\" = \"~*\" }\n");
  ASSERT_TRUE(loaded.ok()) << testing::ProblemsText(loaded);
  ASSERT_EQ(loaded.job.seeds.size(), 1u);
  const Seed& seed = loaded.job.seeds[0];
  EXPECT_EQ(seed.url, "http://h/search");
  EXPECT_EQ(seed.key, "job.requests[0].url");
  EXPECT_EQ(seed.where.line, 4);
  EXPECT_EQ(seed.method, "POST");
  EXPECT_EQ(seed.body,
            "q=red+shoes+%26+more&lang=%E6%97%A5%E6%9C%AC&tag=a+b&tag=c%3Dd&"
            "page=2&all=true&x+y=%7E*");
  EXPECT_THAT(seed.headers,
              ElementsAre("Content-Type: application/x-www-form-urlencoded"));
}

TEST(SeedLoaderTest, JsonIsTheTomlValueInFileOrder) {
  LoadedJob loaded = Load(
      "[[job.requests]]\n"
      "url = \"http://h/api/{1..2}\"\n"
      "headers = { Accept = \"application/json\", X-Token = 7 }\n"
      "[job.requests.json]\n"
      "query = \"say \\\"hi\\\"\\n\\u0001 \\\\ é\"\n"
      "page = 2\n"
      "ratio = 0.5\n"
      "deep = [[1, 2], [], { k = false }]\n"
      "[job.requests.json.filter]\n"
      "tags = [\"a\", \"b\"]\n"
      "empty = {}\n");
  ASSERT_TRUE(loaded.ok()) << testing::ProblemsText(loaded);
  EXPECT_THAT(Urls(loaded), ElementsAre("http://h/api/1", "http://h/api/2"));
  for (const Seed& seed : loaded.job.seeds) {
    EXPECT_EQ(seed.method, "POST") << seed.url;
    EXPECT_EQ(seed.body,
              R"({"query":"say \"hi\"\u000a\u0001 \\ é","page":2,"ratio":0.5,)"
              R"("deep":[[1,2],[],{"k":false}],)"
              R"("filter":{"tags":["a","b"],"empty":{}}})")
        << seed.url;
    EXPECT_THAT(seed.headers,
                ElementsAre("Accept: application/json", "X-Token: 7",
                            "Content-Type: application/json"))
        << seed.url;
  }

  LoadedJob array = Load(
      "[[job.requests]]\nurl = \"http://h/a\"\njson = [1, \"two\", 3.25]\n");
  ASSERT_TRUE(array.ok()) << testing::ProblemsText(array);
  EXPECT_EQ(array.job.seeds[0].body, R"([1,"two",3.25])");
}

TEST(SeedLoaderTest, ARawBodyKeepsItsBytesAndTakesAContentType) {
  LoadedJob loaded = Load(
      "[[job.requests]]\n"
      "url = \"http://h/csv\"\n"
      "body = \"a,b\\r\\n1,2\\r\\n\"\n"
      "content_type = \"text/csv\"\n"
      "[[job.requests]]\n"
      "url = \"http://h/plain\"\n"
      "method = \"put\"\n"
      "body = \"\"\"\nline {1..2}\n\"\"\"\n");
  ASSERT_TRUE(loaded.ok()) << testing::ProblemsText(loaded);
  ASSERT_EQ(loaded.job.seeds.size(), 2u);
  const Seed& csv = loaded.job.seeds[0];
  EXPECT_EQ(csv.method, "POST");
  EXPECT_EQ(csv.body, "a,b\r\n1,2\r\n");
  EXPECT_THAT(csv.headers, ElementsAre("Content-Type: text/csv"));
  const Seed& plain = loaded.job.seeds[1];
  EXPECT_EQ(plain.key, "job.requests[1].url");
  EXPECT_EQ(plain.method, "PUT");
  EXPECT_EQ(plain.body, "line {1..2}\n") << "only the URL is a template";
  EXPECT_THAT(plain.headers,
              ElementsAre("Content-Type: text/plain; charset=utf-8"));
}

TEST(SeedLoaderTest, ARequestWithoutABodyIsAGet) {
  LoadedJob loaded = Load(
      "start_urls = [\"http://h/first\"]\n"
      "[[job.requests]]\n"
      "url = \"http://h/api\"\n"
      "headers = { Accept = \"application/json\" }\n"
      "[[job.requests]]\n"
      "url = \"http://h/gone\"\n"
      "method = \"delete\"\n");
  ASSERT_TRUE(loaded.ok()) << testing::ProblemsText(loaded);
  ASSERT_EQ(loaded.job.seeds.size(), 3u);
  EXPECT_EQ(loaded.job.seeds[0].url, "http://h/first");
  const Seed& api = loaded.job.seeds[1];
  EXPECT_EQ(api.method, "GET");
  EXPECT_TRUE(api.body.empty());
  EXPECT_THAT(api.headers, ElementsAre("Accept: application/json"));
  EXPECT_EQ(loaded.job.seeds[2].method, "DELETE");
  EXPECT_TRUE(loaded.job.seeds[2].headers.empty());
}

TEST(SeedLoaderTest, RequestMistakesAreProblems) {
  struct Case {
    const char* request;
    const char* key;
    const char* expected;
  };
  const Case cases[] = {
      {"url = \"http://h/\"\nmethod = \"PO ST\"\n", "job.requests[0].method",
       "an HTTP method"},
      {"url = \"http://h/\"\nmethod = \"G3T\"\n", "job.requests[0].method",
       "an HTTP method"},
      {"url = \"http://h/\"\nmethod = \"\"\n", "job.requests[0].method", ""},
      {"url = \"http://h/\"\nform = { a = \"1\" }\nbody = \"x\"\n",
       "job.requests[0]", "at most one of form, json and body"},
      {"url = \"http://h/\"\njson = { a = 1 }\nform = { a = \"1\" }\n",
       "job.requests[0]", "at most one of form, json and body"},
      {"url = \"http://h/\"\nform = \"a=1\"\n", "job.requests[0].form",
       "a table of form fields"},
      {"url = \"http://h/\"\nform = { a = { b = 1 } }\n",
       "job.requests[0].form.a", "a string, number or boolean"},
      {"url = \"http://h/\"\nheaders = { X = \"a\\nb\" }\n",
       "job.requests[0].headers.X", "a header value on one line"},
      {"url = \"http://h/\"\nverb = \"POST\"\n", "job.requests[0].verb", ""},
      {"method = \"POST\"\n", "job.requests[0].url", ""},
      {"url = \"http://h/{x\"\n", "job.requests[0].url", "{{ }}"},
  };
  for (const Case& c : cases) {
    const std::string text = std::string("[[job.requests]]\n") + c.request;
    LoadedJob loaded = Load(text);
    ASSERT_FALSE(loaded.ok()) << text;
    EXPECT_EQ(loaded.problems[0].key, c.key)
        << text << testing::ProblemsText(loaded);
    EXPECT_THAT(loaded.problems[0].expected, HasSubstr(c.expected)) << text;
    EXPECT_GE(loaded.problems[0].where.line, 3) << text;
  }

  LoadedJob not_tables = Load("requests = [\"http://h/\"]\n");
  ASSERT_FALSE(not_tables.ok());
  EXPECT_EQ(not_tables.problems[0].key, "job.requests");
}

}  // namespace
}  // namespace crawlbox::config
