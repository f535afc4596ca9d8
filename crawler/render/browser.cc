// The browser process and its DevTools pipe: launch into a process group of
// its own, one reader thread, commands matched to answers by id, events kept
// per session, and a kill that takes every process of the group down.
#include "crawler/render/browser.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <mutex>
#include <vector>

#include "config/log.h"
#include "crawler/render/devtools_json.h"

namespace crawlbox::crawler {
namespace {

// Removes the profile directories of crawlbox processes that are gone:
// "crawlbox-render-<pid>-XXXXXX" whose pid no longer runs. Best effort.
void SweepStaleProfiles(const std::string& tmp_dir) {
  std::error_code error;
  for (const auto& entry :
       std::filesystem::directory_iterator(tmp_dir, error)) {
    const std::string name = entry.path().filename().string();
    constexpr std::string_view kPrefix = "crawlbox-render-";
    if (!name.starts_with(kPrefix)) continue;
    const std::string rest = name.substr(kPrefix.size());
    const size_t dash = rest.find('-');
    if (dash == std::string::npos || dash == 0) continue;
    char* end = nullptr;
    const long pid = std::strtol(rest.c_str(), &end, 10);
    if (end != rest.c_str() + dash || pid <= 0) continue;
    if (kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH) continue;
    std::error_code ignored;
    std::filesystem::remove_all(entry.path(), ignored);
  }
}

using json = nlohmann::json;

std::string Errno(const char* what) {
  return std::string(what) + ": " + std::strerror(errno);
}

// nlohmann throws on invalid UTF-8 when dumping; a URL or selector from a page
// may hold some, so bad bytes are replaced instead.
std::string Dump(const json& message) {
  return message.dump(-1, ' ', false, json::error_handler_t::replace);
}

// The crawler's environment with TMPDIR set to `tmp_dir`: Chromium's own
// temporary files (its process-singleton directory org.chromium.Chromium.*,
// which only a clean shutdown removes, and with --disable-dev-shm-usage its
// shared memory) then live inside the profile directory and go with it,
// also when the browser is killed.
std::vector<std::string> BrowserEnvironment(const std::string& tmp_dir) {
  std::vector<std::string> env;
  for (char** entry = environ; *entry != nullptr; ++entry)
    if (!std::string_view(*entry).starts_with("TMPDIR="))
      env.emplace_back(*entry);
  env.push_back("TMPDIR=" + tmp_dir);
  return env;
}

std::vector<std::string> BrowserArgs(const BrowserOptions& options,
                                     const std::string& dir) {
  std::vector<std::string> argv = {
      options.chromium,
      "--headless",
      "--remote-debugging-pipe",
      "--no-first-run",
      "--no-default-browser-check",
      "--disable-gpu",
      "--disable-dev-shm-usage",
      "--disable-extensions",
      "--disable-background-networking",
      "--disable-sync",
      "--mute-audio",
      "--hide-scrollbars",
      // No window and tab at launch: the renderer makes its own tabs.
      "--no-startup-window",
      // The omnibox popups are WebUI renderers of their own, one per window:
      // 40 to 50 MB each. The spare renderer is started ahead for a
      // navigation that in a crawl always has one already. The pool's tabs
      // share a process per site already, as one browsing instance opened by
      // the anchor tab (tab_anchor.h). ProcessPerSiteUpToMainFrameThreshold
      // stays off: it lets a tab of a browsing instance of its own join its
      // site's process (up to a few main frames), and such a tab is what a
      // page tried before gets, so that a page which hangs or crashes its
      // renderer takes only itself down.
      "--disable-features=Translate,MediaRouter,WebUIOmniboxPopup,"
      "WebUIOmniboxAimPopup,SpareRendererForSitePerProcess,"
      "ProcessPerSiteUpToMainFrameThreshold",
      // The network service and the GPU process (which --disable-gpu still
      // starts, for software compositing) as threads of the browser process:
      // about 20 and 7 MB less. Either crashing takes the browser down,
      // which the renderer restarts as after any crash.
      "--enable-features=NetworkServiceInProcess2",
      "--in-process-gpu",
      // Without its software rasterizer the GPU part holds half the memory.
      "--disable-software-rasterizer",
      "--user-data-dir=" + dir + "/profile",
      "--disk-cache-dir=" + dir + "/cache",
  };
  if (!options.load_images)
    argv.push_back("--blink-settings=imagesEnabled=false");
  if (geteuid() == 0) {
    // Chromium refuses to start as root with its sandbox on.
    static std::once_flag logged;
    std::call_once(logged, [] {
      config::Log(config::LogLevel::kInfo, "render",
                  "running as root: Chromium's sandbox is off (--no-sandbox)");
    });
    argv.push_back("--no-sandbox");
    // Chromium keeps a second zygote to start the processes that run
    // without a sandbox; with the sandbox off every process is one of them,
    // and the one zygote left starts them all: about 20 MB less (the bench's
    // render scenario), with the same processes and the same pages.
    argv.push_back("--no-unsandboxed-zygote");
  }
  argv.insert(argv.end(), options.flags.begin(), options.flags.end());
  return argv;
}

}  // namespace

config::Result<std::unique_ptr<Browser>> Browser::Launch(
    const BrowserOptions& options, Clock::time_point deadline) {
  if (access(options.chromium.c_str(), X_OK) != 0)
    return config::Status::Unavailable("cannot run Chromium at " +
                                       options.chromium + ": " +
                                       std::strerror(errno));
  // Writing to the pipe of a browser that just died must be an EPIPE error,
  // not a signal that ends the crawler.
  struct sigaction old_action;
  if (sigaction(SIGPIPE, nullptr, &old_action) == 0 &&
      old_action.sa_handler == SIG_DFL)
    signal(SIGPIPE, SIG_IGN);

  std::unique_ptr<Browser> browser(new Browser());
  const char* tmp = getenv("TMPDIR");
  const std::string tmp_dir = tmp && *tmp ? tmp : "/tmp";
  SweepStaleProfiles(tmp_dir);
  // The pid in the name lets a later run tell a profile whose crawlbox was
  // killed (kill -9 runs no destructor) from one still in use.
  std::string pattern =
      tmp_dir + "/crawlbox-render-" + std::to_string(getpid()) + "-XXXXXX";
  std::vector<char> buffer(pattern.begin(), pattern.end());
  buffer.push_back('\0');
  if (mkdtemp(buffer.data()) == nullptr)
    return config::Status::Unavailable(Errno("mkdtemp for Chromium's profile"));
  browser->dir_ = buffer.data();
  const std::string browser_tmp = browser->dir_ + "/tmp";
  if (mkdir(browser_tmp.c_str(), 0700) != 0)
    return config::Status::Unavailable(Errno("mkdir for Chromium's TMPDIR"));

  std::vector<std::string> argv = BrowserArgs(options, browser->dir_);
  browser->reader_ = std::thread(&Browser::Run, browser.get(), argv,
                                 BrowserEnvironment(browser_tmp));
  {
    std::unique_lock lock(browser->mu_);
    browser->cv_.wait(lock, [&] { return browser->launch_done_; });
    if (!browser->launch_error_.empty())
      return config::Status::Unavailable(browser->launch_error_);
  }
  Reply version =
      browser->Call("Browser.getVersion", json::object(), "", deadline);
  if (version.outcome != Outcome::kOk)
    return config::Status::Unavailable(
        "Chromium at " + options.chromium +
        " did not answer on its DevTools pipe: " + version.error);
  // Target.targetCrashed events need target discovery.
  Reply discover = browser->Call("Target.setDiscoverTargets",
                                 json{{"discover", true}}, "", deadline);
  if (discover.outcome != Outcome::kOk)
    return config::Status::Unavailable(
        "Chromium at " + options.chromium +
        ": Target.setDiscoverTargets failed: " + discover.error);
  return browser;
}

void Browser::Run(std::vector<std::string> args, std::vector<std::string> env) {
  int to_child[2] = {-1, -1};    // the browser reads commands (its fd 3)
  int from_child[2] = {-1, -1};  // the browser writes answers (its fd 4)
  std::string error;
  if (pipe2(to_child, O_CLOEXEC) != 0 || pipe2(from_child, O_CLOEXEC) != 0)
    error = Errno("pipe for Chromium");
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (std::string& entry : env) envp.push_back(entry.data());
  envp.push_back(nullptr);
  // Chromium (and Debian's wrapper script) write a stream of harmless noise
  // (D-Bus, GPU) to stdout/stderr, which are the crawler's log.
  int null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
  pid_t parent = getpid();
  pid_t pid = -1;
  if (error.empty()) {
    pid = fork();
    if (pid < 0) error = Errno("fork for Chromium");
  }
  if (pid == 0) {
    // Only async-signal-safe calls from here to exec.
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);  // the parent died before prctl
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    signal(SIGPIPE, SIG_DFL);
    // Move the ends above 4 first: a pipe end may itself be fd 3 or 4.
    int in = fcntl(to_child[0], F_DUPFD, 10);
    int out = fcntl(from_child[1], F_DUPFD, 10);
    int quiet = null_fd >= 0 ? fcntl(null_fd, F_DUPFD, 10) : -1;
    if (in < 0 || out < 0 || dup2(in, 3) < 0 || dup2(out, 4) < 0) _exit(127);
    if (quiet >= 0) {
      dup2(quiet, 0);
      dup2(quiet, 1);
      dup2(quiet, 2);
    }
    syscall(SYS_close_range, 5u, ~0u, 0u);
    execve(argv[0], argv.data(), envp.data());
    _exit(127);
  }
  if (null_fd >= 0) close(null_fd);
  if (pid > 0) {
    setpgid(pid, pid);  // also here, so the group exists before any kill
    close(to_child[0]);
    close(from_child[1]);
  } else {
    for (int fd : {to_child[0], to_child[1], from_child[0], from_child[1]})
      if (fd >= 0) close(fd);
  }
  {
    std::lock_guard lock(mu_);
    launch_done_ = true;
    launch_error_ = error;
    if (error.empty()) {
      pid_ = pid;
      to_browser_ = to_child[1];
      from_browser_ = from_child[0];
    } else {
      dead_ = true;
      dead_why_ = error;
    }
  }
  cv_.notify_all();
  if (!error.empty()) return;

