// The subcommands of the `crawlbox` program. Each returns the process exit
// code: 0 success, 1 the work could not be done (I/O, database, network), 2 bad
// input (job file, arguments, SQL), 130 a crawl stopped by a signal
// (resumable).
#pragma once

#include <memory>
#include <string>

#include "config/job.h"
#include "crawler/output_format.h"
#include "parser/page_parser.h"

namespace crawlbox::crawler {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitBadInput = 2;
inline constexpr int kExitStopped = 130;

// Loads the job file and compiles what parser/ checks. On any problem prints
// every one of them to stderr as "crawlbox: file:line:col: key: expected …, got
// …" and returns false.
bool LoadJobOrReport(const std::string& path, config::Job* job,
                     std::unique_ptr<parser::PageParser>* parser);

struct RunArgs {
  std::string job_file;
  std::string db;  // overrides job.database when non-empty
  bool quiet = false;
};
int CmdRun(const RunArgs& args);

int CmdCheck(const std::string& job_file);

struct ExtractArgs {
  std::string job_file;
  std::string url;       // fetch this URL...
  std::string file;      // ...or read this file,
  std::string base_url;  // ...as if it had been fetched from here
  std::string rule;      // only this rule (whatever its URL pattern); empty =
                         // matching rules
  bool links =
      false;  // print the links the rules would follow instead of the records
};
int CmdExtract(const ExtractArgs& args);

int CmdQuery(const std::string& db, const std::string& sql,
             OutputFormat format);
int CmdExport(const std::string& db, const std::string& rule,
              OutputFormat format, const std::string& output);

}  // namespace crawlbox::crawler
