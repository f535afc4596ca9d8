// The machine's processes as /proc tells them, for tests that must show no
// browser outlives a crawler (killed or not) and that find a crawler's browser
// to kill it.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <set>
#include <string>
#include <vector>

namespace crawlbox::testing {

// One live process. Zombies are left out: a killed browser reparented to an
// init that does not reap stays one, but runs nothing.
struct ProcessInfo {
  pid_t pid = 0;
  pid_t ppid = 0;
  pid_t pgrp = 0;
  std::string comm;     // the name, at most 15 bytes
  std::string cmdline;  // arguments joined by spaces; "" for a kernel thread
};

// Every live process; a process that exits while it is read is left out.
std::vector<ProcessInfo> LiveProcesses();

// Live processes with "chromium" in their command line whose parent is
// `parent`: the browsers a crawler launched (Debian's wrapper script execs
// the browser, so the pid stays that of the fork).
std::vector<pid_t> ChildBrowsers(pid_t parent);

// Live processes that belong to a browser: in one of the process `groups`
// (each browser leads one), descending from `ancestor` with "chrom" in their
// name, or with `marker` (e.g. the temporary directory holding the browser's
// profile) in their command line when it is not "". Each as "pid comm".
// All of these only read /proc and may be called from any thread.
std::vector<std::string> BrowserProcesses(const std::set<pid_t>& groups,
                                          pid_t ancestor,
                                          const std::string& marker);

// Polls BrowserProcesses until it is empty; returns what is left after
// `timeout` (empty on success).
std::vector<std::string> WaitForNoBrowser(const std::set<pid_t>& groups,
                                          pid_t ancestor,
                                          const std::string& marker,
                                          std::chrono::milliseconds timeout);

}  // namespace crawlbox::testing
