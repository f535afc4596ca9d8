// The tab pool and the per-page procedure: navigate, wait for the load (or
// network idle) and an optional selector, read the DOM; every wait has the
// page's deadline, and a tab that timed out or crashed is never reused.
// Memory: the tabs are opened by one blank anchor tab (window.open), so they
// are one browsing instance and tabs on the same site share a renderer
// process; memory pressure is signalled after each page, and a tab left idle
// is closed (the anchor with the last one).
#include "crawler/render/renderer.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <thread>
#include <utility>

#include "crawler/render/browser.h"
#include "crawler/render/cookie_sync.h"
#include "crawler/render/devtools_json.h"
#include "crawler/render/interceptor.h"
#include "crawler/render/navigation_capture.h"
#include "crawler/render/tab_anchor.h"

namespace crawlbox::crawler {
namespace {

using json = nlohmann::json;
using Clock = Browser::Clock;
using Outcome = Browser::Outcome;

// How long closing a tab or opening one may take, apart from the page's own
// deadline; and how long a fresh browser has to answer its first command.
constexpr auto kTabSetupTimeout = std::chrono::seconds(10);
constexpr auto kCloseTimeout = std::chrono::seconds(2);
constexpr auto kLaunchTimeout = std::chrono::seconds(30);
constexpr auto kNetworkIdle = std::chrono::milliseconds(500);
constexpr auto kSelectorPoll = std::chrono::milliseconds(50);
// A tab with no page for this long is closed (with the last one, the
// renderer processes go). Pages take the most recently used tab, so under a
// light load the same few tabs do the work and the rest go.
constexpr auto kTabIdle = std::chrono::seconds(2);
// How long a renderer gets to answer a trivial command after its page timed
// out before it is taken for hung (a script that never yields).
constexpr auto kHungProbe = std::chrono::milliseconds(500);

const char* const kMediaPatterns[] = {
    "*.png",  "*.jpg",   "*.jpeg", "*.gif", "*.webp", "*.svg",  "*.ico",
    "*.woff", "*.woff2", "*.ttf",  "*.otf", "*.mp4",  "*.webm", "*.mp3"};

double MillisSince(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start)
      .count();
}

// One page target and its session. Tabs share the browser's default context
// (its cookies and disk cache, as the Fetcher's requests share a cookie jar)
// and, for pages of one site, a renderer process: a crash there fails the
// pages of every tab on it (they are retried), and a script that never
// yields is stopped (Runtime.terminateExecution) when its page times out.
struct Tab {
  std::shared_ptr<Browser> browser;
  std::string target_id;
  std::string session_id;
  int pages = 0;
  std::shared_ptr<Interceptor> interceptor;
  uint64_t cookies = 0;  // the CookieSync version its context holds
};

// How a page ended, besides its Response.
enum class PageEnd { kDone, kTimeout, kCrash };

struct Job {
  Request request;
  RenderOptions options;
};

struct IdleTab {
  Tab tab;
  Clock::time_point since;
};

}  // namespace

struct Renderer::Impl {
  Impl(RenderSettings s, Done d) : settings(std::move(s)), done(std::move(d)) {}

  // The browser to begin a page on, launching one when there is none, it
  // died, or it rendered recycle_browser_after pages. Counts the page.
  config::Result<std::shared_ptr<Browser>> AcquireBrowser(bool count_page);
  // A tab opened by the anchor when `related`, else one of its own browsing
  // instance (and renderer process).
  config::Result<Tab> OpenTab(std::shared_ptr<Browser> browser, bool related);
  void CloseTab(Tab& tab);
  // Stops a script that keeps the tab's renderer process (and so every tab
  // of its site) busy: after a timeout, a renderer that does not answer at
  // once is running one.
  void StopHungScript(Tab& tab);
  void Worker();
  // Leaves a tab that rendered a page, once the page was delivered, with as
  // little memory as Chromium can give back.
  void Tidy(Tab& tab);
  // Renders `job` on *tab, opening or replacing the tab as needed.
  Response RenderOne(std::optional<Tab>& tab, Job job);
  PageEnd RenderPage(Tab& tab, const RenderOptions& options,
                     Clock::time_point deadline, Response* response);

  const RenderSettings settings;
  const Done done;
  CookieSync cookies;

