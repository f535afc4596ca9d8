// Helpers of the job-control tests: a crawl child with its status page, the
// control API spoken as a client would, and the server's request log.
#pragma once

#include <httplib.h>

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "storage/reader.h"
#include "tests/support/subprocess.h"
#include "tests/support/test_server.h"

namespace crawlbox::control_test {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

// A rule that follows the generated site's links (and keeps its titles).
inline constexpr char kFollowSite[] =
    "[[rules]]\nname = \"page\"\nurl = '/site/'\n"
    "follow = ['/site/\\d+\\.html$']\n"
    "pattern = '<title>(?P<title>[^<]*)</title>'\n";

// A test server with the generated site of `pages` pages.
inline testing::TestServerOptions SiteOf(int pages) {
  testing::TestServerOptions options;
  options.site = testing::SiteOptions{};
  options.site->pages = pages;
  return options;
}

inline std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// Polls a crawl child's stderr for its status page line; the port, or 0
// after 30 s. `after` skips that many bytes (a second run's line).
inline int WaitForPort(const std::string& err_path, size_t after = 0) {
  const std::regex line(R"(status page at http://127\.0\.0\.1:(\d+)/)");
  const auto deadline = Clock::now() + std::chrono::seconds(30);
  while (Clock::now() < deadline) {
    std::smatch m;
    const std::string err = ReadText(err_path);
    const std::string tail = err.size() > after ? err.substr(after) : "";
    if (std::regex_search(tail, m, line)) return std::stoi(m[1]);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return 0;
}

// What `crawlbox check` prints for a job (written to `job_path`) whose
// [section] key is `value`, without "crawlbox: file:line:col: ": the words
// a control with that value must be refused with.
inline std::string CheckMessage(const std::string& job_path,
                                const std::string& section,
                                const std::string& key,
                                const std::string& value) {
  std::ofstream(job_path) << "[job]\nname = \"bad\"\nstart_urls = "
                             "[\"http://127.0.0.1/\"]\n["
                          << section << "]\n"
                          << key << " = " << value << "\n";
  testing::ProcessResult r = testing::RunProcess(
      {testing::BuiltProgram("crawlbox"), "check", job_path});
  const size_t at = r.err.find(section + "." + key);
  if (r.exit_code != 2 || at == std::string::npos)
    return "(check: " + r.err + ")";
  std::string line = r.err.substr(at);
  return line.substr(0, line.find('\n'));
}

struct Reply {
  int status = 0;
  json body;
};

// A request to /api/control. `headers` as given (nothing is added).
inline Reply Call(int port, const std::string& method, const std::string& body,
                  const httplib::Headers& headers,
                  const std::string& content_type = "application/json") {
  httplib::Client client("127.0.0.1", port);
  client.set_read_timeout(10);
  httplib::Result res =
      method == "GET"
          ? client.Get("/api/control", headers)
          : client.Post("/api/control", headers, body, content_type.c_str());
  if (!res) return {};
  return Reply{res->status, json::parse(res->body, nullptr, false)};
}

inline json GetStatus(int port, const std::string& token = "") {
  httplib::Client client("127.0.0.1", port);
  client.set_read_timeout(10);
  httplib::Headers headers;
  if (!token.empty()) headers.emplace("Authorization", "Bearer " + token);
  auto res = client.Get("/api/status", headers);
  if (!res || res->status != 200) return json();
  return json::parse(res->body, nullptr, false);
}

// Requests for the generated site's pages, in arrival order.
inline std::vector<testing::RequestRecord> SiteRequests(
    const testing::TestServer& server) {
  std::vector<testing::RequestRecord> out;
  for (testing::RequestRecord& r : server.RequestLog()) {
    if (r.target.rfind("/site/", 0) == 0) out.push_back(std::move(r));
  }
  return out;
}

// Waits until `pred` holds or `timeout` passes; returns pred().
template <typename Pred>
bool WaitFor(Pred pred, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return pred();
}

// The most requests `server` handled at once during `window`, counted after
// `settle` (transfers started under an older bound end meanwhile). Forgets
// the server's request log.
inline int ConcurrentDuring(testing::TestServer& server,
                            std::chrono::milliseconds settle,
                            std::chrono::milliseconds window) {
  std::this_thread::sleep_for(settle);
  server.ResetCounts();
  std::this_thread::sleep_for(window);
  return server.MaxConcurrent();
}

// The rows of the controls table: what, who, applied.
struct ControlRow {
  json what;
  std::string who;
  bool applied = false;
  std::string message;
};
inline std::vector<ControlRow> ControlRows(const std::string& db) {
  std::vector<ControlRow> rows;
  auto reader = storage::Reader::Open(db);
  if (!reader.ok()) return rows;
  (void)(*reader)->Query(
      "SELECT what, who, applied, coalesce(message, '') FROM controls "
      "ORDER BY id",
      [](const std::vector<std::string>&) {},
      [&rows](const std::vector<storage::Value>& row) {
        rows.push_back(ControlRow{json::parse(std::get<std::string>(row[0])),
                                  std::get<std::string>(row[1]),
                                  std::get<int64_t>(row[2]) != 0,
                                  std::get<std::string>(row[3])});
      });
  return rows;
}

}  // namespace crawlbox::control_test
