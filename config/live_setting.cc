// Live values go through LoadJobText on a two-table job: the loader's checks
// are the only ones, so the API, `crawlbox ctl` and `crawlbox check` cannot
// drift apart.
#include "config/live_setting.h"

#include <cstdio>
#include <functional>
#include <type_traits>
#include <utility>

#include "config/job_loader.h"

namespace crawlbox::config {

namespace {

struct LiveKey {
  const char* key;  // "section.leaf"
  std::function<int64_t(const Job&)> read;
  // limits.* keys only (null otherwise): the value in a Limits.
  std::function<int64_t(const Limits&)> get;
  std::function<void(Limits*, int64_t)> set;
};

// A limits.* key: every one is an integer of [limits], int or int64_t.
template <auto kMember>
LiveKey LimitKey(const char* key) {
  using Field = std::remove_reference_t<decltype(Limits{}.*kMember)>;
  return LiveKey{
      key, [](const Job& j) -> int64_t { return j.limits.*kMember; },
      [](const Limits& l) -> int64_t { return l.*kMember; },
      // The value passed the loader's range check for this very field.
      [](Limits* l, int64_t v) { l->*kMember = static_cast<Field>(v); }};
}

const std::vector<LiveKey>& Keys() {
  static const std::vector<LiveKey> keys = {
      {"politeness.delay_ms",
       [](const Job& j) { return j.politeness.delay_ms; }, nullptr, nullptr},
      {"politeness.per_host_concurrency",
       [](const Job& j) -> int64_t {
         return j.politeness.per_host_concurrency;
       },
       nullptr, nullptr},
      {"fetch.concurrency",
       [](const Job& j) -> int64_t { return j.fetch.concurrency; }, nullptr,
       nullptr},
      LimitKey<&Limits::max_pages>("limits.max_pages"),
      LimitKey<&Limits::max_depth>("limits.max_depth"),
      LimitKey<&Limits::max_pages_per_host>("limits.max_pages_per_host"),
      LimitKey<&Limits::max_bytes>("limits.max_bytes"),
      LimitKey<&Limits::max_duration_s>("limits.max_duration_s"),
      LimitKey<&Limits::max_url_length>("limits.max_url_length"),
      LimitKey<&Limits::max_path_repeats>("limits.max_path_repeats"),
      LimitKey<&Limits::max_query_params>("limits.max_query_params"),
      LimitKey<&Limits::max_records_per_page>("limits.max_records_per_page"),
      LimitKey<&Limits::max_links_per_page>("limits.max_links_per_page"),
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

std::optional<int64_t> GetLimit(const Limits& limits, std::string_view key) {
  const LiveKey* live = Find(key);
  if (live == nullptr || !live->get) return std::nullopt;
  return live->get(limits);
}

bool SetLimit(std::string_view key, int64_t value, Limits* limits) {
  const LiveKey* live = Find(key);
  if (live == nullptr || !live->set) return false;
  live->set(limits, value);
  return true;
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
