// XHR capture: which requests are captured, following them through the
// Network events, and reading their bodies within the page's deadline and
// byte budget.
#include "crawler/render/capture.h"

#include <re2/re2.h>
#include <strings.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <utility>

#include "config/base64.h"
#include "crawler/render/browser.h"
#include "crawler/render/devtools_json.h"

namespace crawlbox::crawler {
namespace {

using json = nlohmann::json;
using Outcome = Browser::Outcome;

// The Content-Type header of a DevTools Response object (header names keep
// the server's case over HTTP/1.1), else Chromium's MIME type.
std::string ContentTypeOf(const json& response) {
  const json& headers = Field(response, "headers");
  if (headers.is_object()) {
    for (auto it = headers.begin(); it != headers.end(); ++it) {
      if (it->is_string() && strcasecmp(it.key().c_str(), "content-type") == 0)
        return it->get<std::string>();
    }
  }
  return StringField(response, "mimeType");
}

// application/json, text/json or any +json type, parameters ignored. The same
// test as parser::IsJsonContent, which this room cannot include (it sees only
// fetch's types).
bool IsJsonType(std::string_view content_type) {
  std::string type(content_type.substr(0, content_type.find(';')));
  while (!type.empty() && (type.back() == ' ' || type.back() == '\t'))
    type.pop_back();
  size_t start = type.find_first_not_of(" \t");
  type = start == std::string::npos ? "" : type.substr(start);
  for (char& c : type) c = static_cast<char>(tolower(c));
  return type == "application/json" || type == "text/json" ||
         (type.size() > 5 && type.ends_with("+json"));
}

}  // namespace

PageCapture::PageCapture(const CaptureSettings& settings)
    : settings_(settings) {}

PageCapture::~PageCapture() = default;

bool PageCapture::Wanted(std::string_view type, std::string_view url) const {
  // Only what the page's scripts asked for: documents, scripts, styles and
  // preflights are not data.
  if (type != "XHR" && type != "Fetch") return false;
  const re2::StringPiece text(url.data(), url.size());
  for (const auto& pattern : settings_.urls) {
    if (re2::RE2::PartialMatch(text, *pattern)) return true;
  }
  return false;
}

void PageCapture::OnEvent(std::string_view method, const json& params) {
  if (settings_.urls.empty() || !method.starts_with("Network.")) return;
  const std::string id = StringField(params, "requestId");
  if (id.empty()) return;
  auto it = tracked_.find(id);
  if (method == "Network.requestWillBeSent") {
    // A redirect sends the same requestId again, to the next URL.
    const std::string url = StringField(Field(params, "request"), "url");
    if (Wanted(StringField(params, "type"), url)) {
      tracked_[id] = Tracked{url};
    } else if (it != tracked_.end()) {
      tracked_.erase(it);
    }
  } else if (method == "Network.responseReceived") {
    const json& response = Field(params, "response");
    const std::string url = StringField(response, "url");
    if (!Wanted(StringField(params, "type"), url)) {
      if (it != tracked_.end()) tracked_.erase(it);
      return;
    }
    Tracked& tracked = tracked_[id];
    tracked.url = url;
    const json& status = Field(response, "status");
    tracked.status = status.is_number() ? status.get<int>() : 0;
    tracked.content_type = ContentTypeOf(response);
    tracked.responded = true;
  } else if (it == tracked_.end()) {
    return;
  } else if (method == "Network.dataReceived") {
    const json& length = Field(params, "dataLength");
    if (length.is_number_integer())
      it->second.data_bytes += length.get<int64_t>();
  } else if (method == "Network.loadingFinished") {
    if (it->second.responded) {
      finished_.push_back(id);
    } else {
      tracked_.erase(it);  // no response of a type and URL to capture
    }
  } else if (method == "Network.loadingFailed") {
    Tracked tracked = std::move(it->second);
    tracked_.erase(it);
    Fail(std::move(tracked), "loading_failed",
         StringField(params, "errorText"));
  }
}

void PageCapture::Fail(Tracked tracked, std::string error, std::string detail) {
  Captured captured;
  captured.url = std::move(tracked.url);
  captured.status = tracked.status;
  captured.content_type = std::move(tracked.content_type);
  captured.error = std::move(error);
  captured.error_detail = std::move(detail);
  ended_.push_back(std::move(captured));
}

void PageCapture::ReadFinished(Browser& browser, const std::string& session_id,
                               Clock::time_point deadline) {
  while (!finished_.empty()) {
    const std::string id = std::move(finished_.front());
    finished_.pop_front();
    auto it = tracked_.find(id);
    if (it == tracked_.end()) continue;
    Tracked tracked = std::move(it->second);
    tracked_.erase(it);
    if (tracked.status < 200 || tracked.status >= 300) {
      // A fetched page with such a status gives no records either.
      std::string detail = "HTTP " + std::to_string(tracked.status);
      Fail(std::move(tracked), "http_status", std::move(detail));
      continue;
    }
    const int64_t left = settings_.max_bytes - kept_bytes_;
    auto too_large = [&](int64_t bytes) {
      Fail(std::move(tracked), "too_large",
           std::to_string(bytes) + " bytes, " + std::to_string(left) +
               " left of render.capture_max_bytes");
    };
    // What dataReceived announced spares reading a body that cannot fit.
    if (tracked.data_bytes > left) {
      too_large(tracked.data_bytes);
      continue;
    }
    Browser::Reply reply =
        browser.Call("Network.getResponseBody", json{{"requestId", id}},
                     session_id, deadline);
    if (reply.outcome != Outcome::kOk) {
      Fail(std::move(tracked),
           reply.outcome == Outcome::kTimeout ? "timeout"
           : reply.outcome == Outcome::kGone  ? "crash"
                                              : "no_body",
           reply.error);
      continue;
    }
    std::string body = StringField(reply.result, "body");
    if (Field(reply.result, "base64Encoded") == json(true)) {
      // Chromium hands a body it does not take for text (a JSON API
      // answering application/octet-stream) as base64.
      std::optional<std::string> decoded = config::FromBase64(body);
      if (!decoded) {
        Fail(std::move(tracked), "no_body", "Chromium's base64 did not decode");
        continue;
      }
      body = std::move(*decoded);
    }
    if (static_cast<int64_t>(body.size()) > left) {
      too_large(static_cast<int64_t>(body.size()));
      continue;
    }
    // accept() validates without building the document, iteratively, so a
    // deeply nested body costs no stack.
    if (!IsJsonType(tracked.content_type) && !json::accept(body)) {
      Fail(std::move(tracked), "not_json",
           "Content-Type '" + tracked.content_type +
               "' and a body that does not parse as JSON");
      continue;
    }
    kept_bytes_ += static_cast<int64_t>(body.size());
    Captured captured;
    captured.url = std::move(tracked.url);
    captured.status = tracked.status;
    captured.content_type = std::move(tracked.content_type);
    captured.body = std::move(body);
    ended_.push_back(std::move(captured));
  }
}

void PageCapture::Finish(Browser& browser, const std::string& session_id,
                         Clock::time_point deadline,
                         std::vector<Captured>* out) {
  if (!settings_.urls.empty()) {
    Browser::Event event;
    // Events that queued while the renderer waited for the selector and read
    // the DOM: requests may have begun or ended meanwhile.
    while (browser.NextEvent(session_id, Clock::now(), &event) == Outcome::kOk)
      if (event.session == session_id) OnEvent(event.method, event.params);
    ReadFinished(browser, session_id, deadline);
    Outcome got = Outcome::kOk;
    while (!tracked_.empty()) {
      got = browser.NextEvent(session_id, deadline, &event);
      if (got != Outcome::kOk) break;
      if (event.session != session_id) continue;  // a frame of another site
      OnEvent(event.method, event.params);
      ReadFinished(browser, session_id, deadline);
    }
    // Still in flight: the page goes on without them.
    for (auto& [id, tracked] : tracked_) {
      Fail(std::move(tracked), got == Outcome::kGone ? "crash" : "timeout",
           got == Outcome::kGone
               ? "the tab died before it finished loading"
               : "not finished loading within render.timeout_ms");
    }
    tracked_.clear();
  }
  for (Captured& captured : ended_) out->push_back(std::move(captured));
  ended_.clear();
}

}  // namespace crawlbox::crawler
