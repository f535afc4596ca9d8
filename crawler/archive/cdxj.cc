// SURT keys and index lines.
#include "crawler/archive/cdxj.h"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>
#include <vector>

namespace crawlbox::crawler {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// The status code and the Content-Type of an HTTP message's head.
void ReadHttpHead(std::string_view block, std::string* status,
                  std::string* mime) {
  std::string_view head = block.substr(0, block.find("\r\n\r\n"));
  bool first = true;
  while (!head.empty()) {
    const size_t eol = head.find("\r\n");
    const std::string_view line = head.substr(0, eol);
    head.remove_prefix(eol == std::string_view::npos ? head.size() : eol + 2);
    if (first) {
      first = false;
      const size_t space = line.find(' ');
      if (space != std::string_view::npos)
        *status = std::string(line.substr(space + 1, 3));
      continue;
    }
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos ||
        Lower(line.substr(0, colon)) != "content-type")
      continue;
    std::string_view value = line.substr(colon + 1);
    value = value.substr(0, value.find(';'));
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
    *mime = Lower(value);
    return;
  }
}

}  // namespace

std::string Surt(std::string_view url) {
  const size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return Lower(url);
  const std::string scheme = Lower(url.substr(0, scheme_end));
  if (scheme != "http" && scheme != "https") return Lower(url);
  std::string_view rest = url.substr(scheme_end + 3);
  rest = rest.substr(0, rest.find('#'));
  const size_t path_at = rest.find_first_of("/?");
  std::string authority = Lower(rest.substr(0, path_at));
  std::string_view path = path_at == std::string_view::npos
                              ? std::string_view("/")
                              : rest.substr(path_at);
  if (const size_t at = authority.rfind('@'); at != std::string::npos)
    authority.erase(0, at + 1);
  std::string port;
  if (const size_t colon = authority.rfind(':');
      colon != std::string::npos && authority.find(']') == std::string::npos) {
    port = authority.substr(colon + 1);
    authority.resize(colon);
    if ((scheme == "http" && port == "80") ||
        (scheme == "https" && port == "443"))
      port.clear();
  }
  if (authority.rfind("www.", 0) == 0) authority.erase(0, 4);
  std::vector<std::string_view> labels;
  std::string_view host = authority;
  while (true) {
    const size_t dot = host.find('.');
    labels.push_back(host.substr(0, dot));
    if (dot == std::string_view::npos) break;
    host.remove_prefix(dot + 1);
  }
  std::string out;
  for (auto it = labels.rbegin(); it != labels.rend(); ++it) {
    if (!out.empty()) out.push_back(',');
    out.append(*it);
  }
  if (!port.empty()) out.append(":").append(port);
  out.push_back(')');
  std::string_view query;
  if (const size_t q = path.find('?'); q != std::string_view::npos) {
    query = path.substr(q + 1);
    path = path.substr(0, q);
  }
  out.append(path.empty() ? "/" : Lower(path));
  if (!query.empty()) {
    std::vector<std::string> args;
    while (true) {
      const size_t amp = query.find('&');
      args.push_back(Lower(query.substr(0, amp)));
      if (amp == std::string_view::npos) break;
      query.remove_prefix(amp + 1);
    }
    std::sort(args.begin(), args.end());
    out.push_back('?');
    for (size_t i = 0; i < args.size(); ++i) {
      if (i > 0) out.push_back('&');
      out.append(args[i]);
    }
  }
  return out;
}

bool CdxjEntry(const WarcRecord& record, std::string* key,
               std::string* fields) {
  if (record.type != "response" && record.type != "revisit" &&
      record.type != "resource")
    return false;
  const auto url = record.Field("WARC-Target-URI");
  if (!url) return false;
  std::string status, mime;
  if (record.type == "resource") {
    mime = Lower(record.content_type.substr(0, record.content_type.find(';')));
  } else {
    ReadHttpHead(record.block, &status, &mime);
  }
  if (record.type == "revisit") mime = "warc/revisit";
  nlohmann::ordered_json json;
  json["url"] = std::string(*url);
  json["mime"] = mime.empty() ? "unk" : mime;
  if (!status.empty()) json["status"] = status;
  if (const auto digest = record.Field("WARC-Payload-Digest")) {
    std::string_view d = *digest;
    if (d.rfind("sha1:", 0) == 0) d.remove_prefix(5);
    json["digest"] = std::string(d);
  }
  *key = Surt(*url) + " " + CdxTimestamp(record.date);
  *fields = json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  // Without its closing brace: CdxjLine appends the location members.
  fields->pop_back();
  return true;
}

std::string CdxjLine(std::string_view key, std::string_view fields,
                     std::string_view filename, uint64_t offset,
                     uint64_t length) {
  std::string out;
  out.reserve(key.size() + fields.size() + filename.size() + 64);
  out.append(key).append(" ").append(fields);
  out.append(",\"length\":\"").append(std::to_string(length));
  out.append("\",\"offset\":\"").append(std::to_string(offset));
  out.append("\",\"filename\":");
  out.append(
      nlohmann::json(std::string(filename))
          .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  out.append("}");
  return out;
}

std::optional<std::string> CdxjLine(const WarcRecord& record,
                                    std::string_view filename, uint64_t offset,
                                    uint64_t length) {
  std::string key, fields;
  if (!CdxjEntry(record, &key, &fields)) return std::nullopt;
  return CdxjLine(key, fields, filename, offset, length);
}

}  // namespace crawlbox::crawler
