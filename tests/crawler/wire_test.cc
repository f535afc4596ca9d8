// The wire format carries every field of a Task and a TaskResult, binary
// bodies included, and refuses what is not one.
#include "crawler/fleet/wire.h"

#include <gtest/gtest.h>

namespace crawlbox::crawler {
namespace {

using std::chrono::milliseconds;

// sizeof(storage::PageOutcome) with the fields this test knows (x86-64).
constexpr size_t kOutcomeSize = 616;

TEST(WireTest, TaskRoundTripsEveryField) {
  Task task;
  task.epoch = 7;
  task.id = 123456789012;
  task.delivery = 3;
  Request& r = task.request;
  r.url_id = 42;
  r.url = "http://example.test/a?b=1";
  r.host = "example.test";
  r.depth = 3;
  r.attempts = 2;
  r.redirects = 3;
  r.etag = "\"v1\"";
  r.last_modified = "Sat, 22 Nov 2025 10:00:00 GMT";
  r.kind = Request::Kind::kSitemap;
  r.last_capture = {"<urn:uuid:8d3c9f0e-2b1a-4c5d-9e8f-0a1b2c3d4e5f>",
                    "2026-12-07T07:30:00.123456Z",
                    "sha1:3I42H3S6NNFQ2MSVX7XZKYAYSCX5QBYJ"};
  auto back = DecodeTask(EncodeTask(task));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->epoch, 7);
  EXPECT_EQ(back->id, 123456789012);
  EXPECT_EQ(back->delivery, 3);
  EXPECT_EQ(back->request.url_id, 42);
  EXPECT_EQ(back->request.url, r.url);
  EXPECT_EQ(back->request.host, r.host);
  EXPECT_EQ(back->request.depth, 3);
  EXPECT_EQ(back->request.attempts, 2);
  EXPECT_EQ(back->request.redirects, 3);
  EXPECT_EQ(back->request.etag, r.etag);
  EXPECT_EQ(back->request.last_modified, r.last_modified);
  EXPECT_EQ(back->request.kind, Request::Kind::kSitemap);
  EXPECT_EQ(back->request.last_capture.record_id, r.last_capture.record_id);
  EXPECT_EQ(back->request.last_capture.date, r.last_capture.date);
  EXPECT_EQ(back->request.last_capture.payload_digest,
            r.last_capture.payload_digest);
}

TEST(WireTest, ATaskWithoutALastCaptureStaysWithout) {
  Task task;
  task.request.url = "http://example.test/";
  const std::string text = EncodeTask(task);
  EXPECT_EQ(text.find("capture"), std::string::npos) << text;
  auto back = DecodeTask(text);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->request.last_capture.record_id, "");
}

TEST(WireTest, TaskCarriesARequestsMethodHeadersAndBody) {
  Task task;
  task.epoch = 1;
  task.id = 2;
  Request& r = task.request;
  r.url_id = 9;
  r.url = "http://example.test/search";
  r.host = "example.test";
  r.method = "POST";
  r.headers = {"Content-Type: application/x-www-form-urlencoded",
               "Authorization: Bearer t"};
  r.body = std::string("q=a+b\r\n\0\xff\xfe", 10);
  const std::string text = EncodeTask(task);
  auto back = DecodeTask(text);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->request.url, r.url);
  EXPECT_EQ(back->request.method, "POST");
  EXPECT_EQ(back->request.headers, r.headers);
  EXPECT_EQ(back->request.body, r.body);

  // Method alone, headers alone.
  Request put;
  put.method = "PUT";
  Request headers;
  headers.headers = {"Accept: application/json"};
  for (const Request& only : {put, headers}) {
    Task t;
    t.request = only;
    auto got = DecodeTask(EncodeTask(t));
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    EXPECT_EQ(got->request.method, only.method);
    EXPECT_EQ(got->request.headers, only.headers);
    EXPECT_EQ(got->request.body, "");
  }

  // A plain GET stays as small as it was.
  Task plain;
  plain.request.url = "http://example.test/";
  const std::string plain_text = EncodeTask(plain);
  EXPECT_EQ(plain_text.find("method"), std::string::npos) << plain_text;
  auto got = DecodeTask(plain_text);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->request.method, "GET");
  EXPECT_TRUE(got->request.IsPlainGet());
}

