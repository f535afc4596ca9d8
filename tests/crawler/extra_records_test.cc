// The records beside an exchange's own: a page's metadata record (its
// outlinks, as Heritrix writes them) and a rendered page's conversion record,
// linked to the response they describe; and PageRecords' order.
#include "crawler/archive/extra_records.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "crawler/archive/warc_record.h"

namespace crawlbox::crawler {
namespace {

// A fetched page with its wire capture, as the Fetcher (or the renderer)
// hands it over.
Response Fetched(bool rendered) {
  Response r;
  r.request.url = "http://127.0.0.1:8080/a";
  r.final_url = r.request.url;
  r.status = 200;
  r.rendered = rendered;
  r.timings.total_ms = 41.6;
  r.body = rendered ? "<html><body><p>built</p></body></html>" : "<p>a</p>";
  auto wire = std::make_shared<WireCapture>();
  wire->started = std::chrono::system_clock::now();
  wire->ip = "127.0.0.1";
  wire->request_head = "GET /a HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n";
  wire->response_head =
      "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 8\r\n\r\n";
  if (rendered) {
    wire->wire_body = "<p>a</p>";
    wire->body_is_wire = false;
  }
  r.wire = std::move(wire);
  return r;
}

// The prepared records, read back as FinishMember and a reader see them.
std::vector<WarcRecord> ReadBack(const std::vector<PreparedRecord>& prepared) {
  std::vector<WarcRecord> out;
  for (const PreparedRecord& p : prepared) {
    auto member = ReadGzipMember(FinishMember(p, "<urn:uuid:info>"));
    EXPECT_TRUE(member.ok());
    if (!member.ok()) continue;
    auto record = ParseWarcRecord(member->data);
    EXPECT_TRUE(record.ok()) << record.status().ToString();
    if (record.ok()) out.push_back(std::move(*record));
  }
  return out;
}

TEST(ExtraRecordsTest, MetadataListsFetchTimeAndOutlinksOfItsResponse) {
  WarcRecord response;
  response.type = "response";
  response.record_id = NewRecordId();
  response.date = "2026-12-07T10:00:00.000000Z";
  response.fields = {{"WARC-Target-URI", "http://h/a"}};
  PageMetadata metadata;
  metadata.outlinks = {"http://h/b", "http://h/c?x=1", "http://h/\r\nbad"};
  WarcRecord m = MetadataRecord(response, 12.5, metadata);
  EXPECT_EQ(m.type, "metadata");
  EXPECT_EQ(m.content_type, "application/warc-fields");
  EXPECT_EQ(m.date, response.date);
  EXPECT_EQ(m.Field("WARC-Target-URI"), "http://h/a");
  EXPECT_EQ(m.Field("WARC-Concurrent-To"), response.record_id);
  EXPECT_EQ(m.block,
            "fetchTimeMs: 13\r\noutlink: http://h/b\r\n"
            "outlink: http://h/c?x=1\r\n")
      << "a URL with a line break would end its field: left out";
  EXPECT_EQ(m.Field("WARC-Block-Digest"), Sha1Digest(m.block));
}

TEST(ExtraRecordsTest, PageRecordsComeInOrderAndNameTheirResponse) {
  struct Case {
    bool rendered;
    bool metadata;
    std::vector<std::string> types;
  };
  const Case cases[] = {
      {false, false, {"request", "response"}},
      {false, true, {"request", "response", "metadata"}},
      {true, false, {"request", "response", "conversion"}},
      {true, true, {"request", "response", "conversion", "metadata"}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(std::string(c.rendered ? "rendered" : "fetched") +
                 (c.metadata ? " with metadata" : ""));
    const Response r = Fetched(c.rendered);
    PageMetadata metadata;
    metadata.outlinks = {"http://127.0.0.1:8080/b"};
    std::vector<WarcRecord> records =
        ReadBack(PageRecords(r, c.metadata ? &metadata : nullptr, 6));
    std::vector<std::string> types;
    for (const WarcRecord& record : records) types.push_back(record.type);
    ASSERT_EQ(types, c.types);
    const WarcRecord& response = records[1];
    // The response holds the body as received, not the DOM.
    EXPECT_TRUE(response.block.ends_with("\r\n\r\n<p>a</p>"));
    for (const WarcRecord& record : records) {
      EXPECT_EQ(record.Field("WARC-Target-URI"), r.request.url);
      if (record.type == "conversion") {
        EXPECT_EQ(record.Field("WARC-Refers-To"), response.record_id);
        EXPECT_EQ(record.block, r.body);
        EXPECT_EQ(record.Field("WARC-Payload-Digest"), Sha1Digest(r.body));
      }
      if (record.type == "metadata") {
        EXPECT_EQ(record.Field("WARC-Concurrent-To"), response.record_id);
        EXPECT_NE(record.block.find("outlink: http://127.0.0.1:8080/b\r\n"),
                  std::string::npos);
      }
    }
  }
  Response unarchived = Fetched(true);
  unarchived.wire = nullptr;
  PageMetadata metadata;
  EXPECT_TRUE(PageRecords(unarchived, &metadata, 6).empty());
}

}  // namespace
}  // namespace crawlbox::crawler
