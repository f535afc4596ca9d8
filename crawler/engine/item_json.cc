// Item → JSON text via nlohmann-json (ordered, so columns keep the rule's field
// order).
#include "crawler/engine/item_json.h"

#include <nlohmann/json.hpp>

namespace crawlbox::crawler {

std::string ItemToJson(const parser::Item& item) {
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  for (const auto& [name, value] : item.fields) {
    std::visit(
        [&](const auto& v) {
          using T = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<T, std::monostate>) {
            j[name] = nullptr;
          } else {
            j[name] = v;
          }
        },
        value);
  }
  return j.dump(-1, ' ', false,
                nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace crawlbox::crawler
