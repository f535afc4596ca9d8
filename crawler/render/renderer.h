// Renderer: renders pages in headless Chromium (a pool of tabs in one browser
// process, driven over the DevTools protocol on a pipe) and hands each result
// back as a Response whose body is the DOM after scripts ran.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "config/status.h"
#include "crawler/fetch/cookie.h"
#include "crawler/fetch/request.h"
#include "crawler/render/capture.h"

namespace crawlbox::crawler {

// How the renderer runs the browser; filled from the job by the caller.
struct RenderSettings {
  // The Chromium executable.
  std::string chromium = "/usr/bin/chromium";
  // More command-line flags for it, after the renderer's own (e.g.
  // "--js-flags=--max-old-space-size=512" to bound each tab's script heap).
  std::vector<std::string> chromium_flags;
  // Pages rendered at once (one tab each), all in one browser process and its
  // default browser context. The tabs are opened by one blank tab, so tabs
  // showing pages of one site share a renderer process; a page tried before
  // (a retry) gets a tab and process of its own. A tab without a page for
  // 2 s is closed, and opened again when needed.
  int tabs = 4;
  // Per page, from navigation to reading the DOM, milliseconds. A page past it
  // fails kRenderTimeout and its tab is replaced.
  int64_t timeout_ms = 30'000;
  // Load images; else images, fonts and media are blocked (saves bandwidth and
  // time; layout-dependent scripts may behave differently).
  bool load_images = false;
  // More URL patterns to block (Network.setBlockedURLs wildcard syntax, e.g.
  // "*google-analytics.com*").
  std::vector<std::string> block;
  // The User-Agent header and navigator.userAgent: the job's fetch.user_agent.
  // "" keeps Chromium's own.
  std::string user_agent;
  // Pages per tab before it is closed and a fresh one made (bounds what a
  // page's leaks can accumulate).
  int recycle_tab_after = 50;
  // Pages per browser process before it is restarted.
  int recycle_browser_after = 1000;
  // XHR capture (render.capture): which responses of a page's scripts are
  // read into Response::captured. With patterns, a render also waits, within
  // timeout_ms, for the captured requests in flight when the DOM was read.
  CaptureSettings capture;
  // Whether the browser may load a document other than the page's own
  // navigation (a frame, or a page a script navigates to), by its absolute
  // URL. A refused one is never sent: a frame's fails
  // (net::ERR_BLOCKED_BY_CLIENT), a script's navigation away is aborted and
  // the page stays. Null allows all. Called on a thread of the renderer's
  // while the request waits: quick and thread-safe, and it must stay
  // callable until Stop().
  std::function<bool(std::string_view url)> allow_document;
  // The same for every other request (scripts, XHR, stylesheets, ...). Null
  // (the default) intercepts none of them, which saves a round trip to the
  // browser per request.
  std::function<bool(std::string_view url)> allow_subresource;
  // Keep the navigation's exchange for the web archive ([store] warc): the
  // Response's wire then holds the request and response as Chromium sent
  // and received them, the body as Chromium decoded it (see
  // navigation_capture.h).
  bool archive = false;
};

// What one page needs besides its Request.
struct RenderOptions {
  // A CSS selector to wait for after the load (polled every 50 ms); "" = none.
  std::string wait_for;
  // Wait until no request (of the page or any of its frames, those of other
  // sites included) has been in flight for 500 ms after the load
  // (wait_until = "networkidle"); else the load event is enough ("load").
  bool network_idle = false;
};

// A pool of tabs in one headless Chromium. Render() queues a page; a renderer
// thread renders it and calls Done with the Response: final_url, the main
// document's status and headers, content_type "text/html; charset=utf-8", the
// DOM's outerHTML as body, rendered = true and render_ms, with
// settings.archive the navigation's exchange in wire, and the responses
// settings.capture matched in captured (see crawler/render/capture.h; a
// capture that fails is a Captured with an error, never a failed page). A
// page answered with a redirect (3xx with a Location) is not followed, as the
// Fetcher does not follow a page's: its Response has that status and
// headers, final_url the page's URL and no body. Failures are Responses with
// an error: kDns/kConnect (navigation failed, error_detail holds Chromium's
// net::ERR_*), kRenderTimeout (the page's tab is replaced, and a script of it
// that never yields is stopped), kRenderCrash (the browser or the tab's
// renderer process died, which fails the pages of every tab it served; it is
// restarted and queued pages continue).
//
// Thread-safe: Render, in_flight and the counters may be called from any
// thread, Done included. Start and Stop must not be called from Done.
class Renderer {
 public:
  // Called once per Render(), from a renderer thread, never after Stop()
  // returned. It owns the Response.
  using Done = std::function<void(Response&&)>;

  Renderer(RenderSettings settings, Done done);
  // Stop()s.
  ~Renderer();
  Renderer(const Renderer&) = delete;
  Renderer& operator=(const Renderer&) = delete;

  // Launches the browser and the renderer threads. OK, or Unavailable (saying
  // why: no executable, it did not answer) when the browser cannot run; call
  // at most once.
  config::Status Start();
  // Queues `request` (a GET; its url is rendered) and returns at once; pages
  // wait while every tab is busy. Requests queued before Start() wait for it;
  // after Stop() they are dropped without a Done.
  void Render(Request request, RenderOptions options);
  // The cookies every page is rendered with from its next navigation on (the
  // [login] session from the Fetcher's jar): each tab sets them in the
  // browser context before its next page, over any of the same name, domain and
  // path. Any thread. They are never logged.
  void SetCookies(const std::vector<Cookie>& cookies);
  // Renders in flight and queued get no Done; every browser's whole process
  // group is killed and reaped and its temporary profile removed. Idempotent.
  void Stop();

  // Pages queued plus pages being rendered; a page no longer counts once its
  // Done is called.
  int in_flight() const;
  // How many times a browser process was launched (for tests).
  int64_t browser_starts() const;
  // The current browser's process id (also its process group), or -1 (for
  // tests).
  pid_t browser_pid() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace crawlbox::crawler
