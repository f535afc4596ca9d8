// Field by field, WARC 1.1 §5 and §6: request and response records share the
// target URI and date, and the request names its response.
#include "crawler/archive/exchange_records.h"

#include <strings.h>

#include <string_view>

#include "crawler/archive/revisit_records.h"

namespace crawlbox::crawler {
namespace {

// The request head with the values of Cookie and Authorization (and their
// proxy forms) replaced: session secrets must not reach the archive.
std::string RedactHead(std::string_view head) {
  static constexpr std::string_view kSecret[] = {"cookie", "authorization",
                                                 "proxy-authorization"};
  std::string out;
  out.reserve(head.size());
  while (!head.empty()) {
    const size_t eol = head.find("\r\n");
    std::string_view line =
        head.substr(0, eol == std::string_view::npos ? head.size() : eol + 2);
    head.remove_prefix(line.size());
    const size_t colon = line.find(':');
    bool secret = false;
    if (colon != std::string_view::npos) {
      for (std::string_view name : kSecret) {
        if (colon == name.size() &&
            strncasecmp(line.data(), name.data(), name.size()) == 0)
          secret = true;
      }
    }
    if (!secret) {
      out.append(line);
      continue;
    }
    out.append(line.substr(0, colon)).append(": ").append(kRedacted);
    out.append("\r\n");
  }
  return out;
}

}  // namespace

WarcRecord RequestWarcRecord(const Response& response, const std::string& date,
                             const std::string& concurrent_to) {
  const WireCapture& wire = *response.wire;
  WarcRecord request;
  request.type = "request";
  request.record_id = NewRecordId();
  request.date = date;
  request.content_type = "application/http; msgtype=request";
  request.block = RedactHead(wire.request_head);
  request.block.append(wire.request_body);
  request.fields.emplace_back("WARC-Target-URI", response.request.url);
  request.fields.emplace_back("WARC-Concurrent-To", concurrent_to);
  if (!wire.ip.empty()) request.fields.emplace_back("WARC-IP-Address", wire.ip);
  if (!wire.protocol.empty())
    request.fields.emplace_back("WARC-Protocol", wire.protocol);
  request.fields.emplace_back("WARC-Block-Digest", Sha1Digest(request.block));
  return request;
}

std::vector<WarcRecord> ExchangeWarcRecords(const Response& response) {
  if (response.wire == nullptr) return {};
  const WireCapture& wire = *response.wire;
  const std::string date = WarcDate(wire.started);
  const std::string_view entity =
      wire.body_is_wire ? std::string_view(response.body) : wire.wire_body;

  WarcRecord reply;
  reply.type = "response";
  reply.record_id = NewRecordId();
  reply.date = date;
  reply.content_type = "application/http; msgtype=response";
  reply.block.reserve(wire.response_head.size() + entity.size());
  reply.block.append(wire.response_head).append(entity);
  reply.fields.emplace_back("WARC-Target-URI", response.request.url);
  if (!wire.ip.empty()) reply.fields.emplace_back("WARC-IP-Address", wire.ip);
  if (!wire.protocol.empty())
    reply.fields.emplace_back("WARC-Protocol", wire.protocol);
  reply.fields.emplace_back("WARC-Block-Digest", Sha1Digest(reply.block));
  reply.fields.emplace_back("WARC-Payload-Digest", Sha1Digest(entity));
  if (response.truncated) reply.fields.emplace_back("WARC-Truncated", "length");

  // Request first, as wget and Heritrix write them.
  std::vector<WarcRecord> out;
  out.push_back(RequestWarcRecord(response, date, reply.record_id));
  out.push_back(std::move(reply));
  return out;
}

std::vector<PreparedRecord> ExchangeRecords(const Response& response,
                                            int level) {
  std::vector<PreparedRecord> out;
  for (const WarcRecord& record : ExchangeWarcRecords(response)) {
    out.push_back(PrepareRecord(record, level));
    if (record.type == "response") out.back().capture = CaptureOf(record);
  }
  return out;
}

}  // namespace crawlbox::crawler
