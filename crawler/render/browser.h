// Browser: one headless Chromium process driven over the DevTools protocol on
// a pipe (--remote-debugging-pipe), with commands matched to answers by id and
// events kept per session. Internal to the render room.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "config/status.h"

namespace crawlbox::crawler {

struct BrowserOptions {
  std::string chromium = "/usr/bin/chromium";  // the executable
  bool load_images = false;  // else --blink-settings=imagesEnabled=false
  // More flags, after crawlbox's own (a later flag wins in Chromium).
  std::vector<std::string> flags;
};

// A running browser process (in a process group of its own, with a profile in
// a temporary directory) and the thread reading its pipe.
//
// Thread-safe: Call, NextEvent and the rest may be used from any thread.
// Destroying it kills the whole process group, reaps the browser and removes
// the temporary directory.
class Browser {
 public:
  using Clock = std::chrono::steady_clock;

  enum class Outcome {
    kOk,       // an answer (or event) arrived
    kError,    // the browser answered with a protocol error
    kTimeout,  // nothing arrived before the deadline
    kGone,     // the browser died, or the session's target crashed or detached
  };
  struct Reply {
    Outcome outcome = Outcome::kGone;
    nlohmann::json result;  // the "result" object when kOk
    std::string error;      // what went wrong otherwise
  };
  struct Event {
    std::string method;
    nlohmann::json params;
    std::string session;  // the session it came from (see Forward)
  };
  // Answers events on the pipe's reader thread, as they arrive: it must not
  // block, so it may Post() but never Call() (the answer it would wait for is
  // read by the thread it holds).
  using EventHandler = std::function<void(const Event&)>;

  // Starts the browser and waits (until `deadline`) for it to answer
  // Browser.getVersion. Unavailable, saying why, when it cannot.
  static config::Result<std::unique_ptr<Browser>> Launch(
      const BrowserOptions& options, Clock::time_point deadline);

  ~Browser();
  Browser(const Browser&) = delete;
  Browser& operator=(const Browser&) = delete;

  // Sends `method` with `params` to `session_id` ("" = the browser itself) and
  // waits for its answer until `deadline`. A kTimeout leaves the command
  // pending in the browser; its late answer is dropped.
  Reply Call(std::string_view method, nlohmann::json params,
             const std::string& session_id, Clock::time_point deadline);

  // Sends `method` with `params` to `session_id` without waiting: its answer
  // is dropped. False when the pipe is closed. For event handlers, which
  // must not wait.
  bool Post(std::string_view method, nlohmann::json params,
            const std::string& session_id);

  // Starts keeping the events of `session_id` (attached to `target_id`);
  // events of sessions not watched are dropped.
  void Watch(const std::string& session_id, const std::string& target_id);
  // From now on, events `method` of `session_id` go to `handler` (on the
  // reader thread) instead of being kept; the session need not be watched.
  // Until Unwatch, or the session detaches.
  void Handle(const std::string& session_id, const std::string& method,
              EventHandler handler);
  // From now on, the events of `child` (a frame of another site, attached
  // under `parent`) that no handler takes are kept with `parent`'s, as
  // events of `child` (Event::session). Until `child` detaches or `parent`
  // is unwatched.
  void Forward(const std::string& child, const std::string& parent);
  // Stops keeping (and handling) the events of `session_id`.
  void Unwatch(const std::string& session_id);
  // Forgets the events kept so far for `session_id`.
  void DropEvents(const std::string& session_id);
  // Takes the oldest kept event of `session_id` into *event (kOk), or returns
  // kTimeout at `deadline`, or kGone when the session or browser is gone.
  Outcome NextEvent(const std::string& session_id, Clock::time_point deadline,
                    Event* event);
  // Whether `session_id` is gone (target crashed or detached).
  bool SessionGone(const std::string& session_id) const;

  // False once the pipe closed (the process exited or was killed).
  bool alive() const;
  pid_t pid() const { return pid_; }
  // Pages begun on this browser: the renderer counts them for recycling.
  int64_t CountPage() { return ++pages_; }
  int64_t pages() const { return pages_; }

  // Kills the process group and wakes every waiter with kGone. Idempotent; the
  // destructor also reaps and cleans up.
  void Kill();

 private:
  Browser() = default;
  // The reader thread's body: forks the browser (so that PR_SET_PDEATHSIG,
  // which follows the forking thread, lasts as long as this thread) and runs
  // `argv` with environment `env` in it, reports the outcome through
  // launch_*, then reads messages until EOF.
  void Run(std::vector<std::string> argv, std::vector<std::string> env);
  void Dispatch(std::string_view text);
  void MarkDead(const std::string& why);
  bool Send(const nlohmann::json& message);

  std::string dir_;        // temporary profile and cache directory
  int to_browser_ = -1;    // our end of the browser's fd 3
  int from_browser_ = -1;  // our end of the browser's fd 4
  pid_t pid_ = -1;
  std::thread reader_;
  std::atomic<int64_t> pages_{0};

  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool launch_done_ = false;
  std::string launch_error_;
  bool dead_ = false;
  std::string dead_why_;
  int64_t next_id_ = 1;
  std::map<int64_t, std::shared_ptr<nlohmann::json>> pending_;  // id → answer
  std::map<std::string, std::deque<Event>> events_;  // by watched session
  // Handlers by session, then method; shared, so that one still running on
  // the reader thread outlives its Unwatch.
  std::map<std::string, std::map<std::string, std::shared_ptr<EventHandler>>>
      handlers_;
  std::map<std::string, std::string> session_of_target_;
  std::map<std::string, std::string> forward_to_;  // child → parent session
  std::set<std::string> gone_sessions_;

  std::mutex write_mu_;
  bool killed_ = false;  // guarded by write_mu_
};

}  // namespace crawlbox::crawler
