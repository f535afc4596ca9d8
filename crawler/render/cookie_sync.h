// CookieSync: the cookies the tabs' browser context must hold (the [login]
// session, from the Fetcher's jar) and which version of them a tab already
// has. Internal to the render room. Cookies are secrets: nothing here logs
// them.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "crawler/fetch/cookie.h"
#include "crawler/render/browser.h"

namespace crawlbox::crawler {

// Thread-safe.
class CookieSync {
 public:
  // Replaces the cookies; each tab takes them before its next page.
  void Set(const std::vector<Cookie>& cookies);

  // Gives the browser context of the page session `session_id` the current
  // cookies when *applied (the version the tab holds, 0 for a new tab) is
  // older, and then sets *applied. Returns Network.setCookies's reply, or
  // kOk when there was nothing to do. A kError (a cookie the browser
  // refuses) still sets *applied: the page renders without it rather than
  // ask again for every page.
  Browser::Reply Apply(Browser& browser, const std::string& session_id,
                       uint64_t* applied, Browser::Clock::time_point deadline);

 private:
  std::mutex mu_;
  uint64_t version_ = 0;
  // Network.setCookies's "cookies", built once per Set().
  std::shared_ptr<const nlohmann::json> params_;
};

}  // namespace crawlbox::crawler
