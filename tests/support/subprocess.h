// Runs a program to completion and captures its exit code, standard output and
// standard error.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace crawlbox::testing {

struct ProcessResult {
  int exit_code =
      -1;  // exit status, or 128 + signal number when killed by a signal
  std::string out;
  std::string err;
  int64_t max_rss_kb =
      0;  // peak resident memory of the child (ChildProcess only)
};

// Runs argv[0] (a path) with the given arguments and extra environment
// variables, waiting at most `timeout_ms` (then kills it with SIGKILL and
// reports exit_code 137).
ProcessResult RunProcess(const std::vector<std::string>& argv,
                         const std::map<std::string, std::string>& env = {},
                         int timeout_ms = 120'000);

// A program running in the background, its output going to files, so a test can
// signal it while it runs. The destructor kills (SIGKILL) and reaps it if the
// test did not wait.
class ChildProcess {
 public:
  // Starts argv[0] with the arguments and extra environment; output goes to
  // files in `dir`.
  ChildProcess(const std::vector<std::string>& argv,
               const std::map<std::string, std::string>& env,
               const std::string& dir);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  int pid() const { return pid_; }
  // The files receiving its standard output and error (readable while it
  // runs).
  const std::string& out_path() const { return out_path_; }
  const std::string& err_path() const { return err_path_; }
  void Signal(int signal_number);
  // Waits up to timeout_ms for the exit (then SIGKILLs, exit_code 137) and
  // returns its outcome.
  ProcessResult Wait(int timeout_ms = 120'000);

 private:
  int pid_ = -1;
  bool reaped_ = false;
  std::string out_path_;
  std::string err_path_;
};

// Path of a program built into the build tree's root (crawlbox,
// crawlbox-testsite).
std::string BuiltProgram(const std::string& name);

}  // namespace crawlbox::testing
