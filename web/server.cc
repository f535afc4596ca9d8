// cpp-httplib wiring: security headers and the token (or Host) check before
// routing, one handler per route, and no exception ever leaving a handler.
#include "web/server.h"

#include <httplib.h>
#include <sys/socket.h>

#include <charconv>
#include <chrono>
#include <exception>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>

#include "config/log.h"
#include "web/access.h"
#include "web/api_json.h"
#include "web/control_routes.h"
#include "web/download.h"
#include "web/metrics.h"
#include "web/page.h"
#include "web/query.h"
#include "web/status_collector.h"

namespace crawlbox::web {

using config::Result;
using config::Status;

namespace {

constexpr char kJson[] = "application/json; charset=utf-8";
// The page's script and style come from this server only; data never becomes
// script, and the API's JSON cannot be framed or sniffed into HTML.
constexpr char kCsp[] =
    "default-src 'none'; script-src 'self'; style-src 'self'; "
    "img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'";

std::string PercentEncode(std::string_view text) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    const bool unreserved = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                            (c >= '0' && c <= '9') || c == '-' || c == '_' ||
                            c == '.' || c == '~';
    if (unreserved) {
      out += c;
    } else {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 15];
    }
  }
  return out;
}

// A query parameter as an integer in [min, max], `fallback` when absent;
// nullopt when present but not such an integer.
std::optional<int64_t> IntParam(const httplib::Request& req, const char* name,
                                int64_t fallback, int64_t min, int64_t max) {
  const std::optional<std::string> param = QueryParam(req.target, name);
  if (!param) return fallback;
  const std::string& text = *param;
  int64_t value = 0;
  auto [end, ec] =
      std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < min ||
      value > max) {
    return std::nullopt;
  }
  return value;
}

void SendJson(httplib::Response& res, int status, std::string body) {
  res.status = status;
  res.set_content(std::move(body), kJson);
}

void SendError(httplib::Response& res, int status, std::string_view message) {
  SendJson(res, status, ErrorJson(message));
}

// A database that cannot be read right now is the server's trouble (503); a
// file that is not a crawlbox database is the operator's (500 either way, with
// the reason in the body).
void SendStatusError(httplib::Response& res, const Status& status) {
  const bool transient = status.code() == Status::Code::kUnavailable ||
                         status.code() == Status::Code::kIOError;
  SendError(res, transient ? 503 : 500, status.ToString());
}

}  // namespace

struct StatusServer::Impl {
  Impl(std::string db, const StatusSource* source)
      : collector(db, source), source(source), db_path(std::move(db)) {}

  // Wraps a handler so that nothing it throws (std::bad_alloc, a library's
  // surprise) reaches cpp-httplib's thread.
  template <typename F>
  httplib::Server::Handler Guard(F f) {
    return [f](const httplib::Request& req, httplib::Response& res) {
      try {
        f(req, res);
      } catch (const std::exception& e) {
        SendError(res, 500, std::string("internal error: ") + e.what());
      } catch (...) {
        SendError(res, 500, "internal error");
      }
    };
  }

  // Runs before routing: headers for every answer, then the access check.
  httplib::Server::HandlerResponse Admit(const httplib::Request& req,
                                         httplib::Response& res) {
    res.set_header("Content-Security-Policy", kCsp);
    res.set_header("X-Content-Type-Options", "nosniff");
    res.set_header("Referrer-Policy", "no-referrer");
    res.set_header("X-Frame-Options", "DENY");
    res.set_header("Cache-Control", "no-store");
    if (!token.empty()) {
      std::string given;
      const std::string auth = req.get_header_value("Authorization");
      if (auth.rfind("Bearer ", 0) == 0) {
        given = auth.substr(7);
      } else if (auto param = QueryParam(req.target, "token")) {
        given = std::move(*param);
      }
      if (!TokenMatches(token, given)) {
        res.set_header("WWW-Authenticate", "Bearer realm=\"crawlbox\"");
        SendError(res, 401,
                  "this status server requires its token: "
                  "Authorization: Bearer <token> or ?token=<token>");
        return httplib::Server::HandlerResponse::Handled;
      }
    } else if (!LocalHostHeader(req.get_header_value("Host"))) {
      SendError(res, 403,
                "this status server answers only requests for a loopback "
                "host; bind another address with a token to serve others");
      return httplib::Server::HandlerResponse::Handled;
    }
    return httplib::Server::HandlerResponse::Unhandled;
  }

