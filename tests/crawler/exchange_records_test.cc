// The records of one exchange as the parse threads prepare them (the body
// digested and compressed where the Response holds it), read back through a
// finished gzip member and checked against the record built by copying.
#include "crawler/archive/exchange_records.h"

#include <gtest/gtest.h>

#include <memory>
#include <random>
#include <string>
#include <vector>

#include "crawler/archive/warc_record.h"

namespace crawlbox::crawler {
namespace {

constexpr char kWarcinfoId[] =
    "<urn:uuid:00000000-0000-4000-8000-000000000000>";

// A prepared record as the writer stores it, parsed back.
WarcRecord ReadBack(const PreparedRecord& prepared) {
  auto member = ReadGzipMember(FinishMember(prepared, kWarcinfoId));
  EXPECT_TRUE(member.ok()) << member.status().ToString();
  if (!member.ok()) return {};
  auto record = ParseWarcRecord(member->data);
  EXPECT_TRUE(record.ok()) << record.status().ToString();
  return record.ok() ? *record : WarcRecord{};
}

// Bytes that deflate cannot shrink, so the compressed buffer must grow.
std::string Incompressible(size_t size) {
  std::mt19937 random(7);
  std::string out(size, '\0');
  for (char& c : out) c = static_cast<char>(random());
  return out;
}

Response Exchange(std::string body, std::string wire_body) {
  auto wire = std::make_shared<WireCapture>();
  wire->started = std::chrono::system_clock::time_point(
      std::chrono::seconds(1'796'000'000));
  wire->ip = "127.0.0.1";
  wire->request_head =
      "GET /p HTTP/1.1\r\nHost: a.test\r\nCookie: session=s3cret\r\n\r\n";
  wire->response_head = "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n";
  wire->body_is_wire = wire_body.empty();
  wire->wire_body = std::move(wire_body);
  Response r;
  r.request.url = "http://a.test/p";
  r.status = 200;
  r.body = std::move(body);
  r.wire = std::move(wire);
  return r;
}

// The fields less the record id the response's request names.
std::vector<std::pair<std::string, std::string>> FieldsLessIds(
    const WarcRecord& record) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& field : record.fields) {
    if (field.first != "WARC-Concurrent-To" &&
        field.first != "WARC-Warcinfo-ID")
      out.push_back(field);
  }
  return out;
}

void ExpectStreamedEqualsCopied(const Response& r, std::string_view entity) {
  const std::vector<PreparedRecord> prepared = ExchangeRecords(r, 6);
  const std::vector<WarcRecord> copied = ExchangeWarcRecords(r);
  ASSERT_EQ(prepared.size(), 2u);
  ASSERT_EQ(copied.size(), 2u);
  const WarcRecord request = ReadBack(prepared[0]);
  const WarcRecord response = ReadBack(prepared[1]);
  EXPECT_EQ(request.type, "request");
  EXPECT_EQ(response.type, "response");
  EXPECT_EQ(*request.Field("WARC-Concurrent-To"), response.record_id);
  EXPECT_EQ(*response.Field("WARC-Warcinfo-ID"), kWarcinfoId);
  EXPECT_EQ(request.block, copied[0].block);
  EXPECT_EQ(request.block.find("s3cret"), std::string::npos);
  EXPECT_EQ(response.block, r.wire->response_head + std::string(entity));
  EXPECT_EQ(response.block, copied[1].block);
  EXPECT_EQ(FieldsLessIds(response), FieldsLessIds(copied[1]));
  EXPECT_EQ(FieldsLessIds(request), FieldsLessIds(copied[0]));
  // Digests recomputed over the bytes read back, in one piece.
  EXPECT_EQ(*response.Field("WARC-Block-Digest"), Sha1Digest(response.block));
  EXPECT_EQ(*response.Field("WARC-Payload-Digest"), Sha1Digest(entity));
  EXPECT_EQ(*request.Field("WARC-Block-Digest"), Sha1Digest(request.block));
  EXPECT_FALSE(prepared[1].index_key.empty());
  EXPECT_TRUE(prepared[0].index_key.empty());
}

TEST(ExchangeRecordsTest, ABodyAsReceivedIsArchivedWithoutACopy) {
  const Response r = Exchange("<p>hi</p>", "");
  ExpectStreamedEqualsCopied(r, r.body);
}

TEST(ExchangeRecordsTest, ALargeIncompressibleBodyReadsBackWhole) {
  const Response r = Exchange(Incompressible(300'000), "");
  ExpectStreamedEqualsCopied(r, r.body);
}

TEST(ExchangeRecordsTest, ACompressedBodyIsArchivedAsSent) {
  const std::string sent = GzipMember("<p>decoded</p>", 6);
  const Response r = Exchange("<p>decoded</p>", sent);
  ExpectStreamedEqualsCopied(r, sent);
}

TEST(ExchangeRecordsTest, AnEmptyBodyAndNoCaptureAreHandled) {
  const Response r = Exchange("", "");
  ExpectStreamedEqualsCopied(r, "");
  Response none;
  EXPECT_TRUE(ExchangeRecords(none, 6).empty());
  EXPECT_TRUE(ExchangeWarcRecords(none).empty());
}

TEST(WarcRecordTest, ADigestInTwoPiecesIsTheDigestOfBoth) {
  EXPECT_EQ(Sha1Digest("ab", "c"), Sha1Digest("abc"));
  EXPECT_EQ(Sha1Digest("", ""), Sha1Digest(""));
  const std::string big = Incompressible(100'000);
  EXPECT_EQ(Sha1Digest(std::string_view(big).substr(0, 33),
                       std::string_view(big).substr(33)),
            Sha1Digest(big));
}

TEST(WarcRecordTest, ABlockTailIsPartOfTheBlock) {
  WarcRecord record;
  record.type = "resource";
  record.record_id = NewRecordId();
  record.date = "2026-11-30T00:53:20.000001Z";
  record.content_type = "text/plain";
  record.block = "head ";
  record.fields = {{"WARC-Target-URI", "http://a.test/r"}};
  for (int level : {1, 6, 9}) {
    const WarcRecord back = ReadBack(PrepareRecord(record, level, "and tail"));
    EXPECT_EQ(back.block, "head and tail");
    EXPECT_EQ(back.fields.size(), 2u);  // the target and the warcinfo id
  }
}

}  // namespace
}  // namespace crawlbox::crawler
