// The navigation's exchange from DevTools events. Chromium reports headers as
// an object (repeated ones joined by newlines) and, for HTTP/1.x only, the
// head as received (headersText); a navigation's requestId is its loaderId.
#include "crawler/render/navigation_capture.h"

#include <strings.h>

#include <chrono>
#include <cmath>
#include <nlohmann/json.hpp>
#include <optional>

#include "config/base64.h"
#include "crawler/render/devtools_json.h"

namespace crawlbox::crawler {
namespace {

using json = nlohmann::json;

// A DevTools Headers object as "Name: value\r\n" lines; HTTP/2's
// pseudo-headers (":path") are left out, and a value with newlines is one
// line per value.
std::string HeaderLines(const json& headers) {
  std::string out;
  if (!headers.is_object()) return out;
  for (auto it = headers.begin(); it != headers.end(); ++it) {
    if (!it->is_string() || it.key().empty() || it.key()[0] == ':') continue;
    const std::string& value = it->get_ref<const std::string&>();
    size_t start = 0;
    while (true) {
      const size_t end = value.find('\n', start);
      out.append(it.key()).append(": ");
      out.append(value, start,
                 end == std::string::npos ? std::string::npos : end - start);
      out.append("\r\n");
      if (end == std::string::npos) break;
      start = end + 1;
    }
  }
  return out;
}

bool Named(std::string_view line, std::string_view name) {
  return line.size() > name.size() && line[name.size()] == ':' &&
         strncasecmp(line.data(), name.data(), name.size()) == 0;
}

// `head` (a status line and header lines, any line ending) with CRLF line
// endings and without Transfer-Encoding; with `decoded`, without
// Content-Encoding and Content-Length either, and Content-Length:
// `body_size` added. Ends with the empty line.
std::string FixHead(std::string_view head, bool decoded, size_t body_size) {
  std::string out;
  bool first = true;
  while (!head.empty()) {
    size_t eol = head.find('\n');
    std::string_view line = head.substr(0, eol);
    head.remove_prefix(eol == std::string_view::npos ? head.size() : eol + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) {
      if (first) continue;
      break;
    }
    first = false;
    if (Named(line, "transfer-encoding")) continue;
    if (decoded &&
        (Named(line, "content-encoding") || Named(line, "content-length")))
      continue;
    out.append(line).append("\r\n");
  }
  if (decoded)
    out.append("Content-Length: ").append(std::to_string(body_size) + "\r\n");
  out.append("\r\n");
  return out;
}

// The value of the first header line of `lines` named `name`, trimmed;
// nullopt when there is none.
std::optional<std::string_view> HeaderValue(std::string_view lines,
                                            std::string_view name) {
  while (!lines.empty()) {
    const size_t eol = lines.find('\n');
    std::string_view line = lines.substr(0, eol);
    lines.remove_prefix(eol == std::string_view::npos ? lines.size() : eol + 1);
    if (!Named(line, name)) continue;
    std::string_view value = line.substr(name.size() + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
      value.remove_prefix(1);
    while (!value.empty() && (value.back() == '\r' || value.back() == ' '))
      value.remove_suffix(1);
    return value;
  }
  return std::nullopt;
}

// "host[:port]" and "/path?query" of an absolute URL (no fragment).
void SplitUrl(std::string_view url, std::string* authority,
              std::string* target) {
  url = url.substr(0, url.find('#'));
  const size_t scheme = url.find("://");
  std::string_view rest =
      scheme == std::string_view::npos ? url : url.substr(scheme + 3);
  const size_t slash = rest.find_first_of("/?");
  authority->assign(rest.substr(0, slash));
  target->assign(slash == std::string_view::npos ? "/" : "");
  if (slash != std::string_view::npos) {
    if (rest[slash] == '?') target->push_back('/');
    target->append(rest.substr(slash));
  }
}

}  // namespace

void NavigationCapture::OnEvent(std::string_view method, const json& p) {
  if (!method.starts_with("Network.")) return;
  const std::string id = StringField(p, "requestId");
  if (method == "Network.requestWillBeSent") {
    if (StringField(p, "type") != "Document" ||
        StringField(p, "frameId") != frame_id_)
      return;
    if (id != request_id_) {
      // Another request of the main frame than the one expected: ours is
      // the last Document request of the frame.
      request_id_ = id;
      raw_request_headers_.clear();
      responded_ = false;
    }
    const json& request = Field(p, "request");
    url_ = StringField(request, "url");
    method_ = StringField(request, "method");
    if (method_.empty()) method_ = "GET";
    post_data_ = StringField(request, "postData");
    request_headers_ = HeaderLines(Field(request, "headers"));
    const json& wall = Field(p, "wallTime");
    if (wall.is_number()) wall_time_ = wall.get<double>();
  } else if (id != request_id_) {
    return;
  } else if (method == "Network.requestWillBeSentExtraInfo") {
    raw_request_headers_ = HeaderLines(Field(p, "headers"));
  } else if (method == "Network.responseReceived") {
    const json& response = Field(p, "response");
    responded_ = true;
    const json& status = Field(response, "status");
    status_ = status.is_number() ? status.get<int>() : 0;
    status_text_ = StringField(response, "statusText");
    response_headers_ = HeaderLines(Field(response, "headers"));
    ip_ = StringField(response, "remoteIPAddress");
    if (ip_.size() > 2 && ip_.front() == '[' && ip_.back() == ']')
      ip_ = ip_.substr(1, ip_.size() - 2);
    protocol_ = StringField(response, "protocol") == "h2" ? "h2" : "";
    if (url_.empty()) url_ = StringField(response, "url");
  } else if (method == "Network.responseReceivedExtraInfo") {
    raw_response_headers_ = HeaderLines(Field(p, "headers"));
    headers_text_ = StringField(p, "headersText");
  }
}

std::shared_ptr<const WireCapture> NavigationCapture::Finish(
    Browser& browser, const std::string& session_id,
    Browser::Clock::time_point deadline) {
  if (!responded_ || request_id_.empty()) return nullptr;
  Browser::Reply reply =
      browser.Call("Network.getResponseBody", json{{"requestId", request_id_}},
                   session_id, deadline);
  if (reply.outcome != Browser::Outcome::kOk) return nullptr;
  std::string body = StringField(reply.result, "body");
  if (Field(reply.result, "base64Encoded") == json(true)) {
    std::optional<std::string> decoded = config::FromBase64(body);
    if (!decoded) return nullptr;
    body = std::move(*decoded);
  }

  auto wire = std::make_shared<WireCapture>();
  FillRequest(wire.get());

  const std::string& headers =
      raw_response_headers_.empty() ? response_headers_ : raw_response_headers_;
  std::string head;
  if (!headers_text_.empty() && protocol_.empty()) {
    head = headers_text_;
  } else {
    head = "HTTP/1.1 " + std::to_string(status_);
    if (!status_text_.empty()) head.append(" ").append(status_text_);
    head.append("\r\n").append(headers);
  }
  const std::string_view encoding =
      HeaderValue(head, "content-encoding").value_or("identity");
  const bool decoded =
      !encoding.empty() && !(encoding.size() == 8 &&
                             strncasecmp(encoding.data(), "identity", 8) == 0);
  wire->response_head = FixHead(head, decoded, body.size());
  wire->wire_body = std::move(body);
  wire->body_is_wire = false;
  return wire;
}

std::shared_ptr<const WireCapture> NavigationCapture::Redirect(
    const std::string& url, int status,
    const std::vector<std::pair<std::string, std::string>>& headers) const {
  auto wire = std::make_shared<WireCapture>();
  NavigationCapture copy = *this;
  if (copy.url_.empty()) copy.url_ = url;
  copy.FillRequest(wire.get());
  // The reason phrase is not reported; any text is valid there.
  std::string head = "HTTP/1.1 " + std::to_string(status) + " Redirect\r\n";
  for (const auto& [name, value] : headers)
    head.append(name).append(": ").append(value).append("\r\n");
  wire->response_head = FixHead(head, /*decoded=*/true, 0);
  wire->body_is_wire = false;
  return wire;
}

void NavigationCapture::FillRequest(WireCapture* wire) const {
  using namespace std::chrono;
  wire->started =
      wall_time_ > 0
          ? system_clock::time_point(duration_cast<system_clock::duration>(
                duration<double>(wall_time_)))
          : system_clock::now();
  wire->ip = ip_;
  wire->protocol = protocol_;

  std::string authority, target;
  SplitUrl(url_, &authority, &target);
  const std::string& sent =
      raw_request_headers_.empty() ? request_headers_ : raw_request_headers_;
  wire->request_head = method_ + " " + target + " HTTP/1.1\r\n";
  if (!HeaderValue(sent, "host"))
    wire->request_head.append("Host: ").append(authority).append("\r\n");
  wire->request_head.append(sent).append("\r\n");
  wire->request_body = post_data_;
}

}  // namespace crawlbox::crawler