  mutable std::mutex mu;
  std::condition_variable cv;
  std::deque<Job> queue;
  // Open tabs no page is using, the most recently used last.
  std::vector<IdleTab> idle;
  int rendering = 0;
  bool started = false;
  bool stopping = false;
  std::shared_ptr<Browser> browser;              // where new tabs open
  std::vector<std::weak_ptr<Browser>> browsers;  // every launch, for Stop
  int64_t browser_starts = 0;
  std::vector<std::thread> workers;
  std::mutex launch_mu;  // one launch at a time
  TabAnchor anchor;      // opens the tabs, so that one site's share a process
};

config::Result<std::shared_ptr<Browser>> Renderer::Impl::AcquireBrowser(
    bool count_page) {
  std::lock_guard launch_lock(launch_mu);
  {
    std::lock_guard lock(mu);
    if (stopping) return config::Status::Unavailable("the renderer stopped");
    if (browser && browser->alive() &&
        browser->pages() < settings.recycle_browser_after) {
      if (count_page) browser->CountPage();
      return browser;
    }
  }
  BrowserOptions options;
  options.chromium = settings.chromium;
  options.load_images = settings.load_images;
  options.flags = settings.chromium_flags;
  auto launched = Browser::Launch(options, Clock::now() + kLaunchTimeout);
  if (!launched.ok()) return launched.status();
  std::shared_ptr<Browser> fresh = std::move(launched.value());
  std::lock_guard lock(mu);
  if (stopping) return config::Status::Unavailable("the renderer stopped");
  // The old browser lives on while tabs on it finish their pages; the last
  // one to let go kills it.
  browser = fresh;
  std::erase_if(browsers, [](const auto& weak) { return weak.expired(); });
  browsers.push_back(fresh);
  ++browser_starts;
  if (count_page) fresh->CountPage();
  return fresh;
}

config::Result<Tab> Renderer::Impl::OpenTab(std::shared_ptr<Browser> b,
                                            bool related) {
  Clock::time_point deadline = Clock::now() + kTabSetupTimeout;
  Tab tab;
  tab.browser = b;
  auto fail = [&](const Browser::Reply& reply) {
    // A browser that does not answer even this is hung: killing it makes the
    // next page launch a fresh one.
    if (reply.outcome == Outcome::kTimeout) b->Kill();
    CloseTab(tab);
    return config::Status::Unavailable("opening a tab: " + reply.error);
  };
  std::string error;
  if (related) tab.target_id = anchor.OpenTab(b, deadline, &error);
  if (tab.target_id.empty()) {
    if (related && !b->alive()) {
      CloseTab(tab);
      return config::Status::Unavailable("opening a tab: " + error);
    }
    // A tab of its own browsing instance still renders, in a process of
    // its own.
    Browser::Reply created = b->Call(
        "Target.createTarget", json{{"url", "about:blank"}}, "", deadline);
    if (created.outcome != Outcome::kOk) return fail(created);
    tab.target_id = StringField(created.result, "targetId");
    anchor.Opened();
  }
  Browser::Reply reply = b->Call(
      "Target.attachToTarget",
      json{{"targetId", tab.target_id}, {"flatten", true}}, "", deadline);
  if (reply.outcome != Outcome::kOk) return fail(reply);
  tab.session_id = StringField(reply.result, "sessionId");
  b->Watch(tab.session_id, tab.target_id);

  json blocked = json::array();
  if (!settings.load_images)
    for (const char* pattern : kMediaPatterns) blocked.push_back(pattern);
  for (const std::string& pattern : settings.block) blocked.push_back(pattern);
  std::vector<std::pair<const char*, json>> setup = {
      // The anchor's pages must not reach each other through it.
      {"Runtime.evaluate", json{{"expression", "window.opener = null"}}},
      {"Inspector.enable", json::object()},
      {"Page.enable", json::object()},
      {"Network.enable", json::object()},
      {"Runtime.enable", json::object()},
  };
  if (!settings.user_agent.empty())
    setup.push_back({"Network.setUserAgentOverride",
                     json{{"userAgent", settings.user_agent}}});
  if (!blocked.empty())
    setup.push_back({"Network.setBlockedURLs", json{{"urls", blocked}}});
  // A frame of another site gets the page's network settings, and its
  // events, for network idle.
  FrameSetup frame_setup = {{"Network.enable", json::object()}};
  for (const auto& [method, params] : setup)
    if (std::string_view(method).starts_with("Network.set"))
      frame_setup.emplace_back(method, params);
  for (auto& [method, params] : setup) {
    reply = b->Call(method, std::move(params), tab.session_id, deadline);
    if (reply.outcome != Outcome::kOk) return fail(reply);
  }
  auto interceptor = Interceptor::Attach(
      *b, tab.session_id, settings.allow_document, settings.allow_subresource,
      std::move(frame_setup), deadline);
  if (!interceptor.ok()) {
    CloseTab(tab);
    return config::Status::Unavailable("opening a tab: " +
                                       interceptor.status().message());
  }
  tab.interceptor = std::move(interceptor.value());
  return tab;
}

