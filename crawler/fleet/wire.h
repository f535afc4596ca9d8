// The distributed wire format: a Task (one Request a master hands out) and a
// TaskResult (what a worker made of it) as JSON text, one per Redis stream
// entry. Every field of Request and of the one storage::PageOutcome crosses,
// so a page a worker fetched is stored exactly as a local run would store it.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/status.h"
#include "crawler/fetch/request.h"
#include "crawler/fleet/fleet.h"
#include "crawler/frontier/frontier.h"
#include "storage/rows.h"

namespace crawlbox::crawler {

// One Request handed to the fleet.
struct Task {
  int64_t epoch = 0;  // the master run that handed it out
  int64_t id = 0;     // unique within the epoch; kept when re-handed out
  Request request;
  int delivery = 1;  // 1 when first handed out, +1 each time claimed back
};

// What a worker made of a Task.
struct TaskResult {
  int64_t epoch = 0;
  int64_t task = 0;    // Task::id
  int delivery = 1;    // Task::delivery of the copy answered
  std::string url;     // the task's URL, checked against the task's own
  std::string worker;  // the worker's id, for the status page
  // The fetch, as Frontier::Fetched needs it.
  FetchReport report;
  // A robots.txt task: the response itself (error, status, body), read by the
  // master (PageProcessor::ProcessRobots).
  FetchError error = FetchError::kNone;
  std::string robots_body;
  // A page or sitemap task: its one outcome, as the parse node built it (a
  // retry's backoff is a wait, so it needs no shared clock).
  storage::PageOutcome outcome;
  std::vector<std::string> nested_sitemaps;
  // Counter increments since the worker's previous result (may be empty).
  std::map<std::string, int64_t> counters;
};

// JSON text of a task. Never fails.
std::string EncodeTask(const Task& task);
// The task in `text`; Corruption when it is not a task.
config::Result<Task> DecodeTask(std::string_view text);

// JSON text of a result. Binary fields (the stored body, a robots.txt body)
// are base64; text that is not valid UTF-8 has its bad bytes replaced by
// U+FFFD (only header values can hold such bytes: URLs are normalized and
// records are UTF-8 already). Never fails.
std::string EncodeResult(const TaskResult& result);
// The result in `text`; Corruption when it is not one.
config::Result<TaskResult> DecodeResult(std::string_view text);

// A worker's heartbeat as JSON, and back (Corruption when it is not one).
std::string EncodeWorkerStatus(const WorkerStatus& status);
config::Result<WorkerStatus> DecodeWorkerStatus(std::string_view text);

// The live settings a master's controls set, as its workers apply them
// (the job hash's `live` field): JSON of dotted job key → value
// ({"fetch.concurrency":4,"limits.max_depth":2}), and back (Corruption when
// it is not one; the values are the worker's to check).
std::string EncodeLiveSettings(const std::map<std::string, int64_t>& live);
config::Result<std::map<std::string, int64_t>> DecodeLiveSettings(
    std::string_view text);

}  // namespace crawlbox::crawler
