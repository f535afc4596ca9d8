// Control of a running crawl through its status server: the commands of
// POST /api/control, checked as the job file's values are, and the interface
// through which the server hands them to the crawl. web/ declares it;
// crawler/ implements it (crawler/engine/run_control.h), so web/ never sees
// the engine.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "config/job.h"
#include "config/status.h"

namespace crawlbox::web {

// One command, its values checked (ParseControl).
struct ControlCommand {
  enum class Kind {
    kPause,       // the Frontier hands out nothing; transfers out finish
    kResume,      // hands out again
    kStop,        // graceful, as the first SIGINT
    kSet,         // a live key (config/live_setting.h) to `value`
    kDeny,        // scope.deny: patterns added (`add`) or removed (`remove`)
    kSeed,        // `urls` queued as depth-0 seeds
    kPauseHost,   // nothing of `host` handed out
    kResumeHost,  // `host` handed out again
  };
  Kind kind = Kind::kPause;
  std::string key;  // kSet: "politeness.delay_ms", ...
  int64_t value = 0;
  std::vector<std::string> add, remove;  // kDeny: pattern texts
  std::vector<std::string> urls;         // kSeed
  std::string host;                      // kPauseHost, kResumeHost
  // The command as recorded in the controls table: its JSON, compact.
  std::string json;
  // How the request was let in: "token" or "loopback", then "/page" or
  // "/ctl" when the client said so in X-Crawlbox-Control. Never the token.
  std::string who;
};

// What a command came to: 200 applied, 400 a bad value (message as `crawlbox
// check` words it), 409 no crawl to apply it to (or not in this mode).
struct ControlResult {
  int http_status = 200;
  std::string message;  // for 400/409; "" when applied
};

// The live settings, as GET /api/control returns them.
struct LiveSettings {
  bool running = false;  // a crawl runs in this process and takes commands
  bool paused = false;
  bool stopping = false;  // a stop (signal or command) arrived
  int64_t delay_ms = 0;
  int64_t per_host_concurrency = 0;
  // fetch.concurrency; a master's is each worker's, forwarded to them all.
  int64_t concurrency = 0;
  config::Limits limits;          // every key of [limits] as it stands now
  std::vector<std::string> deny;  // scope.deny in force, the job's first
  std::vector<std::string> paused_hosts;
  bool distributed = false;  // a master: the fleet follows the controls
};

// Implementations are thread-safe: the server calls them from its threads.
class ControlTarget {
 public:
  virtual ~ControlTarget() = default;
  // Applies `command` (already checked by ParseControl) and records it in
  // the crawl's controls table, applied or not.
  virtual ControlResult Apply(const ControlCommand& command) = 0;
  // Records a command ParseControl refused (applied = false).
  virtual void Refused(const ControlCommand& command,
                       const std::string& message) = 0;
  virtual LiveSettings Settings() const = 0;
};

// Parses a POST /api/control body. The command's name and shape are checked
// here, and so are set values and deny patterns (with the job loader's
// checks); seeds and hosts are the crawl's to judge. On failure
// InvalidArgument with the message for a 400; *command still holds what
// could be read (its json set once the body was a JSON object) for the
// record.
config::Status ParseControl(std::string_view body, ControlCommand* command);

// GET /api/control's body.
std::string LiveSettingsJson(const LiveSettings& settings);

}  // namespace crawlbox::web
