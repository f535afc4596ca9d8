// fetch.resolve: pinned addresses, validated where the user wrote them.
#include "config/resolve_loader.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <charconv>
#include <string_view>
#include <system_error>
#include <utility>

namespace crawlbox::config {

bool IsIpLiteral(const std::string& text) {
  unsigned char buffer[sizeof(struct in6_addr)];
  return inet_pton(AF_INET, text.c_str(), buffer) == 1 ||
         inet_pton(AF_INET6, text.c_str(), buffer) == 1;
}

bool IsHost(std::string_view host) {
  if (host.empty()) return false;
  if (host.front() == '[') {
    return host.size() > 2 && host.back() == ']' &&
           IsIpLiteral(std::string(host.substr(1, host.size() - 2)));
  }
  for (char c : host) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7F) return false;
    if (std::string_view("#%/:<>?@[\\]^|").find(c) != std::string_view::npos)
      return false;
  }
  return true;
}

void LoadResolvePins(ProblemList* problems, const TableReader& reader,
                     std::vector<ResolvePin>* out) {
  const toml::node* node = reader.Find("resolve");
  if (node == nullptr) return;
  const toml::table* table = node->as_table();
  if (table == nullptr) {
    problems->Add(problems->At(*node), reader.PathOf("resolve"),
                  "a table of \"host:port\" = \"address\"", TypeName(*node));
    return;
  }
  // toml++ keeps keys sorted; problems and pins follow the file instead.
  std::vector<std::pair<const toml::key*, const toml::node*>> entries;
  for (const auto& [key, value] : *table) entries.emplace_back(&key, &value);
  std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
    return std::pair(a.first->source().begin.line,
                     a.first->source().begin.column) <
           std::pair(b.first->source().begin.line,
                     b.first->source().begin.column);
  });
  for (const auto& [key, value] : entries) {
    const std::string name(key->str());
    const std::string path = reader.PathOf("resolve") + ".\"" + name + "\"";
    const size_t colon = name.rfind(':');
    std::string host = name.substr(0, std::min(colon, name.size()));
    for (char& c : host) {
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    int port = 0;
    bool port_ok = false;
    if (colon != std::string::npos) {
      const char* first = name.data() + colon + 1;
      const char* last = name.data() + name.size();
      auto [end, error] = std::from_chars(first, last, port);
      port_ok = first != last && error == std::errc() && end == last &&
                port >= 1 && port <= 65535;
    }
    if (!IsHost(host) || !port_ok) {
      problems->Add(problems->At(key->source()), path,
                    "a key \"host:port\" with a port 1..65535", Quote(name));
      continue;
    }
    const std::string* text =
        value->as_string() != nullptr ? &value->as_string()->get() : nullptr;
    if (text == nullptr || !IsIpLiteral(*text)) {
      problems->Add(problems->At(*value), path,
                    "an IPv4 or IPv6 address such as \"127.0.0.1\" or \"::1\"",
                    text == nullptr ? TypeName(*value) : Quote(*text));
      continue;
    }
    out->push_back(
        ResolvePin{std::move(host), port, *text, problems->At(key->source())});
  }
}

}  // namespace crawlbox::config
