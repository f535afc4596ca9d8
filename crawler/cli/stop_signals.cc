// An async-signal-safe counter: the handler only increments an atomic.
#include "crawler/cli/stop_signals.h"

#include <signal.h>

namespace crawlbox::crawler {

namespace {

std::atomic<int> g_stop_signals{0};

void OnStopSignal(int) { g_stop_signals.fetch_add(1); }

}  // namespace

const std::atomic<int>* InstallStopHandlers() {
  struct sigaction sa = {};
  sa.sa_handler = OnStopSignal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  return &g_stop_signals;
}

}  // namespace crawlbox::crawler
