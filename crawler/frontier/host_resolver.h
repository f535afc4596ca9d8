// HostResolver: the address of a host name for the Frontier's per-IP
// politeness (politeness.group_by = "ip"), looked up once per host, off the
// Frontier's lock and the fetcher thread.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "config/job.h"

namespace crawlbox::crawler {

// Answers at once what needs no DNS (a name pinned by fetch.resolve, an IP
// literal) and looks up the rest with getaddrinfo on its own threads.
// Addresses are in the canonical text form of inet_ntop ("127.0.0.1", "::1"),
// so two spellings of one address compare equal.
//
// Thread-safe. The callback runs on a resolver thread, one call per Resolve(),
// with no lock of the resolver held; it may take the caller's own locks.
class HostResolver {
 public:
  // `host` is the name as passed to Resolve(); `address` is empty when the
  // name does not resolve.
  using Callback =
      std::function<void(const std::string& host, const std::string& address)>;

  // `pins` are the job's fetch.resolve entries (copied). `threads` lookups
  // may run at once; they start on the first Resolve().
  HostResolver(const std::vector<config::ResolvePin>& pins, int threads,
               Callback on_resolved);
  // Joins the threads after their current lookup (getaddrinfo cannot be
  // interrupted: up to the system resolver's timeout). Names still waiting
  // are dropped without a callback.
  ~HostResolver();
  HostResolver(const HostResolver&) = delete;
  HostResolver& operator=(const HostResolver&) = delete;

  // The address of `host` (lowercase, an IPv6 literal in brackets) when it
  // is known without DNS: its first fetch.resolve pin in file order (any
  // port: the Frontier keys hosts without ports), or the host itself when it
  // is an IP literal. nullopt: call Resolve().
  std::optional<std::string> Lookup(const std::string& host) const;

  // Queues `host` for a lookup; the callback reports its first address.
  void Resolve(const std::string& host);

 private:
  void Loop();

  std::vector<std::pair<std::string, std::string>> pins_;  // host, address
  const int max_threads_;
  const Callback on_resolved_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> waiting_;
  std::vector<std::thread> threads_;
  int idle_ = 0;  // threads waiting for a name
  bool stopping_ = false;
};

}  // namespace crawlbox::crawler
