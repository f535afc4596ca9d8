// The listen address, the loopback rule, tokens and the Host check.
#include "web/access.h"

#include <gtest/gtest.h>

#include "tests/support/status_matchers.h"

namespace crawlbox::web {
namespace {

TEST(AccessTest, ParsesListenAddresses) {
  struct Case {
    const char* text;
    const char* host;
    int port;
  };
  for (const Case& c : std::vector<Case>{
           {"127.0.0.1:8080", "127.0.0.1", 8080},
           {"0.0.0.0:0", "0.0.0.0", 0},
           {"localhost:65535", "localhost", 65535},
           {"[::1]:9000", "::1", 9000},
           {"[::]:1", "::", 1},
           {"[::1]", "::1", 0},
           {"127.0.0.1", "127.0.0.1", 0},
           {":8080", "127.0.0.1", 8080},
           {"status.example.com:443", "status.example.com", 443},
       }) {
    auto parsed = ParseListenAddress(c.text);
    ASSERT_OK(parsed);
    EXPECT_EQ(parsed->host, c.host) << c.text;
    EXPECT_EQ(parsed->port, c.port) << c.text;
  }
  for (const char* bad :
       {"", "127.0.0.1:", "127.0.0.1:65536", "127.0.0.1:-1", "127.0.0.1:80x",
        "::1:8080", "[::1", "[::1]8080", "host name:80", "a/b:80",
        "127.0.0.1:999999", "[]:80"}) {
    auto parsed = ParseListenAddress(bad);
    EXPECT_FALSE(parsed.ok()) << "'" << bad << "'";
    if (!parsed.ok()) {
      EXPECT_EQ(parsed.status().code(), config::Status::Code::kInvalidArgument);
    }
  }
}

TEST(AccessTest, KnowsLoopbackFromEverythingElse) {
  for (const char* host :
       {"127.0.0.1", "127.1.2.3", "127.255.255.255", "::1", "0:0:0:0:0:0:0:1",
        "::ffff:127.0.0.1", "localhost"}) {
    EXPECT_TRUE(IsLoopbackHost(host)) << host;
  }
  for (const char* host :
       {"0.0.0.0", "::", "10.0.0.1", "192.168.1.1", "128.0.0.1",
        "::ffff:10.0.0.1", "example.com", "127.1", "0x7f.0.0.1",
        "localhost.example.com", ""}) {
    EXPECT_FALSE(IsLoopbackHost(host)) << host;
  }
}

TEST(AccessTest, TokensAndTheBindRule) {
  EXPECT_OK(CheckToken("12345678"));
  EXPECT_OK(CheckToken(std::string(256, 'x')));
  EXPECT_OK(CheckToken("Ab9-_.~!$&'()*+,;=:@%/?"));
  for (const std::string& bad :
       {std::string(""), std::string("1234567"), std::string(257, 'x'),
        std::string("with space1"), std::string("tab\there1"),
        std::string("ünïcödé123")}) {
    config::Status s = CheckToken(bad);
    EXPECT_FALSE(s.ok()) << bad;
    EXPECT_EQ(s.message().find(bad.empty() ? "\x01" : bad), std::string::npos)
        << "the message must not echo the token";
  }
  EXPECT_OK(CheckBind("127.0.0.1", ""));
  EXPECT_OK(CheckBind("::1", ""));
  EXPECT_OK(CheckBind("0.0.0.0", "12345678"));
  config::Status open = CheckBind("0.0.0.0", "");
  EXPECT_EQ(open.code(), config::Status::Code::kInvalidArgument);
  EXPECT_EQ(open.message(),
            "expected a loopback address (127.0.0.1, ::1, localhost) unless a "
            "status token is set (status.token or --status-token), got "
            "'0.0.0.0'");
  EXPECT_FALSE(CheckBind("127.0.0.1", "short").ok());
}

TEST(AccessTest, ComparesTokensExactly) {
  EXPECT_TRUE(TokenMatches("abcdefgh", "abcdefgh"));
  EXPECT_FALSE(TokenMatches("abcdefgh", "abcdefgH"));
  EXPECT_FALSE(TokenMatches("abcdefgh", "abcdefg"));
  EXPECT_FALSE(TokenMatches("abcdefgh", ""));
  EXPECT_FALSE(TokenMatches("abcdefgh", "abcdefghi"));
}

TEST(AccessTest, AcceptsOnlyLoopbackHostHeaders) {
  for (const char* header : {"", "127.0.0.1", "127.0.0.1:8080", "localhost:1",
                             "[::1]:8080", "[::1]"}) {
    EXPECT_TRUE(LocalHostHeader(header)) << header;
  }
  for (const char* header :
       {"example.com", "example.com:8080", "127.0.0.1.nip.io:80", "[::2]:80",
        "10.0.0.1", "[::1", "localhost.attacker.example"}) {
    EXPECT_FALSE(LocalHostHeader(header)) << header;
  }
}

}  // namespace
}  // namespace crawlbox::web
