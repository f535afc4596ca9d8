// RedisServer: a real redis-server (Debian's) for the distributed tests,
// started on a free loopback port with a password, no persistence (unless
// asked), and its files in a directory of its own; killed and restarted on
// the same port on demand; stopped with the object.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "config/status.h"
#include "tests/support/subprocess.h"

namespace crawlbox::testing {

class RedisServer {
 public:
  // Starts redis-server requiring `password` and waits until it answers PING.
  // NotFound when no redis-server is installed (tests GTEST_SKIP then),
  // Unavailable when it does not come up.
  // `options` replace the default "--save '' --appendonly no" (e.g. AOF on
  // with "--appendonly yes --appendfsync everysec").
  static config::Result<std::unique_ptr<RedisServer>> Start(
      const std::string& password, const std::string& dir,
      const std::vector<std::string>& options = {});
  ~RedisServer();  // kills it (SIGKILL)

  // Kills the server with SIGKILL and waits for its exit.
  void Kill();
  // Starts it again on the same port, with the same options and directory
  // (its AOF, if any, is loaded), and waits until it answers PING;
  // Unavailable when it does not.
  config::Status Restart();
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  int port() const { return port_; }
  // "redis://:<password>@127.0.0.1:<port>"; another password for negative
  // tests.
  std::string Url() const { return UrlWithPassword(password_); }
  std::string UrlWithPassword(const std::string& password) const;
  // The URL without credentials.
  std::string PlainUrl() const;

 private:
  RedisServer() = default;

  // Starts the process on `port`; true once it answers.
  bool Launch(int port);

  std::string password_;
  std::string dir_;
  std::vector<std::string> options_;
  int port_ = 0;
  std::unique_ptr<ChildProcess> process_;
};

// A TCP port on 127.0.0.1 free a moment ago (bound to 0, then released), or 0.
int FreeLoopbackPort();

}  // namespace crawlbox::testing
