// crawler/frontier/scope.h: the link limits a control changes while the crawl
// runs (max_depth, max_url_length, max_path_repeats, max_query_params) take
// effect on the next link tested.
#include "crawler/frontier/scope.h"

#include <gtest/gtest.h>

namespace crawlbox::crawler {
namespace {

TEST(ScopeTest, SetLimitsChangesTheLinkChecks) {
  config::Job job;
  job.scope.allowed_hosts = {"a.test"};
  Scope scope(job, {});
  const std::string long_url = "http://a.test/" + std::string(100, 'x');
  const std::string repeats = "http://a.test/a/b/a/b/a/b";  // "a" 3 times
  const std::string params = "http://a.test/q?a=1&b=2&c=3";
  struct Case {
    const std::string& url;
    const char* with_job;  // the job's defaults: 2048, 3, 32, no depth limit
    const char* with_set;  // after SetLimits below
  };
  const Case cases[] = {
      {long_url, "", "url_too_long"},
      {repeats, "", "path_repeats"},
      {params, "", "query_params"},
  };
  for (const Case& c : cases)
    EXPECT_EQ(scope.Rejects(c.url, "a.test"), c.with_job) << c.url;
  EXPECT_FALSE(scope.TooDeep(1000));

  config::Limits limits = job.limits;
  limits.max_url_length = 64;
  limits.max_path_repeats = 2;
  limits.max_query_params = 2;
  limits.max_depth = 2;
  scope.SetLimits(limits);
  for (const Case& c : cases)
    EXPECT_EQ(scope.Rejects(c.url, "a.test"), c.with_set) << c.url;
  EXPECT_FALSE(scope.TooDeep(2));
  EXPECT_TRUE(scope.TooDeep(3));

  // 0 turns the repeat and parameter checks off again; -1 the depth limit.
  limits.max_path_repeats = 0;
  limits.max_query_params = 0;
  limits.max_depth = -1;
  scope.SetLimits(limits);
  EXPECT_EQ(scope.Rejects(repeats, "a.test"), "");
  EXPECT_EQ(scope.Rejects(params, "a.test"), "");
  EXPECT_FALSE(scope.TooDeep(1000));
}

}  // namespace
}  // namespace crawlbox::crawler
