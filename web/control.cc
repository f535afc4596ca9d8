// POST /api/control bodies → checked commands, and the live settings as JSON.
// A set value travels as the TOML it would be in the job file, through the
// job loader's own checks (config/live_setting.h).
#include "web/control.h"

#include <nlohmann/json.hpp>

#include "config/live_setting.h"

namespace crawlbox::web {

using config::Status;
using nlohmann::json;

namespace {

// A JSON value as the TOML literal a job file would hold.
std::string TomlLiteral(const json& value) {
  switch (value.type()) {
    case json::value_t::string:
      return config::TomlString(value.get<std::string>());
    case json::value_t::array: {
      std::string out = "[";
      for (size_t i = 0; i < value.size(); ++i) {
        if (i > 0) out += ", ";
        out += TomlLiteral(value[i]);
      }
      return out + "]";
    }
    case json::value_t::object: {
      std::string out = "{";
      bool first = true;
      for (const auto& [k, v] : value.items()) {
        if (!first) out += ", ";
        first = false;
        out += config::TomlString(k) + " = " + TomlLiteral(v);
      }
      return out + "}";
    }
    default:  // numbers and booleans read the same in both
      return value.dump();
  }
}

// The strings of `body[name]` (a string or an array of strings) into *out.
Status Strings(const json& body, const char* name, bool required,
               std::vector<std::string>* out) {
  auto it = body.find(name);
  if (it == body.end()) {
    if (!required) return Status::Ok();
    return Status::InvalidArgument(std::string(name) +
                                   ": expected a string or an array of "
                                   "strings, got nothing");
  }
  if (it->is_string()) {
    out->push_back(it->get<std::string>());
    return Status::Ok();
  }
  if (it->is_array()) {
    for (const json& v : *it) {
      if (!v.is_string()) break;
      out->push_back(v.get<std::string>());
    }
    if (out->size() == it->size() && !out->empty()) return Status::Ok();
  }
  return Status::InvalidArgument(std::string(name) +
                                 ": expected a string or a non-empty array "
                                 "of strings, got " +
                                 it->dump());
}

Status ParseSet(const json& body, ControlCommand* command) {
  auto key = body.find("key");
  if (key == body.end() || !key->is_string()) {
    return Status::InvalidArgument(
        "key: expected the name of a live setting, e.g. "
        "\"politeness.delay_ms\"");
  }
  command->key = key->get<std::string>();
  if (command->key == "scope.deny") {
    command->kind = ControlCommand::Kind::kDeny;
    Status s = Strings(body, "add", false, &command->add);
    if (!s.ok()) return s;
    s = Strings(body, "remove", false, &command->remove);
    if (!s.ok()) return s;
    if (command->add.empty() && command->remove.empty()) {
      return Status::InvalidArgument(
          "scope.deny: expected \"add\" or \"remove\" with patterns");
    }
    if (!command->add.empty()) {
      auto compiled = config::CheckDenyPatterns(command->add);
      if (!compiled.ok()) return compiled.status();
    }
    return Status::Ok();
  }
  command->kind = ControlCommand::Kind::kSet;
  auto value = body.find("value");
  if (value == body.end() || value->is_null()) {
    return Status::InvalidArgument(command->key +
                                   ": expected a value, got nothing");
  }
  auto checked = config::CheckLiveSetting(command->key, TomlLiteral(*value));
  if (!checked.ok()) return checked.status();
  command->value = *checked;
  return Status::Ok();
}

}  // namespace

Status ParseControl(std::string_view text, ControlCommand* command) {
  json body = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded() || !body.is_object()) {
    return Status::InvalidArgument(
        "expected a JSON object such as {\"command\":\"pause\"}");
  }
  command->json = body.dump();
  auto name = body.find("command");
  const std::string verb =
      name != body.end() && name->is_string() ? name->get<std::string>() : "";
  using Kind = ControlCommand::Kind;
  if (verb == "pause") {
    command->kind = Kind::kPause;
  } else if (verb == "resume") {
    command->kind = Kind::kResume;
  } else if (verb == "stop") {
    command->kind = Kind::kStop;
  } else if (verb == "set") {
    return ParseSet(body, command);
  } else if (verb == "seed") {
    command->kind = Kind::kSeed;
    Status s = Strings(body, "url", false, &command->urls);
    if (!s.ok()) return s;
    s = Strings(body, "urls", command->urls.empty(), &command->urls);
    if (!s.ok()) return s;
  } else if (verb == "pause_host" || verb == "resume_host") {
    command->kind = verb == "pause_host" ? Kind::kPauseHost : Kind::kResumeHost;
    auto host = body.find("host");
    if (host == body.end() || !host->is_string() ||
        host->get<std::string>().empty()) {
      return Status::InvalidArgument("host: expected a host name");
    }
    command->host = host->get<std::string>();
    for (char& c : command->host) {
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
  } else {
    return Status::InvalidArgument(
        "command: expected one of pause, resume, stop, set, seed, "
        "pause_host, resume_host");
  }
  return Status::Ok();
}

std::string LiveSettingsJson(const LiveSettings& s) {
  json limits = json::object();
  for (const std::string& key : config::LiveKeys()) {
    if (auto value = config::GetLimit(s.limits, key))
      limits[key.substr(key.find('.') + 1)] = *value;
  }
  json out = {
      {"running", s.running},
      {"paused", s.paused},
      {"stopping", s.stopping},
      {"distributed", s.distributed},
      {"politeness",
       {{"delay_ms", s.delay_ms},
        {"per_host_concurrency", s.per_host_concurrency}}},
      {"fetch", {{"concurrency", s.concurrency}}},
      {"limits", limits},
      {"scope", {{"deny", s.deny}}},
      {"paused_hosts", s.paused_hosts},
  };
  return out.dump();
}

}  // namespace crawlbox::web
