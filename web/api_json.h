// The JSON documents of the status API (/api/status, /api/hosts, /api/errors,
// /api/items, /api/fleet), rendered from what StatusCollector gathered. The
// README shows an example of each.
#pragma once

#include <string>
#include <string_view>

#include "web/status_data.h"

namespace crawlbox::web {

// Each returns one JSON object as UTF-8 text. Invalid UTF-8 in the data (a
// URL or item as stored) is replaced by U+FFFD rather than failing; item
// texts that are not JSON are passed on as strings. Never throws.
std::string StatusJson(const StatusData& data);
std::string HostsJson(const HostsData& data);
std::string ErrorsJson(const ErrorsData& data);
std::string ItemsJson(const ItemsData& data);
std::string FleetJson(const FleetData& data);
// {"error": message}, the body of every failed API call.
std::string ErrorJson(std::string_view message);

}  // namespace crawlbox::web
