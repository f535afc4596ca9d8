// Logging: one line per event on stderr — "level component: message".
// Thread-safe.
#pragma once

#include <string_view>

namespace crawlbox::config {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3 };

// Messages below this level are dropped. Default kInfo; `--verbose` sets
// kDebug.
void SetLogLevel(LogLevel level);
bool LogEnabled(LogLevel level);

// Writes "<level> <component>: <message>\n" to stderr in one write, if enabled.
void Log(LogLevel level, std::string_view component, std::string_view message);

}  // namespace crawlbox::config
