// Heritrix's metadata record lists "outlink: URL hop-type context" lines; the
// parser does not keep which element a link came from, so crawlbox writes
// the URL alone (readers split the value on spaces and take the first word).
#include "crawler/archive/extra_records.h"

#include <chrono>
#include <cmath>

#include "crawler/archive/exchange_records.h"
#include "crawler/archive/revisit_records.h"

namespace crawlbox::crawler {

WarcRecord MetadataRecord(const WarcRecord& response, double fetch_ms,
                          const PageMetadata& metadata) {
  WarcRecord record;
  record.type = "metadata";
  record.record_id = NewRecordId();
  record.date = response.date;
  record.content_type = "application/warc-fields";
  record.fields.emplace_back(
      "WARC-Target-URI",
      std::string(response.Field("WARC-Target-URI").value_or("")));
  record.fields.emplace_back("WARC-Concurrent-To", response.record_id);
  record.block.append("fetchTimeMs: ")
      .append(std::to_string(std::llround(fetch_ms)))
      .append("\r\n");
  for (const std::string& url : metadata.outlinks) {
    // A URL holds no CR or LF once normalized; a stray one would end the
    // field early, so such a link is left out rather than written.
    if (url.find_first_of("\r\n") != std::string::npos) continue;
    record.block.append("outlink: ").append(url).append("\r\n");
  }
  record.fields.emplace_back("WARC-Block-Digest", Sha1Digest(record.block));
  return record;
}

WarcRecord ConversionRecord(const WarcRecord& response, std::string_view dom) {
  WarcRecord record;
  record.type = "conversion";
  record.record_id = NewRecordId();
  record.date = WarcDate(std::chrono::system_clock::now());
  record.content_type = "text/html; charset=utf-8";
  record.block.assign(dom);
  record.fields.emplace_back(
      "WARC-Target-URI",
      std::string(response.Field("WARC-Target-URI").value_or("")));
  record.fields.emplace_back("WARC-Refers-To", response.record_id);
  const std::string digest = Sha1Digest(record.block);
  record.fields.emplace_back("WARC-Block-Digest", digest);
  record.fields.emplace_back("WARC-Payload-Digest", digest);
  return record;
}

std::vector<PreparedRecord> PageRecords(const Response& response,
                                        const PageMetadata* metadata,
                                        int level) {
  // The response's block is its head: the body is compressed from where
  // the Response holds it, never copied (see ExchangeRecords).
  std::string_view entity;
  std::vector<WarcRecord> records = ExchangeHeads(response, &entity);
  std::vector<PreparedRecord> out;
  if (records.empty()) return out;
  // The request first, then the response; each record is built before
  // push_back may move records[1].
  if (response.rendered && response.ok() && !response.body.empty())
    records.push_back(ConversionRecord(records[1], response.body));
  if (metadata != nullptr)
    records.push_back(
        MetadataRecord(records[1], response.timings.total_ms, *metadata));
  out.reserve(records.size());
  for (size_t i = 0; i < records.size(); ++i) {
    out.push_back(
        PrepareRecord(records[i], level, i == 1 ? entity : std::string_view()));
  }
  out[1].capture = CaptureOf(records[1]);
  return out;
}

}  // namespace crawlbox::crawler
