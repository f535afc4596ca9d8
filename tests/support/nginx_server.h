// NginxServer: Debian's nginx serving a directory over HTTPS + HTTP/2 with a
// certificate authority and server certificate the test makes (openssl CLI),
// for tests that need a real HTTP/2 server: connection reuse, GOAWAY after
// keepalive_requests, TLS failures. Each request is logged with its
// connection, so a test counts connections and protocols at the server.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "config/status.h"
#include "tests/support/subprocess.h"

namespace crawlbox::testing {

// One server block: its own port and access log.
struct NginxListener {
  // The requests (HTTP/2 streams) nginx serves on one connection before it
  // ends the connection (GOAWAY over HTTP/2). nginx's default is 1000.
  int keepalive_requests = 1000;
  // Offer HTTP/2 (ALPN h2); false = HTTP/1.1 over TLS only.
  bool http2 = true;
};

struct NginxOptions {
  // Directory served at "/" (e.g. a GeneratedSite written with WriteTo). Its
  // files must be readable by nginx's worker (`nobody` when the test runs as
  // root): NginxServer makes the directories on the way to it that lie below
  // the system's temp directory (TempDirs, 0700) readable by all.
  std::string docroot;
  // One server (port) per element, all serving `docroot`.
  std::vector<NginxListener> servers = {NginxListener{}};
};

// One line of a server's access log.
struct AccessEntry {
  int64_t connection = 0;           // nginx's $connection serial number
  int64_t connection_requests = 0;  // $connection_requests: n-th on it
  double msec = 0;                  // $msec: time the entry was written, s
  std::string protocol;             // $server_protocol: "HTTP/2.0"
  int status = 0;                   // $status
  std::string uri;                  // $request_uri: path and query
};

// Not thread-safe; AccessLog() may be called while nginx serves.
class NginxServer {
 public:
  // Makes a CA and a certificate for 127.0.0.1 and localhost in `dir` (which
  // must outlive the server), writes nginx.conf there (pid, logs and temp
  // paths all inside `dir`, so nothing system-wide is written), starts nginx
  // on free loopback ports and waits until each listens. NotFound when nginx
  // or openssl is not installed (tests GTEST_SKIP then), Unavailable when
  // certificates cannot be made or nginx does not come up.
  static config::Result<std::unique_ptr<NginxServer>> Start(
      const NginxOptions& options, const std::string& dir);
  ~NginxServer();  // stops nginx (SIGTERM: the master ends its worker too)
  NginxServer(const NginxServer&) = delete;
  NginxServer& operator=(const NginxServer&) = delete;

  // "https://127.0.0.1:<port of server i>" + path.
  std::string Url(size_t server, const std::string& path) const;
  // The PEM file of the CA that signed the servers' certificate.
  const std::string& ca_file() const { return ca_file_; }
  // Every request server `server` logged so far, in log order. Lines that do
  // not parse are skipped.
  std::vector<AccessEntry> AccessLog(size_t server) const;

 private:
  NginxServer() = default;

  std::string dir_;
  std::string ca_file_;
  std::vector<int> ports_;
  std::unique_ptr<ChildProcess> process_;
};

// Why the nginx tests cannot run here ("nginx is not installed ..."), or ""
// when nginx and openssl are installed.
std::string NginxUnavailableReason();

}  // namespace crawlbox::testing
