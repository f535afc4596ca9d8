// Live values go through LoadJobText on a two-table job: the loader's checks
// are the only ones, so the API, `crawlbox ctl` and `crawlbox check` cannot
// drift apart.
#include "config/live_setting.h"

#include <cstdio>
#include <functional>
#include <utility>

#include "config/job_loader.h"

namespace crawlbox::config {

namespace {

struct LiveKey {
  const char* key;  // "section.leaf"
  std::function<int64_t(const Job&)> read;
};

const std::vector<LiveKey>& Keys() {
  static const std::vector<LiveKey> keys = {
      {"politeness.delay_ms",
       [](const Job& j) { return j.politeness.delay_ms; }},
      {"politeness.per_host_concurrency",
       [](const Job& j) { return j.politeness.per_host_concurrency; }},
      {"fetch.concurrency", [](const Job& j) { return j.fetch.concurrency; }},
      {"limits.max_pages", [](const Job& j) { return j.limits.max_pages; }},
      {"limits.max_bytes", [](const Job& j) { return j.limits.max_bytes; }},
      {"limits.max_duration_s",
       [](const Job& j) { return j.limits.max_duration_s; }},
  };
  return keys;
}

const LiveKey* Find(std::string_view key) {
  for (const LiveKey& k : Keys()) {
    if (key == k.key) return &k;
  }
  return nullptr;
}

// A job that loads cleanly but for `section`, which holds `body`.
LoadedJob LoadWith(std::string_view section, std::string_view body) {
  std::string text =
      "[job]\nname = \"control\"\nstart_urls = [\"http://127.0.0.1/\"]\n\n[";
  text += section;
  text += "]\n";
  text += body;
  text += "\n";
  return LoadJobText(text, "control");
}

// The problem as `crawlbox check` prints it, without its location.
std::string Unplaced(const JobProblem& problem) {
  return problem.key + ": expected " + problem.expected + ", got " +
         problem.got;
}

}  // namespace

bool IsLiveKey(std::string_view key) { return Find(key) != nullptr; }

const std::vector<std::string>& LiveKeys() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const LiveKey& k : Keys()) out.push_back(k.key);
    out.push_back("scope.deny");
    return out;
  }();
  return names;
}

Result<int64_t> CheckLiveSetting(std::string_view key,
                                 std::string_view toml_value) {
  const LiveKey* live = Find(key);
  if (live == nullptr) {
    std::string names;
    for (const std::string& name : LiveKeys()) {
      if (name == "scope.deny") continue;
      names += names.empty() ? "" : ", ";
      names += name;
    }
    return Status::InvalidArgument(std::string(key) +
                                   ": expected a key a running crawl can "
                                   "change (" +
                                   names + ", scope.deny)");
  }
  const std::string_view dotted(live->key);
  const size_t dot = dotted.find('.');
  LoadedJob loaded =
      LoadWith(dotted.substr(0, dot), std::string(dotted.substr(dot + 1)) +
                                          " = " + std::string(toml_value));
  for (const JobProblem& problem : loaded.problems) {
    if (problem.key == dotted)
      return Status::InvalidArgument(Unplaced(problem));
  }
  if (!loaded.ok()) {
    // Not a TOML value at all (only JSON reaches here, so a bug or a value
    // such as a nested table): reported against the key.
    return Status::InvalidArgument(std::string(dotted) +
                                   ": expected a value, got " +
                                   loaded.problems.front().got);
  }
  return live->read(loaded.job);
}

Result<std::vector<std::shared_ptr<const re2::RE2>>> CheckDenyPatterns(
    const std::vector<std::string>& patterns) {
  std::string array = "deny = [";
  for (size_t i = 0; i < patterns.size(); ++i) {
    if (i > 0) array += ", ";
    array += TomlString(patterns[i]);
  }
  array += "]";
  LoadedJob loaded = LoadWith("scope", array);
  if (!loaded.ok())
    return Status::InvalidArgument(Unplaced(loaded.problems[0]));
  return std::move(loaded.job.scope.deny);
}

std::string TomlString(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20 || u == 0x7f) {
      char escape[8];
      std::snprintf(escape, sizeof escape, "\\u%04x", u);
      out += escape;
    } else {
      out += c;
    }
  }
  out += '"';
  return out;
}

}  // namespace crawlbox::config
