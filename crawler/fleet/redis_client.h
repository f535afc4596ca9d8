// RedisClient: one authenticated hiredis connection for distributed mode, with
// the Redis URL parsed and its credentials kept out of every message. Replies
// are copied into plain RedisReply values, so no hiredis type leaves this file.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "config/status.h"

namespace crawlbox::crawler {

// Where Redis is and who we are to it.
struct RedisAddress {
  std::string host = "127.0.0.1";
  int port = 6379;
  std::string user;      // ACL user; empty = the default user
  std::string password;  // empty = none (AUTH is not sent)
  int db = 0;            // SELECTed after connecting

  // "redis://host:port/db" with the credentials, if any, shown as "***@": the
  // only form of the address that may appear in logs and on the status page.
  std::string Redacted() const;
};

// Parses redis://[[user]:password@]host[:port][/db] (user and password may
// be percent-encoded). Fails with InvalidArgument naming what is wrong, never
// echoing the password.
config::Result<RedisAddress> ParseRedisUrl(std::string_view url);

// The address to use: `url` parsed, its password replaced by the first line
// of `password_file` when one is given, else taken from the environment
// variable CRAWLBOX_REDIS_PASSWORD when the URL has none. Fails with
// InvalidArgument (bad URL) or IOError (unreadable file), never echoing a
// secret.
config::Result<RedisAddress> ResolveRedisAddress(
    std::string_view url, const std::string& password_file);

// A reply, owned. Error replies keep their text ("WRONGPASS ...") in `str`.
struct RedisReply {
  enum class Type { kNil, kString, kStatus, kInteger, kArray, kError };
  Type type = Type::kNil;
  std::string str;  // kString, kStatus, kError
  int64_t integer = 0;
  std::vector<RedisReply> elements;  // kArray

  bool is_error() const { return type == Type::kError; }
  bool is_nil() const { return type == Type::kNil; }
};

// Not thread-safe: one thread uses a client at a time (a process opens one per
// thread that talks to Redis).
class RedisClient {
 public:
  // Connects, authenticates (AUTH [user] password when a password is given)
  // and selects the database, then PINGs. Fails with Unavailable when Redis
  // cannot be reached, InvalidArgument when it refuses the credentials or the
  // database; the message names the redacted address and Redis's reason.
  // `timeout` bounds the connect and each reply (blocking commands included:
  // keep their BLOCK well below it).
  static config::Result<std::unique_ptr<RedisClient>> Connect(
      const RedisAddress& address,
      std::chrono::milliseconds timeout = std::chrono::seconds(10));
  ~RedisClient();
  RedisClient(const RedisClient&) = delete;
  RedisClient& operator=(const RedisClient&) = delete;

  // Runs one command (arguments are binary-safe). An error reply is a non-OK
  // Status (InvalidArgument, Redis's text, the command's name); a lost
  // connection is Unavailable, and the next call reconnects first. A server
  // that cannot serve yet (LOADING its data after a restart, READONLY or
  // MASTERDOWN during a failover) counts as a lost connection.
  config::Result<RedisReply> Command(const std::vector<std::string>& args);

  // Runs the commands in one round trip, in order. Error replies stay in the
  // returned vector (one reply per command); only a lost connection fails the
  // whole call (Unavailable), after which the next call reconnects first.
  config::Result<std::vector<RedisReply>> Pipeline(
      const std::vector<std::vector<std::string>>& commands);

  const RedisAddress& address() const { return address_; }
  // False once a call found the connection lost (or could not open it), until
  // a call reconnects: how a caller tells an outage from an error reply.
  bool connected() const { return context_ != nullptr; }

 private:
  struct Context;
  RedisClient(const RedisAddress& address, std::chrono::milliseconds timeout);
  config::Status Open();
  config::Status Lost(std::string_view what);

  RedisAddress address_;
  std::chrono::milliseconds timeout_;
  std::unique_ptr<Context> context_;
};

}  // namespace crawlbox::crawler
