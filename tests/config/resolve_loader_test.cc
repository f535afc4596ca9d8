// The keys of per-IP politeness and robots.txt expiry as the job loader reads
// them: fetch.resolve (config/resolve_loader.h), politeness.group_by and
// politeness.robots_ttl_s; their defaults, and each bad value at its line.
#include "config/resolve_loader.h"

#include <gtest/gtest.h>

#include <string>

#include "config/job.h"
#include "config/job_loader.h"

namespace crawlbox::config {
namespace {

std::string Dump(const LoadedJob& loaded) {
  std::string out;
  for (const JobProblem& problem : loaded.problems)
    out += problem.ToString() + "\n";
  return out;
}

// Lines 1-3; what follows starts at line 4.
constexpr char kJob[] =
    "[job]\nname = \"t\"\nstart_urls = [\"https://e.com/\"]\n";

TEST(ResolveLoaderTest, DefaultsAreHostGroupsADayAndNoPins) {
  LoadedJob loaded = LoadJobText(kJob, "job.toml");
  ASSERT_TRUE(loaded.ok()) << Dump(loaded);
  EXPECT_EQ(loaded.job.politeness.group_by, Politeness::GroupBy::kHost);
  EXPECT_EQ(loaded.job.politeness.robots_ttl_s, 86400);
  EXPECT_TRUE(loaded.job.fetch.resolve.empty());
}

TEST(ResolveLoaderTest, ReadsPinsInFileOrderAndTheGrouping) {
  LoadedJob loaded =
      LoadJobText(std::string(kJob) +
                      "[fetch.resolve]\n\"B.test:8080\" = \"127.0.0.1\"\n"
                      "\"a.test:443\" = \"::1\"\n\"[::1]:80\" = \"10.1.2.3\"\n"
                      "[politeness]\ngroup_by = \"ip\"\nrobots_ttl_s = 1\n",
                  "job.toml");
  ASSERT_TRUE(loaded.ok()) << Dump(loaded);
  const auto& pins = loaded.job.fetch.resolve;
  ASSERT_EQ(pins.size(), 3u);
  EXPECT_EQ(pins[0].host, "b.test");
  EXPECT_EQ(pins[0].port, 8080);
  EXPECT_EQ(pins[0].address, "127.0.0.1");
  EXPECT_EQ(pins[0].where.line, 5);
  EXPECT_EQ(pins[1].host, "a.test");
  EXPECT_EQ(pins[1].address, "::1");
  EXPECT_EQ(pins[2].host, "[::1]");
  EXPECT_EQ(loaded.job.politeness.group_by, Politeness::GroupBy::kIp);
  EXPECT_EQ(loaded.job.politeness.robots_ttl_s, 1);
}

TEST(ResolveLoaderTest, RejectsEachBadValueAtItsLine) {
  struct Case {
    const char* body;  // after kJob: its first line is line 4
    const char* key;
    int line;
  };
  const Case cases[] = {
      {"[politeness]\ngroup_by = \"IP\"\n", "politeness.group_by", 5},
      {"[politeness]\ngroup_by = \"domain\"\n", "politeness.group_by", 5},
      {"[politeness]\ngroup_by = 1\n", "politeness.group_by", 5},
      {"[politeness]\nrobots_ttl_s = 0\n", "politeness.robots_ttl_s", 5},
      {"[politeness]\nrobots_ttl_s = 31536001\n", "politeness.robots_ttl_s", 5},
      {"[fetch]\nresolve = \"a:80:1.2.3.4\"\n", "fetch.resolve", 5},
      {"[fetch.resolve]\n\"a.test\" = \"1.2.3.4\"\n",
       "fetch.resolve.\"a.test\"", 5},
      {"[fetch.resolve]\n\"a.test:0\" = \"1.2.3.4\"\n",
       "fetch.resolve.\"a.test:0\"", 5},
      {"[fetch.resolve]\n\"a.test:65536\" = \"1.2.3.4\"\n",
       "fetch.resolve.\"a.test:65536\"", 5},
      {"[fetch.resolve]\n\"a.test:http\" = \"1.2.3.4\"\n",
       "fetch.resolve.\"a.test:http\"", 5},
      {"[fetch.resolve]\n\":80\" = \"1.2.3.4\"\n", "fetch.resolve.\":80\"", 5},
      {"[fetch.resolve]\n\"a/b:80\" = \"1.2.3.4\"\n",
       "fetch.resolve.\"a/b:80\"", 5},
      {"[fetch.resolve]\n\"::1:80\" = \"1.2.3.4\"\n",
       "fetch.resolve.\"::1:80\"", 5},
      {"[fetch.resolve]\n\"a.test:80\" = \"a.example\"\n",
       "fetch.resolve.\"a.test:80\"", 5},
      {"[fetch.resolve]\n\"a.test:80\" = \"1.2.3\"\n",
       "fetch.resolve.\"a.test:80\"", 5},
      {"[fetch.resolve]\n\"a.test:80\" = \"[::1]\"\n",
       "fetch.resolve.\"a.test:80\"", 5},
      {"[fetch.resolve]\n\"a.test:80\" = 1\n", "fetch.resolve.\"a.test:80\"",
       5},
      {"[fetch.resolve]\n\"a.test:80\" = \"1.2.3.4\"\n\"b:x\" = \"1.2.3.4\"\n",
       "fetch.resolve.\"b:x\"", 6},
  };
  for (const Case& test : cases) {
    const std::string text = std::string(kJob) + test.body;
    LoadedJob loaded = LoadJobText(text, "bad.toml");
    SCOPED_TRACE("input:\n" + text + "problems:\n" + Dump(loaded));
    ASSERT_EQ(loaded.problems.size(), 1u);
    const JobProblem& problem = loaded.problems[0];
    EXPECT_EQ(problem.key, test.key);
    EXPECT_EQ(problem.where.line, test.line);
    EXPECT_EQ(problem.where.file, "bad.toml");
    EXPECT_FALSE(problem.expected.empty());
    EXPECT_FALSE(problem.got.empty());
  }
}

TEST(ResolveLoaderTest, IpLiterals) {
  EXPECT_TRUE(IsIpLiteral("127.0.0.1"));
  EXPECT_TRUE(IsIpLiteral("::1"));
  EXPECT_TRUE(IsIpLiteral("2001:db8::7"));
  EXPECT_FALSE(IsIpLiteral("[::1]"));
  EXPECT_FALSE(IsIpLiteral("localhost"));
  EXPECT_FALSE(IsIpLiteral(""));
  EXPECT_FALSE(IsIpLiteral("1.2.3.4 "));
}

}  // namespace
}  // namespace crawlbox::config