TEST(WireTest, ALinkCarriesItsRequestParts) {
  TaskResult in;
  const storage::RequestParts post{
      "POST", "key-1", std::string("Content-Type: x\r\n\r\n\0\xff", 21)};
  in.outcome.links = {
      {"http://example.test/a", "example.test", 1, 5, storage::Via::kLink, 0,
       post},
      {"http://example.test/b",
       "example.test",
       1,
       5,
       storage::Via::kLink,
       0,
       {}},
      {"http://example.test/c", "example.test", 1, 5, storage::Via::kRedirect,
       1, storage::RequestParts{"PUT", "", ""}},
  };
  auto out = DecodeResult(EncodeResult(in));
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  const std::vector<storage::NewUrl>& links = out->outcome.links;
  ASSERT_EQ(links.size(), 3u);
  EXPECT_EQ(links[0].url, "http://example.test/a");
  EXPECT_EQ(links[0].request.method, "POST");
  EXPECT_EQ(links[0].request.body_key, "key-1");
  EXPECT_EQ(links[0].request.encoded, post.encoded);
  EXPECT_EQ(links[1].request.method, "GET");
  EXPECT_EQ(links[1].request.body_key, "");
  EXPECT_EQ(links[1].request.encoded, "");
  EXPECT_EQ(links[2].request.method, "PUT");
  EXPECT_EQ(links[2].via, storage::Via::kRedirect);
  EXPECT_EQ(links[2].redirects, 1);
}