void Renderer::Impl::CloseTab(Tab& tab) {
  if (!tab.browser) return;
  if (tab.browser->alive() && !tab.target_id.empty()) {
    (void)tab.browser->Call("Target.closeTarget",
                            json{{"targetId", tab.target_id}}, "",
                            Clock::now() + kCloseTimeout);
  }
  if (!tab.session_id.empty()) tab.browser->Unwatch(tab.session_id);
  if (!tab.target_id.empty()) anchor.Closed(tab.target_id);
  tab.browser.reset();
}

void Renderer::Impl::StopHungScript(Tab& tab) {
  if (!tab.browser || !tab.browser->alive() ||
      tab.browser->SessionGone(tab.session_id))
    return;
  Browser::Reply probe =
      tab.browser->Call("Runtime.evaluate", json{{"expression", "0"}},
                        tab.session_id, Clock::now() + kHungProbe);
  // Handled on the renderer's IO thread, so it reaches a busy main thread.
  // Only then: with no script running it would end the next one, which may
  // be another tab's.
  if (probe.outcome == Outcome::kTimeout)
    (void)tab.browser->Post("Runtime.terminateExecution", json::object(),
                            tab.session_id);
}

PageEnd Renderer::Impl::RenderPage(Tab& tab, const RenderOptions& options,
                                   Clock::time_point deadline,
                                   Response* response) {
  Browser& b = *tab.browser;
  const std::string& session = tab.session_id;
  auto ended = [&](const Browser::Reply& reply) {
    response->error_detail = reply.error;
    if (reply.outcome == Outcome::kTimeout) {
      response->error = FetchError::kRenderTimeout;
      return PageEnd::kTimeout;
    }
    if (reply.outcome == Outcome::kGone) {
      response->error = FetchError::kRenderCrash;
      return PageEnd::kCrash;
    }
    response->error = FetchError::kOther;
    return PageEnd::kDone;
  };
  auto timed_out = [&](const char* stage) {
    response->error = FetchError::kRenderTimeout;
    response->error_detail = std::string("no ") + stage + " within " +
                             std::to_string(settings.timeout_ms) + " ms";
    return PageEnd::kTimeout;
  };
  auto crashed = [&] {
    response->error = FetchError::kRenderCrash;
    response->error_detail = b.alive() ? "the tab crashed" : "Chromium exited";
    return PageEnd::kCrash;
  };

  Browser::Reply set = cookies.Apply(b, session, &tab.cookies, deadline);
  if (set.outcome == Outcome::kTimeout || set.outcome == Outcome::kGone)
    return ended(set);
  b.DropEvents(session);  // leftovers of the previous page
  tab.interceptor->BeginNavigation();
  Browser::Reply nav = b.Call(
      "Page.navigate", json{{"url", response->request.url}}, session, deadline);
  if (nav.outcome != Outcome::kOk) return ended(nav);
  if (std::optional<InterceptedRedirect> redirect =
          tab.interceptor->TakeRedirect()) {
    response->status = redirect->status;
    if (settings.archive) {
      // The request's events came before the answer the interceptor kept.
      NavigationCapture navigation(StringField(nav.result, "loaderId"),
                                   StringField(nav.result, "frameId"));
      Browser::Event event;
      while (b.NextEvent(session, Clock::now(), &event) == Outcome::kOk)
        if (event.session == session)
          navigation.OnEvent(event.method, event.params);
      response->wire = navigation.Redirect(response->request.url,
                                           redirect->status, redirect->headers);
    }
    response->headers = std::move(redirect->headers);
    return PageEnd::kDone;
  }
  std::string error_text = StringField(nav.result, "errorText");
  if (!error_text.empty()) {
    response->error =
        error_text.find("ERR_NAME_NOT_RESOLVED") != std::string::npos
            ? FetchError::kDns
            : FetchError::kConnect;
    response->error_detail = error_text;
    return PageEnd::kDone;
  }
  const std::string frame_id = StringField(nav.result, "frameId");
  // The document before may still send its load events (an error page, the
  // last page's stop): only this navigation's own document, once committed,
  // has its load counted.
  const std::string loader_id = StringField(nav.result, "loaderId");
  bool committed = loader_id.empty();

  // The main document's response, the load event, and for network idle the
  // requests in flight and when that count last changed.
  PageCapture capture(settings.capture);
  NavigationCapture navigation(loader_id, frame_id);
  bool loaded = false;
  std::set<std::string> requests;
  Clock::time_point last_change = Clock::now();
  while (true) {
    if (loaded &&
        (!options.network_idle ||
         (requests.empty() && Clock::now() - last_change >= kNetworkIdle)))
      break;
    Clock::time_point wake = deadline;
    if (loaded && requests.empty())
      wake = std::min(deadline, last_change + kNetworkIdle);
    Browser::Event event;
    Outcome got = b.NextEvent(session, wake, &event);
    if (got == Outcome::kGone) return crashed();
    if (got == Outcome::kTimeout) {
      if (Clock::now() >= deadline)
        return timed_out(loaded ? "network idle" : "load event");
      continue;
    }
    const json& p = event.params;
    // Requests count for network idle whichever session they come from: a
    // frame of another site has its own process and session, and its
    // document request begins in the page's session and ends in the frame's.
    if (event.method == "Network.requestWillBeSent") {
      if (requests.insert(StringField(p, "requestId")).second)
        last_change = Clock::now();
    } else if (event.method == "Network.loadingFinished" ||
               event.method == "Network.loadingFailed") {
      if (requests.erase(StringField(p, "requestId")) > 0)
        last_change = Clock::now();
    }
    if (event.session != session) continue;  // nothing else of a frame's
    capture.OnEvent(event.method, p);
    if (settings.archive) navigation.OnEvent(event.method, p);
    if (event.method == "Page.frameNavigated") {
      const json& frame = Field(p, "frame");
      if (StringField(frame, "id") == frame_id &&
          StringField(frame, "loaderId") == loader_id)
        committed = true;
    } else if (committed && !loaded &&
               // A script that starts another navigation while the page
               // loads stops the load: the load event never comes, the
               // page stopped loading does.
               (event.method == "Page.loadEventFired" ||
                (event.method == "Page.frameStoppedLoading" &&
                 StringField(p, "frameId") == frame_id))) {
      loaded = true;
      last_change = Clock::now();
    } else if (event.method == "Network.responseReceived" &&
               StringField(p, "type") == "Document" &&
               StringField(p, "frameId") == frame_id) {
      const json& r = Field(p, "response");
      response->final_url = StringField(r, "url");
      const json& status = Field(r, "status");
      response->status = status.is_number() ? status.get<int>() : 0;
      response->headers.clear();
      const json& headers = Field(r, "headers");
      if (headers.is_object()) {
        // Repeated headers arrive joined by newlines.
        for (auto it = headers.begin(); it != headers.end(); ++it) {
          if (!it->is_string()) continue;
          std::string value = it->get<std::string>();
          size_t start = 0;
          while (true) {
            size_t end = value.find('\n', start);
            response->headers.emplace_back(
                it.key(),
                value.substr(start, end == std::string::npos ? std::string::npos
                                                             : end - start));
            if (end == std::string::npos) break;
            start = end + 1;
          }
        }
      }
    }
  }

  if (!options.wait_for.empty()) {
    std::string expression =
        "document.querySelector(" +
        json(options.wait_for)
            .dump(-1, ' ', false, json::error_handler_t::replace) +
        ") !== null";
    while (true) {
      Browser::Reply found =
          b.Call("Runtime.evaluate",
                 json{{"expression", expression}, {"returnByValue", true}},
                 session, deadline);
      if (found.outcome != Outcome::kOk) return ended(found);
      if (found.result.contains("exceptionDetails")) {
        response->error = FetchError::kOther;
        response->error_detail =
            "wait_for selector " + options.wait_for + " does not parse";
        return PageEnd::kDone;
      }
      if (Field(Field(found.result, "result"), "value") == json(true)) break;
      if (Clock::now() + kSelectorPoll >= deadline)
        return timed_out("element matching wait_for");
      std::this_thread::sleep_for(kSelectorPoll);
    }
  }

  Browser::Reply dom = b.Call(
      "Runtime.evaluate",
      json{{"expression",
            "document.documentElement ? document.documentElement.outerHTML "
            ": ''"},
           {"returnByValue", true}},
      session, deadline);
  if (dom.outcome != Outcome::kOk) return ended(dom);
  response->body = StringField(Field(dom.result, "result"), "value");
  response->content_type = "text/html; charset=utf-8";
  if (response->final_url.empty()) response->final_url = response->request.url;
  if (settings.archive)
    response->wire = navigation.Finish(b, session, deadline);
  // After the DOM is in hand: a captured request that never ends costs its
  // body, not the page.
  capture.Finish(b, session, deadline, &response->captured);
  return PageEnd::kDone;
}

