// A response rebuilt from a pages row: what the row keeps of the headers,
// and a Content-Length that matches the decoded body (the stored body is the
// decoded one, so Content-Encoding and Transfer-Encoding are left out).
#include "crawler/archive/stored_records.h"

#include <chrono>

#include "crawler/archive/warc_writer.h"

namespace crawlbox::crawler {
namespace {

// RFC 9110's reason phrases of the statuses a crawl meets most; replay tools
// show them, and the status code is what counts.
const char* ReasonPhrase(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 203:
      return "Non-Authoritative Information";
    case 204:
      return "No Content";
    case 206:
      return "Partial Content";
    case 301:
      return "Moved Permanently";
    case 302:
      return "Found";
    case 303:
      return "See Other";
    case 304:
      return "Not Modified";
    case 307:
      return "Temporary Redirect";
    case 308:
      return "Permanent Redirect";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 410:
      return "Gone";
    case 429:
      return "Too Many Requests";
    case 500:
      return "Internal Server Error";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    default:
      return status < 400 ? "Other" : "Error";
  }
}

void AddHeader(std::string* head, const char* name, const std::string& value) {
  if (value.empty()) return;
  head->append(name).append(": ");
  // A stored value never carries a line break into the message.
  for (char c : value) head->push_back(c == '\r' || c == '\n' ? ' ' : c);
  head->append("\r\n");
}

}  // namespace

WarcRecord StoredResponseRecord(const StoredResponse& page) {
  WarcRecord record;
  record.type = "response";
  record.record_id = NewRecordId();
  record.date = page.stored_at.empty()
                    ? WarcDate(std::chrono::system_clock::now())
                    : page.stored_at;
  record.content_type = "application/http; msgtype=response";
  std::string& block = record.block;
  block = "HTTP/1.1 " + std::to_string(page.status) + " " +
          ReasonPhrase(page.status) + "\r\n";
  AddHeader(&block, "Content-Type", page.content_type);
  AddHeader(&block, "Content-Length", std::to_string(page.body.size()));
  AddHeader(&block, "ETag", page.etag);
  AddHeader(&block, "Last-Modified", page.last_modified);
  AddHeader(&block, "Location", page.location);
  block.append("\r\n").append(page.body);
  record.fields.emplace_back("WARC-Target-URI", page.url);
  record.fields.emplace_back("WARC-Block-Digest", Sha1Digest(block));
  record.fields.emplace_back("WARC-Payload-Digest", Sha1Digest(page.body));
  if (page.truncated) record.fields.emplace_back("WARC-Truncated", "length");
  return record;
}

std::vector<std::pair<std::string, std::string>> ExportWarcinfo(
    const std::string& job_name) {
  std::vector<std::pair<std::string, std::string>> info = CrawlboxWarcinfo();
  if (!job_name.empty()) info.emplace_back("isPartOf", job_name);
  info.emplace_back("description", kReconstructedDescription);
  return info;
}

}  // namespace crawlbox::crawler
