// TestServer: startup and shutdown, request accounting and routing. The
// built-in endpoints are in test_server_routes.cc.
#include "tests/support/test_server.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <utility>

namespace crawlbox::testing {
namespace {

constexpr size_t kMaxLoggedRequests = 100000;
constexpr size_t kMaxLoggedBodyBytes = 64 * 1024;
constexpr char kText[] = "text/plain; charset=utf-8";

void SetText(httplib::Response& res, int status, const std::string& body) {
  res.status = status;
  res.set_content(body, kText);
}

// True if a route registered for `route_method` answers `request_method`: GET
// routes answer HEAD too, as cpp-httplib's own GET handlers do.
bool Answers(const std::string& route_method,
             const std::string& request_method) {
  return route_method == request_method ||
         (route_method == "GET" && request_method == "HEAD");
}

// The body as RequestRecord keeps it (see there).
std::string RecordedBody(const httplib::Request& req) {
  std::string body;
  if (req.is_multipart_form_data()) {
    // req.files is a multimap by name, so the parts come out sorted by name.
    for (const auto& [name, part] : req.files) {
      if (!body.empty()) body += '&';
      body += httplib::detail::encode_query_param(name) + "=" +
              httplib::detail::encode_query_param(part.content);
    }
  } else {
    body = req.body;
  }
  if (body.size() > kMaxLoggedBodyBytes) body.resize(kMaxLoggedBodyBytes);
  return body;
}

// cpp-httplib compresses any non-empty text body the client accepts (gzip or
// brotli) unless it comes from a content provider with a known length; so every
// body goes out that way, byte for byte as the handler made it.
void SendBodyVerbatim(httplib::Response& res) {
  if (res.body.empty()) return;
  std::string type = res.get_header_value("Content-Type");
  if (type.empty()) type = "application/octet-stream";
  res.headers.erase("Content-Type");
  auto body = std::make_shared<std::string>(std::move(res.body));
  res.body.clear();
  res.set_content_provider(
      body->size(), type,
      [body](size_t offset, size_t length, httplib::DataSink& sink) {
        return sink.write(body->data() + offset, length);
      });
}

DemoBoard LoadBoardOrDie(const std::string& data_dir) {
  config::Result<DemoBoard> board = DemoBoard::Load(data_dir);
  if (!board.ok()) {
    std::fprintf(stderr, "TestServer: %s\n", board.status().ToString().c_str());
    std::abort();
  }
  return std::move(board).value();
}

}  // namespace

TestServer::TestServer() : TestServer(TestServerOptions()) {}

TestServer::TestServer(TestServerOptions options)
    : TestServer(options, LoadBoardOrDie(options.data_dir)) {
  config::Status status = Listen();
  if (!status.ok()) {
    std::fprintf(stderr, "TestServer: %s\n", status.ToString().c_str());
    std::abort();
  }
}

TestServer::TestServer(const TestServerOptions& options, DemoBoard board)
    : options_(options),
      board_(std::move(board)),
      api_site_(
          ApiSiteOptions{options.login_password, options.session_max_requests}),
      user_routes_(std::make_shared<const std::vector<Route>>()),
      robots_txt_("User-agent: *\nDisallow:\n") {
  if (options_.site)
    site_ = std::make_shared<const GeneratedSite>(*options_.site);
  AddBuiltinRoutes();
  AddBoardRoutes();
  AddRealisticSiteRoutes();
  AddApiSiteRoutes();
  AddSpaSiteRoutes();
  const size_t threads = static_cast<size_t>(std::max(1, options_.threads));
  server_.new_task_queue = [threads] {
    return new httplib::ThreadPool(threads);
  };
  server_.set_keep_alive_timeout(options_.keep_alive_timeout_sec);
  server_.set_keep_alive_max_count(100);
  // Headers and a provider's body go out in separate writes; with Nagle's
  // algorithm the body then waits ~40 ms for the client's delayed ACK.
  server_.set_tcp_nodelay(true);
  // Every method reaches Dispatch, which answers 405 where a path exists but
  // not for that method (cpp-httplib alone would say 404).
  auto dispatch = [this](const httplib::Request& req, httplib::Response& res) {
    Dispatch(req, res);
  };
  server_.Get(".*", dispatch);
  server_.Post(".*", dispatch);
  server_.Put(".*", dispatch);
  server_.Patch(".*", dispatch);
  server_.Delete(".*", dispatch);
  server_.Options(".*", dispatch);
}

config::Result<std::unique_ptr<TestServer>> TestServer::Create(
    TestServerOptions options) {
  config::Result<DemoBoard> board = DemoBoard::Load(options.data_dir);
  if (!board.ok()) return board.status();
  std::unique_ptr<TestServer> server(
      new TestServer(options, std::move(board).value()));
  config::Status status = server->Listen();
  if (!status.ok()) return status;
  return server;
}

TestServer::~TestServer() { Stop(); }

namespace {

// cpp-httplib listens with a backlog of 5 (compiled into Debian's library), so
// a crawler opening dozens of connections at once overflows the SYN queue and
// waits a full 1 s SYN retransmit. listen() on an already listening socket only
// updates its backlog, so find our socket by its port and raise it.
void RaiseListenBacklog(int port) {
  DIR* fds = opendir("/proc/self/fd");
  if (fds == nullptr) return;
  while (dirent* entry = readdir(fds)) {
    int fd = std::atoi(entry->d_name);
    if (fd <= 2) continue;
    sockaddr_storage addr = {};
    socklen_t len = sizeof(addr);
    int listening = 0;
    socklen_t opt_len = sizeof(listening);
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
      continue;
    if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &opt_len) != 0 ||
        !listening) {
      continue;
    }
    int bound_port = 0;
    if (addr.ss_family == AF_INET) {
      bound_port = ntohs(reinterpret_cast<sockaddr_in*>(&addr)->sin_port);
    } else if (addr.ss_family == AF_INET6) {
      bound_port = ntohs(reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port);
    }
    if (bound_port == port) ::listen(fd, 1024);
  }
  closedir(fds);
}

}  // namespace

