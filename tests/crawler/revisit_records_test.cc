// Revisit records: which answers of a re-crawl become one, with which profile,
// and the fields that tie one to the response record holding the payload.
#include "crawler/archive/revisit_records.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "crawler/archive/cdxj.h"
#include "crawler/archive/exchange_records.h"

namespace crawlbox::crawler {
namespace {

constexpr const char* kBody = "<html><p>unchanged</p></html>";

// A GET of http://h.test/p answered `status` with `body`, with WARC capture.
Response Answer(int status, const std::string& body) {
  Response r;
  r.request.url = "http://h.test/p";
  r.final_url = r.request.url;
  r.status = status;
  r.body = body;
  auto wire = std::make_shared<WireCapture>();
  wire->started = std::chrono::system_clock::time_point(
      std::chrono::seconds(1'796'000'000));
  wire->ip = "127.0.0.1";
  wire->request_head =
      "GET /p HTTP/1.1\r\nHost: h.test\r\nIf-None-Match: \"v1\"\r\n"
      "Cookie: s=secret\r\n\r\n";
  wire->response_head = "HTTP/1.1 " + std::to_string(status) +
                        (status == 304 ? " Not Modified" : " OK") +
                        "\r\nETag: \"v1\"\r\nContent-Type: text/html\r\n"
                        "Content-Length: " +
                        std::to_string(body.size()) + "\r\n\r\n";
  r.wire = std::move(wire);
  return r;
}

// The capture of the first visit's response record, as the frontier loads it.
CaptureRef FirstVisit() {
  const std::vector<WarcRecord> first = ExchangeWarcRecords(Answer(200, kBody));
  const storage::WarcCapture c = CaptureOf(first.at(1));
  EXPECT_EQ(c.record_id, first.at(1).record_id);
  EXPECT_EQ(c.payload_digest, Sha1Digest(kBody));
  return CaptureRef{c.record_id, c.date, c.payload_digest};
}

TEST(RevisitRecordsTest, A304BecomesAServerNotModifiedRevisit) {
  Response r = Answer(304, "");
  r.request.last_capture = FirstVisit();
  const std::vector<WarcRecord> records = RevisitWarcRecords(r);
  ASSERT_EQ(records.size(), 2u);
  const WarcRecord& request = records[0];
  const WarcRecord& revisit = records[1];
  EXPECT_EQ(request.type, "request");
  EXPECT_EQ(request.Field("WARC-Concurrent-To"), revisit.record_id);
  EXPECT_EQ(request.block.find("secret"), std::string::npos);
  EXPECT_EQ(revisit.type, "revisit");
  EXPECT_EQ(revisit.Field("WARC-Profile"), kRevisitNotModified);
  EXPECT_EQ(revisit.Field("WARC-Target-URI"), "http://h.test/p");
  EXPECT_EQ(revisit.Field("WARC-Refers-To"), r.request.last_capture.record_id);
  EXPECT_EQ(revisit.Field("WARC-Refers-To-Target-URI"), "http://h.test/p");
  EXPECT_EQ(revisit.Field("WARC-Refers-To-Date"), r.request.last_capture.date);
  EXPECT_EQ(revisit.Field("WARC-Payload-Digest"), Sha1Digest(kBody));
  EXPECT_EQ(revisit.Field("WARC-Block-Digest"), Sha1Digest(revisit.block));
  EXPECT_EQ(revisit.block, r.wire->response_head) << "the head, no payload";
  EXPECT_EQ(revisit.content_type, "application/http; msgtype=response");

  auto line = CdxjLine(revisit, "f.warc.gz", 0, 100);
  ASSERT_TRUE(line.has_value());
  EXPECT_NE(line->find(R"("mime":"warc/revisit")"), std::string::npos) << *line;
  EXPECT_NE(line->find(R"("status":"304")"), std::string::npos) << *line;
}

TEST(RevisitRecordsTest, TheSamePayloadBecomesAnIdenticalDigestRevisit) {
  Response r = Answer(200, kBody);
  r.request.last_capture = FirstVisit();
  const std::vector<WarcRecord> records = RevisitWarcRecords(r);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[1].type, "revisit");
  EXPECT_EQ(records[1].Field("WARC-Profile"), kRevisitIdenticalDigest);
  EXPECT_EQ(records[1].block, r.wire->response_head);
  EXPECT_EQ(records[1].Field("WARC-Payload-Digest"), Sha1Digest(kBody));
  EXPECT_EQ(RevisitRecords(r, 6).size(), 2u);
}

TEST(RevisitRecordsTest, OtherAnswersAreArchivedAsResponses) {
  const CaptureRef last = FirstVisit();
  struct Case {
    const char* what;
    int status;
    std::string body;
    bool truncated;
    bool with_capture;
  } cases[] = {
      {"a changed payload", 200, "<html><p>changed</p></html>", false, true},
      {"a body cut at max_body_bytes", 200, kBody, true, true},
      {"no capture known (first visit, or WARC was off)", 200, kBody, false,
       false},
      {"a 304 without a capture to refer to", 304, "", false, false},
  };
  for (const Case& c : cases) {
    Response r = Answer(c.status, c.body);
    r.truncated = c.truncated;
    if (c.with_capture) r.request.last_capture = last;
    EXPECT_TRUE(RevisitWarcRecords(r).empty()) << c.what;
    EXPECT_TRUE(RevisitRecords(r, 6).empty()) << c.what;
  }
  Response bare = Answer(200, kBody);
  bare.request.last_capture = last;
  bare.wire = nullptr;
  EXPECT_TRUE(RevisitWarcRecords(bare).empty()) << "no wire capture";
}

TEST(RevisitRecordsTest, AResponseRecordCarriesWhatARevisitWillReferTo) {
  const std::vector<PreparedRecord> prepared =
      ExchangeRecords(Answer(200, kBody), 6);
  ASSERT_EQ(prepared.size(), 2u);
  EXPECT_EQ(prepared[0].type, "request");
  EXPECT_EQ(prepared[0].capture.record_id, "");
  EXPECT_EQ(prepared[1].type, "response");
  EXPECT_EQ(prepared[1].capture.record_id.rfind("<urn:uuid:", 0), 0u);
  EXPECT_EQ(prepared[1].capture.payload_digest, Sha1Digest(kBody));
  EXPECT_EQ(prepared[1].capture.date, "2026-11-30T00:53:20.000000Z");
}

}  // namespace
}  // namespace crawlbox::crawler
