// FaultServer: the socket plumbing (listen, accept, a thread per connection,
// stop) and the misbehaving endpoints.
#include "tests/support/fault_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cassert>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <iomanip>
#include <locale>
#include <optional>
#include <sstream>

#include "tests/support/fault_bodies.h"

namespace crawlbox::testing {

struct FaultServer::Request {
  std::string method;
  std::string target;  // path and query as sent
  int hit = 0;         // this request's number among those for `target`
};

namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

constexpr int kBacklog = 1024;
constexpr int kMaxConnections = 256;
constexpr size_t kMaxRequestBytes = 64 * 1024;
constexpr milliseconds kRequestTimeout{10000};
constexpr milliseconds kDrainTimeout{1000};
constexpr int kSendTimeoutSec = 30;
constexpr milliseconds kMaxWait{60000};
constexpr size_t kMaxLoggedRequests = 100000;
constexpr int kPages = 10;
constexpr char kHtml[] = "text/html; charset=utf-8";
constexpr char kText[] = "text/plain; charset=utf-8";

config::Result<std::pair<int, int>> OpenListener() {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr = {};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  if (fd < 0 ||
      bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      listen(fd, kBacklog) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    const std::string error = std::strerror(errno);
    if (fd >= 0) close(fd);
    return config::Status::Unavailable("FaultServer: 127.0.0.1: " + error);
  }
  return std::make_pair(fd, static_cast<int>(ntohs(addr.sin_port)));
}

std::pair<int, int> OpenListenerOrDie() {
  config::Result<std::pair<int, int>> listener = OpenListener();
  if (listener.ok()) return listener.value();
  std::fprintf(stderr, "%s\n", listener.status().message().c_str());
  std::abort();
}

// Waits until `fd` is readable (data, EOF, or shut down by Stop()) and reads
// into buf. Returns the recv result, or -1 on timeout.
ssize_t RecvBefore(int fd, char* buf, size_t size, Clock::time_point deadline) {
  while (true) {
    const auto left = std::chrono::ceil<milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return -1;
    pollfd p = {fd, POLLIN, 0};
    const int ready = poll(&p, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) return -1;
    const ssize_t n = recv(fd, buf, size, 0);
    if (n < 0 && errno == EINTR) continue;
    return n;
  }
}

// Reads the request line and headers, up to the blank line. False on EOF,
// error, timeout, an oversized head, or Stop().
bool ReadHead(int fd, std::string* head) {
  const Clock::time_point deadline = Clock::now() + kRequestTimeout;
  char buf[4096];
  while (head->find("\r\n\r\n") == std::string::npos) {
    if (head->size() > kMaxRequestBytes) return false;
    const ssize_t n = RecvBefore(fd, buf, sizeof(buf), deadline);
    if (n <= 0) return false;
    head->append(buf, static_cast<size_t>(n));
  }
  return true;
}

// Reads and drops whatever the client still sends, until it closes (or 1 s):
// closing a socket with unread bytes sends an RST instead of a FIN, which
// would turn every ordinary response into a reset one.
void Drain(int fd) {
  const Clock::time_point deadline = Clock::now() + kDrainTimeout;
  char buf[4096];
  while (RecvBefore(fd, buf, sizeof(buf), deadline) > 0) {
  }
}

bool SendAll(int fd, std::string_view data) {
  while (!data.empty()) {
    // MSG_NOSIGNAL: a client that went away must not SIGPIPE the test.
    const ssize_t n = send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

// A response head for `status` ("404 Not Found"); each line of `extra` ends
// in "\r\n".
std::string Head(std::string_view status, std::string_view type,
                 uint64_t content_length, std::string_view extra = "") {
  std::string head =
      "HTTP/1.1 " + std::string(status) + "\r\nServer: crawlbox-fault\r\n";
  head += "Content-Type: " + std::string(type) +
          "\r\nContent-Length: " + std::to_string(content_length) +
          "\r\nConnection: close\r\n";
  return head + std::string(extra) + "\r\n";
}

// Head and body in one write, so that an ordinary response is one segment.
void Respond(int fd, std::string_view status, std::string_view type,
             std::string_view body, std::string_view extra = "") {
  SendAll(fd, Head(status, type, body.size(), extra) + std::string(body));
}

// Digits only, no sign, at most 18 digits (no overflow).
std::optional<int64_t> ParseNumber(std::string_view text) {
  if (text.empty() || text.size() > 18) return std::nullopt;
  int64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return value;
}

// The number given for `name` in `query`: `fallback` if absent, nullopt if not
// a number.
std::optional<int64_t> Param(std::string_view query, std::string_view name,
                             int64_t fallback) {
  while (!query.empty()) {
    const size_t amp = query.find('&');
    const std::string_view item = query.substr(0, amp);
    if (item.size() > name.size() && item.substr(0, name.size()) == name &&
        item[name.size()] == '=') {
      return ParseNumber(item.substr(name.size() + 1));
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return fallback;
}

// "GET /target HTTP/1.1" from the first line of `head`.
bool ParseRequestLine(const std::string& head, std::string* method,
                      std::string* target) {
  const std::string line = head.substr(0, head.find("\r\n"));
  const size_t first = line.find(' ');
  const size_t second =
      line.find(' ', first == std::string::npos ? 0 : first + 1);
  if (first == 0 || first == std::string::npos || second == std::string::npos ||
      line.compare(second + 1, 7, "HTTP/1.") != 0) {
    return false;
  }
  *method = line.substr(0, first);
  *target = line.substr(first + 1, second - first - 1);
  return !target->empty() && (*target)[0] == '/';
}

// An IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"), in English whatever the
// global locale.
std::string HttpDate(std::time_t t) {
  std::tm tm = {};
  gmtime_r(&t, &tm);
  std::ostringstream out;
  out.imbue(std::locale::classic());
  out << std::put_time(&tm, "%a, %d %b %Y %H:%M:%S GMT");
  return out.str();
}

// "/calendar/Y/MM" of the month numbered year * 12 + month - 1.
std::string MonthPath(int64_t index) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "/calendar/%lld/%02d",
                static_cast<long long>(index / 12),
                static_cast<int>(index % 12 + 1));
  return buf;
}

// The calendar page for `path` ("/calendar/Y/M") and `query` ("" or "day=D"),
// or nullopt for a 404. The links at the trap's two ends (before year 1, after
// year 99999) lead to 404s.
std::optional<std::string> CalendarPage(std::string_view path,
                                        std::string_view query) {
  path.remove_prefix(std::string_view("/calendar/").size());
  const size_t slash = path.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  const std::optional<int64_t> year = ParseNumber(path.substr(0, slash));
  const std::optional<int64_t> month = ParseNumber(path.substr(slash + 1));
  if (!year || !month || *year < 1 || *year > 99999 || *month < 1 ||
      *month > 12) {
    return std::nullopt;
  }
  const int64_t index = *year * 12 + *month - 1;
  const std::string here = MonthPath(index);
  const std::string title = "Calendar " + here.substr(10);
  std::vector<std::string> links;
  if (query.empty()) {
    links = {MonthPath(index - 1), MonthPath(index + 1)};
    for (int day = 1; day <= 31; ++day)
      links.push_back(here + "?day=" + std::to_string(day));
    return Page(title, links);
  }
  if (query.substr(0, 4) != "day=") return std::nullopt;
  const std::optional<int64_t> day = ParseNumber(query.substr(4));
  if (!day || *day < 1 || *day > 31) return std::nullopt;
  links = {*day < 31 ? here + "?day=" + std::to_string(*day + 1)
                     : MonthPath(index + 1) + "?day=1",
           MonthPath(index + 1)};
  return Page(title + ", day " + std::to_string(*day), links);
}

}  // namespace

FaultServer::FaultServer() : FaultServer(OpenListenerOrDie()) {}

FaultServer::FaultServer(std::pair<int, int> listener)
    : listen_fd_(listener.first), port_(listener.second) {
  accept_thread_ = std::thread(&FaultServer::AcceptLoop, this);
}

config::Result<std::unique_ptr<FaultServer>> FaultServer::Create() {
  config::Result<std::pair<int, int>> listener = OpenListener();
  if (!listener.ok()) return listener.status();
  return std::unique_ptr<FaultServer>(new FaultServer(listener.value()));
}

FaultServer::~FaultServer() { Stop(); }

std::string FaultServer::Url(std::string_view path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + std::string(path);
}

std::vector<std::string> FaultServer::FaultPaths() {
  return {"/slow-headers",
          "/trickle",
          "/reset",
          "/lying-length",
          "/redirect-loop",
          "/redirect-chain/5",
          "/big",
          "/gzip-bomb",
          "/invalid-utf8",
          "/binary-as-html",
          "/page.html",
          "/retry-after?seconds=1",
          "/retry-after-date?seconds=1",
          "/flapping",
          "/calendar/2026/11"};
}

void FaultServer::SetRobots(RobotsMode mode, std::string body) {
  std::lock_guard<std::mutex> lock(mu_);
  robots_mode_ = mode;
  robots_body_ = std::move(body);
}

void FaultServer::SetLatency(std::chrono::milliseconds latency) {
  std::lock_guard<std::mutex> lock(mu_);
  latency_ = latency;
}

int FaultServer::Hits(const std::string& path_and_query) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = hits_.find(path_and_query);
  return it == hits_.end() ? 0 : it->second;
}

std::vector<std::string> FaultServer::RequestLog() const {
  std::lock_guard<std::mutex> lock(mu_);
  return log_;
}

int FaultServer::MaxConcurrent() const {
  std::lock_guard<std::mutex> lock(mu_);
  return max_concurrent_;
}

void FaultServer::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!stopping_) {
      stopping_ = true;
      // On Linux shutdown() wakes a thread blocked in accept() on the
      // listening socket (EINVAL) and in poll/recv/send on a connection; fds
      // are closed only under mu_, so none of these can be a reused number.
      shutdown(listen_fd_, SHUT_RDWR);
      for (const Connection& connection : connections_) {
        if (connection.fd >= 0) shutdown(connection.fd, SHUT_RDWR);
      }
    }
  }
  cv_.notify_all();
  std::lock_guard<std::mutex> join_lock(join_mu_);
  if (!accept_thread_.joinable()) return;
  accept_thread_.join();
  {
    // Every connection was shut down above, so each ends promptly; the accept
    // thread is gone, so none is added.
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return open_ == 0; });
    ReapLocked();
  }
  close(listen_fd_);
}

