// Compares two job files as TOML documents, key by top-level key.
#include "config/job_diff.h"

#include <toml++/toml.h>

#include <set>

namespace crawlbox::config {

std::vector<std::string> ChangedJobKeys(std::string_view old_text,
                                        std::string_view new_text) {
  toml::table old_root, new_root;
  try {
    old_root = toml::parse(old_text);
    new_root = toml::parse(new_text);
  } catch (const toml::parse_error&) {
    return {"(file)"};
  }
  std::set<std::string> keys;
  for (const auto& [key, node] : old_root) keys.insert(std::string(key.str()));
  for (const auto& [key, node] : new_root) keys.insert(std::string(key.str()));
  std::vector<std::string> changed;
  for (const std::string& key : keys) {
    const toml::node* a = old_root.get(key);
    const toml::node* b = new_root.get(key);
    if (a == nullptr || b == nullptr) {
      changed.push_back(key);
      continue;
    }
    // node_view equality compares type and value, recursively for tables and
    // arrays.
    if (toml::node_view<const toml::node>(a) !=
        toml::node_view<const toml::node>(b)) {
      changed.push_back(key);
    }
  }
  return changed;
}

}  // namespace crawlbox::config
