// The client side of /api/control, for `crawlbox ctl`: one request to a
// running crawl's status server, sent as the page sends it (JSON, the
// X-Crawlbox-Control header, the token as a bearer).
#pragma once

#include <string>

#include "config/status.h"

namespace crawlbox::web {

struct ControlReply {
  int http_status = 0;
  std::string body;  // the server's JSON
};

// GET (`body` empty) or POST `body` to `server_url`'s /api/control.
// `server_url` is the page's URL ("http://127.0.0.1:8080/", any path is
// ignored); `token` "" sends none. Unavailable when nothing answers there;
// InvalidArgument for a URL that is not http://HOST:PORT. Waits at most
// `timeout_ms`.
config::Result<ControlReply> SendControl(const std::string& server_url,
                                         const std::string& token,
                                         const std::string& body,
                                         int timeout_ms = 10'000);

}  // namespace crawlbox::web
