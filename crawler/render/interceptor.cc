// The Fetch domain's paused requests: the page's own navigation through, its
// redirect kept and failed, other documents and (when gated) subresources
// continued or failed by the job's gates; frames in processes of their own
// (other sites) attached and held the same way.
#include "crawler/render/interceptor.h"

#include <strings.h>

#include <nlohmann/json.hpp>

#include "crawler/render/devtools_json.h"

namespace crawlbox::crawler {
namespace {

using json = nlohmann::json;

}  // namespace

Interceptor::Interceptor(Browser* browser, std::string session_id,
                         std::string frame_id, LoadGate documents,
                         LoadGate subresources, FrameSetup frame_setup)
    : browser_(browser),
      session_id_(std::move(session_id)),
      main_frame_(std::move(frame_id)),
      documents_(std::move(documents)),
      subresources_(std::move(subresources)),
      frame_setup_(std::move(frame_setup)) {}

json Interceptor::Patterns() const {
  // Documents pause twice: before they are sent (a frame or a script's
  // navigation is asked about before the server sees it) and at their
  // answer (only there is a redirect seen before the browser follows it).
  // Every other request pauses once, and only when gated: each pause costs a
  // round trip over the pipe.
  json patterns = json::array({json{{"urlPattern", "*"},
                                    {"resourceType", "Document"},
                                    {"requestStage", "Request"}},
                               json{{"urlPattern", "*"},
                                    {"resourceType", "Document"},
                                    {"requestStage", "Response"}}});
  if (subresources_ != nullptr)
    patterns.push_back(json{{"urlPattern", "*"}, {"requestStage", "Request"}});
  return patterns;
}

json Interceptor::AutoAttach() {
  // Frames of another site run in a process of their own, whose requests
  // the page's session does not see: each is attached, paused until its
  // Fetch domain is on. Only frames: a worker's requests are its page's.
  return json{{"autoAttach", true},
              {"waitForDebuggerOnStart", true},
              {"flatten", true},
              {"filter", json::array({json{{"type", "iframe"}},
                                      json{{"exclude", true}}})}};
}

config::Result<std::shared_ptr<Interceptor>> Interceptor::Attach(
    Browser& browser, const std::string& session_id, LoadGate documents,
    LoadGate subresources, FrameSetup frame_setup,
    Browser::Clock::time_point deadline) {
  Browser::Reply tree =
      browser.Call("Page.getFrameTree", json::object(), session_id, deadline);
  if (tree.outcome != Browser::Outcome::kOk)
    return config::Status::Unavailable("Page.getFrameTree: " + tree.error);
  std::string frame_id;
  if (auto it = tree.result.find("frameTree");
      it != tree.result.end() && it->contains("frame"))
    frame_id = StringField((*it)["frame"], "id");
  if (frame_id.empty())
    return config::Status::Unavailable("Page.getFrameTree named no frame");
  std::shared_ptr<Interceptor> interceptor(new Interceptor(
      &browser, session_id, std::move(frame_id), std::move(documents),
      std::move(subresources), std::move(frame_setup)));
  // The handlers are in place before the first request can pause.
  interceptor->HandleOn(session_id);
  Browser::Reply enabled =
      browser.Call("Fetch.enable", json{{"patterns", interceptor->Patterns()}},
                   session_id, deadline);
  if (enabled.outcome != Browser::Outcome::kOk)
    return config::Status::Unavailable("Fetch.enable: " + enabled.error);
  Browser::Reply attach =
      browser.Call("Target.setAutoAttach", AutoAttach(), session_id, deadline);
  if (attach.outcome != Browser::Outcome::kOk)
    return config::Status::Unavailable("Target.setAutoAttach: " + attach.error);
  return interceptor;
}

void Interceptor::HandleOn(const std::string& session_id) {
  // The browser keeps the handlers, and with them this interceptor, until
  // the session is unwatched or detached.
  std::shared_ptr<Interceptor> self = shared_from_this();
  browser_->Handle(session_id, "Fetch.requestPaused",
                   [self, session_id](const Browser::Event& event) {
                     self->OnPaused(event, session_id);
                   });
  browser_->Handle(
      session_id, "Target.attachedToTarget",
      [self](const Browser::Event& event) { self->OnAttached(event); });
}

void Interceptor::OnAttached(const Browser::Event& event) {
  const std::string child = StringField(event.params, "sessionId");
  if (child.empty()) return;
  HandleOn(child);
  browser_->Forward(child, session_id_);
  // One session's commands run in order: the frame resumes only once its
  // requests pause, and frames of its own are attached in turn.
  for (const auto& [method, params] : frame_setup_)
    browser_->Post(method, params, child);
  browser_->Post("Fetch.enable", json{{"patterns", Patterns()}}, child);
  browser_->Post("Target.setAutoAttach", AutoAttach(), child);
  browser_->Post("Runtime.runIfWaitingForDebugger", json::object(), child);
}

void Interceptor::BeginNavigation() {
  std::lock_guard lock(mu_);
  navigating_ = true;
  main_request_.clear();
  redirect_.reset();
}

std::optional<InterceptedRedirect> Interceptor::TakeRedirect() {
  std::lock_guard lock(mu_);
  std::optional<InterceptedRedirect> out = std::move(redirect_);
  redirect_.reset();
  return out;
}

void Interceptor::OnPaused(const Browser::Event& event,
                           const std::string& session_id) {
  const json& p = event.params;
  const std::string id = StringField(p, "requestId");
  if (id.empty()) return;
  const bool document = StringField(p, "resourceType") == "Document";
  const bool answered =
      p.contains("responseStatusCode") || p.contains("responseErrorReason");
  std::string url;
  if (auto request = p.find("request"); request != p.end())
    url = StringField(*request, "url");
  const bool page_session = session_id == session_id_;

  auto fail = [&](const char* reason) {
    browser_->Post("Fetch.failRequest",
                   json{{"requestId", id}, {"errorReason", reason}},
                   session_id);
  };
  auto go_on = [&] {
    browser_->Post("Fetch.continueRequest", json{{"requestId", id}},
                   session_id);
  };

  if (answered) {
    // Only documents pause at their answer.
    std::unique_lock lock(mu_);
    if (!page_session || id != main_request_) {
      lock.unlock();
      return go_on();
    }
    navigating_ = false;
    main_request_.clear();
    const json& code =
        p.contains("responseStatusCode") ? p["responseStatusCode"] : json();
    const int status = code.is_number_integer() ? code.get<int>() : 0;
    InterceptedRedirect redirect;
    redirect.status = status;
    bool location = false;
    if (auto headers = p.find("responseHeaders");
        headers != p.end() && headers->is_array()) {
      for (const json& header : *headers) {
        std::string name = StringField(header, "name");
        std::string value = StringField(header, "value");
        if (strcasecmp(name.c_str(), "location") == 0 && !value.empty())
          location = true;
        redirect.headers.emplace_back(std::move(name), std::move(value));
      }
    }
    // What libcurl does with a page's redirect: hand back the 3xx and let
    // the Frontier decide about its target. One without a Location is an
    // answer like any other (it is stored), so the browser shows it.
    if (status < 300 || status >= 400 || !location) {
      lock.unlock();
      return go_on();
    }
    redirect_ = std::move(redirect);
    lock.unlock();
    // Aborted, not blocked: a blocked navigation commits Chromium's error
    // page, whose load would go on after this render ended.
    return fail("Aborted");
  }

  const bool main_frame =
      page_session && document && StringField(p, "frameId") == main_frame_;
  if (main_frame) {
    std::unique_lock lock(mu_);
    if (navigating_ && (main_request_.empty() || main_request_ == id)) {
      // The page itself: the Frontier handed it out (scope, robots.txt and
      // politeness passed).
      main_request_ = id;
      lock.unlock();
      return go_on();
    }
  }
  const LoadGate& gate = document ? documents_ : subresources_;
  if (gate == nullptr || gate(url)) return go_on();
  // A script leaving the page for one the gate refuses: blocked, the
  // request would put Chromium's error page in the page's place, while an
  // aborted navigation commits nothing and the page stays as its scripts
  // built it.
  fail(main_frame ? "Aborted" : "BlockedByClient");
}

}  // namespace crawlbox::crawler
