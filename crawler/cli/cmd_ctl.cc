// `crawlbox ctl DB|URL ACTION`: a command for a running crawl, sent to its
// status server's /api/control. It never writes the database: for DB it only
// reads where the running crawl's server answers.
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>

#include "crawler/cli/commands.h"
#include "storage/reader.h"
#include "web/control_client.h"

namespace crawlbox::crawler {

namespace {

using nlohmann::json;

// "250" → 250, "true" → true, anything else a string: the value as the job
// file would hold it, so the server's check words a bad one as `crawlbox
// check` does.
json ValueOf(const std::string& text) {
  json number = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!number.is_discarded() && (number.is_number() || number.is_boolean())) {
    return number;
  }
  return text;
}

// The command's JSON, or an empty object after printing the usage problem.
json CommandOf(const CtlArgs& args) {
  const std::string& a = args.action;
  const std::string& arg = args.argument;
  auto needs = [&](const char* what) {
    if (!arg.empty()) return true;
    std::fprintf(stderr, "crawlbox ctl: %s needs %s\n", a.c_str(), what);
    return false;
  };
  if (a == "pause" || a == "resume" || a == "stop") return {{"command", a}};
  if (a == "show") return json::object({{"show", true}});
  if (a == "seed") {
    if (!needs("a URL")) return {};
    return {{"command", "seed"}, {"url", arg}};
  }
  if (a == "pause-host" || a == "resume-host") {
    if (!needs("a host")) return {};
    return {{"command", a == "pause-host" ? "pause_host" : "resume_host"},
            {"host", arg}};
  }
  if (a == "set") {
    if (!needs("KEY=VALUE")) return {};
    const size_t eq = arg.find('=');
    if (eq == std::string::npos || eq == 0) {
      std::fprintf(stderr, "crawlbox ctl: set: expected KEY=VALUE, got '%s'\n",
                   arg.c_str());
      return {};
    }
    std::string key = arg.substr(0, eq);
    const std::string value = arg.substr(eq + 1);
    // scope.deny+=PATTERN adds, scope.deny-=PATTERN removes.
    if (key == "scope.deny+" || key == "scope.deny-") {
      return {{"command", "set"},
              {"key", "scope.deny"},
              {key.back() == '+' ? "add" : "remove", json::array({value})}};
    }
    return {{"command", "set"}, {"key", key}, {"value", ValueOf(value)}};
  }
  std::fprintf(stderr,
               "crawlbox ctl: unknown action '%s' (pause, resume, stop, set "
               "KEY=VALUE, seed URL, pause-host HOST, resume-host HOST, "
               "show)\n",
               a.c_str());
  return {};
}

// The status server the running crawl of `db` recorded, or "" after
// printing why there is none.
std::string ServerOf(const std::string& db) {
  auto reader = storage::Reader::Open(db);
  if (!reader.ok()) {
    std::fprintf(stderr, "crawlbox ctl: %s\n",
                 reader.status().message().c_str());
    return "";
  }
  std::string url;
  config::Status s = (*reader)->Query(
      "SELECT status_url FROM crawls WHERE status_url IS NOT NULL "
      "AND state = 'running' ORDER BY id DESC LIMIT 1",
      [](const std::vector<std::string>&) {},
      [&url](const std::vector<storage::Value>& row) {
        if (const auto* text = std::get_if<std::string>(&row[0])) url = *text;
      });
  if (!s.ok() || url.empty()) {
    std::fprintf(stderr,
                 "crawlbox ctl: no running crawl with a status page is "
                 "recorded in %s\n",
                 db.c_str());
    return "";
  }
  return url;
}

}  // namespace

int CmdCtl(const CtlArgs& args) {
  const json command = CommandOf(args);
  if (command.empty()) return kExitBadInput;
  const bool is_url = args.target.rfind("http://", 0) == 0 ||
                      args.target.rfind("https://", 0) == 0;
  const std::string server = is_url ? args.target : ServerOf(args.target);
  if (server.empty()) return kExitFailure;
  std::string token = args.token;
  if (token.empty()) {
    if (const char* env = std::getenv("CRAWLBOX_STATUS_TOKEN")) token = env;
  }
  const bool show = command.contains("show");
  auto reply =
      web::SendControl(server, token, show ? std::string() : command.dump());
  if (!reply.ok()) {
    std::fprintf(stderr, "crawlbox ctl: %s\n",
                 reply.status().message().c_str());
    return reply.status().code() == config::Status::Code::kInvalidArgument
               ? kExitBadInput
               : kExitFailure;
  }
  json body = json::parse(reply->body, nullptr, false);
  if (reply->http_status == 200) {
    std::printf("%s\n", body.is_discarded() ? reply->body.c_str()
                                            : body.dump(2).c_str());
    return kExitOk;
  }
  std::string message = reply->body;
  if (!body.is_discarded() && body.contains("error") &&
      body["error"].is_string()) {
    message = body["error"].get<std::string>();
  }
  std::fprintf(stderr, "crawlbox ctl: %s\n", message.c_str());
  // 409: nothing running there to take it; 5xx: the server's trouble.
  if (reply->http_status == 409 || reply->http_status >= 500) {
    return kExitFailure;
  }
  return kExitBadInput;
}

}  // namespace crawlbox::crawler
