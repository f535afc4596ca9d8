// NavigationCapture: a rendered page's own exchange (the navigation's request
// and response, as Chromium sent and received them), noted from the tab's
// DevTools Network events, for the web archive (render archive setting).
// Internal to the render room.
#pragma once

#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "crawler/fetch/request.h"
#include "crawler/render/browser.h"

namespace crawlbox::crawler {

// One object per page render, fed every event of the page's session from its
// navigation on, then Finish()ed once, after the DOM is read. Not
// thread-safe: the renderer thread rendering the page uses it.
class NavigationCapture {
 public:
  // `loader_id` and `frame_id`: Page.navigate's answer (a navigation's
  // Network requestId is its loaderId).
  NavigationCapture(std::string loader_id, std::string frame_id)
      : request_id_(std::move(loader_id)), frame_id_(std::move(frame_id)) {}

  // Takes note of Network.requestWillBeSent, requestWillBeSentExtraInfo,
  // responseReceived and responseReceivedExtraInfo of the navigation's
  // request; ignores every other event. Cheap; never blocks.
  void OnEvent(std::string_view method, const nlohmann::json& params);

  // The exchange as a WireCapture, its body read with Network.getResponseBody
  // (by `deadline`), or null when the navigation's response was never seen
  // or its body cannot be read. Chromium hands bodies over decoded: the
  // response head loses Content-Encoding (and Content-Length, given again
  // for the decoded body) when the server had encoded it, and
  // Transfer-Encoding always (as the Fetcher's capture does). The request
  // head is the one Chromium sent (its raw headers when Chromium reports
  // them); HTTP/2 is written as HTTP/1.1 with protocol "h2".
  std::shared_ptr<const WireCapture> Finish(
      Browser& browser, const std::string& session_id,
      Browser::Clock::time_point deadline);

  // The exchange of a navigation that ended with a redirect the interceptor
  // kept (`status`, `headers` as sent): the request as noted (or, when no
  // event told of it, a GET of `url` with its Host), and the status line and
  // headers without a body (Chromium does not read a redirect's body), so
  // with Content-Length 0 and no Content-Encoding. Never null.
  std::shared_ptr<const WireCapture> Redirect(
      const std::string& url, int status,
      const std::vector<std::pair<std::string, std::string>>& headers) const;

 private:
  std::string request_id_;
  const std::string frame_id_;
  // The request: its URL, method, body, when it was sent (seconds since the
  // epoch), and its headers as "Name: value\r\n" lines (the raw ones from
  // the ExtraInfo event, cookies included, else those Chromium reported).
  std::string url_;
  std::string method_ = "GET";
  std::string post_data_;
  double wall_time_ = 0;
  std::string request_headers_;
  std::string raw_request_headers_;
  // The response: status, its headers as lines (and the raw ones), the
  // HTTP/1.x head as received when Chromium reports it, the server's address
  // and the protocol.
  bool responded_ = false;
  int status_ = 0;
  std::string status_text_;
  std::string response_headers_;
  std::string raw_response_headers_;
  std::string headers_text_;
  std::string ip_;
  std::string protocol_;

  // The request head of the exchange (method, target, Host if missing, the
  // headers noted) and the capture's start, ip and protocol into *wire.
  void FillRequest(WireCapture* wire) const;
};

}  // namespace crawlbox::crawler