  void AddRoutes() {
    server.set_pre_routing_handler(
        [this](const httplib::Request& req, httplib::Response& res) {
          try {
            return Admit(req, res);
          } catch (...) {
            SendError(res, 500, "internal error");
            return httplib::Server::HandlerResponse::Handled;
          }
        });
    server.Get(
        "/", Guard([this](const httplib::Request&, httplib::Response& res) {
          res.set_content(PageHtml(asset_query), "text/html; charset=utf-8");
        }));
    server.Get("/app.js",
               Guard([](const httplib::Request&, httplib::Response& res) {
                 const std::string_view js = PageJs();
                 res.set_content(js.data(), js.size(),
                                 "text/javascript; charset=utf-8");
               }));
    server.Get(
        "/app.css", Guard([](const httplib::Request&, httplib::Response& res) {
          const std::string_view css = PageCss();
          res.set_content(css.data(), css.size(), "text/css; charset=utf-8");
        }));
    server.Get("/api/status",
               Guard([this](const httplib::Request&, httplib::Response& res) {
                 auto data = collector.Collect();
                 if (!data.ok()) return SendStatusError(res, data.status());
                 SendJson(res, 200, StatusJson(*data));
               }));
    server.Get("/api/hosts", Guard([this](const httplib::Request& req,
                                          httplib::Response& res) {
                 auto limit = IntParam(req, "limit", 50, 1, 1000);
                 if (!limit)
                   return SendError(res, 400, "limit: expected 1..1000");
                 auto data = collector.Hosts(*limit);
                 if (!data.ok()) return SendStatusError(res, data.status());
                 SendJson(res, 200, HostsJson(*data));
               }));
    server.Get("/api/errors", Guard([this](const httplib::Request& req,
                                           httplib::Response& res) {
                 auto limit = IntParam(req, "limit", 20, 0, 500);
                 if (!limit)
                   return SendError(res, 400, "limit: expected 0..500");
                 auto data = collector.Errors(*limit);
                 if (!data.ok()) return SendStatusError(res, data.status());
                 SendJson(res, 200, ErrorsJson(*data));
               }));
    server.Get(
        "/api/items",
        Guard([this](const httplib::Request& req, httplib::Response& res) {
          auto limit = IntParam(req, "limit", 20, 1, 500);
          if (!limit) return SendError(res, 400, "limit: expected 1..500");
          auto offset = IntParam(req, "offset", 0, 0, INT64_MAX);
          if (!offset) {
            return SendError(res, 400, "offset: expected an integer >= 0");
          }
          const std::string rule = QueryParam(req.target, "rule").value_or("");
          auto data = collector.Items(rule, *limit, *offset);
          if (!data.ok()) return SendStatusError(res, data.status());
          SendJson(res, 200, ItemsJson(*data));
        }));
    server.Get("/api/export", Guard([this](const httplib::Request& req,
                                           httplib::Response& res) {
                 ServeExport(db_path, req, res);
               }));
    server.Get("/api/fleet",
               Guard([this](const httplib::Request&, httplib::Response& res) {
                 SendJson(res, 200,
                          FleetJson(source != nullptr ? source->Fleet()
                                                      : FleetData{}));
               }));
    server.Get("/metrics",
               Guard([this](const httplib::Request&, httplib::Response& res) {
                 auto data = collector.Collect();
                 if (!data.ok()) return SendStatusError(res, data.status());
                 res.set_content(RenderMetrics(*data),
                                 "text/plain; version=0.0.4; charset=utf-8");
               }));
    AddControlRoutes(&server, control, &token);
    server.set_error_handler(
        [](const httplib::Request&, httplib::Response& res) {
          // Only replace cpp-httplib's empty bodies (404, 405 ...), never a
          // body a handler set.
          if (res.body.empty()) {
            SendError(res, res.status,
                      res.status == 404 ? "no such page" : "request failed");
          }
        });
  }

  StatusCollector collector;
  const StatusSource* source;  // null: the database alone
  ControlTarget* control = nullptr;
  std::string db_path;
  httplib::Server server;
  std::string token;
  std::string asset_query;
  std::string host;
  std::thread thread;
  std::mutex mu;  // Start/Stop
  int port = 0;
  bool started = false;
};

StatusServer::StatusServer(std::string db_path, const StatusSource* source)
    : impl_(std::make_unique<Impl>(std::move(db_path), source)) {}

StatusServer::~StatusServer() { Stop(); }

void StatusServer::SetControl(ControlTarget* control) {
  impl_->control = control;
}

Result<int> StatusServer::Start(const ServerOptions& options) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  if (impl_->started) return Status::InvalidArgument("already started");
  Status bind_rule = CheckBind(options.host, options.token);
  if (!bind_rule.ok()) return bind_rule;
  Impl& s = *impl_;
  s.token = options.token;
  s.asset_query = s.token.empty() ? "" : "?token=" + PercentEncode(s.token);
  s.host = options.host;
  // A few threads suffice: a page polls four URLs every two seconds.
  s.server.new_task_queue = [] { return new httplib::ThreadPool(4); };
  // Stop() waits for idle keep-alive connections up to this long.
  s.server.set_keep_alive_timeout(1);
  s.server.set_read_timeout(5, 0);
  s.server.set_write_timeout(5, 0);
  // cpp-httplib's default also sets SO_REUSEPORT, which would let a second
  // server share a port in use instead of failing; SO_REUSEADDR alone only
  // allows rebinding over TIME_WAIT.
  s.server.set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  s.AddRoutes();
  const std::string where = options.host + ":" + std::to_string(options.port);
  int port = -1;
  if (options.port == 0) {
    port = s.server.bind_to_any_port(options.host);
  } else if (s.server.bind_to_port(options.host, options.port)) {
    port = options.port;
  }
  if (port <= 0) {
    return Status::Unavailable("cannot listen on " + where +
                               " (port in use, or not an address of this "
                               "machine)");
  }
  s.port = port;
  s.thread = std::thread([&s] { s.server.listen_after_bind(); });
  s.started = true;
  // The socket accepts connections from bind on; wait for the accept loop so
  // that Stop() right after Start() finds it running.
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!s.server.is_running() &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  config::Log(config::LogLevel::kDebug, "web",
              "status server listening on " + options.host + ":" +
                  std::to_string(port));
  return port;
}

void StatusServer::Stop() {
  std::lock_guard<std::mutex> lock(impl_->mu);
  if (!impl_->started) return;
  // stop() before the accept loop runs would be missed; Start waited for it.
  impl_->server.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
  impl_->started = false;
}

int StatusServer::port() const { return impl_->port; }

std::string StatusServer::Url() const {
  const std::string& host = impl_->host;
  const bool v6 = host.find(':') != std::string::npos;
  return "http://" + (v6 ? "[" + host + "]" : host) + ":" +
         std::to_string(impl_->port) + "/";
}

}  // namespace crawlbox::web
