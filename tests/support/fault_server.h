// FaultServer: a small HTTP/1.1 server over raw POSIX sockets whose endpoints
// misbehave at the byte level (stalls, trickles, resets, lying lengths, bombs,
// traps), for testing how the Fetcher and the Engine survive a hostile site.
#pragma once

#include <chrono>
#include <condition_variable>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "config/status.h"

namespace crawlbox::testing {

// A running HTTP/1.1 server on 127.0.0.1 and a free port.
//
// Connections: one thread per connection, at most 256 at once (further
// clients wait in the listen backlog of 1024). Every connection carries exactly
// one request: every response says "Connection: close" and the server closes
// after it (no keep-alive). A request is the request line and headers, read
// until the blank line (at most 64 KiB, within 10 s); a request body is never
// read. A connection with no complete request in time is closed without an
// answer; an unparsable request line gets a 400. Responses carry
// Content-Length, never chunked encoding and never compression of their own.
//
// Endpoints (a method other than GET is a 405, an unknown path a 404, a
// parameter out of range a 400; N, M are decimal integers):
//   /slow-headers?ms=N   accepts and reads the request, then sends nothing for
//                        N ms (default 10000, at most 60000), then a 200 page
//   /trickle?bytes=N&ms=M  headers with Content-Length N at once, then the
//                        body one byte every M ms, each after its wait
//                        (defaults 1000 and 50; N <= 1000000, N*M <= 60000)
//   /reset               headers with Content-Length 100000, 1000 bytes of
//                        body, then an RST (SO_LINGER {1, 0} and close)
//   /lying-length        headers with Content-Length 5000, 100 bytes of body,
//                        then a normal close (FIN)
//   /chunked-forever?ms=N  200 text/html, Transfer-Encoding: chunked, then a
//                        1 KiB chunk every N ms (default 10) that never ends
//                        (no last chunk) until the client closes
//   /bad-chunk           200 chunked, one valid 1 KiB chunk, then a chunk-size
//                        line that is not hexadecimal, then a close
//   /redirect-loop       302, Location: /redirect-loop
//   /redirect-chain/N    302 to /redirect-chain/<N-1>; N = 0 is a 200 page
//   /big?mb=N            200 text/html of exactly N MiB (default 10, at most
//                        1024), streamed in 64 KiB writes
// The bodies of /trickle, /reset, /lying-length and /big are one HTML-looking
// byte stream: "<!DOCTYPE html>\n<html><body>\n" then a repeated <p> line.
//   /gzip-bomb           200 text/html, Content-Encoding: gzip; the body
//                        (about 1 MiB) inflates to 1 GiB of spaces. Deflate
//                        cannot beat about 1032:1, so a smaller single layer
//                        cannot hold 1 GiB; for a tiny transfer use
//   /gzip-bomb?layers=2  the same gzip body gzipped again (a few KiB),
//                        Content-Encoding: gzip, gzip
//                        (both built on first use, in milliseconds, and
//                        shared by every FaultServer)
//   /invalid-utf8        200 text/html; charset=utf-8 with invalid UTF-8 in
//                        text and attribute values: a lone 0xFF, a truncated
//                        3-byte sequence, overlong encodings, UTF-8-encoded
//                        surrogates, and <a href> values with raw 0xFF bytes
//   /binary-as-html, /page.html
//                        200 application/octet-stream, 4096 fixed
//                        pseudo-random bytes including NULs
//   /retry-after?seconds=N       on the 1st, 3rd, ... hit of this exact target
//                        a 429 with "Retry-After: N" (default 1); on even hits
//                        a 200 page
//   /retry-after-date?seconds=N  the same with Retry-After as an HTTP-date
//                        N seconds from now
//   /flapping            503 on odd hits, a 200 page on even hits
//   /robots.txt          as set by SetRobots (default kOk, allow all)
//   /robots-real.txt     200 text/plain with the robots body, whatever the mode
//   /calendar/Y/M        an endless calendar trap, Y in 1..99999, M in 1..12
//                        (leading zeros allowed): links to the previous and
//                        next month (/calendar/2026/10 and /calendar/2026/12
//                        from /calendar/2026/11; links print M with two
//                        digits) and to ?day=1 .. ?day=31 of the same month;
//                        the links past year 1 and 99999 lead to 404s
//   /calendar/Y/M?day=D  D in 1..31: links to the next day's page (day 31 goes
//                        to ?day=1 of the next month) and the next month's page
//   /, /index.html       an index linking to every FaultPaths() entry and to
//                        /page/1
//   /page/N              N in 1..10: a small page linking to / and to
//                        /page/<N+1> (/page/10 to /page/1)
// "Odd hits" count requests for the exact target, query included (see Hits).
//
// Bounded: every wait (latency, slow headers, trickle, robots kTimeout) is at
// most 60 s and ends early on Stop(); a client that stops reading stalls a
// send for at most 30 s.
//
// Thread-safe: every public method may be called from any thread while the
// server runs.
class FaultServer {
 public:
  // What /robots.txt answers.
  enum class RobotsMode {
    kOk,           // 200 text/plain with the body
    kNotFound,     // 404
    kServerError,  // 500
    kTimeout,      // nothing for 30 s (or until Stop), then 200 with the body
    kRedirect,     // 302 to /robots-real.txt, which serves the body
  };

