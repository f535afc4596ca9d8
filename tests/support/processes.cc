// Reading /proc: stat for the parent and the process group (after the last
// ')', since a name may hold spaces and parentheses), cmdline for the
// arguments.
#include "tests/support/processes.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <sstream>
#include <thread>

namespace crawlbox::testing {
namespace {

// The whole of a /proc file, or "" when it cannot be read. POSIX reads, not
// streams: libstdc++'s filebuf throws when a read fails, and reading the file
// of a process that just exited fails with ESRCH.
std::string ReadProcFile(const std::filesystem::path& path) {
  std::string text;
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return text;
  char buffer[4096];
  ssize_t n;
  while ((n = read(fd, buffer, sizeof buffer)) > 0)
    text.append(buffer, static_cast<size_t>(n));
  close(fd);
  return n < 0 ? std::string() : text;
}

}  // namespace

std::vector<ProcessInfo> LiveProcesses() {
  std::vector<ProcessInfo> out;
  std::error_code error;
  for (const auto& entry :
       std::filesystem::directory_iterator("/proc", error)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != name.npos)
      continue;
    const std::string line = ReadProcFile(entry.path() / "stat");
    const size_t lparen = line.find('('), rparen = line.rfind(')');
    if (lparen == std::string::npos || rparen == std::string::npos) continue;
    ProcessInfo p;
    p.pid = static_cast<pid_t>(std::atoi(name.c_str()));
    p.comm = line.substr(lparen + 1, rparen - lparen - 1);
    char state = '?';
    std::istringstream rest(line.substr(rparen + 1));
    rest >> state >> p.ppid >> p.pgrp;
    if (!rest || state == 'Z' || state == 'X') continue;
    p.cmdline = ReadProcFile(entry.path() / "cmdline");
    for (char& c : p.cmdline)
      if (c == '\0') c = ' ';
    out.push_back(std::move(p));
  }
  return out;
}

std::vector<pid_t> ChildBrowsers(pid_t parent) {
  std::vector<pid_t> out;
  for (const ProcessInfo& p : LiveProcesses())
    if (p.ppid == parent && p.cmdline.find("chromium") != std::string::npos)
      out.push_back(p.pid);
  return out;
}

std::vector<std::string> BrowserProcesses(const std::set<pid_t>& groups,
                                          pid_t ancestor,
                                          const std::string& marker) {
  const std::vector<ProcessInfo> all = LiveProcesses();
  std::map<pid_t, pid_t> parent_of;
  for (const ProcessInfo& p : all) parent_of[p.pid] = p.ppid;
  std::vector<std::string> found;
  for (const ProcessInfo& p : all) {
    bool ours =
        groups.contains(p.pgrp) ||
        (!marker.empty() && p.cmdline.find(marker) != std::string::npos);
    if (!ours && p.comm.find("chrom") != std::string::npos) {
      pid_t up = p.ppid;
      for (int hops = 0; up > 1 && hops < 64 && !ours; ++hops) {
        ours = up == ancestor;
        auto it = parent_of.find(up);
        up = it == parent_of.end() ? 0 : it->second;
      }
    }
    if (ours) found.push_back(std::to_string(p.pid) + " " + p.comm);
  }
  return found;
}

std::vector<std::string> WaitForNoBrowser(const std::set<pid_t>& groups,
                                          pid_t ancestor,
                                          const std::string& marker,
                                          std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::vector<std::string> left = BrowserProcesses(groups, ancestor, marker);
  while (!left.empty() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    left = BrowserProcesses(groups, ancestor, marker);
  }
  return left;
}

}  // namespace crawlbox::testing