bool FaultServer::WaitUnlessStopping(std::chrono::milliseconds duration) {
  std::unique_lock<std::mutex> lock(mu_);
  return !cv_.wait_for(lock, std::min(duration, kMaxWait),
                       [this] { return stopping_; });
}

void FaultServer::ReapLocked() {
  // A connection is marked done under mu_ as its thread's last step, so
  // joining it here cannot wait on mu_.
  connections_.remove_if([](Connection& connection) {
    if (connection.done) connection.thread.join();
    return connection.done;
  });
}

void FaultServer::AcceptLoop() {
  while (true) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || open_ < kMaxConnections; });
      if (stopping_) return;
      ReapLocked();
    }
    const int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) {
      // Stop() makes accept() fail; anything else (EINTR, a client that
      // gave up, EMFILE) is retried shortly.
      if (!WaitUnlessStopping(milliseconds(errno == EINTR ? 0 : 10))) return;
      continue;
    }
    // Without TCP_NODELAY each trickled byte waits for the client's delayed
    // ACK (Nagle); the send timeout bounds a client that stops reading.
    const int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    const timeval send_timeout = {kSendTimeoutSec, 0};
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &send_timeout,
               sizeof(send_timeout));
    Connection* connection;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_) {
        close(fd);
        return;
      }
      connection = &connections_.emplace_back();
      connection->fd = fd;
      ++open_;
    }
    connection->thread = std::thread(&FaultServer::Serve, this, connection);
  }
}

