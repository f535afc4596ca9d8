// POST /api/control's gate (JSON type, custom header, loopback peer without a
// token) and its answers; GET /api/control's settings.
#include "web/control_routes.h"

#include <exception>

#include "web/access.h"
#include "web/api_json.h"

namespace crawlbox::web {

namespace {

constexpr char kJson[] = "application/json; charset=utf-8";
constexpr char kControlHeader[] = "X-Crawlbox-Control";

void Send(httplib::Response& res, int status, std::string body) {
  res.status = status;
  res.set_content(std::move(body), kJson);
}

bool IsJsonType(const std::string& content_type) {
  std::string type = content_type.substr(0, content_type.find(';'));
  while (!type.empty() && type.back() == ' ') type.pop_back();
  for (char& c : type) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return type == "application/json";
}

void Post(ControlTarget* control, const std::string& token,
          const httplib::Request& req, httplib::Response& res) {
  // A form or a no-cors fetch from another site can send neither this type
  // nor a custom header without a CORS preflight, which this server never
  // grants.
  if (!IsJsonType(req.get_header_value("Content-Type"))) {
    return Send(res, 415,
                ErrorJson("a control must be sent as Content-Type: "
                          "application/json"));
  }
  const std::string client = req.get_header_value(kControlHeader);
  if (client.empty()) {
    return Send(res, 403,
                ErrorJson("a control must carry the header "
                          "X-Crawlbox-Control"));
  }
  if (token.empty() && !IsLoopbackHost(req.remote_addr)) {
    return Send(res, 403,
                ErrorJson("without a status token, control is allowed from "
                          "this machine only"));
  }
  if (control == nullptr) {
    return Send(res, 409,
                ErrorJson("no crawl is running in this process: "
                          "`crawlbox serve` shows a database, it does not "
                          "control it"));
  }
  ControlCommand command;
  command.who = token.empty() ? "loopback" : "token";
  if (client == "page" || client == "ctl") command.who += "/" + client;
  config::Status parsed = ParseControl(req.body, &command);
  if (!parsed.ok()) {
    if (!command.json.empty()) control->Refused(command, parsed.message());
    return Send(res, 400, ErrorJson(parsed.message()));
  }
  const ControlResult result = control->Apply(command);
  if (result.http_status != 200) {
    return Send(res, result.http_status, ErrorJson(result.message));
  }
  Send(res, 200, LiveSettingsJson(control->Settings()));
}

}  // namespace

void AddControlRoutes(httplib::Server* server, ControlTarget* control,
                      const std::string* token) {
  server->Post("/api/control", [control, token](const httplib::Request& req,
                                                httplib::Response& res) {
    try {
      Post(control, *token, req, res);
    } catch (const std::exception& e) {
      Send(res, 500, ErrorJson(std::string("internal error: ") + e.what()));
    } catch (...) {
      Send(res, 500, ErrorJson("internal error"));
    }
  });
  server->Get("/api/control",
              [control](const httplib::Request&, httplib::Response& res) {
                try {
                  LiveSettings settings;
                  if (control != nullptr) settings = control->Settings();
                  Send(res, 200, LiveSettingsJson(settings));
                } catch (...) {
                  Send(res, 500, ErrorJson("internal error"));
                }
              });
}

}  // namespace crawlbox::web