  std::string buffer;
  char chunk[65536];
  while (true) {
    // Polled, so that a killed browser whose pipe some straggler still holds
    // open cannot keep this thread (and the destructor joining it) waiting.
    pollfd ready = {from_browser_, POLLIN, 0};
    int polled = poll(&ready, 1, 200);
    if (polled < 0 && errno != EINTR) break;
    if (polled <= 0) {
      std::lock_guard lock(write_mu_);
      if (killed_) break;
      continue;
    }
    ssize_t n = read(from_browser_, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    // What was kept from before holds no '\0': only the new bytes are
    // searched, so a DOM of many megabytes is not rescanned per chunk.
    size_t search = buffer.size();
    buffer.append(chunk, static_cast<size_t>(n));
    size_t start = 0;
    for (size_t end; (end = buffer.find('\0', search)) != std::string::npos;
         start = search = end + 1)
      Dispatch(std::string_view(buffer).substr(start, end - start));
    buffer.erase(0, start);
  }
  MarkDead("Chromium exited (its DevTools pipe closed)");
}

void Browser::Dispatch(std::string_view text) {
  json message = json::parse(text.begin(), text.end(), nullptr, false);
  if (!message.is_object()) return;
  auto id = message.find("id");
  std::unique_lock lock(mu_);
  if (id != message.end() && id->is_number_integer()) {
    auto it = pending_.find(id->get<int64_t>());
    if (it == pending_.end()) return;  // its caller gave up
    *it->second = std::move(message);
    pending_.erase(it);
    cv_.notify_all();
    return;
  }
  std::string method = StringField(message, "method");
  if (method.empty()) return;
  std::string session = StringField(message, "sessionId");
  json params = message.contains("params") ? message["params"] : json::object();
  // A crashed or detached target never answers again: its waiters must wake.
  std::string gone;
  if (method == "Inspector.targetCrashed" || method == "Inspector.detached") {
    gone = session;
  } else if (method == "Target.targetCrashed") {
    auto it = session_of_target_.find(StringField(params, "targetId"));
    if (it != session_of_target_.end()) gone = it->second;
  } else if (method == "Target.detachedFromTarget") {
    gone = StringField(params, "sessionId");
  }
  if (!gone.empty()) {
    gone_sessions_.insert(gone);
    handlers_.erase(gone);
    forward_to_.erase(gone);
    cv_.notify_all();
    return;
  }
  if (auto by_session = handlers_.find(session);
      by_session != handlers_.end()) {
    if (auto it = by_session->second.find(method);
        it != by_session->second.end()) {
      // Outside the lock: the handler posts (which takes it) and asks the
      // job's gate, whose locks must not nest inside ours.
      std::shared_ptr<EventHandler> handler = it->second;
      lock.unlock();
      (*handler)(Event{std::move(method), std::move(params), session});
      return;
    }
  }
  auto forward = forward_to_.find(session);
  auto queue =
      events_.find(forward == forward_to_.end() ? session : forward->second);
  if (queue == events_.end()) return;
  queue->second.push_back(
      Event{std::move(method), std::move(params), std::move(session)});
  cv_.notify_all();
}

bool Browser::Send(const json& message) {
  std::string bytes = Dump(message);
  bytes.push_back('\0');
  std::lock_guard lock(write_mu_);
  if (killed_ || to_browser_ < 0) return false;
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = write(to_browser_, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

bool Browser::Post(std::string_view method, json params,
                   const std::string& session_id) {
  json message = {{"method", method}, {"params", std::move(params)}};
  if (!session_id.empty()) message["sessionId"] = session_id;
  {
    std::lock_guard lock(mu_);
    if (dead_) return false;
    // An id no caller waits for: Dispatch drops the answer.
    message["id"] = next_id_++;
  }
  return Send(message);
}

Browser::Reply Browser::Call(std::string_view method, json params,
                             const std::string& session_id,
                             Clock::time_point deadline) {
  Reply reply;
  auto answer = std::make_shared<json>();
  json message = {{"method", method}, {"params", std::move(params)}};
  if (!session_id.empty()) message["sessionId"] = session_id;
  {
    std::lock_guard lock(mu_);
    if (dead_) {
      reply.error = dead_why_;
      return reply;
    }
    if (!session_id.empty() && gone_sessions_.count(session_id)) {
      reply.error = "the tab crashed or was closed";
      return reply;
    }
    message["id"] = next_id_;
    pending_[next_id_++] = answer;
  }
  int64_t id = message["id"].get<int64_t>();
  if (!Send(message)) {
    MarkDead("writing to Chromium's DevTools pipe failed");
    reply.error = "Chromium's DevTools pipe is closed";
    return reply;
  }
  std::unique_lock lock(mu_);
  bool answered = cv_.wait_until(lock, deadline, [&] {
    return !answer->is_null() || dead_ ||
           (!session_id.empty() && gone_sessions_.count(session_id));
  });
  if (answer->is_null()) {
    pending_.erase(id);
    if (!answered) {
      reply.outcome = Outcome::kTimeout;
      reply.error = std::string(method) + " got no answer in time";
    } else {
      reply.error = dead_ ? dead_why_ : "the tab crashed or was closed";
    }
    return reply;
  }
  if (answer->contains("error")) {
    reply.outcome = Outcome::kError;
    reply.error =
        std::string(method) + ": " + StringField((*answer)["error"], "message");
    return reply;
  }
  reply.outcome = Outcome::kOk;
  if (answer->contains("result")) reply.result = std::move((*answer)["result"]);
  return reply;
}

void Browser::Watch(const std::string& session_id,
                    const std::string& target_id) {
  std::lock_guard lock(mu_);
  events_[session_id];
  session_of_target_[target_id] = session_id;
}

void Browser::Handle(const std::string& session_id, const std::string& method,
                     EventHandler handler) {
  std::lock_guard lock(mu_);
  handlers_[session_id][method] =
      std::make_shared<EventHandler>(std::move(handler));
}

void Browser::Forward(const std::string& child, const std::string& parent) {
  std::lock_guard lock(mu_);
  forward_to_[child] = parent;
}

void Browser::Unwatch(const std::string& session_id) {
  std::lock_guard lock(mu_);
  events_.erase(session_id);
  handlers_.erase(session_id);
  forward_to_.erase(session_id);
  std::erase_if(forward_to_,
                [&](const auto& entry) { return entry.second == session_id; });
  for (auto it = session_of_target_.begin(); it != session_of_target_.end();)
    it = it->second == session_id ? session_of_target_.erase(it) : ++it;
}

void Browser::DropEvents(const std::string& session_id) {
  std::lock_guard lock(mu_);
  auto it = events_.find(session_id);
  if (it != events_.end()) it->second.clear();
}

Browser::Outcome Browser::NextEvent(const std::string& session_id,
                                    Clock::time_point deadline, Event* event) {
  std::unique_lock lock(mu_);
  auto ready = [&] {
    auto it = events_.find(session_id);
    return (it != events_.end() && !it->second.empty()) || dead_ ||
           gone_sessions_.count(session_id) > 0;
  };
  if (!cv_.wait_until(lock, deadline, ready)) return Outcome::kTimeout;
  auto it = events_.find(session_id);
  if (it != events_.end() && !it->second.empty()) {
    *event = std::move(it->second.front());
    it->second.pop_front();
    return Outcome::kOk;
  }
  return Outcome::kGone;
}

bool Browser::SessionGone(const std::string& session_id) const {
  std::lock_guard lock(mu_);
  return dead_ || gone_sessions_.count(session_id) > 0;
}

bool Browser::alive() const {
  std::lock_guard lock(mu_);
  return !dead_;
}

void Browser::MarkDead(const std::string& why) {
  {
    std::lock_guard lock(mu_);
    if (!dead_) {
      dead_ = true;
      dead_why_ = why;
    }
  }
  cv_.notify_all();
}

void Browser::Kill() {
  {
    std::lock_guard lock(write_mu_);
    if (!killed_ && pid_ > 0) kill(-pid_, SIGKILL);
    killed_ = true;
  }
  MarkDead("Chromium was stopped");
}

Browser::~Browser() {
  Kill();
  if (reader_.joinable()) reader_.join();  // the pipe closes as the group dies
  if (pid_ > 0) {
    while (waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
    }
  }
  if (to_browser_ >= 0) close(to_browser_);
  if (from_browser_ >= 0) close(from_browser_);
  if (!dir_.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
}

}  // namespace crawlbox::crawler