  // Starts serving and returns once connections are accepted. Aborts with a
  // message on stderr if 127.0.0.1 cannot be bound (a broken test machine);
  // use Create() to get the error instead.
  FaultServer();
  // Like the constructor; kUnavailable if the socket cannot be set up.
  static config::Result<std::unique_ptr<FaultServer>> Create();

  // Stops and joins (see Stop).
  ~FaultServer();
  FaultServer(const FaultServer&) = delete;
  FaultServer& operator=(const FaultServer&) = delete;

  // The bound port.
  int port() const { return port_; }
  // "http://127.0.0.1:<port>" + path, e.g. Url("/reset").
  std::string Url(std::string_view path) const;

  // The fault endpoints the index page "/" links to, as path and query with
  // their default parameters (e.g. "/slow-headers", "/redirect-chain/5").
  static std::vector<std::string> FaultPaths();

  // Sets what /robots.txt answers; `body` is the text served by kOk, kTimeout
  // and /robots-real.txt. Default: kOk with "User-agent: *\nDisallow:\n".
  void SetRobots(RobotsMode mode, std::string body = "");
  // Waits `latency` (at most 60 s; Stop() cuts it short) after reading each
  // request and before sending any byte of its response. Default 0.
  void SetLatency(std::chrono::milliseconds latency);

  // Requests received for `path_and_query` exactly as sent in the request
  // line ("/retry-after?seconds=1"), any method, any outcome (404s count).
  // 0 if never requested.
  int Hits(const std::string& path_and_query) const;
  // The request targets (path and query), in arrival order; the first 100000.
  std::vector<std::string> RequestLog() const;
  // The most requests that were in progress at the same moment, a request
  // counting from its arrival until the end of its SetLatency wait (when its
  // handler starts). Set a latency to see overlap: with none the window is
  // microseconds. A client that waits for each complete response before its
  // next request on any connection always scores 1.
  int MaxConcurrent() const;

  // Stops accepting, shuts down the listening socket and every open
  // connection (a response in progress is cut off), ends every wait and joins
  // all threads; returns within milliseconds. Idempotent; afterwards
  // connecting to port() fails.
  void Stop();

 private:
  struct Connection {
    int fd = -1;         // -1 once closed; guarded by mu_
    bool done = false;   // the thread is about to return; guarded by mu_
    std::thread thread;  // set by the accept thread; joined under mu_
  };
  struct Request;
  enum class Close { kGraceful, kReset };

  // Takes ownership of a listening socket {fd, port} and starts accepting.
  explicit FaultServer(std::pair<int, int> listener);
  void AcceptLoop();
  void Serve(Connection* connection);
  // Answers one request on `fd`; returns how to close the connection.
  Close Handle(int fd, const Request& request);
  void CloseConnection(Connection* connection, Close how);
  // Waits `duration` or until Stop(); false if stopping.
  bool WaitUnlessStopping(std::chrono::milliseconds duration);
  // Joins and forgets the finished connections. Requires mu_.
  void ReapLocked();

  const int listen_fd_;
  const int port_;
  std::thread accept_thread_;

  mutable std::mutex mu_;
  std::condition_variable cv_;  // signalled on Stop() and connection exit
  bool stopping_ = false;
  std::list<Connection> connections_;
  int open_ = 0;  // connections in connections_ not yet done
  RobotsMode robots_mode_ = RobotsMode::kOk;
  std::string robots_body_ = "User-agent: *\nDisallow:\n";
  std::chrono::milliseconds latency_{0};
  std::map<std::string, int> hits_;
  std::vector<std::string> log_;
  int in_flight_ = 0;
  int max_concurrent_ = 0;

  // Serializes Stop() callers around the joins; not held by other threads.
  std::mutex join_mu_;
};

}  // namespace crawlbox::testing