Response Renderer::Impl::RenderOne(std::optional<Tab>& tab, Job job) {
  Clock::time_point start = Clock::now();
  Response response;
  response.request = std::move(job.request);
  response.final_url = response.request.url;
  response.rendered = true;
  auto finish = [&] {
    response.render_ms = MillisSince(start);
    response.timings.total_ms = response.render_ms;
    return std::move(response);
  };

  auto acquired = AcquireBrowser(/*count_page=*/true);
  if (!acquired.ok()) {
    if (tab) CloseTab(*tab);
    tab.reset();
    response.error = FetchError::kRenderCrash;
    response.error_detail = acquired.status().message();
    return finish();
  }
  std::shared_ptr<Browser> current = acquired.value();
  if (tab &&
      (tab->browser != current || tab->pages >= settings.recycle_tab_after ||
       tab->browser->SessionGone(tab->session_id))) {
    CloseTab(*tab);
    tab.reset();
  }
  // A page tried before may be one that hung or crashed its renderer, and
  // with it the other tabs of its site: it gets a tab (and so a renderer
  // process) of its own, closed after it, and the pool's tab waits.
  const bool alone = response.request.attempts > 0;
  std::optional<Tab> own;
  std::optional<Tab>& use = alone ? own : tab;
  if (!use) {
    auto opened = OpenTab(current, /*related=*/!alone);
    if (!opened.ok()) {
      response.error = FetchError::kRenderCrash;
      response.error_detail = opened.status().message();
      return finish();
    }
    use = std::move(opened.value());
  }
  ++use->pages;
  Clock::time_point deadline =
      start +
      std::chrono::milliseconds(std::max<int64_t>(settings.timeout_ms, 1));
  PageEnd end = PageEnd::kCrash;
  try {
    end = RenderPage(*use, job.options, deadline, &response);
  } catch (const std::exception& e) {  // nlohmann on a malformed message
    response.error = FetchError::kOther;
    response.error_detail = std::string("render: ") + e.what();
    end = PageEnd::kTimeout;  // the tab's state is unknown: replace it
  }
  if (end == PageEnd::kTimeout) StopHungScript(*use);
  if (end != PageEnd::kDone || alone) {
    CloseTab(*use);
    use.reset();
  }
  if (!response.ok()) {
    response.status = 0;
    response.body.clear();
  }
  return finish();
}

