// Live settings: the job keys a running crawl may change (crawlbox ctl, the
// status page's controls), each value checked by the job file's own loader
// so that a bad value reads exactly as `crawlbox check` would report it.
#pragma once

#include <re2/re2.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/job.h"
#include "config/status.h"

namespace crawlbox::config {

// The keys a running crawl accepts, dotted as in the job file:
// politeness.delay_ms, politeness.per_host_concurrency, fetch.concurrency
// and every key of [limits] (limits.max_pages, limits.max_depth, ...).
// (scope.deny changes through CheckDenyPatterns.)
bool IsLiveKey(std::string_view key);
// Every live key, in a fixed order (for messages and the API).
const std::vector<std::string>& LiveKeys();

// Checks `toml_value` (the value as it would be written in the job file:
// `250`, `"abc"`, `true`) for the live key `key` with the loader's range and
// type checks. Returns the value on success; InvalidArgument otherwise, its
// message the problem as `crawlbox check` prints it without the file:line
// part ("politeness.delay_ms: expected an integer in 0..3600000, got -5").
// An unknown key is InvalidArgument naming the live keys.
Result<int64_t> CheckLiveSetting(std::string_view key,
                                 std::string_view toml_value);

// The value of the limits.* key `key` ("limits.max_depth") in `limits`;
// nullopt when `key` is not one.
std::optional<int64_t> GetLimit(const Limits& limits, std::string_view key);
// Sets the limits.* key `key` of *limits to `value`, which CheckLiveSetting
// accepted for that key. False (nothing changed) when `key` is not one.
bool SetLimit(std::string_view key, int64_t value, Limits* limits);

// Compiles deny patterns as scope.deny would (RE2, partial match). On
// failure InvalidArgument with the first problem as `crawlbox check` prints
// it ("scope.deny[1]: expected a valid RE2 regular expression, got ...").
Result<std::vector<std::shared_ptr<const re2::RE2>>> CheckDenyPatterns(
    const std::vector<std::string>& patterns);

// `text` as a TOML basic string literal ("..." with escapes).
std::string TomlString(std::string_view text);

}  // namespace crawlbox::config
