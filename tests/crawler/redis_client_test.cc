// Redis URLs: what parses into which address, what is refused, and that the
// address shown in logs never holds the credentials.
#include "crawler/fleet/redis_client.h"

#include <gtest/gtest.h>

namespace crawlbox::crawler {
namespace {

TEST(RedisClientTest, ParsesRedisUrls) {
  struct Case {
    const char* url;
    const char* host;
    int port;
    const char* user;
    const char* password;
    int db;
    const char* redacted;
  };
  const Case cases[] = {
      {"redis://127.0.0.1:6379", "127.0.0.1", 6379, "", "", 0,
       "redis://127.0.0.1:6379"},
      {"redis://cache.lan", "cache.lan", 6379, "", "", 0,
       "redis://cache.lan:6379"},
      {"redis://:s3cret@10.0.0.5:7000/2", "10.0.0.5", 7000, "", "s3cret", 2,
       "redis://***@10.0.0.5:7000/2"},
      {"redis://crawler:s3cret@h:1/", "h", 1, "crawler", "s3cret", 0,
       "redis://***@h:1"},
      {"redis://s3cret@h", "h", 6379, "", "s3cret", 0, "redis://***@h:6379"},
      {"redis://:p%40ss%3Aw@h", "h", 6379, "", "p@ss:w", 0,
       "redis://***@h:6379"},
      {"redis://:a@b@h:9", "h", 9, "", "a@b", 0, "redis://***@h:9"},
      {"redis://[::1]:7001/15", "::1", 7001, "", "", 15,
       "redis://[::1]:7001/15"},
  };
  for (const Case& c : cases) {
    auto address = ParseRedisUrl(c.url);
    ASSERT_TRUE(address.ok()) << c.url << ": " << address.status().ToString();
    EXPECT_EQ(address->host, c.host) << c.url;
    EXPECT_EQ(address->port, c.port) << c.url;
    EXPECT_EQ(address->user, c.user) << c.url;
    EXPECT_EQ(address->password, c.password) << c.url;
    EXPECT_EQ(address->db, c.db) << c.url;
    EXPECT_EQ(address->Redacted(), c.redacted) << c.url;
  }
}

TEST(RedisClientTest, RefusesMalformedUrlsWithoutEchoingTheSecret) {
  const char* rejected[] = {
      "http://h:6379",
      "rediss://h:6379",
      "redis://",
      "redis://h:0",
      "redis://h:65536",
      "redis://h:port",
      "redis://h/db",
      "redis://:s3cret%4@h",
      "redis://:s3cret@",
      "redis://[::1:6379",
      "unix:///var/run/redis.sock",
  };
  for (const char* url : rejected) {
    auto address = ParseRedisUrl(url);
    ASSERT_FALSE(address.ok()) << url;
    EXPECT_EQ(address.status().code(), config::Status::Code::kInvalidArgument)
        << url;
    EXPECT_EQ(address.status().message().find("s3cret"), std::string::npos)
        << url << ": " << address.status().message();
  }
}

TEST(RedisClientTest, AnUnreachableServerIsUnavailableAndNamesTheAddress) {
  RedisAddress address;
  address.port = 1;  // nothing listens on a privileged port here
  address.password = "s3cret";
  auto client = RedisClient::Connect(address, std::chrono::seconds(2));
  ASSERT_FALSE(client.ok());
  EXPECT_EQ(client.status().code(), config::Status::Code::kUnavailable);
  EXPECT_NE(client.status().message().find("redis://***@127.0.0.1:1"),
            std::string::npos)
      << client.status().message();
  EXPECT_EQ(client.status().message().find("s3cret"), std::string::npos);
}

}  // namespace
}  // namespace crawlbox::crawler
