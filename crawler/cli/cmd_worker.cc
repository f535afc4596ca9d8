// `crawlbox worker --redis URL`: fetch and parse for a master until its job is
// over (with --forever, job after job) or a signal stops this worker. Its
// output is log lines only, never a progress line, so a journal or a file
// reads the same as a terminal.
#include <chrono>
#include <cstdio>

#include "crawler/cli/commands.h"
#include "crawler/cli/stop_signals.h"
#include "crawler/fleet/redis_client.h"
#include "crawler/fleet/worker.h"

namespace crawlbox::crawler {

int CmdWorker(const WorkerArgs& args) {
  RedisAddress address;
  int exit_code = kExitOk;
  if (!ResolveRedisOrReport("worker", args.redis_url, args.redis_password_file,
                            &address, &exit_code)) {
    return exit_code;
  }
  WorkerOptions options;
  options.redis = address;
  options.job = args.job;
  options.concurrency = args.concurrency;
  options.render = !args.no_render;
  options.forever = args.forever;
  options.redis_timeout = std::chrono::seconds(args.redis_timeout_s);
  options.stop_signals = InstallStopHandlers();
  Worker worker(options);
  auto summary = worker.Run();
  if (!summary.ok()) {
    std::fprintf(stderr, "crawlbox worker: %s\n",
                 summary.status().message().c_str());
    return kExitFailure;
  }
  std::fprintf(stderr, "crawlbox worker: %s%s%s: %lld pages\n",
               summary->id.c_str(), summary->job.empty() ? "" : ", job ",
               summary->job.c_str(), static_cast<long long>(summary->pages));
  if (summary->stopped) {
    std::fprintf(stderr, "crawlbox worker: stopped\n");
    // Stopping is how a --forever worker (a service) ends normally.
    return args.forever ? kExitOk : kExitStopped;
  }
  std::fprintf(stderr, "crawlbox worker: the job is over\n");
  return kExitOk;
}

}  // namespace crawlbox::crawler
