// redis-server as a child process; readiness checked with a raw RESP AUTH +
// PING, so the support library needs no Redis client of its own.
#include "tests/support/redis_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>

namespace crawlbox::testing {

namespace {

constexpr const char* kRedisServer = "/usr/bin/redis-server";

// True when the server on `port` accepts `password` and answers PONG.
bool Answers(int port, const std::string& password) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in addr = {};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval tv = {1, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  bool ok = false;
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    const std::string request = "*2\r\n$4\r\nAUTH\r\n$" +
                                std::to_string(password.size()) + "\r\n" +
                                password + "\r\n*1\r\n$4\r\nPING\r\n";
    if (write(fd, request.data(), request.size()) ==
        static_cast<ssize_t>(request.size())) {
      std::string reply;
      char buf[256];
      while (reply.find("PONG") == std::string::npos &&
             reply.find("-") == std::string::npos) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n <= 0) break;
        reply.append(buf, static_cast<size_t>(n));
      }
      ok = reply == "+OK\r\n+PONG\r\n";
    }
  }
  close(fd);
  return ok;
}

}  // namespace

int FreeLoopbackPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return 0;
  sockaddr_in addr = {};
  addr.sin_family = AF_INET;
  addr.sin_port = 0;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  close(fd);
  return port;
}

config::Result<std::unique_ptr<RedisServer>> RedisServer::Start(
    const std::string& password, const std::string& dir,
    const std::vector<std::string>& options) {
  if (!std::filesystem::exists(kRedisServer)) {
    return config::Status::NotFound(
        "redis-server is not installed (Debian package redis-server)");
  }
  std::unique_ptr<RedisServer> server(new RedisServer());
  server->password_ = password;
  server->options_ =
      options.empty()
          ? std::vector<std::string>{"--save", "", "--appendonly", "no"}
          : options;
  // The port is free when picked but could be taken before redis binds it:
  // then redis exits and another port is tried.
  for (int attempt = 0; attempt < 5; ++attempt) {
    const int port = FreeLoopbackPort();
    if (port == 0) continue;
    server->dir_ = dir + "/redis-" + std::to_string(port);
    std::filesystem::create_directories(server->dir_);
    if (server->Launch(port)) return server;
  }
  return config::Status::Unavailable("redis-server did not answer PING");
}

bool RedisServer::Launch(int port) {
  std::vector<std::string> argv = {
      kRedisServer, "--port",    std::to_string(port),
      "--bind",     "127.0.0.1", "--requirepass",
      password_,    "--dir",     dir_};
  argv.insert(argv.end(), options_.begin(), options_.end());
  process_ = std::make_unique<ChildProcess>(
      argv, std::map<std::string, std::string>{}, dir_);
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    if (Answers(port, password_)) {
      port_ = port;
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  process_.reset();
  return false;
}

void RedisServer::Kill() {
  if (process_ == nullptr) return;
  process_->Signal(SIGKILL);
  process_->Wait(10'000);
  process_.reset();
}

config::Status RedisServer::Restart() {
  Kill();
  if (Launch(port_)) return config::Status::Ok();
  return config::Status::Unavailable("redis-server did not come back on port " +
                                     std::to_string(port_));
}

RedisServer::~RedisServer() = default;

std::string RedisServer::UrlWithPassword(const std::string& password) const {
  return "redis://:" + password + "@127.0.0.1:" + std::to_string(port_);
}

std::string RedisServer::PlainUrl() const {
  return "redis://127.0.0.1:" + std::to_string(port_);
}

}  // namespace crawlbox::testing
