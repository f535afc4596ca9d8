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

// The URI both records of `response` name. libcurl follows a robots.txt's or
// sitemap's redirects itself and the capture holds the last exchange: it is
// archived under the URL it came from. A page's redirect is never followed,
// so its URL is the request's.
const std::string& TargetUri(const Response& response) {
  return response.request.kind == Request::Kind::kPage ||
                 response.final_url.empty()
             ? response.request.url
             : response.final_url;
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
  request.fields.emplace_back("WARC-Target-URI", TargetUri(response));
  request.fields.emplace_back("WARC-Concurrent-To", concurrent_to);
  if (!wire.ip.empty()) request.fields.emplace_back("WARC-IP-Address", wire.ip);
  if (!wire.protocol.empty())
    request.fields.emplace_back("WARC-Protocol", wire.protocol);
  request.fields.emplace_back("WARC-Block-Digest", Sha1Digest(request.block));
  return request;
}

std::vector<WarcRecord> ExchangeHeads(const Response& response,
                                      std::string_view* entity) {
  if (response.wire == nullptr) return {};
  const WireCapture& wire = *response.wire;
  const std::string date = WarcDate(wire.started);
  *entity = wire.body_is_wire ? std::string_view(response.body)
                              : std::string_view(wire.wire_body);

  WarcRecord reply;
  reply.type = "response";
  reply.record_id = NewRecordId();
  reply.date = date;
  reply.content_type = "application/http; msgtype=response";
  reply.block = wire.response_head;
  reply.fields.emplace_back("WARC-Target-URI", TargetUri(response));
  if (!wire.ip.empty()) reply.fields.emplace_back("WARC-IP-Address", wire.ip);
  if (!wire.protocol.empty())
    reply.fields.emplace_back("WARC-Protocol", wire.protocol);
  reply.fields.emplace_back("WARC-Block-Digest",
                            Sha1Digest(reply.block, *entity));
  reply.fields.emplace_back("WARC-Payload-Digest", Sha1Digest(*entity));
  if (response.truncated) reply.fields.emplace_back("WARC-Truncated", "length");

  // Request first, as wget and Heritrix write them.
  std::vector<WarcRecord> out;
  out.push_back(RequestWarcRecord(response, date, reply.record_id));
  out.push_back(std::move(reply));
  return out;
}

std::vector<WarcRecord> ExchangeWarcRecords(const Response& response) {
  std::string_view entity;
  std::vector<WarcRecord> out = ExchangeHeads(response, &entity);
  if (!out.empty()) out.back().block.append(entity);
  return out;
}

std::vector<PreparedRecord> ExchangeRecords(const Response& response,
                                            int level) {
  std::string_view entity;
  const std::vector<WarcRecord> records = ExchangeHeads(response, &entity);
  if (records.empty()) return {};
  std::vector<PreparedRecord> out;
  out.reserve(records.size());
  out.push_back(PrepareRecord(records[0], level));
  out.push_back(PrepareRecord(records[1], level, entity));
  out.back().capture = CaptureOf(records[1]);
  return out;
}

}  // namespace crawlbox::crawler
