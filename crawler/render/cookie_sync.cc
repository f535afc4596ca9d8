// Cookies of the Fetcher's jar as DevTools CookieParams, set per tab.
#include "crawler/render/cookie_sync.h"

namespace crawlbox::crawler {

using json = nlohmann::json;

void CookieSync::Set(const std::vector<Cookie>& cookies) {
  auto params = std::make_shared<json>(json::array());
  for (const Cookie& cookie : cookies) {
    json param = {{"name", cookie.name},
                  {"value", cookie.value},
                  {"path", cookie.path},
                  {"secure", cookie.secure},
                  {"httpOnly", cookie.http_only}};
    if (cookie.host_only) {
      // A URL, not a domain, keeps the cookie to its one host (a "domain"
      // would let subdomains have it too). The scheme only has to admit a
      // secure cookie; the port does not matter to cookies.
      param["url"] = (cookie.secure ? "https://" : "http://") + cookie.domain +
                     cookie.path;
    } else {
      param["domain"] = "." + cookie.domain;
    }
    if (cookie.expires > 0) param["expires"] = cookie.expires;
    params->push_back(std::move(param));
  }
  std::lock_guard lock(mu_);
  ++version_;
  params_ = std::move(params);
}

Browser::Reply CookieSync::Apply(Browser& browser,
                                 const std::string& session_id,
                                 uint64_t* applied,
                                 Browser::Clock::time_point deadline) {
  uint64_t version;
  std::shared_ptr<const json> params;
  {
    std::lock_guard lock(mu_);
    version = version_;
    params = params_;
  }
  Browser::Reply reply;
  reply.outcome = Browser::Outcome::kOk;
  if (*applied >= version || params == nullptr) return reply;
  if (!params->empty()) {
    reply = browser.Call("Network.setCookies", json{{"cookies", *params}},
                         session_id, deadline);
    if (reply.outcome != Browser::Outcome::kOk &&
        reply.outcome != Browser::Outcome::kError)
      return reply;
  }
  *applied = version;
  return reply;
}

}  // namespace crawlbox::crawler
