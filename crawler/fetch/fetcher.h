// Fetcher: libcurl driven by its own thread, keeping up to `concurrency`
// transfers in flight. It pulls Requests from a RequestSource when it has room
// and hands every finished transfer to a callback as a Response. It never
// parses and never touches SQLite. Over HTTP/2 (https, fetch.http2) a host's
// transfers share one connection at a time; plain HTTP and HTTP/1.1 hosts get
// a connection per transfer in flight.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "config/job.h"
#include "config/status.h"
#include "crawler/fetch/cookie.h"
#include "crawler/fetch/request.h"

namespace crawlbox::crawler {

// Thread-safe: Wakeup() and Stop() may be called from any thread. The callback
// runs on the fetcher thread, one response at a time, and should return quickly
// (hand off, don't work); with a Diverter it also runs on the diverter's
// threads, so it must then be thread-safe.
class Fetcher {
 public:
  using ResponseCallback = std::function<void(Response&&)>;

  // `source` must outlive the Fetcher. Nothing happens until Start().
  Fetcher(const config::FetchSettings& settings, RequestSource* source,
          ResponseCallback on_response);
  ~Fetcher();  // Stop()s if still running.
  Fetcher(const Fetcher&) = delete;
  Fetcher& operator=(const Fetcher&) = delete;

  // Starts the fetcher thread. Fails (Unavailable) if libcurl cannot create a
  // multi handle.
  config::Status Start();
  // Tells the fetcher the source may have new requests.
  void Wakeup();
  // Aborts transfers still in flight (their requests get no callback: they stay
  // queued in the frontier's durable state) and joins the thread. Idempotent.
  // Wakeup() stays harmless after Stop(); the curl handles are released by the
  // destructor.
  void Stop();
  // One request sent and answered at once (a redirect is an answer like
  // any other), with the job's settings and cookie jar.
  using Exchange = std::function<Response(const Request&)>;
  // A step that must run before the first request and again whenever
  // RequestLogin() asks (the [login] step): it runs on the fetcher thread
  // with an Exchange, and no new transfer starts until it returns. Set it
  // before Start().
  using LoginStep = std::function<void(const Exchange&)>;
  void SetLoginStep(LoginStep step) { login_step_ = std::move(step); }
  // Called on the fetcher thread after each run of the login step with the
  // cookies the job's jar then holds (none with fetch.cookies off), so that
  // pages rendered elsewhere carry the same session. They are secrets: never
  // log or store them. Set before Start().
  using CookiesHook = std::function<void(std::vector<Cookie>)>;
  void SetCookiesHook(CookiesHook hook) { cookies_hook_ = std::move(hook); }
  // Runs the login step again before the next transfer starts (a page said
  // the session has ended). Thread-safe; requests made meanwhile coalesce.
  void RequestLogin() {
    login_requested_.store(true);
    Wakeup();
  }
  // A page request this returns true for is not transferred here: the
  // diverter has taken it (moved from it: the render stage) and answers it
  // through the same ResponseCallback, from a thread of its own. A request
  // it returns false for is left as it was. Set before Start().
  using Diverter = std::function<bool(Request&)>;
  void SetDiverter(Diverter diverter) { diverter_ = std::move(diverter); }
  // Transfers currently in flight.
  int in_flight() const { return in_flight_.load(std::memory_order_relaxed); }
  // Transfers in flight at most from now on (fetch.concurrency changed while
  // the crawl runs; >= 1). Any thread; transfers beyond a lowered bound
  // finish.
  void SetConcurrency(int concurrency) {
    max_transfers_.store(concurrency, std::memory_order_relaxed);
    Wakeup();
  }

 private:
  struct Impl;
  void Loop();

  config::FetchSettings settings_;
  RequestSource* source_;
  ResponseCallback on_response_;
  std::unique_ptr<Impl> impl_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<int> in_flight_{0};
  std::atomic<int> max_transfers_;  // fetch.concurrency, live
  LoginStep login_step_;
  CookiesHook cookies_hook_;
  std::atomic<bool> login_requested_{false};
  Diverter diverter_;
};

// libcurl's process-wide state. One lives in main() around everything else:
// it must be created before any other thread starts and destroyed after every
// Fetcher is gone (curl_global_init is not thread-safe).
class FetchLibraryScope {
 public:
  FetchLibraryScope();
  ~FetchLibraryScope();
  FetchLibraryScope(const FetchLibraryScope&) = delete;
  FetchLibraryScope& operator=(const FetchLibraryScope&) = delete;
};

}  // namespace crawlbox::crawler