void FaultServer::Serve(Connection* connection) {
  // Only this thread changes connection->fd, so it reads it without mu_.
  const int fd = connection->fd;
  Close how = Close::kGraceful;
  std::string head;
  if (ReadHead(fd, &head)) {
    Request request;
    if (!ParseRequestLine(head, &request.method, &request.target)) {
      Respond(fd, "400 Bad Request", kText, "bad request line\n");
    } else {
      milliseconds latency{0};
      {
        std::lock_guard<std::mutex> lock(mu_);
        request.hit = ++hits_[request.target];
        if (log_.size() < kMaxLoggedRequests) log_.push_back(request.target);
        max_concurrent_ = std::max(max_concurrent_, ++in_flight_);
        latency = latency_;
      }
      const bool go = latency.count() <= 0 || WaitUnlessStopping(latency);
      {
        // Released before any byte of the response: a client that sends its
        // next request only after a complete response is never counted twice.
        std::lock_guard<std::mutex> lock(mu_);
        --in_flight_;
      }
      if (go) how = Handle(fd, request);
    }
  }
  CloseConnection(connection, how);
}

void FaultServer::CloseConnection(Connection* connection, Close how) {
  const int fd = connection->fd;
  if (how == Close::kGraceful) {
    // Half-close, then wait for the client to close first (bounded).
    shutdown(fd, SHUT_WR);
    Drain(fd);
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (how == Close::kReset) {
    // A zero linger time makes close() drop the connection with an RST.
    const linger reset = {1, 0};
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, sizeof(reset));
  }
  close(fd);
  connection->fd = -1;
  connection->done = true;
  --open_;
  cv_.notify_all();
}

