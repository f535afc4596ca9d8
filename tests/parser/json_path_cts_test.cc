// Runs parser/json_path.h against the JSONPath Compliance Test Suite
// (../shared/testdata/jsonpath/cts.json, RFC 9535's official suite): every
// invalid selector must be rejected, every valid one must select the expected
// nodelist (or one of the allowed ones, where object member order is open).
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "parser/json_path.h"
#include "tests/support/temp_dir.h"

namespace crawlbox::parser {
namespace {

bool SameNodelist(const std::vector<const nlohmann::json*>& got,
                  const nlohmann::json& want) {
  if (!want.is_array() || got.size() != want.size()) return false;
  for (size_t i = 0; i < got.size(); ++i) {
    if (*got[i] != want[i]) return false;
  }
  return true;
}

std::string Dump(const std::vector<const nlohmann::json*>& nodes) {
  nlohmann::json array = nlohmann::json::array();
  for (const nlohmann::json* node : nodes) array.push_back(*node);
  return array.dump();
}

// The reason a case fails, or "" when it passes.
std::string RunCase(const nlohmann::json& c) {
  const std::string selector = c.at("selector").get<std::string>();
  config::Result<JsonPath> path = JsonPath::Parse(selector);
  if (c.value("invalid_selector", false)) {
    if (path.ok()) return "accepted an invalid selector";
    if (path.status().message().empty()) return "rejected without a message";
    return "";
  }
  if (!path.ok()) return "rejected: " + path.status().message();
  std::vector<const nlohmann::json*> got;
  path->Select(c.at("document"), &got);
  if (c.contains("result")) {
    if (SameNodelist(got, c["result"])) return "";
    return "selected " + Dump(got) + ", expected " + c["result"].dump();
  }
  for (const nlohmann::json& allowed : c.at("results")) {
    if (SameNodelist(got, allowed)) return "";
  }
  return "selected " + Dump(got) + ", expected one of " + c["results"].dump();
}

TEST(JsonPathCtsTest, PassesTheComplianceSuite) {
  const std::string path =
      crawlbox::testing::SharedTestDataPath("jsonpath/cts.json");
  std::ifstream in(path);
  ASSERT_TRUE(in) << "cannot open " << path;
  nlohmann::json suite = nlohmann::json::parse(in, nullptr, false);
  ASSERT_FALSE(suite.is_discarded()) << path << " is not JSON";
  const nlohmann::json& tests = suite.at("tests");
  ASSERT_FALSE(tests.empty());

  int passed = 0;
  int invalid = 0;
  int invalid_rejected = 0;
  std::vector<std::string> failures;
  for (const nlohmann::json& c : tests) {
    const bool is_invalid = c.value("invalid_selector", false);
    std::string reason = RunCase(c);
    invalid += is_invalid;
    if (reason.empty()) {
      ++passed;
      invalid_rejected += is_invalid;
    } else {
      failures.push_back(c.at("name").get<std::string>() + " (" +
                         c.at("selector").dump() + "): " + reason);
    }
  }
  const int total = static_cast<int>(tests.size());
  std::printf(
      "JSONPath CTS: %d/%d passed (%.1f%%); invalid_selector rejected %d/%d\n",
      passed, total, 100.0 * passed / total, invalid_rejected, invalid);
  for (const std::string& failure : failures) {
    std::printf("  FAIL %s\n", failure.c_str());
  }
  EXPECT_GE(passed * 100, total * 95) << "below 95% of the suite";
  EXPECT_EQ(invalid_rejected, invalid)
      << "every invalid selector must be rejected with a message";
}

}  // namespace
}  // namespace crawlbox::parser
