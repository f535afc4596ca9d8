// The status server's /api/control routes. Private to web/ (it names
// cpp-httplib's types): server.cc installs them.
#pragma once

#include <httplib.h>

#include <string>

#include "web/control.h"

namespace crawlbox::web {

// Installs GET and POST /api/control on `server`. `control` (may be null:
// `crawlbox serve`, every command then 409) must outlive the server; `token`
// is the server's ("" = none) and must stay unchanged while it serves.
// The token (or, without one, the loopback Host) was checked before routing;
// a POST must also be a JSON request with the X-Crawlbox-Control header,
// which no cross-site form or no-cors fetch can send, and without a token it
// must come from a loopback address.
void AddControlRoutes(httplib::Server* server, ControlTarget* control,
                      const std::string* token);

}  // namespace crawlbox::web
