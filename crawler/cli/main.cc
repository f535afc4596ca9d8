// The crawlbox program: subcommands run, check, extract, query, export,
// export-warc, serve, ctl, master, worker.

#include <CLI/CLI.hpp>
#include <cstdio>
#include <map>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "config/log.h"
#include "crawler/cli/commands.h"
#include "crawler/fetch/fetcher.h"

namespace {

using crawlbox::storage::OutputFormat;

int Main(int argc, char** argv) {
  CLI::App app{
      "crawlbox: crawl jobs described in TOML files, records into SQLite.",
      "crawlbox"};
  app.require_subcommand(1);
  bool verbose = false;
  app.add_flag("-v,--verbose", verbose,
               "Log debug messages (each fetch error, retry, ...)");

  // `run` and `master` crawl a job the same way: job, database, progress
  // line and status page.
  auto add_crawl_options = [](CLI::App* cmd, crawlbox::crawler::RunArgs* a) {
    cmd->add_option("JOB", a->job_file, "Job file (TOML)")->required();
    cmd->add_option("--db", a->db,
                    "Database file (default: the job's job.database)");
    cmd->add_flag("-q,--quiet", a->quiet, "No progress line");
    auto* no_status_flag = cmd->add_flag("--no-status", a->no_status,
                                         "Do not serve the status page");
    cmd->add_option("--status-addr", a->status_addr,
                    "Serve the status page on HOST:PORT (port 0: any free "
                    "port; default: the job's [status], 127.0.0.1:0)")
        ->excludes(no_status_flag);
    cmd->add_option(
        "--status-token", a->status_token,
        "Token every status request must carry (required beyond loopback)");
  };

  crawlbox::crawler::RunArgs run;
  CLI::App* run_cmd = app.add_subcommand(
      "run", "Run (or resume) the crawl a job file describes");
  add_crawl_options(run_cmd, &run);
  auto* fresh_flag = run_cmd->add_flag(
      "--fresh", run.fresh,
      "Start over: delete the frontier, pages and records first");
  run_cmd
      ->add_flag("--recrawl", run.recrawl,
                 "Revisit every known page (If-None-Match / "
                 "If-Modified-Since); report new, changed, unchanged, gone")
      ->excludes(fresh_flag);

  crawlbox::crawler::ReextractArgs reextract;
  CLI::App* reextract_cmd = app.add_subcommand(
      "reextract",
      "Re-run a job's (edited) rules over the stored bodies, without the "
      "network, and replace the records in one transaction");
  reextract_cmd->add_option("DB", reextract.db, "Database file")->required();
  reextract_cmd->add_option(
      "JOB", reextract.job_file,
      "Job file with the rules (default: the job of the database's last run)");

  crawlbox::crawler::ServeArgs serve;
  CLI::App* serve_cmd = app.add_subcommand(
      "serve",
      "Serve the status page of a database (running or finished) until "
      "Ctrl-C");
  serve_cmd->add_option("DB", serve.db, "Database file")->required();
  serve_cmd->add_option("--addr", serve.addr,
                        "HOST:PORT to listen on (default 127.0.0.1:0, any "
                        "free port)");
  serve_cmd->add_option(
      "--status-token", serve.token,
      "Token every request must carry (required beyond loopback)");

  crawlbox::crawler::CtlArgs ctl;
  CLI::App* ctl_cmd = app.add_subcommand(
      "ctl",
      "Control a running crawl through its status page: pause, resume, stop, "
      "set KEY=VALUE, seed URL, pause-host HOST, resume-host HOST, show");
  ctl_cmd
      ->add_option("TARGET", ctl.target,
                   "The crawl's database file, or its status page's URL")
      ->required();
  ctl_cmd->add_option("ACTION", ctl.action, "What to do")->required();
  ctl_cmd->add_option("ARG", ctl.argument,
                      "KEY=VALUE for set (politeness.delay_ms, "
                      "politeness.per_host_concurrency, fetch.concurrency or "
                      "any limits.* key; scope.deny+=P adds a deny pattern, "
                      "scope.deny-=P removes one), URL for seed, HOST for "
                      "pause-host and resume-host");
  ctl_cmd->add_option("--token", ctl.token,
                      "The status token (else $CRAWLBOX_STATUS_TOKEN)");

  // Both ends of distributed mode reach Redis the same way.
  auto add_redis_options = [](CLI::App* cmd, std::string* url,
                              std::string* password_file, int* timeout_s) {
    cmd->add_option("--redis", *url,
                    "redis://[[user]:password@]host[:port][/db]")
        ->required();
    cmd->add_option("--redis-password-file", *password_file,
                    "Read the Redis password from this file's first line "
                    "(else the URL's, else $CRAWLBOX_REDIS_PASSWORD)");
    cmd->add_option("--redis-timeout-s", *timeout_s,
                    "Give up (exit 1) when Redis has been unreachable this "
                    "long; shorter outages are ridden out (default 300)")
        ->check(CLI::Range(1, 86'400));
  };

  crawlbox::crawler::MasterArgs master;
  CLI::App* master_cmd = app.add_subcommand(
      "master",
      "Run a job's crawl with workers on other machines doing the fetching "
      "(through Redis); this process owns the database");
  add_crawl_options(master_cmd, &master.run);
  add_redis_options(master_cmd, &master.redis_url, &master.redis_password_file,
                    &master.redis_timeout_s);
  master_cmd->add_flag("--recrawl", master.run.recrawl,
                       "Revisit every known page, as `run --recrawl` does");
  master_cmd
      ->add_option("--lease-ms", master.lease_ms,
                   "Hand a task out again when its worker has been silent "
                   "this long (default 30000)")
      ->check(CLI::Range(int64_t{100}, int64_t{86'400'000}));
  master_cmd
      ->add_option("--heartbeat-misses", master.heartbeat_misses,
                   "Declare a worker lost when it misses this many heartbeats "
                   "(one a second) and hand its tasks out again at once "
                   "(default 3)")
      ->check(CLI::Range(1, 3600));
  master_cmd
      ->add_option("--max-outstanding", master.max_outstanding,
                   "Tasks handed out at once at most (default: max(256, 8 x "
                   "fetch.concurrency))")
      ->check(CLI::Range(0, 1'000'000));
  master_cmd->add_flag("--take-over", master.take_over,
                       "Take the job from the master running it (same job "
                       "and database, e.g. moved to this machine); that one "
                       "stops within a second");

  crawlbox::crawler::WorkerArgs worker;
  CLI::App* worker_cmd = app.add_subcommand(
      "worker",
      "Fetch and parse for a master: tasks from Redis, results back to it");
  add_redis_options(worker_cmd, &worker.redis_url, &worker.redis_password_file,
                    &worker.redis_timeout_s);
  worker_cmd->add_option("--job", worker.job,
                         "The job to work on (default: the one published)");
  worker_cmd
      ->add_option("--concurrency", worker.concurrency,
                   "Transfers in flight (default: the job's fetch.concurrency)")
      ->check(CLI::Range(1, 10'000));
  worker_cmd->add_flag("--no-render", worker.no_render,
                       "Take no render tasks (pages the job renders in "
                       "Chromium); other workers do them");
  worker_cmd->add_flag("--forever", worker.forever,
                       "When a job is over, wait for the next one on the "
                       "same Redis (for a service); SIGTERM ends it with "
                       "exit 0");

  std::string check_job;
  CLI::App* check_cmd =
      app.add_subcommand("check",
                         "Validate a job file: exit 0 when valid, 2 with every "
                         "problem listed otherwise");
  check_cmd->add_option("JOB", check_job, "Job file (TOML)")->required();

  crawlbox::crawler::ExtractArgs extract;
  CLI::App* extract_cmd =
      app.add_subcommand("extract",
                         "Run a job's rules on one URL or saved file and print "
                         "the records as JSON Lines");
  extract_cmd->add_option("JOB", extract.job_file, "Job file (TOML)")
      ->required();
  auto* url_opt =
      extract_cmd->add_option("--url", extract.url, "Fetch this URL");
  auto* file_opt = extract_cmd->add_option("--file", extract.file,
                                           "Read this saved page instead");
  auto* base_opt = extract_cmd->add_option("--base-url", extract.base_url,
                                           "The URL the saved page came from");
  extract_cmd->add_option("--rule", extract.rule,
                          "Run only this rule, whatever its URL pattern");
  extract_cmd->add_flag("--links", extract.links,
                        "Print the links and requests (JSON lines) the rules "
                        "follow instead");
  auto* seed_opt = extract_cmd->add_option(
      "--seed", extract.seed,
      "Use the job's start point of this index (0 = the first start URL or "
      "request, as `crawlbox check` counts them)");
  extract_cmd->add_option("--method", extract.method,
                          "Send this HTTP method (with --url or --seed)");
  extract_cmd->add_option("-H,--header", extract.headers,
                          "Add a request header \"Name: value\" (repeatable)");
  extract_cmd->add_option("--data", extract.data,
                          "Send this request body (POST unless --method)");
  extract_cmd->add_flag("--json", extract.json,
                        "The saved --file is JSON (application/json)");
  auto* render_opt = extract_cmd->add_flag(
      "--render", extract.render,
      "Load the page in headless Chromium ([render] settings), as a render "
      "rule would; pages a render rule matches are rendered anyway");
  url_opt->excludes(file_opt);
  seed_opt->excludes(url_opt);
  seed_opt->excludes(file_opt);
  render_opt->excludes(file_opt);
  file_opt->needs(base_opt);
  base_opt->needs(file_opt);

  const std::map<std::string, OutputFormat> query_formats = {
      {"table", OutputFormat::kTable},
      {"csv", OutputFormat::kCsv},
      {"json", OutputFormat::kJson}};
  const std::map<std::string, OutputFormat> export_formats = {
      {"csv", OutputFormat::kCsv}, {"jsonl", OutputFormat::kJsonl}};
  std::string query_db, query_sql;
  OutputFormat query_format = OutputFormat::kTable;
  CLI::App* query_cmd = app.add_subcommand(
      "query", "Run one read-only SQL statement on a database");
  query_cmd->add_option("DB", query_db, "Database file")->required();
  query_cmd
      ->add_option("SQL", query_sql,
                   "SQL statement, e.g. \"select count(*) from board\"")
      ->required();
  query_cmd->add_option("--format", query_format, "table | csv | json")
      ->transform(CLI::CheckedTransformer(query_formats, CLI::ignore_case));

  std::string export_db, export_rule, export_output;
  OutputFormat export_format = OutputFormat::kCsv;
  CLI::App* export_cmd = app.add_subcommand(
      "export", "Write a rule's records as CSV or JSON Lines");
  export_cmd->add_option("DB", export_db, "Database file")->required();
  export_cmd->add_option("RULE", export_rule, "Rule name (its view)")
      ->required();
  export_cmd->add_option("--format", export_format, "csv | jsonl")
      ->transform(CLI::CheckedTransformer(export_formats, CLI::ignore_case));
  export_cmd->add_option("-o,--output", export_output,
                         "Output file (default: standard output)");

  crawlbox::crawler::ExportWarcArgs export_warc;
  CLI::App* export_warc_cmd = app.add_subcommand(
      "export-warc",
      "Write the pages a database stored ([store] bodies) as WARC files, "
      "rebuilt from their rows: not the bytes as received");
  export_warc_cmd->add_option("DB", export_warc.db, "Database file")
      ->required();
  export_warc_cmd->add_option(
      "-o,--output", export_warc.out,
      "Folder for the files (default: <DB less .db>-export-warc)");
  export_warc_cmd->add_option("--prefix", export_warc.prefix,
                              "File name prefix (default: export)");
  export_warc_cmd
      ->add_option("--max-bytes", export_warc.max_bytes,
                   "Begin a new file at this size (default: 1000000000)")
      ->check(CLI::Range(uint64_t{1'000'000}, uint64_t{1'000'000'000'000}));

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return crawlbox::crawler::kExitBadInput;
  }
  if (verbose)
    crawlbox::config::SetLogLevel(crawlbox::config::LogLevel::kDebug);
  if (*extract_cmd && extract.url.empty() && extract.file.empty() &&
      extract.seed < 0) {
    std::fprintf(stderr,
                 "crawlbox extract: give --url URL, --seed N or --file FILE "
                 "--base-url URL\n");
    return crawlbox::crawler::kExitBadInput;
  }

  if (*run_cmd) return crawlbox::crawler::CmdRun(run);
  if (*check_cmd) return crawlbox::crawler::CmdCheck(check_job);
  if (*master_cmd) return crawlbox::crawler::CmdMaster(master);
  if (*worker_cmd) return crawlbox::crawler::CmdWorker(worker);
  if (*serve_cmd) return crawlbox::crawler::CmdServe(serve);
  if (*ctl_cmd) return crawlbox::crawler::CmdCtl(ctl);
  if (*reextract_cmd) return crawlbox::crawler::CmdReextract(reextract);
  if (*extract_cmd) return crawlbox::crawler::CmdExtract(extract);
  if (*query_cmd)
    return crawlbox::crawler::CmdQuery(query_db, query_sql, query_format);
  if (*export_warc_cmd) return crawlbox::crawler::CmdExportWarc(export_warc);
  if (*export_cmd) {
    return crawlbox::crawler::CmdExport(export_db, export_rule, export_format,
                                        export_output);
  }
  return crawlbox::crawler::kExitBadInput;
}

}  // namespace

int main(int argc, char** argv) {
#if defined(__GLIBC__)
  // glibc raises its mmap threshold (128 KB) to the size of each large block
  // freed, up to 32 MB, after which a crawl's large, short-lived buffers (a
  // batch's links, the URLs it added) are carved from the thread arenas and
  // leave them fragmented: a million-page crawl ended with 2 to 3 MB more
  // peak RSS than with the threshold fixed, at the same CPU.
  mallopt(M_MMAP_THRESHOLD, 128 * 1024);
  // glibc's default number of arenas (one per thread) stays. Fewer arenas
  // would take memory off the peak, since each of the Fetcher, the parse
  // threads and the store node keeps its own high-water mark: on the
  // realistic 50,000-page site two arenas peaked at 32.8 MB instead of 34.6
  // and one at 31.4, and on a million-page crawl two took 0.3 to 0.5 MB off.
  // But the threads then contend for the arena locks: with two, 13% more CPU
  // a page (system time 0.82 -> 1.21 s, three times the futex calls), with
  // one, twice the system time.
#endif
  crawlbox::crawler::FetchLibraryScope curl;
  int code = 1;
  try {
    code = Main(argc, argv);
  } catch (const std::exception& e) {
    // Nothing of ours throws; this catches a library's surprise so the user
    // sees one line.
    std::fprintf(stderr, "crawlbox: internal error: %s\n", e.what());
  }
  return code;
}