TEST(WireTest, ResultRoundTripsEveryFieldOfThePage) {
  // A new field of these rows must be added to crawler/fleet/wire.cc (and
  // here): the sizes are those of the fields this test knows (x86-64).
  EXPECT_EQ(sizeof(storage::PageRow), 448u)
      << "storage::PageRow changed: serialize the new field in wire.cc";
  EXPECT_EQ(sizeof(storage::PageOutcome), kOutcomeSize)
      << "storage::PageOutcome changed: serialize the new field in wire.cc";

  TaskResult in;
  in.epoch = 3;
  in.task = 99;
  in.delivery = 2;
  in.url = "http://example.test/p";
  in.worker = "host-17";
  in.report.status = 503;
  in.report.timed_out = true;
  in.report.total_ms = 12.5;
  in.report.retry_after = milliseconds(2000);
  in.error = FetchError::kReset;
  in.robots_body = std::string("User-agent: *\0\xff", 15);
  storage::PageOutcome& p = in.outcome;
  p.page.url_id = 5;
  p.page.url = "http://example.test/p";
  p.page.final_url = "http://example.test/q";
  p.page.status = 200;
  p.page.content_type = "text/html; charset=utf-8";
  p.page.bytes = 1234;
  p.page.total_ms = 33.25;
  p.page.ttfb_ms = 11.5;
  p.page.error = "truncated";
  p.page.etag = "W/\"e\"";
  p.page.last_modified = "Mon, 01 Jan 2024 00:00:00 GMT";
  p.page.body_hash = "0123456789abcdef-4d2";
  p.page.body = std::string("x\0\x80\xfe\x01y", 6);  // compressed: any bytes
  p.page.body_encoding = "zlib";
  p.page.robots = "noindex,nofollow";
  p.page.canonical = "http://example.test/c";
  p.page.cuts = "dom_depth:3 links:7";
  p.page.follow_canonical = true;
  p.page.rendered = true;
  p.page.render_ms = 812.5;
  p.items = {{"board", R"({"rank":1,"title":"霸王别姬"})"}, {"other", "{}"}};
  p.links = {{"http://example.test/n", "example.test", 4, 5,
              storage::Via::kRedirect, 2}};
  p.dropped = {{"board", 2}};
  p.fate = storage::Retry{"http_503", 5000};
  p.archive = {{"response",
                std::string("\x01\0\xff", 3),
                0xdeadbeef,
                77,
                "com,example)/p 20261207000000",
                R"({"url":"u")",
                {"<urn:uuid:1>", "2026-12-07T00:00:00Z", "sha1:AB"}}};
  p.archived = {{"request", "a-20261207-00001.warc.gz", 880, 321, {}},
                {"response",
                 "a-20261207-00001.warc.gz",
                 1201,
                 400,
                 {"<urn:uuid:2>", "2026-12-07T00:00:01Z", "sha1:CD"}}};
  in.nested_sitemaps = {"http://example.test/s2.xml"};
  in.counters = {{"fetch/status/200", 3}, {"parse/bad_url", 1}};

  auto out = DecodeResult(EncodeResult(in));
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->epoch, 3);
  EXPECT_EQ(out->task, 99);
  EXPECT_EQ(out->delivery, 2);
  EXPECT_EQ(out->url, "http://example.test/p");
  EXPECT_EQ(out->worker, "host-17");
  EXPECT_EQ(out->report.status, 503);
  EXPECT_TRUE(out->report.timed_out);
  EXPECT_EQ(out->report.total_ms, 12.5);
  ASSERT_TRUE(out->report.retry_after.has_value());
  EXPECT_EQ(out->report.retry_after->count(), 2000);
  EXPECT_EQ(out->error, FetchError::kReset);
  EXPECT_EQ(out->robots_body, in.robots_body);
  const storage::PageOutcome& q = out->outcome;
  EXPECT_EQ(q.page.url_id, 5);
  EXPECT_EQ(q.page.url, p.page.url);
  EXPECT_EQ(q.page.final_url, p.page.final_url);
  EXPECT_EQ(q.page.status, 200);
  EXPECT_EQ(q.page.content_type, p.page.content_type);
  EXPECT_EQ(q.page.bytes, 1234);
  EXPECT_EQ(q.page.total_ms, 33.25);
  EXPECT_EQ(q.page.ttfb_ms, 11.5);
  EXPECT_EQ(q.page.error, "truncated");
  EXPECT_EQ(q.page.etag, p.page.etag);
  EXPECT_EQ(q.page.last_modified, p.page.last_modified);
  EXPECT_EQ(q.page.body_hash, p.page.body_hash);
  EXPECT_EQ(q.page.body, p.page.body);
  EXPECT_EQ(q.page.body_encoding, "zlib");
  EXPECT_EQ(q.page.robots, p.page.robots);
  EXPECT_EQ(q.page.canonical, p.page.canonical);
  EXPECT_EQ(q.page.cuts, p.page.cuts);
  EXPECT_TRUE(q.page.follow_canonical);
  EXPECT_TRUE(q.page.rendered);
  EXPECT_EQ(q.page.render_ms, 812.5);
  ASSERT_EQ(q.items.size(), 2u);
  EXPECT_EQ(q.items[0].rule, "board");
  EXPECT_EQ(q.items[0].json, p.items[0].json);
  EXPECT_EQ(q.items[1].rule, "other");
  ASSERT_EQ(q.links.size(), 1u);
  EXPECT_EQ(q.links[0].url, "http://example.test/n");
  EXPECT_EQ(q.links[0].host, "example.test");
  EXPECT_EQ(q.links[0].depth, 4);
  EXPECT_EQ(q.links[0].discovered_from, 5);
  EXPECT_EQ(q.links[0].via, storage::Via::kRedirect);
  EXPECT_EQ(q.links[0].redirects, 2);
  ASSERT_EQ(q.dropped.size(), 1u);
  EXPECT_EQ(q.dropped[0].rule, "board");
  EXPECT_EQ(q.dropped[0].count, 2);
  // The retry's wait travels, not a clock: the master schedules it from when
  // the result arrives.
  const auto* retry = std::get_if<storage::Retry>(&q.fate);
  ASSERT_NE(retry, nullptr);
  EXPECT_EQ(retry->reason, "http_503");
  EXPECT_EQ(retry->backoff_ms, 5000);
  ASSERT_EQ(q.archive.size(), 1u);
  EXPECT_EQ(q.archive[0].type, "response");
  EXPECT_EQ(q.archive[0].deflated, p.archive[0].deflated);
  EXPECT_EQ(q.archive[0].crc, 0xdeadbeefu);
  EXPECT_EQ(q.archive[0].size, 77u);
  EXPECT_EQ(q.archive[0].index_key, p.archive[0].index_key);
  EXPECT_EQ(q.archive[0].index_fields, p.archive[0].index_fields);
  EXPECT_EQ(q.archive[0].capture.record_id, "<urn:uuid:1>");
  EXPECT_EQ(q.archive[0].capture.date, "2026-12-07T00:00:00Z");
  EXPECT_EQ(q.archive[0].capture.payload_digest, "sha1:AB");
  ASSERT_EQ(q.archived.size(), 2u);
  EXPECT_EQ(q.archived[0].type, "request");
  EXPECT_EQ(q.archived[0].file, p.archived[0].file);
  EXPECT_EQ(q.archived[0].offset, 880);
  EXPECT_EQ(q.archived[0].length, 321);
  EXPECT_EQ(q.archived[0].capture.record_id, "");
  EXPECT_EQ(q.archived[1].capture.record_id, "<urn:uuid:2>");
  EXPECT_EQ(q.archived[1].capture.date, "2026-12-07T00:00:01Z");
  EXPECT_EQ(q.archived[1].capture.payload_digest, "sha1:CD");
  EXPECT_EQ(out->nested_sitemaps, in.nested_sitemaps);
  EXPECT_EQ(out->counters, in.counters);
}

