// cpp-httplib's client, kept inside web/ like its server.
#include "web/control_client.h"

#include <httplib.h>

namespace crawlbox::web {

using config::Result;
using config::Status;

Result<ControlReply> SendControl(const std::string& server_url,
                                 const std::string& token,
                                 const std::string& body, int timeout_ms) {
  constexpr std::string_view kScheme = "http://";
  if (server_url.rfind(kScheme, 0) != 0) {
    return Status::InvalidArgument(
        "expected a status server URL such as "
        "http://127.0.0.1:8080/, got '" +
        server_url + "'");
  }
  const size_t path = server_url.find('/', kScheme.size());
  const std::string origin = server_url.substr(0, path);
  if (origin.size() == kScheme.size()) {
    return Status::InvalidArgument("no host in '" + server_url + "'");
  }
  httplib::Client client(origin);
  const time_t seconds = timeout_ms / 1000;
  const time_t micros = (timeout_ms % 1000) * 1000;
  client.set_connection_timeout(seconds, micros);
  client.set_read_timeout(seconds, micros);
  client.set_write_timeout(seconds, micros);
  httplib::Headers headers = {{"X-Crawlbox-Control", "ctl"}};
  if (!token.empty()) headers.emplace("Authorization", "Bearer " + token);
  httplib::Result result = body.empty() ? client.Get("/api/control", headers)
                                        : client.Post("/api/control", headers,
                                                      body, "application/json");
  if (!result) {
    return Status::Unavailable("no status server answers at " + origin + " (" +
                               httplib::to_string(result.error()) + ")");
  }
  return ControlReply{result->status, result->body};
}

}  // namespace crawlbox::web