void Renderer::Impl::Tidy(Tab& tab) {
  // A renderer keeps the pages it rendered as garbage until V8 finds its heap
  // full, and the browser and renderers keep caches a crawl has little use
  // for. On the bench's SPA site a tab's renderer grew to 40 MB in 50 pages;
  // told that memory is critical (Chromium then drops caches in every
  // process) and collecting the tab's garbage after each page, it stays at
  // 13 MB of memory of its own (not counting shared code), and the browser
  // is 13 MB smaller. That costs a few ms of the tab's
  // time, after the page was delivered.
  Clock::time_point deadline = Clock::now() + kCloseTimeout;
  for (const auto& [method, params] :
       {std::pair<const char*, json>{"Memory.simulatePressureNotification",
                                     json{{"level", "critical"}}},
        std::pair<const char*, json>{"HeapProfiler.collectGarbage",
                                     json::object()}}) {
    Browser::Reply reply =
        tab.browser->Call(method, params, tab.session_id, deadline);
    if (reply.outcome == Outcome::kTimeout || reply.outcome == Outcome::kGone) {
      CloseTab(tab);
      return;
    }
  }
}

void Renderer::Impl::Worker() {
  while (true) {
    std::optional<Job> job;
    std::optional<Tab> tab;
    std::vector<Tab> expired;
    {
      std::unique_lock lock(mu);
      while (!stopping && queue.empty()) {
        if (!idle.empty() && Clock::now() >= idle.front().since + kTabIdle)
          break;
        if (idle.empty())
          cv.wait(lock);
        else
          cv.wait_until(lock, idle.front().since + kTabIdle);
      }
      if (stopping) break;
      while (!idle.empty() && Clock::now() >= idle.front().since + kTabIdle) {
        expired.push_back(std::move(idle.front().tab));
        idle.erase(idle.begin());
      }
      if (!queue.empty()) {
        job = std::move(queue.front());
        queue.pop_front();
        ++rendering;
        if (!idle.empty()) {
          tab = std::move(idle.back().tab);
          idle.pop_back();
        }
      }
    }
    for (Tab& old : expired) CloseTab(old);
    if (!job) continue;
    Response response = RenderOne(tab, std::move(*job));
    bool deliver;
    {
      // Counted out before Done, so that Done sees in_flight() without it.
      std::lock_guard lock(mu);
      --rendering;
      deliver = !stopping;
    }
    if (deliver) done(std::move(response));
    if (deliver && tab && tab->browser) Tidy(*tab);
    if (!tab || !tab->browser) continue;
    std::lock_guard lock(mu);
    if (!stopping) {
      idle.push_back(IdleTab{std::move(*tab), Clock::now()});
    } else {
      // The browser is killed: nothing to close politely.
      tab->browser->Unwatch(tab->session_id);
    }
  }
}

