// Internal to the render room: reading fields of DevTools protocol messages,
// which may lack any field or hold another type than documented.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace crawlbox::crawler {

// The string at `key` of `object`, or "" when absent or not a string.
std::string StringField(const nlohmann::json& object, const char* key);

// The value at `key` of `object`, or a null value when absent.
const nlohmann::json& Field(const nlohmann::json& object, const char* key);

}  // namespace crawlbox::crawler
