// Query parameters of a status-server request, read from the raw target:
// cpp-httplib's own parser splits a pair at every '=', so `rule=a=b` would
// read as `b`; here a value is everything after the first '='.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace crawlbox::web {

// The value of the first `name` parameter in `target` (a request's path and
// query, as sent), percent- and '+'-decoded; nullopt when absent. A bare
// `name` (no '=') is the empty string.
std::optional<std::string> QueryParam(std::string_view target,
                                      std::string_view name);

}  // namespace crawlbox::web