TEST(WireTest, EveryFateRoundTripsWithItsFields) {
  const std::vector<storage::Fate> fates = {
      storage::Stored{},
      storage::NotModified{},
      storage::Redirected{"http://example.test/there", true},
      storage::Failed{"worker_lost"},
      storage::Retry{"timeout", 1234},
      storage::Blocked{"robots"},
      storage::LinksOnly{},
  };
  ASSERT_EQ(fates.size(), std::variant_size_v<storage::Fate>);
  for (const storage::Fate& fate : fates) {
    TaskResult in;
    in.outcome.fate = fate;
    auto out = DecodeResult(EncodeResult(in));
    ASSERT_TRUE(out.ok()) << fate.index() << ": " << out.status().ToString();
    const storage::Fate& back = out->outcome.fate;
    ASSERT_EQ(back.index(), fate.index());
    if (const auto* r = std::get_if<storage::Redirected>(&back)) {
      EXPECT_EQ(r->target, "http://example.test/there");
      EXPECT_TRUE(r->permanent);
    } else if (const auto* f = std::get_if<storage::Failed>(&back)) {
      EXPECT_EQ(f->reason, "worker_lost");
    } else if (const auto* t = std::get_if<storage::Retry>(&back)) {
      EXPECT_EQ(t->reason, "timeout");
      EXPECT_EQ(t->backoff_ms, 1234);
    } else if (const auto* b = std::get_if<storage::Blocked>(&back)) {
      EXPECT_EQ(b->reason, "robots");
    }
  }
  TaskResult in;
  std::string text = EncodeResult(in);
  const std::string stored = "\"kind\":\"stored\"";
  ASSERT_NE(text.find(stored), std::string::npos) << text;
  text.replace(text.find(stored), stored.size(), "\"kind\":\"eaten\"");
  EXPECT_FALSE(DecodeResult(text).ok()) << "an unknown fate";
}

TEST(WireTest, AResultWithoutRetryAfterStaysWithout) {
  TaskResult in;
  in.outcome.page.url = "http://example.test/";
  auto out = DecodeResult(EncodeResult(in));
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_FALSE(out->report.retry_after.has_value());
  EXPECT_TRUE(std::holds_alternative<storage::Stored>(out->outcome.fate));
  EXPECT_EQ(out->error, FetchError::kNone);
  EXPECT_TRUE(out->outcome.page.body.empty());
}

TEST(WireTest, InvalidUtf8InAHeaderValueIsReplacedNotFatal) {
  TaskResult in;
  in.outcome.page.content_type = "text/html; x=\xff";
  auto out = DecodeResult(EncodeResult(in));
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->outcome.page.content_type, "text/html; x=\xEF\xBF\xBD");
}

TEST(WireTest, RefusesWhatIsNotATaskOrAResult) {
  for (
      const char* text :
      {"", "not json", "[]", "{}", R"({"epoch": 1, "id": "x"})",
       R"({"epoch":1,"id":2,"kind":"page","url_id":1,"url":"u","host":"h"})"}) {
    auto task = DecodeTask(text);
    ASSERT_FALSE(task.ok()) << text;
    EXPECT_EQ(task.status().code(), config::Status::Code::kCorruption) << text;
    auto result = DecodeResult(text);
    ASSERT_FALSE(result.ok()) << text;
    EXPECT_EQ(result.status().code(), config::Status::Code::kCorruption)
        << text;
  }
  TaskResult in;
  in.outcome.page.body = "abc";
  std::string text = EncodeResult(in);
  const std::string body = "\"body\":\"YWJj\"";
  ASSERT_NE(text.find(body), std::string::npos) << text;
  text.replace(text.find(body), body.size(), "\"body\":\"Y!Jj\"");
  EXPECT_FALSE(DecodeResult(text).ok()) << "a body that is not base64";
}

TEST(WireTest, WorkerStatusRoundTrips) {
  WorkerStatus in{"h-1", "h", 1, 16, 3, 250, 41.5, 1700000000000, "working"};
  auto out = DecodeWorkerStatus(EncodeWorkerStatus(in));
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->id, "h-1");
  EXPECT_EQ(out->host, "h");
  EXPECT_EQ(out->pid, 1);
  EXPECT_EQ(out->concurrency, 16);
  EXPECT_EQ(out->in_flight, 3);
  EXPECT_EQ(out->pages, 250);
  EXPECT_EQ(out->rate, 41.5);
  EXPECT_EQ(out->last_seen_ms, 1700000000000);
  EXPECT_EQ(out->state, "working");
  EXPECT_FALSE(DecodeWorkerStatus("{}").ok());
}

}  // namespace
}  // namespace crawlbox::crawler
