// Shared by the rendering end-to-end tests: whether Chromium is installed, the
// SPA board's records as spa_site.h says they are and as a crawl stored them,
// and a watch on the browsers a crawlbox process launches.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "tests/e2e/crawl_support.h"
#include "tests/support/processes.h"
#include "tests/support/spa_site.h"
#include "tests/support/test_server.h"

namespace crawlbox::e2e {

inline bool HaveChromium() { return ::access("/usr/bin/chromium", X_OK) == 0; }

// One record of the SPA board: the page's URL, rank, title, score.
using SpaRecord = std::tuple<std::string, int64_t, std::string, double>;
using SpaRecords = std::multiset<SpaRecord>;

// What pages `paths` (each "/spa/page/<n>" or "/spa/slow-data/<n>") must give:
// SpaEntries(n) of each, from the source of truth.
inline SpaRecords ExpectedSpaRecords(const testing::TestServer& server,
                                     const std::vector<std::string>& paths) {
  SpaRecords out;
  for (const std::string& path : paths) {
    const int page = std::stoi(path.substr(path.rfind('/') + 1));
    for (const testing::SpaEntry& e : testing::SpaEntries(page))
      out.emplace(server.Url(path), e.rank, e.title, e.score);
  }
  return out;
}

// The records of rule "films" (fields rank, title, score) in `db`; a page
// stored twice shows as its records twice.
inline SpaRecords StoredSpaRecords(const std::string& db) {
  SpaRecords out;
  for (const auto& row :
       QueryDb(db, "SELECT _url, rank, title, score FROM films").rows) {
    out.emplace(std::get<std::string>(row[0]), std::get<int64_t>(row[1]),
                std::get<std::string>(row[2]), std::get<double>(row[3]));
  }
  return out;
}

// Records, from a thread polling /proc every 10 ms, the browsers (children
// with "chromium" in their command line) process `crawler` launches, until
// Stop() or destruction. Thread-safe.
class BrowserWatch {
 public:
  explicit BrowserWatch(pid_t crawler)
      : thread_([this, crawler] {
          while (!stop_) {
            for (pid_t pid : testing::ChildBrowsers(crawler)) {
              std::lock_guard lock(mu_);
              seen_.insert(pid);
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
          }
        }) {}
  ~BrowserWatch() { Stop(); }
  BrowserWatch(const BrowserWatch&) = delete;
  BrowserWatch& operator=(const BrowserWatch&) = delete;

  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  // Every browser pid seen so far (each also its process group).
  std::set<pid_t> Seen() const {
    std::lock_guard lock(mu_);
    return seen_;
  }
  // Waits until a browser other than those in `old` is seen; returns it, or
  // -1 after `timeout`.
  pid_t WaitForNew(const std::set<pid_t>& old,
                   std::chrono::milliseconds timeout) const {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      for (pid_t pid : Seen())
        if (!old.contains(pid)) return pid;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return -1;
  }

 private:
  std::atomic<bool> stop_{false};
  mutable std::mutex mu_;
  std::set<pid_t> seen_;
  std::thread thread_;  // last: starts once the rest exists
};

}  // namespace crawlbox::e2e
