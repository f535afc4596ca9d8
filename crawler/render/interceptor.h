// Interceptor: holds one tab's page to the crawl's rules with the DevTools
// Fetch domain, as the libcurl path is held: the page's navigation does not
// follow a redirect (the hop is the Frontier's to schedule), other documents
// load only where the job's gate allows, and with a subresource gate every
// other request asks it too. Frames of other sites, which Chromium runs in
// processes of their own, are attached and held the same way. Internal to
// the render room.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/status.h"
#include "crawler/render/browser.h"

namespace crawlbox::crawler {

// Whether the browser may load `url` (absolute, as Chromium spells it).
// Called on the browser's pipe reader thread while the request waits, so it
// must be quick and thread-safe; it is not called again for a request it
// refused.
using LoadGate = std::function<bool(std::string_view url)>;

// Commands (method, params) for each frame of another site as it attaches,
// before it resumes.
using FrameSetup = std::vector<std::pair<std::string, nlohmann::json>>;

// The answer that ended a navigation: a 3xx with a Location header.
struct InterceptedRedirect {
  int status = 0;
  // As the server sent them, Location included.
  std::vector<std::pair<std::string, std::string>> headers;
};

// Thread-safe: the tab's renderer thread calls BeginNavigation and
// TakeRedirect, the browser's reader thread answers paused requests.
class Interceptor : public std::enable_shared_from_this<Interceptor> {
 public:
  // Enables the Fetch domain on the page session `session_id` of `browser`
  // and on each frame of another site as it appears: every document request
  // is paused before it is sent and again at its answer; with
  // `subresources` set, every other request too, before it is sent.
  // `documents` or `subresources` null allows all of that kind. A request a
  // gate refuses is never sent: it fails (net::ERR_BLOCKED_BY_CLIENT), or,
  // when a script sends the main frame elsewhere, the navigation is aborted
  // and the page stays. Each such frame also gets `frame_setup`, and its
  // events go with the page session's (Browser::Forward). Returns the
  // interceptor, which stays in force until the session is unwatched (the
  // browser keeps its handlers); Unavailable, saying why, when the browser
  // refused. `browser` must outlive the session.
  static config::Result<std::shared_ptr<Interceptor>> Attach(
      Browser& browser, const std::string& session_id, LoadGate documents,
      LoadGate subresources, FrameSetup frame_setup,
      Browser::Clock::time_point deadline);

  Interceptor(const Interceptor&) = delete;
  Interceptor& operator=(const Interceptor&) = delete;

  // Called before Page.navigate: the next document request of the main
  // frame is the page itself, let through without asking the gate; if it is
  // answered with a redirect, that answer is kept for TakeRedirect() and the
  // navigation is aborted (net::ERR_ABORTED: nothing commits), so the
  // browser does not follow it. Forgets the previous navigation's redirect.
  void BeginNavigation();
  // The redirect that ended the navigation since BeginNavigation(), if any
  // (taken: a second call returns nullopt).
  std::optional<InterceptedRedirect> TakeRedirect();

 private:
  Interceptor(Browser* browser, std::string session_id, std::string frame_id,
              LoadGate documents, LoadGate subresources,
              FrameSetup frame_setup);
  // Fetch.enable's request patterns.
  nlohmann::json Patterns() const;
  // Target.setAutoAttach's parameters: frames of other sites, paused.
  static nlohmann::json AutoAttach();
  // Has the browser hand this session's paused requests and attached
  // frames to this interceptor.
  void HandleOn(const std::string& session_id);
  // Target.attachedToTarget: a frame of another site, paused at its start.
  void OnAttached(const Browser::Event& event);
  // Fetch.requestPaused of `session_id` (the page's or a frame's), on the
  // reader thread.
  void OnPaused(const Browser::Event& event, const std::string& session_id);

  Browser* const browser_;
  const std::string session_id_;
  const std::string main_frame_;  // the page's frame id
  const LoadGate documents_;
  const LoadGate subresources_;
  const FrameSetup frame_setup_;

  mutable std::mutex mu_;
  bool navigating_ = false;   // the main frame's next document is the page
  std::string main_request_;  // its Fetch request id, once paused
  std::optional<InterceptedRedirect> redirect_;
};

}  // namespace crawlbox::crawler
