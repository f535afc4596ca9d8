// The subcommands of the `crawlbox` program. Each returns the process exit
// code: 0 success, 1 the work could not be done (I/O, database, network), 2 bad
// input (job file, arguments, SQL), 130 a crawl stopped by a signal
// (resumable).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "config/job.h"
#include "config/job_loader.h"
#include "crawler/fleet/redis_client.h"
#include "parser/page_parser.h"
#include "storage/result_writer.h"

namespace crawlbox::crawler {

using storage::OutputFormat;
using storage::ResultWriter;

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitBadInput = 2;
inline constexpr int kExitStopped = 130;

// Loads the job file and compiles what parser/ checks. On any problem prints
// every one of them to stderr as "crawlbox: file:line:col: key: expected …, got
// …" and returns false.
bool LoadJobOrReport(const std::string& path, config::Job* job,
                     std::unique_ptr<parser::PageParser>* parser);
// The same for a job already loaded (e.g. from text a database recorded);
// `path` names it in the messages.
bool CompileJobOrReport(config::LoadedJob loaded, const std::string& path,
                        config::Job* job,
                        std::unique_ptr<parser::PageParser>* parser);

struct RunArgs {
  std::string job_file;
  std::string db;  // overrides job.database when non-empty
  bool quiet = false;
  bool fresh = false;    // start over: delete the frontier, pages and records
  bool recrawl = false;  // revisit every known page with conditional requests
  // The status page: HOST:PORT overriding [status] addr and port; a token
  // overriding status.token; or no page at all.
  std::string status_addr;
  std::string status_token;
  bool no_status = false;
};
int CmdRun(const RunArgs& args);

struct ServeArgs {
  std::string db;
  std::string addr = "127.0.0.1:0";  // HOST:PORT; port 0 = any free port
  std::string token;                 // required beyond loopback
};
// Serves the status page of `db` until SIGINT/SIGTERM (exit 0).
int CmdServe(const ServeArgs& args);

int CmdCheck(const std::string& job_file);

struct ReextractArgs {
  std::string db;
  std::string job_file;  // empty: the job text recorded by the last run
};
int CmdReextract(const ReextractArgs& args);

struct ExtractArgs {
  std::string job_file;
  std::string url;       // fetch this URL...
  std::string file;      // ...or read this file,
  std::string base_url;  // ...as if it had been fetched from here
  std::string rule;      // only this rule (whatever its URL pattern); empty =
                         // matching rules
  bool links =
      false;  // print the links the rules would follow instead of the records
  // The job's start point of this index (a URL or a [[job.requests]]
  // request) instead of --url; -1 = none.
  int seed = -1;
  std::string method;                // send this method
  std::vector<std::string> headers;  // and these "Name: value" headers
  std::string data;                  // and this body (POST unless --method)
  bool json = false;                 // the saved --file is JSON
  // Load the page in headless Chromium ([render]) even when no rule asks
  // for it; a page a render rule matches is rendered anyway.
  bool render = false;
};
int CmdExtract(const ExtractArgs& args);

// Distributed mode. The Redis URL is
// redis://[[user]:password@]host[:port][/db]; the password may come instead
// from `redis_password_file` or the environment variable
// CRAWLBOX_REDIS_PASSWORD.
struct MasterArgs {
  // The job, database, -q and status page flags, as for `run` (a master does
  // not start over or re-crawl: `run --fresh/--recrawl` prepares for that).
  RunArgs run;
  std::string redis_url;
  std::string redis_password_file;
  // Redis away this long ends the master (exit 1); shorter outages are
  // ridden out.
  int redis_timeout_s = 300;
  int64_t lease_ms = 30'000;  // a silent worker's tasks are handed out again
  int max_outstanding = 0;    // tasks handed out at once; 0 = automatic
  // A worker that misses this many heartbeats in a row is declared lost.
  int heartbeat_misses = 3;
  // Take the job from a running master of the same job and database.
  bool take_over = false;
};
int CmdMaster(const MasterArgs& args);

struct WorkerArgs {
  std::string redis_url;
  std::string redis_password_file;
  int redis_timeout_s = 300;  // as the master's
  std::string job;            // empty: the one job published
  int concurrency = 0;        // 0: the job's fetch.concurrency
  bool no_render = false;
  // After a job is over, wait for the next one instead of exiting; a signal
  // then ends the worker with exit 0.
  bool forever = false;
};
int CmdWorker(const WorkerArgs& args);

// The Redis address from `url` and `password_file` (ResolveRedisAddress). On a
// problem prints "crawlbox <command>: <what>" and sets *exit_code (2 for a
// malformed URL, 1 for an unreadable password file).
bool ResolveRedisOrReport(const char* command, const std::string& url,
                          const std::string& password_file,
                          RedisAddress* address, int* exit_code);

// `crawlbox ctl`: a command for a running crawl through its status server
// (web/control.h). Exit 0 applied, 2 a bad action or value (the server's
// message), 1 when no running crawl answers.
struct CtlArgs {
  std::string target;    // a database file, or the status page's URL
  std::string action;    // pause, resume, stop, set, seed, pause-host, ...
  std::string argument;  // KEY=VALUE, URL or HOST
  std::string token;     // else $CRAWLBOX_STATUS_TOKEN
};
int CmdCtl(const CtlArgs& args);

int CmdQuery(const std::string& db, const std::string& sql,
             OutputFormat format);
int CmdExport(const std::string& db, const std::string& rule,
              OutputFormat format, const std::string& output);

// `export-warc`: a WARC of a database's stored pages ([store] bodies).
struct ExportWarcArgs {
  std::string db;
  std::string out;     // the folder; empty: "<db less .db>-export-warc"
  std::string prefix;  // file names "<prefix>-<UTC time>-<serial>.warc.gz";
                       // empty: "export"
  uint64_t max_bytes = 1'000'000'000;  // rotate at this size
};
int CmdExportWarc(const ExportWarcArgs& args);

}  // namespace crawlbox::crawler
