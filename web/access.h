// Who may reach the status server: the listen address, the loopback rule (any
// other address needs a token) and the checks every request passes.
#pragma once

#include <string>
#include <string_view>

#include "config/status.h"

namespace crawlbox::web {

struct ListenAddress {
  std::string host;  // an IP address or a name; IPv6 without brackets
  int port = 0;      // 0 = any free port
};

// Parses "HOST:PORT", "[IPv6]:PORT", "HOST" (port 0) or ":PORT" (host
// 127.0.0.1). Port 0..65535. InvalidArgument naming the text otherwise.
config::Result<ListenAddress> ParseListenAddress(std::string_view text);

// True for 127.0.0.0/8, ::1, ::ffff:127.x.y.z and "localhost": addresses only
// this machine can reach. 0.0.0.0 and :: (every interface) are not.
bool IsLoopbackHost(std::string_view host);

// A usable token: 8 to 256 printable ASCII characters without spaces (it
// travels in a header and a query string). Otherwise InvalidArgument whose
// message reads "expected ..., got ..." (without the token's text).
config::Status CheckToken(std::string_view token);

// The bind rule: loopback needs nothing; any other host needs a token (which
// must pass CheckToken). Otherwise InvalidArgument, "expected ..., got ...".
config::Status CheckBind(std::string_view host, std::string_view token);

// Compares in time independent of where the strings differ.
bool TokenMatches(std::string_view expected, std::string_view given);

// For a server without a token: whether a request's Host header names this
// machine (a loopback name or address, with any port), so a web page from
// elsewhere cannot read the API through a DNS name that points at 127.0.0.1
// (DNS rebinding). An empty header (HTTP/1.0) is allowed.
bool LocalHostHeader(std::string_view host_header);

}  // namespace crawlbox::web