FaultServer::Close FaultServer::Handle(int fd, const Request& request) {
  const size_t question = request.target.find('?');
  const std::string path = request.target.substr(0, question);
  const std::string query =
      question == std::string::npos ? "" : request.target.substr(question + 1);
  const auto bad = [fd] {
    Respond(fd, "400 Bad Request", kText, "parameter out of range\n");
    return Close::kGraceful;
  };
  const auto page_or_404 = [fd](const std::optional<std::string>& page) {
    if (page) {
      Respond(fd, "200 OK", kHtml, *page);
    } else {
      Respond(fd, "404 Not Found", kText, "not found\n");
    }
  };
  if (request.method != "GET") {
    Respond(fd, "405 Method Not Allowed", kText, "GET only\n",
            "Allow: GET\r\n");
  } else if (path == "/" || path == "/index.html") {
    std::vector<std::string> links = FaultPaths();
    links.push_back("/page/1");
    Respond(fd, "200 OK", kHtml, Page("Fault server", links));
  } else if (path.rfind("/page/", 0) == 0) {
    const std::optional<int64_t> n = ParseNumber(path.substr(6));
    std::optional<std::string> page;
    if (n && *n >= 1 && *n <= kPages) {
      page = Page("Page " + std::to_string(*n),
                  {"/", "/page/" + std::to_string(*n % kPages + 1)});
    }
    page_or_404(page);
  } else if (path == "/robots.txt" || path == "/robots-real.txt") {
    RobotsMode mode;
    std::string body;
    {
      std::lock_guard<std::mutex> lock(mu_);
      mode = path == "/robots.txt" ? robots_mode_ : RobotsMode::kOk;
      body = robots_body_;
    }
    if (mode == RobotsMode::kTimeout &&
        !WaitUnlessStopping(milliseconds(30000))) {
      return Close::kGraceful;
    }
    if (mode == RobotsMode::kRedirect) {
      Respond(fd, "302 Found", kText, "moved\n",
              "Location: /robots-real.txt\r\n");
    } else if (mode == RobotsMode::kNotFound ||
               mode == RobotsMode::kServerError) {
      Respond(fd,
              mode == RobotsMode::kNotFound ? "404 Not Found"
                                            : "500 Internal Server Error",
              kText, "no robots.txt today\n");
    } else {
      Respond(fd, "200 OK", kText, body);
    }
  } else if (path == "/slow-headers") {
    const std::optional<int64_t> ms = Param(query, "ms", 10000);
    if (!ms || *ms > kMaxWait.count()) return bad();
    if (WaitUnlessStopping(milliseconds(*ms)))
      Respond(fd, "200 OK", kHtml, Page("Slow headers", {"/"}));
  } else if (path == "/trickle") {
    const std::optional<int64_t> bytes = Param(query, "bytes", 1000);
    const std::optional<int64_t> ms = Param(query, "ms", 50);
    if (!bytes || !ms || *bytes > 1000000 || *ms > kMaxWait.count() ||
        *bytes * *ms > kMaxWait.count()) {
      return bad();
    }
    if (!SendAll(fd, Head("200 OK", kHtml, static_cast<uint64_t>(*bytes))))
      return Close::kGraceful;
    for (int64_t i = 0; i < *bytes; ++i) {
      if (*ms > 0 && !WaitUnlessStopping(milliseconds(*ms))) break;
      if (!SendAll(fd, Filler(static_cast<uint64_t>(i), 1))) break;
    }
  } else if (path == "/reset") {
    SendAll(fd, Head("200 OK", kHtml, 100000) + Filler(0, 1000));
    return Close::kReset;
  } else if (path == "/lying-length") {
    SendAll(fd, Head("200 OK", kHtml, 5000) + Filler(0, 100));
  } else if (path == "/chunked-forever" || path == "/bad-chunk") {
    const std::optional<int64_t> ms = Param(query, "ms", 10);
    if (!ms || *ms > kMaxWait.count()) return bad();
    const std::string head =
        "HTTP/1.1 200 OK\r\nServer: crawlbox-fault\r\nContent-Type: "
        "text/html\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n";
    const std::string chunk = "400\r\n" + Filler(0, 1024) + "\r\n";
    if (path == "/bad-chunk") {
      // A valid chunk, then a size line that is not hexadecimal.
      SendAll(fd, head + chunk + "zz-not-a-size\r\n" + Filler(0, 64));
      return Close::kGraceful;
    }
    if (!SendAll(fd, head)) return Close::kGraceful;
    // Chunks until the client gives up or the server stops; never the last
    // (zero-size) chunk.
    while (SendAll(fd, chunk)) {
      if (*ms > 0 && !WaitUnlessStopping(milliseconds(*ms))) break;
    }
  } else if (path == "/redirect-loop") {
    Respond(fd, "302 Found", kText, "again\n", "Location: /redirect-loop\r\n");
  } else if (path.rfind("/redirect-chain/", 0) == 0) {
    const std::optional<int64_t> n = ParseNumber(path.substr(16));
    if (!n) {
      page_or_404(std::nullopt);
    } else if (*n == 0) {
      Respond(fd, "200 OK", kHtml, Page("End of the chain", {"/"}));
    } else {
      Respond(fd, "302 Found", kText, "next\n",
              "Location: /redirect-chain/" + std::to_string(*n - 1) + "\r\n");
    }
  } else if (path == "/big") {
    const std::optional<int64_t> mb = Param(query, "mb", 10);
    if (!mb || *mb > 1024) return bad();
    const uint64_t size = static_cast<uint64_t>(*mb) << 20;
    if (!SendAll(fd, Head("200 OK", kHtml, size))) return Close::kGraceful;
    constexpr size_t kChunk = 64 * 1024;
    for (uint64_t sent = 0; sent < size; sent += kChunk) {
      if (!SendAll(fd, Filler(sent, kChunk))) break;
    }
  } else if (path == "/gzip-bomb") {
    const std::optional<int64_t> layers = Param(query, "layers", 1);
    if (!layers || *layers < 1 || *layers > 2) return bad();
    Respond(fd, "200 OK", kHtml, GzipBomb(static_cast<int>(*layers)),
            *layers == 1 ? "Content-Encoding: gzip\r\n"
                         : "Content-Encoding: gzip, gzip\r\n");
  } else if (path == "/invalid-utf8") {
    Respond(fd, "200 OK", kHtml, InvalidUtf8Page());
  } else if (path == "/binary-as-html" || path == "/page.html") {
    Respond(fd, "200 OK", "application/octet-stream", BinaryBody());
  } else if (path == "/retry-after" || path == "/retry-after-date" ||
             path == "/flapping") {
    const std::optional<int64_t> seconds = Param(query, "seconds", 1);
    if (!seconds || *seconds > 1000000000) return bad();
    const std::string retry_after =
        path == "/retry-after-date"
            ? HttpDate(std::time(nullptr) + static_cast<time_t>(*seconds))
            : std::to_string(*seconds);
    if (request.hit % 2 == 0) {
      Respond(fd, "200 OK", kHtml, Page("This time it worked", {"/"}));
    } else if (path == "/flapping") {
      Respond(fd, "503 Service Unavailable", kText, "down for now\n");
    } else {
      Respond(fd, "429 Too Many Requests", kText, "slow down\n",
              "Retry-After: " + retry_after + "\r\n");
    }
  } else if (path.rfind("/calendar/", 0) == 0) {
    page_or_404(CalendarPage(path, query));
  } else {
    page_or_404(std::nullopt);
  }
  return Close::kGraceful;
}

}  // namespace crawlbox::testing
