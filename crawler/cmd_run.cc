// `crawlbox run JOB`: the crawl with a progress line, graceful stop on
// SIGINT/SIGTERM.
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <string>

#include "config/log.h"
#include "crawler/commands.h"
#include "crawler/engine.h"
#include "storage/store.h"

namespace crawlbox::crawler {

namespace {

std::atomic<int> g_stop_signals{0};

void OnStopSignal(int) { g_stop_signals.fetch_add(1); }

void InstallStopHandlers() {
  struct sigaction sa = {};
  sa.sa_handler = OnStopSignal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

}  // namespace

int CmdRun(const RunArgs& args) {
  config::Job job;
  std::unique_ptr<parser::PageParser> parser;
  if (!LoadJobOrReport(args.job_file, &job, &parser)) return kExitBadInput;
  const std::string db = args.db.empty() ? job.database : args.db;

  auto store = storage::Store::Open(db);
  if (!store.ok()) {
    std::fprintf(stderr, "crawlbox: cannot open database: %s\n",
                 store.status().ToString().c_str());
    return kExitFailure;
  }
  InstallStopHandlers();
  const bool tty = isatty(STDERR_FILENO) != 0;
  EngineOptions options;
  options.stop_signals = &g_stop_signals;
  if (!args.quiet) {
    options.on_progress = [tty](const Progress& p) {
      std::fprintf(stderr,
                   "%s%lld pages, %lld items, %lld errors, %zu queued, %zu in "
                   "flight, %.1f s, %.0f pages/s%s",
                   tty ? "\r\033[K" : "", static_cast<long long>(p.pages),
                   static_cast<long long>(p.items),
                   static_cast<long long>(p.errors), p.queued, p.in_flight,
                   p.seconds, p.seconds > 0 ? p.pages / p.seconds : 0.0,
                   tty ? "" : "\n");
    };
  }
  std::fprintf(stderr, "crawlbox: job '%s' → %s\n", job.name.c_str(),
               db.c_str());
  Engine engine(job, *parser, store->get(), options);
  auto summary = engine.Run();
  if (tty && !args.quiet) std::fprintf(stderr, "\n");
  if (!summary.ok()) {
    std::fprintf(stderr, "crawlbox: crawl failed: %s\n",
                 summary.status().ToString().c_str());
    return kExitFailure;
  }
  std::fprintf(
      stderr,
      "crawlbox: %s: %lld pages (%lld failed), %lld items, %.1f MB in %.2f s "
      "(%.0f pages/s); %zu URLs left queued\n",
      summary->state.c_str(), static_cast<long long>(summary->pages),
      static_cast<long long>(summary->failed),
      static_cast<long long>(summary->items), summary->bytes / 1e6,
      summary->seconds,
      summary->seconds > 0 ? summary->pages / summary->seconds : 0.0,
      summary->left_queued);
  if (!summary->limit_reached.empty()) {
    std::fprintf(stderr, "crawlbox: stopped early by limits.%s\n",
                 summary->limit_reached.c_str());
  }
  if (summary->state == "stopped") {
    std::fprintf(
        stderr,
        "crawlbox: stopped; run `crawlbox run %s%s%s` again to resume\n",
        args.job_file.c_str(), args.db.empty() ? "" : " --db ",
        args.db.c_str());
    return kExitStopped;
  }
  return kExitOk;
}

}  // namespace crawlbox::crawler