Renderer::Renderer(RenderSettings settings, Done done)
    : impl_(std::make_unique<Impl>(std::move(settings), std::move(done))) {}

Renderer::~Renderer() { Stop(); }

config::Status Renderer::Start() {
  {
    std::lock_guard lock(impl_->mu);
    if (impl_->started || impl_->stopping)
      return config::Status::Unavailable("the renderer was started already");
  }
  auto launched = impl_->AcquireBrowser(/*count_page=*/false);
  if (!launched.ok()) return launched.status();
  std::lock_guard lock(impl_->mu);
  impl_->started = true;
  for (int i = 0; i < std::max(1, impl_->settings.tabs); ++i)
    impl_->workers.emplace_back(&Impl::Worker, impl_.get());
  return config::Status::Ok();
}

void Renderer::Render(Request request, RenderOptions options) {
  {
    std::lock_guard lock(impl_->mu);
    if (impl_->stopping) return;
    impl_->queue.push_back(Job{std::move(request), std::move(options)});
  }
  impl_->cv.notify_one();
}

void Renderer::SetCookies(const std::vector<Cookie>& cookies) {
  impl_->cookies.Set(cookies);
}

void Renderer::Stop() {
  std::vector<std::shared_ptr<Browser>> browsers;
  std::vector<std::thread> workers;
  {
    std::lock_guard lock(impl_->mu);
    impl_->stopping = true;
    impl_->queue.clear();
    for (auto& weak : impl_->browsers)
      if (auto b = weak.lock()) browsers.push_back(std::move(b));
    impl_->browsers.clear();
    workers.swap(impl_->workers);
  }
  impl_->cv.notify_all();
  // Killing first wakes every renderer thread waiting on a browser.
  for (auto& b : browsers) b->Kill();
  for (auto& worker : workers) worker.join();
  std::shared_ptr<Browser> current;
  std::vector<IdleTab> idle;
  {
    std::lock_guard lock(impl_->mu);
    current = std::move(impl_->browser);
    idle.swap(impl_->idle);
  }
  for (IdleTab& t : idle) t.tab.browser->Unwatch(t.tab.session_id);
  idle.clear();
  impl_->anchor.Drop();
  // The last references: each destructor reaps its browser and removes its
  // temporary profile.
  current.reset();
  browsers.clear();
}

int Renderer::in_flight() const {
  std::lock_guard lock(impl_->mu);
  return static_cast<int>(impl_->queue.size()) + impl_->rendering;
}

int64_t Renderer::browser_starts() const {
  std::lock_guard lock(impl_->mu);
  return impl_->browser_starts;
}

pid_t Renderer::browser_pid() const {
  std::lock_guard lock(impl_->mu);
  return impl_->browser ? impl_->browser->pid() : -1;
}

}  // namespace crawlbox::crawler
