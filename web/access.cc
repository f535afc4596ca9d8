// Address checks use inet_pton, so "127.1" or "0x7f.0.0.1" (which
// getaddrinfo would accept) are not taken for loopback.
#include "web/access.h"

#include <arpa/inet.h>

#include <cstdint>
#include <cstring>

namespace crawlbox::web {

using config::Result;
using config::Status;

Result<ListenAddress> ParseListenAddress(std::string_view text) {
  const std::string quoted = "'" + std::string(text) + "'";
  ListenAddress out;
  std::string_view port_text;
  bool has_port = false;
  if (!text.empty() && text.front() == '[') {
    const size_t close = text.find(']');
    std::string_view rest =
        close == std::string_view::npos ? "x" : text.substr(close + 1);
    if (!rest.empty() && rest.front() != ':') {
      return Status::InvalidArgument("expected [IPv6]:PORT, got " + quoted);
    }
    out.host = std::string(text.substr(1, close - 1));
    has_port = !rest.empty();
    if (has_port) port_text = rest.substr(1);
  } else {
    const size_t colon = text.find(':');
    if (colon != std::string_view::npos &&
        text.find(':', colon + 1) != std::string_view::npos) {
      return Status::InvalidArgument(
          "expected HOST:PORT (IPv6 in brackets: [::1]:8080), got " + quoted);
    }
    out.host = std::string(text.substr(0, colon));
    has_port = colon != std::string_view::npos;
    if (has_port) {
      port_text = text.substr(colon + 1);
      if (out.host.empty()) out.host = "127.0.0.1";
    }
  }
  if (out.host.empty()) {
    return Status::InvalidArgument("expected HOST:PORT, got " + quoted);
  }
  for (char c : out.host) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == '/' || c == '@') {
      return Status::InvalidArgument("expected a host name or address, got " +
                                     quoted);
    }
  }
  if (has_port) {
    int port = 0;
    bool digits = !port_text.empty() && port_text.size() <= 5;
    for (char c : port_text) {
      if (c < '0' || c > '9') digits = false;
      if (digits) port = port * 10 + (c - '0');
    }
    if (!digits || port > 65535) {
      return Status::InvalidArgument("expected a port 0..65535 in " + quoted);
    }
    out.port = port;
  }
  return out;
}

bool IsLoopbackHost(std::string_view host) {
  if (host == "localhost") return true;
  const std::string text(host);
  in_addr v4;
  if (inet_pton(AF_INET, text.c_str(), &v4) == 1) {
    return (ntohl(v4.s_addr) >> 24) == 127;
  }
  in6_addr v6;
  if (inet_pton(AF_INET6, text.c_str(), &v6) == 1) {
    static const uint8_t kLoopback[16] = {0, 0, 0, 0, 0, 0, 0, 0,
                                          0, 0, 0, 0, 0, 0, 0, 1};
    static const uint8_t kMappedPrefix[12] = {0, 0, 0, 0, 0,    0,
                                              0, 0, 0, 0, 0xff, 0xff};
    if (std::memcmp(v6.s6_addr, kLoopback, 16) == 0) return true;
    return std::memcmp(v6.s6_addr, kMappedPrefix, 12) == 0 &&
           v6.s6_addr[12] == 127;
  }
  return false;
}

Status CheckToken(std::string_view token) {
  bool printable = true;
  for (char c : token) {
    if (c <= 0x20 || c >= 0x7f) printable = false;
  }
  if (token.size() < 8 || token.size() > 256 || !printable) {
    // The token itself stays out of the message: it is a secret.
    return Status::InvalidArgument(
        "expected a token of 8 to 256 printable ASCII characters without "
        "spaces, got " +
        std::to_string(token.size()) + " characters" +
        (printable ? "" : " with spaces or non-ASCII"));
  }
  return Status::Ok();
}

Status CheckBind(std::string_view host, std::string_view token) {
  if (!token.empty()) return CheckToken(token);
  if (IsLoopbackHost(host)) return Status::Ok();
  return Status::InvalidArgument(
      "expected a loopback address (127.0.0.1, ::1, localhost) unless a "
      "status token is set (status.token or --status-token), got '" +
      std::string(host) + "'");
}

bool TokenMatches(std::string_view expected, std::string_view given) {
  // Length is not secret (it is bounded and documented); the bytes are.
  if (expected.size() != given.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < expected.size(); ++i)
    diff |= static_cast<unsigned char>(expected[i] ^ given[i]);
  return diff == 0;
}

bool LocalHostHeader(std::string_view host_header) {
  if (host_header.empty()) return true;
  std::string_view host = host_header;
  if (host.front() == '[') {
    const size_t close = host.find(']');
    if (close == std::string_view::npos) return false;
    host = host.substr(1, close - 1);
  } else {
    host = host.substr(0, host.find(':'));
  }
  return IsLoopbackHost(host);
}

}  // namespace crawlbox::web
