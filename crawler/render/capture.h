// XHR capture: the JSON responses a rendered page's scripts fetch, noted from
// the tab's DevTools Network events while the page renders and read with
// Network.getResponseBody once they finished, before the render returns.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "crawler/fetch/request.h"

namespace re2 {
class RE2;
}

namespace crawlbox::crawler {

class Browser;

// What a renderer captures; filled from the job's render.capture and
// render.capture_max_bytes.
struct CaptureSettings {
  // Responses to XHR and fetch() requests whose URL (after redirects) one of
  // these matches (partial match) are captured. Empty = none is: the renderer
  // then waits for nothing and reads nothing more than before.
  std::vector<std::shared_ptr<const re2::RE2>> urls;
  // Bytes of captured bodies one page keeps, all together. A body that would
  // go past them is not kept (error "too_large"); smaller ones after it still
  // are. Bounds the memory a page's captures take on their way to the rules.
  int64_t max_bytes = 10'485'760;
};

// The capture of one page render. Feed it every event of the page's tab from
// navigation on (OnEvent), then call Finish once, after the DOM is read.
//
// Not thread-safe: one object per page render, used by the renderer thread
// rendering that page. `settings` must outlive it.
class PageCapture {
 public:
  using Clock = std::chrono::steady_clock;

  explicit PageCapture(const CaptureSettings& settings);
  ~PageCapture();
  PageCapture(const PageCapture&) = delete;
  PageCapture& operator=(const PageCapture&) = delete;

  // Takes note of one DevTools event of the page's session: a request sent,
  // its response, data received, loading finished or failed. Events of other
  // kinds, and requests that are not XHR/fetch() or whose URL no pattern
  // matches, are ignored. Cheap; never blocks.
  void OnEvent(std::string_view method, const nlohmann::json& params);

  // Takes the session's events still queued, then waits until no captured
  // request is in flight, or until `deadline`, reading each captured body
  // (Network.getResponseBody) as its request finishes. Appends one Captured
  // per captured response to *out, in the order they ended: read, or with
  // the reason it was not (requests still in flight at the deadline end
  // "timeout"). Never fails as a whole and never reads past `deadline`.
  // `browser` must be the one whose session `session_id` the events came
  // from.
  void Finish(Browser& browser, const std::string& session_id,
              Clock::time_point deadline, std::vector<Captured>* out);

 private:
  // A captured request from the moment it was sent (or its response came)
  // until its body is read or it fails.
  struct Tracked {
    std::string url;
    int status = 0;
    std::string content_type;
    bool responded = false;
    int64_t data_bytes = 0;  // decoded bytes Network.dataReceived announced
  };

  bool Wanted(std::string_view type, std::string_view url) const;
  // Reads the bodies of the requests that finished, in order.
  void ReadFinished(Browser& browser, const std::string& session_id,
                    Clock::time_point deadline);
  void Fail(Tracked tracked, std::string error, std::string detail);

  const CaptureSettings& settings_;
  std::map<std::string, Tracked> tracked_;  // by requestId, not yet ended
  std::deque<std::string> finished_;        // requestIds to read, in order
  std::vector<Captured> ended_;
  int64_t kept_bytes_ = 0;
};

}  // namespace crawlbox::crawler