config::Status TestServer::Listen() {
  const std::string address =
      options_.host + ":" + std::to_string(options_.port);
  if (options_.port == 0) {
    port_ = server_.bind_to_any_port(options_.host);
    if (port_ < 0) return config::Status::Unavailable("cannot bind " + address);
  } else {
    if (!server_.bind_to_port(options_.host, options_.port)) {
      return config::Status::Unavailable("cannot bind " + address +
                                         " (port in use?)");
    }
    port_ = options_.port;
  }
  RaiseListenBacklog(port_);
  listen_thread_ = std::thread([this] { server_.listen_after_bind(); });
  // The socket already listens after bind; is_running() turns true once the
  // accept loop runs.
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!server_.is_running()) {
    if (std::chrono::steady_clock::now() > deadline) {
      // The thread cannot be stopped before its loop runs, so not joined.
      std::fprintf(stderr,
                   "TestServer: accept loop did not start within 10 s\n");
      std::abort();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return config::Status::Ok();
}

void TestServer::Stop() {
  {
    std::lock_guard<std::mutex> lock(stop_mu_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  std::lock_guard<std::mutex> lock(join_mu_);
  server_.stop();
  if (listen_thread_.joinable()) listen_thread_.join();
}

std::string TestServer::Url(std::string_view path_and_query) const {
  return "http://" + options_.host + ":" + std::to_string(port_) +
         std::string(path_and_query);
}

void TestServer::Get(const std::string& pattern, Handler handler) {
  AddUserRoute("GET", pattern, std::move(handler));
}

void TestServer::Post(const std::string& pattern, Handler handler) {
  AddUserRoute("POST", pattern, std::move(handler));
}

void TestServer::Put(const std::string& pattern, Handler handler) {
  AddUserRoute("PUT", pattern, std::move(handler));
}

void TestServer::AddUserRoute(const std::string& method,
                              const std::string& pattern, Handler handler) {
  std::regex compiled(pattern);
  std::lock_guard<std::mutex> lock(mu_);
  auto routes = std::make_shared<std::vector<Route>>(*user_routes_);
  routes->push_back({method, std::move(compiled), std::move(handler)});
  user_routes_ = std::move(routes);
}

void TestServer::EnableSite(SiteOptions options) {
  auto site = std::make_shared<const GeneratedSite>(options);
  std::lock_guard<std::mutex> lock(mu_);
  site_ = std::move(site);
}

std::shared_ptr<const GeneratedSite> TestServer::site() const {
  std::lock_guard<std::mutex> lock(mu_);
  return site_;
}

void TestServer::SetRobotsTxt(std::optional<std::string> text) {
  std::lock_guard<std::mutex> lock(mu_);
  robots_txt_ = std::move(text);
}

void TestServer::SetLatency(std::chrono::milliseconds latency) {
  std::lock_guard<std::mutex> lock(mu_);
  latency_ = latency;
}

int TestServer::Hits(const std::string& path_and_query) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = hits_.find(path_and_query);
  return it == hits_.end() ? 0 : it->second;
}

int64_t TestServer::TotalHits() const {
  std::lock_guard<std::mutex> lock(mu_);
  return total_hits_;
}

std::map<std::string, int> TestServer::AllHits() const {
  std::lock_guard<std::mutex> lock(mu_);
  return hits_;
}

int TestServer::MaxConcurrent() const {
  std::lock_guard<std::mutex> lock(mu_);
  return max_concurrent_;
}

std::vector<RequestRecord> TestServer::RequestLog() const {
  std::lock_guard<std::mutex> lock(mu_);
  return log_;
}

void TestServer::ResetCounts() {
  std::lock_guard<std::mutex> lock(mu_);
  hits_.clear();
  total_hits_ = 0;
  log_.clear();
  max_concurrent_ = in_flight_;
}

void TestServer::SleepUnlessStopping(std::chrono::milliseconds duration) {
  std::unique_lock<std::mutex> lock(stop_mu_);
  stop_cv_.wait_for(lock, duration, [this] { return stopping_; });
}

void TestServer::RecordArrival(const httplib::Request& req) {
  RequestRecord record;
  record.method = req.method;
  record.target = req.target;
  record.user_agent = req.get_header_value("User-Agent");
  record.arrived = std::chrono::steady_clock::now();
  record.body = RecordedBody(req);
  record.content_type = req.get_header_value("Content-Type");
  record.cookie = req.get_header_value("Cookie");
  std::lock_guard<std::mutex> lock(mu_);
  ++hits_[record.target];
  ++total_hits_;
  ++in_flight_;
  max_concurrent_ = std::max(max_concurrent_, in_flight_);
  if (log_.size() < kMaxLoggedRequests) log_.push_back(std::move(record));
}

void TestServer::Dispatch(const httplib::Request& req, httplib::Response& res) {
  RecordArrival(req);
  std::shared_ptr<const std::vector<Route>> user_routes;
  std::chrono::milliseconds latency;
  {
    std::lock_guard<std::mutex> lock(mu_);
    user_routes = user_routes_;
    latency = latency_;
  }
  // Leaves the in-flight count even if a handler throws (cpp-httplib turns that
  // into a 500).
  struct InFlight {
    TestServer* server;
    ~InFlight() {
      std::lock_guard<std::mutex> lock(server->mu_);
      --server->in_flight_;
    }
  } in_flight{this};
  if (latency.count() > 0) SleepUnlessStopping(latency);

  std::smatch match;
  const Route* route = nullptr;
  std::set<std::string> allowed;  // methods of routes matching only the path
  const std::vector<Route>* const tables[] = {user_routes.get(),
                                              &builtin_routes_};
  for (const std::vector<Route>* routes : tables) {
    for (const Route& candidate : *routes) {
      if (!std::regex_match(req.path, match, candidate.pattern)) continue;
      if (Answers(candidate.method, req.method)) {
        route = &candidate;
        break;
      }
      allowed.insert(candidate.method);
      if (candidate.method == "GET") allowed.insert("HEAD");
    }
    if (route != nullptr) break;
  }
  if (route != nullptr) {
    route->handler(req, match, res);
  } else if (!allowed.empty()) {
    std::string allow;
    for (const std::string& method : allowed)
      allow += (allow.empty() ? "" : ", ") + method;
    res.set_header("Allow", allow);
    SetText(res, 405,
            req.method + " not allowed here; allowed: " + allow + "\n");
  } else {
    SetText(res, 404, "not found: " + req.path + "\n");
  }
  SendBodyVerbatim(res);
}

}  // namespace crawlbox::testing
