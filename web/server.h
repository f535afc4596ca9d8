// StatusServer: the embedded HTTP server of the status page (cpp-httplib on
// its own threads): the page, the JSON API and /metrics for one database, with
// live numbers from a StatusSource when the crawl runs in this process.
#pragma once

#include <memory>
#include <string>

#include "config/status.h"
#include "web/control.h"
#include "web/status_source.h"

namespace crawlbox::web {

struct ServerOptions {
  // Address to bind: 127.0.0.1 by default. Any address that is not loopback
  // (see IsLoopbackHost) requires a token.
  std::string host = "127.0.0.1";
  int port = 0;  // 0 = any free port (see StatusServer::port())
  // When set, every request must carry it, as "Authorization: Bearer <token>"
  // or "?token=<token>"; the page passes it on to its own API calls. "" = no
  // token (loopback only; requests must then name a loopback Host).
  std::string token;
};

// Routes (all GET; the README documents the JSON):
//   /              the page (HTML)        /app.js, /app.css  its script, style
//   /api/status    totals, rates, ETA, breakdowns, chart history, process
//   /api/hosts?limit=N           the N busiest hosts (default 50, 1..1000)
//   /api/errors?limit=N          breakdowns and the N latest failed pages
//   /api/items?rule=R&limit=N&offset=M   items, newest first (N 1..500)
//   /api/fleet     a distributed crawl's workers and task counts
//   /metrics       Prometheus text format
//   /api/control   GET: the live settings; POST: a command for the running
//                  crawl (web/control.h, web/control_routes.h)
// Every response carries a Content-Security-Policy without inline script,
// X-Content-Type-Options: nosniff, no-referrer and no-store.
//
// Thread-safe: Start and Stop may be called from any thread (Start once);
// requests are served on the server's own threads.
class StatusServer {
 public:
  // `db_path`: the crawl's database, read-only (it must exist when requests
  // arrive). `source`: the live crawl, or null to show the database alone;
  // when given it must outlive the server.
  StatusServer(std::string db_path, const StatusSource* source);
  // Stops and joins.
  ~StatusServer();
  StatusServer(const StatusServer&) = delete;
  StatusServer& operator=(const StatusServer&) = delete;

  // Where POST /api/control sends commands (not owned; must outlive the
  // server); without one they are answered 409. Before Start().
  void SetControl(ControlTarget* control);

  // Binds and starts serving; returns the bound port. InvalidArgument when
  // the options break the bind rule (CheckBind: a non-loopback host without a
  // token, or a malformed token); Unavailable when the address cannot be
  // bound (port in use, address not on this machine).
  config::Result<int> Start(const ServerOptions& options);

  // Stops accepting and joins the server's threads; waits at most about a
  // second for a client holding a keep-alive connection. Idempotent.
  void Stop();

  // The bound port (0 before Start) and the page's URL, e.g.
  // "http://127.0.0.1:8080/" ("[::1]" for IPv6), without the token.
  int port() const;
  std::string Url() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace crawlbox::web
