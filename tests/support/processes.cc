// Reading /proc: stat for the parent and the process group (after the last
// ')', since a name may hold spaces and parentheses), cmdline for the
// arguments.
#include "tests/support/processes.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>
#include <thread>

namespace crawlbox::testing {

std::vector<ProcessInfo> LiveProcesses() {
  std::vector<ProcessInfo> out;
  std::error_code error;
  for (const auto& entry :
       std::filesystem::directory_iterator("/proc", error)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != name.npos)
      continue;
    std::ifstream stat(entry.path() / "stat");
    std::string line;
    if (!std::getline(stat, line)) continue;
    const size_t open = line.find('('), close = line.rfind(')');
    if (open == std::string::npos || close == std::string::npos) continue;
    ProcessInfo p;
    p.pid = static_cast<pid_t>(std::atoi(name.c_str()));
    p.comm = line.substr(open + 1, close - open - 1);
    char state = '?';
    std::istringstream rest(line.substr(close + 1));
    rest >> state >> p.ppid >> p.pgrp;
    if (!rest || state == 'Z' || state == 'X') continue;
    std::ifstream cmdline(entry.path() / "cmdline", std::ios::binary);
    p.cmdline.assign(std::istreambuf_iterator<char>(cmdline),
                     std::istreambuf_iterator<char>());
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
