// QueueReader: the Frontier's read side of the frontier table. The queued
// URLs a crawl works through, a window at a time, and the counts it plans
// with, read on a connection of its own while the Store writes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/status.h"
#include "storage/rows.h"

namespace crawlbox::storage {

// The contract; Open() returns the SQLite implementation, a read-only
// connection of its own with its statements prepared once. Every call reads
// the latest committed state: what a Store (in this process or another)
// committed before the call began, never half a batch. It holds no snapshot
// between calls, so it does not keep the Store's write-ahead log from being
// checkpointed.
//
// Not thread-safe: one thread at a time (the Frontier's owner serializes).
// Independent of any Store object: either may be closed first.
class QueueReader {
 public:
  // Opens the crawlbox database at `path` read-only; the caller owns the
  // QueueReader. The file must exist with the current schema, i.e. a Store
  // has opened it (Store::Open creates and migrates). NotFound when the file
  // does not exist; IOError when it cannot be opened; Corruption or
  // InvalidArgument when it is not a crawlbox database.
  static config::Result<std::unique_ptr<QueueReader>> Open(
      const std::string& path);

  QueueReader() = default;
  virtual ~QueueReader() = default;
  QueueReader(const QueueReader&) = delete;
  QueueReader& operator=(const QueueReader&) = delete;

  // Appends to *out up to `limit` frontier URLs of `host` still queued (never
  // fetched, fetched but never committed, retried, or requeued by a
  // re-crawl) whose id is above `after_id`, in discovery (id) order: the work
  // a crawl resumes with, loaded a window at a time (pass the last id seen as
  // the next `after_id`). Each carries its attempts so far and, when a page
  // with a 2xx status is stored for it, that page's ETag and Last-Modified.
  // One index range scan whatever the frontier's size. On error *out may hold
  // part of the window.
  virtual config::Status LoadQueued(std::string_view host, int64_t after_id,
                                    size_t limit,
                                    std::vector<QueuedUrl>* out) = 0;

  // Appends (host, URLs still queued) for every host with at least one, in
  // host order: for the Frontier to plan its windows.
  virtual config::Status CountQueuedByHost(
      std::vector<std::pair<std::string, int64_t>>* out) = 0;

  // Appends (host, URLs no longer queued: done, failed or blocked) for every
  // host with at least one, in host order.
  virtual config::Status CountFetchedByHost(
      std::vector<std::pair<std::string, int64_t>>* out) = 0;

  // Number of frontier URLs still queued.
  virtual config::Result<int64_t> CountQueued() = 0;

  // Number of frontier URLs no longer queued (done, failed or blocked).
  virtual config::Result<int64_t> CountFetched() = 0;
};

}  // namespace crawlbox::storage
