// web/control.h: POST /api/control bodies, accepted with their values and
// refused with the job loader's words.
#include "web/control.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace crawlbox::web {
namespace {

using Kind = ControlCommand::Kind;

TEST(ControlTest, ParsesEveryCommand) {
  struct Case {
    const char* body;
    Kind kind;
    std::string key;
    int64_t value;
    std::vector<std::string> list;  // add, urls or {host}
  };
  const Case cases[] = {
      {R"({"command":"pause"})", Kind::kPause, "", 0, {}},
      {R"({"command":"resume"})", Kind::kResume, "", 0, {}},
      {R"({"command":"stop"})", Kind::kStop, "", 0, {}},
      {R"({"command":"set","key":"politeness.delay_ms","value":250})",
       Kind::kSet,
       "politeness.delay_ms",
       250,
       {}},
      {R"({"command":"set","key":"fetch.concurrency","value":3})",
       Kind::kSet,
       "fetch.concurrency",
       3,
       {}},
      {R"({"command":"set","key":"limits.max_pages","value":0})",
       Kind::kSet,
       "limits.max_pages",
       0,
       {}},
      {R"({"command":"set","key":"limits.max_depth","value":-1})",
       Kind::kSet,
       "limits.max_depth",
       -1,
       {}},
      {R"({"command":"set","key":"limits.max_links_per_page","value":50})",
       Kind::kSet,
       "limits.max_links_per_page",
       50,
       {}},
      {R"({"command":"set","key":"scope.deny","add":["/private/"]})",
       Kind::kDeny,
       "scope.deny",
       0,
       {"/private/"}},
      {R"({"command":"seed","url":"http://a.test/x"})",
       Kind::kSeed,
       "",
       0,
       {"http://a.test/x"}},
      {R"({"command":"seed","urls":["http://a.test/1","http://a.test/2"]})",
       Kind::kSeed,
       "",
       0,
       {"http://a.test/1", "http://a.test/2"}},
      {R"({"command":"pause_host","host":"A.Test"})",
       Kind::kPauseHost,
       "",
       0,
       {"a.test"}},
      {R"({"command":"resume_host","host":"a.test"})",
       Kind::kResumeHost,
       "",
       0,
       {"a.test"}},
  };
  for (const Case& c : cases) {
    ControlCommand command;
    config::Status s = ParseControl(c.body, &command);
    ASSERT_TRUE(s.ok()) << c.body << ": " << s.message();
    EXPECT_EQ(command.kind, c.kind) << c.body;
    EXPECT_EQ(command.key, c.key) << c.body;
    EXPECT_EQ(command.value, c.value) << c.body;
    std::vector<std::string> list =
        c.kind == Kind::kDeny   ? command.add
        : c.kind == Kind::kSeed ? command.urls
        : command.host.empty()  ? std::vector<std::string>{}
                                : std::vector<std::string>{command.host};
    EXPECT_EQ(list, c.list) << c.body;
    EXPECT_EQ(nlohmann::json::parse(command.json),
              nlohmann::json::parse(c.body))
        << c.body;
  }
}

TEST(ControlTest, RefusesWithTheLoadersMessage) {
  struct Case {
    const char* body;
    const char* message;
  };
  const Case cases[] = {
      {"", "expected a JSON object such as {\"command\":\"pause\"}"},
      {"[1]", "expected a JSON object such as {\"command\":\"pause\"}"},
      {R"({"command":"jump"})",
       "command: expected one of pause, resume, stop, set, seed, pause_host, "
       "resume_host"},
      {R"({"command":"set","key":"politeness.delay_ms","value":-5})",
       "politeness.delay_ms: expected an integer in 0..3600000, got -5"},
      {R"({"command":"set","key":"politeness.delay_ms","value":"fast"})",
       "politeness.delay_ms: expected an integer in 0..3600000, got a string"},
      {R"({"command":"set","key":"fetch.concurrency","value":0})",
       "fetch.concurrency: expected an integer in 1..10000, got 0"},
      {R"({"command":"set","key":"limits.max_depth","value":-2})",
       "limits.max_depth: expected an integer >= -1, got -2"},
      {R"({"command":"set","key":"limits.max_url_length","value":15})",
       "limits.max_url_length: expected an integer in 16..1000000, got 15"},
      {R"({"command":"set","key":"limits.max_records_per_page","value":0})",
       "limits.max_records_per_page: expected an integer in 1..10000000, got "
       "0"},
      {R"({"command":"set","key":"politeness.delay_ms"})",
       "politeness.delay_ms: expected a value, got nothing"},
      {R"({"command":"set","key":"scope.deny","add":["(unclosed"]})", nullptr},
      {R"({"command":"set","key":"scope.deny"})",
       "scope.deny: expected \"add\" or \"remove\" with patterns"},
      {R"({"command":"pause_host"})", "host: expected a host name"},
      {R"({"command":"seed"})",
       "urls: expected a string or an array of strings, got nothing"},
  };
  for (const Case& c : cases) {
    ControlCommand command;
    config::Status s = ParseControl(c.body, &command);
    ASSERT_FALSE(s.ok()) << c.body;
    if (c.message != nullptr) {
      EXPECT_EQ(s.message(), c.message) << c.body;
    } else {
      EXPECT_EQ(s.message().rfind("scope.deny[0]: expected ", 0), 0u)
          << s.message();
    }
  }
  // A key a running crawl cannot change names those it can.
  ControlCommand command;
  config::Status s = ParseControl(
      R"({"command":"set","key":"fetch.timeout_ms","value":3})", &command);
  ASSERT_FALSE(s.ok());
  for (const char* key :
       {"politeness.delay_ms", "limits.max_depth", "limits.max_query_params"}) {
    EXPECT_NE(s.message().find(key), std::string::npos) << s.message();
  }
}

TEST(ControlTest, LiveSettingsJsonHasEverySetting) {
  LiveSettings settings;
  settings.running = true;
  settings.paused = true;
  settings.delay_ms = 250;
  settings.concurrency = 4;
  settings.limits.max_depth = 3;
  settings.limits.max_pages_per_host = 7;
  settings.deny = {"/a/", "/b/"};
  settings.paused_hosts = {"x.test"};
  nlohmann::json j = nlohmann::json::parse(LiveSettingsJson(settings));
  EXPECT_EQ(j["running"], true);
  EXPECT_EQ(j["paused"], true);
  EXPECT_EQ(j["politeness"]["delay_ms"], 250);
  EXPECT_EQ(j["fetch"]["concurrency"], 4);
  // Every key of [limits], the defaults included.
  EXPECT_EQ(j["limits"].size(), 10u) << j["limits"].dump();
  EXPECT_EQ(j["limits"]["max_depth"], 3);
  EXPECT_EQ(j["limits"]["max_pages_per_host"], 7);
  EXPECT_EQ(j["limits"]["max_url_length"], 2048);
  EXPECT_EQ(j["limits"]["max_records_per_page"], 10000);
  EXPECT_EQ(j["scope"]["deny"], nlohmann::json({"/a/", "/b/"}));
  EXPECT_EQ(j["paused_hosts"], nlohmann::json({"x.test"}));
}

}  // namespace
}  // namespace crawlbox::web
