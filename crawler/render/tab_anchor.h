// TabAnchor: the blank tab that opens the renderer's tabs, so that they are
// one browsing instance and tabs showing pages of one site share a renderer
// process. Internal to the render room.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>

#include "crawler/render/browser.h"

namespace crawlbox::crawler {

// Target.createTarget gives every tab a browsing instance, and so a renderer
// process, of its own; a tab a page opens with window.open is in its opener's
// browsing instance, where one site's pages share one process. The anchor is
// a tab kept at about:blank that only opens tabs.
//
// Thread-safe: one tab is opened at a time.
class TabAnchor {
 public:
  // A new blank page target, opened by the anchor tab on `browser` (which is
  // opened first when there is none, it crashed, or it is on another
  // browser), not attached yet; "" when that failed, saying why in *error.
  // It counts as open (see Closed).
  std::string OpenTab(const std::shared_ptr<Browser>& browser,
                      Browser::Clock::time_point deadline, std::string* error);
  // A tab was opened some other way (Target.createTarget): counted as open.
  void Opened();
  // The tab `target_id` (opened by either way) was closed. With the last
  // open tab the anchor is closed too, and with it the renderer processes.
  void Closed(const std::string& target_id);
  // Forgets the anchor without closing it: its browser is being killed.
  void Drop();

 private:
  struct Target {
    std::shared_ptr<Browser> browser;
    std::string target_id;
    std::string session_id;
  };
  // Closes and forgets the anchor; the caller holds mu_.
  void CloseAnchor();

  std::mutex mu_;
  std::optional<Target> anchor_;
  int open_tabs_ = 0;
  // Tabs the anchor opened and OpenTab handed out, until closed: one not
  // attached yet looks like a new one.
  std::set<std::string> claimed_;
};

}  // namespace crawlbox::crawler
