// `crawlbox master JOB --redis URL`: the crawl of a job with workers doing the
// fetching; progress and fleet lines on stderr, the status page with the
// fleet, graceful stop on SIGINT/SIGTERM.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>

#include "crawler/cli/commands.h"
#include "crawler/cli/progress_line.h"
#include "crawler/cli/run_start.h"
#include "crawler/cli/run_status.h"
#include "crawler/cli/stop_signals.h"
#include "crawler/fleet/master.h"
#include "crawler/fleet/master_lock.h"
#include "crawler/fleet/redis_client.h"
#include "storage/fleet_epochs.h"
#include "storage/reader.h"
#include "storage/store.h"

namespace crawlbox::crawler {

namespace {

// "3 workers (2 working, 1 lost, 0 left), 120 tasks pending, 4 claimed back,
// 0 duplicate results".
std::string FleetLine(const FleetStatus& fleet) {
  int working = 0, lost = 0, left = 0;
  for (const WorkerStatus& w : fleet.workers) {
    if (w.state == "lost") {
      ++lost;
    } else if (w.state == "left") {
      ++left;
    } else {
      ++working;
    }
  }
  return std::to_string(fleet.workers.size()) + " workers (" +
         std::to_string(working) + " working, " + std::to_string(lost) +
         " lost, " + std::to_string(left) + " left), " +
         std::to_string(fleet.pending) + " tasks pending, " +
         std::to_string(fleet.reclaimed) + " claimed back, " +
         std::to_string(fleet.duplicates) + " duplicate results";
}

// The fleet as the status page shows it.
web::FleetData FleetRows(const FleetStatus& fleet) {
  web::FleetData out;
  out.distributed = true;
  out.epoch = fleet.epoch;
  out.pending = fleet.pending;
  out.dispatched = fleet.dispatched;
  out.reclaimed = fleet.reclaimed;
  out.reclaimed_lost = fleet.reclaimed_lost;
  out.results = fleet.results;
  out.duplicates = fleet.duplicates;
  out.redis_rtt_s = fleet.redis_rtt_s;
  const int64_t now_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(
          std::chrono::system_clock::now().time_since_epoch())
          .count();
  for (const WorkerStatus& w : fleet.workers) {
    out.workers.push_back(web::WorkerRow{
        w.id, w.host, w.state, w.in_flight, w.pages, w.rate,
        std::max<int64_t>(0, now_ms - w.last_seen_ms) / 1000.0, w.joined});
  }
  return out;
}

// What the master lock says of the database at `db` (read-only: another
// master may be writing it): "<job>@<start of its first crawl run>" and the
// job of its latest run, both empty for a database not yet created.
void DescribeDatabase(const std::string& db, MasterLockOptions* lock) {
  auto reader = storage::Reader::Open(db);
  if (!reader.ok()) return;
  auto first = (*reader)->QueryAll(
      "SELECT job_name, started_at FROM crawls ORDER BY id LIMIT 1");
  auto last = (*reader)->QueryAll(
      "SELECT job_name FROM crawls ORDER BY id DESC LIMIT 1");
  if (!first.ok() || !last.ok() || first->rows.empty() || last->rows.empty())
    return;
  const auto* name = std::get_if<std::string>(&first->rows[0][0]);
  const auto* started = std::get_if<std::string>(&first->rows[0][1]);
  const auto* latest = std::get_if<std::string>(&last->rows[0][0]);
  if (name == nullptr || started == nullptr || latest == nullptr) return;
  lock->database = *name + "@" + *started;
  lock->database_job = *latest;
}

}  // namespace

int CmdMaster(const MasterArgs& args) {
  config::Job job;
  std::unique_ptr<parser::PageParser> parser;
  if (!LoadJobOrReport(args.run.job_file, &job, &parser)) return kExitBadInput;
  StatusPageSettings status_settings;
  if (!ResolveStatusPage(job, args.run, &status_settings, stderr))
    return kExitBadInput;
  RedisAddress address;
  int exit_code = kExitOk;
  if (!ResolveRedisOrReport("master", args.redis_url, args.redis_password_file,
                            &address, &exit_code)) {
    return exit_code;
  }
  // Redis and the job's lock first: a wrong password, an unreachable server
  // or a master already running the job is reported before the database is
  // touched.
  const std::string db = args.run.db.empty() ? job.database : args.run.db;
  MasterLockOptions lock_options;
  lock_options.job_name = job.name;
  lock_options.take_over = args.take_over;
  DescribeDatabase(db, &lock_options);
  auto latest_epoch = storage::LatestFleetEpoch(db);
  if (!latest_epoch.ok()) {
    std::fprintf(stderr, "crawlbox master: cannot read the database: %s\n",
                 latest_epoch.status().ToString().c_str());
    return kExitFailure;
  }
  lock_options.min_epoch = *latest_epoch;
  auto lock = MasterLock::Acquire(address, lock_options);
  if (!lock.ok()) {
    std::fprintf(stderr, "crawlbox master: %s\n",
                 lock.status().message().c_str());
    return kExitFailure;
  }
  auto store = storage::Store::Open(db);
  if (!store.ok()) {
    std::fprintf(stderr, "crawlbox master: cannot open database: %s\n",
                 store.status().ToString().c_str());
    return kExitFailure;
  }
  config::Status prepared =
      PrepareRun(job, RunStart{false, args.run.recrawl}, store->get(), stderr);
  if (!prepared.ok()) {
    std::fprintf(stderr, "crawlbox master: cannot prepare the database: %s\n",
                 prepared.ToString().c_str());
    return kExitFailure;
  }

  MasterOptions options;
  options.redis = address;
  options.lease = std::chrono::milliseconds(args.lease_ms);
  options.max_outstanding = args.max_outstanding;
  options.heartbeat_misses = args.heartbeat_misses;
  options.redis_timeout = std::chrono::seconds(args.redis_timeout_s);
  options.lock = lock->get();
  options.engine.stop_signals = InstallStopHandlers();
  ProgressLine progress(stderr, isatty(STDERR_FILENO) != 0, job.limits);
  Master* running = nullptr;
  auto last_fleet = std::chrono::steady_clock::now();
  if (!args.run.quiet) {
    options.engine.on_progress = [&](const RunSnapshot& p) {
      progress.Update(p);
      const auto now = std::chrono::steady_clock::now();
      if (running != nullptr &&
          now - last_fleet >= ProgressLine::kPlainInterval) {
        last_fleet = now;
        progress.Finish();
        std::fprintf(stderr, "crawlbox master: %s\n",
                     FleetLine(running->fleet()).c_str());
      }
    };
  }
  std::fprintf(stderr, "crawlbox master: job '%s' → %s, tasks on %s\n",
               job.name.c_str(), db.c_str(), address.Redacted().c_str());
  // The master's Frontier feeds every worker: a control applies fleet-wide.
  RunControl control(job, *parser);
  control.SetDistributed(true);
  options.engine.control = &control;
  Master master(job, *parser, store->get(), options);
  running = &master;
  RunStatusPage status_page(job, master.engine(), options.engine.stop_signals);
  status_page.SetControl(&control);
  status_page.SetFleet([&master] { return FleetRows(master.fleet()); });
  if (!status_page.Start(status_settings, db, stderr)) return kExitFailure;
  auto summary = master.Run();
  progress.Finish();
  status_page.Finish(summary.ok() ? summary->state : "failed");
  if (!summary.ok()) {
    std::fprintf(stderr, "crawlbox master: %s\n",
                 summary.status().message().c_str());
    return kExitFailure;
  }
  const FleetStatus fleet = master.fleet();
  std::fprintf(stderr,
               "crawlbox master: %s: %lld pages (%lld failed), %lld items in "
               "%.2f s (%.0f pages/s); %lld tasks handed out, %lld claimed "
               "back, %lld duplicate results; %lld URLs left queued\n",
               summary->state.c_str(), static_cast<long long>(summary->pages),
               static_cast<long long>(summary->failed),
               static_cast<long long>(summary->items), summary->seconds,
               summary->seconds > 0 ? summary->pages / summary->seconds : 0.0,
               static_cast<long long>(fleet.dispatched),
               static_cast<long long>(fleet.reclaimed),
               static_cast<long long>(fleet.duplicates),
               static_cast<long long>(summary->queued));
  if (summary->state == "stopped") {
    std::fprintf(stderr,
                 "crawlbox master: stopped; run the master again to resume "
                 "(workers wait for it)\n");
    return kExitStopped;
  }
  return kExitOk;
}

}  // namespace crawlbox::crawler
