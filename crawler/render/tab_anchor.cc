// The anchor tab: opened on demand, opens each new tab with window.open and
// finds it among the browser's targets, and goes with the last tab.
#include "crawler/render/tab_anchor.h"

#include <algorithm>
#include <chrono>
#include <nlohmann/json.hpp>
#include <thread>

#include "crawler/render/devtools_json.h"

namespace crawlbox::crawler {
namespace {

using json = nlohmann::json;
using Clock = Browser::Clock;
using Outcome = Browser::Outcome;

// How long opening one tab through the anchor may take before the caller
// falls back to a tab of its own (the anchor shares a process with the
// pages of its site, which a looping script may hold).
constexpr auto kOpenTimeout = std::chrono::seconds(2);
constexpr auto kCloseTimeout = std::chrono::seconds(2);

}  // namespace

std::string TabAnchor::OpenTab(const std::shared_ptr<Browser>& b,
                               Clock::time_point deadline, std::string* error) {
  std::lock_guard lock(mu_);
  if (anchor_ && (anchor_->browser != b || b->SessionGone(anchor_->session_id)))
    CloseAnchor();
  if (!anchor_) {
    Target fresh{b, "", ""};
    Browser::Reply reply = b->Call("Target.createTarget",
                                   json{{"url", "about:blank"}}, "", deadline);
    if (reply.outcome != Outcome::kOk) {
      *error = reply.error;
      return "";
    }
    fresh.target_id = StringField(reply.result, "targetId");
    reply = b->Call("Target.attachToTarget",
                    json{{"targetId", fresh.target_id}, {"flatten", true}}, "",
                    deadline);
    if (reply.outcome != Outcome::kOk) {
      (void)b->Post("Target.closeTarget", json{{"targetId", fresh.target_id}},
                    "");
      *error = reply.error;
      return "";
    }
    fresh.session_id = StringField(reply.result, "sessionId");
    b->Watch(fresh.session_id, fresh.target_id);  // to see it crash
    anchor_ = std::move(fresh);
  }
  Clock::time_point quick = std::min(deadline, Clock::now() + kOpenTimeout);
  Browser::Reply opened = b->Call(
      "Runtime.evaluate",
      json{{"expression", "window.open('about:blank', '_blank') !== null"},
           {"userGesture", true},
           {"returnByValue", true}},
      anchor_->session_id, quick);
  if (opened.outcome != Outcome::kOk ||
      Field(Field(opened.result, "result"), "value") != json(true)) {
    *error = "window.open in the anchor tab failed: " + opened.error;
    return "";
  }
  // The one page the anchor opened that nobody attached to or claimed yet.
  while (Clock::now() < quick) {
    Browser::Reply targets =
        b->Call("Target.getTargets", json::object(), "", quick);
    if (targets.outcome != Outcome::kOk) break;
    const json& infos = Field(targets.result, "targetInfos");
    if (infos.is_array()) {
      for (const json& info : infos) {
        if (StringField(info, "type") == "page" &&
            StringField(info, "openerId") == anchor_->target_id &&
            Field(info, "attached") != json(true) &&
            claimed_.insert(StringField(info, "targetId")).second) {
          ++open_tabs_;
          return StringField(info, "targetId");
        }
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  *error = "the anchor tab's new tab did not appear";
  return "";
}

void TabAnchor::Opened() {
  std::lock_guard lock(mu_);
  ++open_tabs_;
}

void TabAnchor::Closed(const std::string& target_id) {
  std::lock_guard lock(mu_);
  claimed_.erase(target_id);
  if (--open_tabs_ <= 0) {
    open_tabs_ = 0;
    if (anchor_) CloseAnchor();
  }
}

void TabAnchor::Drop() {
  std::lock_guard lock(mu_);
  if (anchor_) anchor_->browser->Unwatch(anchor_->session_id);
  anchor_.reset();
}

void TabAnchor::CloseAnchor() {
  if (anchor_->browser->alive())
    (void)anchor_->browser->Call("Target.closeTarget",
                                 json{{"targetId", anchor_->target_id}}, "",
                                 Clock::now() + kCloseTimeout);
  anchor_->browser->Unwatch(anchor_->session_id);
  anchor_.reset();
}

}  // namespace crawlbox::crawler
