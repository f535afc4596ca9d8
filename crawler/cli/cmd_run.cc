// `crawlbox run JOB`: the crawl with a progress line and the status page,
// graceful stop on SIGINT/SIGTERM.
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <string>

#include "config/log.h"
#include "crawler/cli/commands.h"
#include "crawler/cli/progress_line.h"
#include "crawler/cli/run_start.h"
#include "crawler/cli/run_status.h"
#include "crawler/cli/stop_signals.h"
#include "crawler/engine/engine.h"
#include "crawler/engine/run_control.h"
#include "storage/store.h"

namespace crawlbox::crawler {

using config::Status;

int CmdRun(const RunArgs& args) {
  config::Job job;
  std::unique_ptr<parser::PageParser> parser;
  if (!LoadJobOrReport(args.job_file, &job, &parser)) return kExitBadInput;
  StatusPageSettings status_settings;
  if (!ResolveStatusPage(job, args, &status_settings, stderr))
    return kExitBadInput;
  const std::string db = args.db.empty() ? job.database : args.db;

  auto store = storage::Store::Open(db);
  if (!store.ok()) {
    std::fprintf(stderr, "crawlbox: cannot open database: %s\n",
                 store.status().ToString().c_str());
    return kExitFailure;
  }
  Status prepared =
      PrepareRun(job, RunStart{args.fresh, args.recrawl}, store->get(), stderr);
  if (!prepared.ok()) {
    std::fprintf(stderr, "crawlbox: cannot prepare the database: %s\n",
                 prepared.ToString().c_str());
    return kExitFailure;
  }
  const std::atomic<int>* stop_signals = InstallStopHandlers();
  const bool tty = isatty(STDERR_FILENO) != 0;
  EngineOptions options;
  options.stop_signals = stop_signals;
  ProgressLine progress(stderr, tty, job.limits);
  if (!args.quiet) {
    options.on_progress = [&progress](const RunSnapshot& p) {
      progress.Update(p);
    };
  }
  std::fprintf(stderr, "crawlbox: job '%s' → %s\n", job.name.c_str(),
               db.c_str());
  RunControl control(job, *parser);
  options.control = &control;
  Engine engine(job, *parser, store->get(), options);
  RunStatusPage status_page(job, engine, stop_signals);
  status_page.SetControl(&control);
  if (!status_page.Start(status_settings, db, stderr)) return kExitFailure;
  auto summary = engine.Run();
  progress.Finish();
  status_page.Finish(summary.ok() ? summary->state : "failed");
  if (!summary.ok()) {
    std::fprintf(stderr, "crawlbox: crawl failed: %s\n",
                 summary.status().ToString().c_str());
    return kExitFailure;
  }
  std::fprintf(
      stderr,
      "crawlbox: %s: %lld pages (%lld failed), %lld items, %.1f MB in %.2f s "
      "(%.0f pages/s); %lld URLs left queued\n",
      summary->state.c_str(), static_cast<long long>(summary->pages),
      static_cast<long long>(summary->failed),
      static_cast<long long>(summary->items), summary->bytes / 1e6,
      summary->seconds,
      summary->seconds > 0 ? summary->pages / summary->seconds : 0.0,
      static_cast<long long>(summary->queued));
  if (summary->pages > 0) {
    ReportChanges(store->get(), summary->crawl_id, stderr);
  }
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
