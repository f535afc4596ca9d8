// The revisit decision and the revisit record's fields. The decision is made
// on the parse thread from what the request carries (the frontier loads the
// last capture with the page's validators), so that the fleet's workers make
// it as the local crawl does.
#include "crawler/archive/revisit_records.h"

#include <string>
#include <string_view>

#include "crawler/archive/exchange_records.h"

namespace crawlbox::crawler {

storage::WarcCapture CaptureOf(const WarcRecord& record) {
  return storage::WarcCapture{
      record.record_id, record.date,
      std::string(record.Field("WARC-Payload-Digest").value_or(""))};
}

std::vector<WarcRecord> RevisitWarcRecords(const Response& response) {
  const CaptureRef& last = response.request.last_capture;
  if (response.wire == nullptr || !response.ok() || last.record_id.empty() ||
      last.payload_digest.empty())
    return {};
  const WireCapture& wire = *response.wire;
  const char* profile = nullptr;
  if (response.status == 304) {
    profile = kRevisitNotModified;
  } else if (!response.truncated) {
    const std::string_view entity =
        wire.body_is_wire ? std::string_view(response.body) : wire.wire_body;
    // The one SHA-1 of a payload a revisit costs; a changed page pays it a
    // second time in ExchangeRecords.
    if (Sha1Digest(entity) == last.payload_digest)
      profile = kRevisitIdenticalDigest;
  }
  if (profile == nullptr) return {};

  WarcRecord revisit;
  revisit.type = "revisit";
  revisit.record_id = NewRecordId();
  revisit.date = WarcDate(wire.started);
  revisit.content_type = "application/http; msgtype=response";
  revisit.block = wire.response_head;
  revisit.fields.emplace_back("WARC-Target-URI", response.request.url);
  if (!wire.ip.empty()) revisit.fields.emplace_back("WARC-IP-Address", wire.ip);
  if (!wire.protocol.empty())
    revisit.fields.emplace_back("WARC-Protocol", wire.protocol);
  revisit.fields.emplace_back("WARC-Profile", profile);
  revisit.fields.emplace_back("WARC-Refers-To", last.record_id);
  revisit.fields.emplace_back("WARC-Refers-To-Target-URI",
                              response.request.url);
  if (!last.date.empty())
    revisit.fields.emplace_back("WARC-Refers-To-Date", last.date);
  revisit.fields.emplace_back("WARC-Block-Digest", Sha1Digest(revisit.block));
  // The payload is the original's (§6.7.2, and for a 304 the one the
  // validators were taken from): replay tools look it up by this digest.
  revisit.fields.emplace_back("WARC-Payload-Digest", last.payload_digest);

  std::vector<WarcRecord> out;
  out.push_back(RequestWarcRecord(response, revisit.date, revisit.record_id));
  out.push_back(std::move(revisit));
  return out;
}

std::vector<PreparedRecord> RevisitRecords(const Response& response,
                                           int level) {
  std::vector<PreparedRecord> out;
  for (const WarcRecord& record : RevisitWarcRecords(response))
    out.push_back(PrepareRecord(record, level));
  return out;
}

}  // namespace crawlbox::crawler
