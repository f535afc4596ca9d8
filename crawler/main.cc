// The crawlbox program: subcommands run, check, extract, query, export.
#include <curl/curl.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <map>

#include "config/log.h"
#include "crawler/commands.h"

namespace {

using crawlbox::crawler::OutputFormat;

int Main(int argc, char** argv) {
  CLI::App app{
      "crawlbox: crawl jobs described in TOML files, records into SQLite.",
      "crawlbox"};
  app.require_subcommand(1);
  bool verbose = false;
  app.add_flag("-v,--verbose", verbose,
               "Log debug messages (each fetch error, retry, ...)");

  crawlbox::crawler::RunArgs run;
  CLI::App* run_cmd = app.add_subcommand(
      "run", "Run (or resume) the crawl a job file describes");
  run_cmd->add_option("JOB", run.job_file, "Job file (TOML)")->required();
  run_cmd->add_option("--db", run.db,
                      "Database file (default: the job's job.database)");
  run_cmd->add_flag("-q,--quiet", run.quiet, "No progress line");

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
                        "Print the links the rules follow instead");
  url_opt->excludes(file_opt);
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
  if (*extract_cmd && extract.url.empty() && extract.file.empty()) {
    std::fprintf(
        stderr,
        "crawlbox extract: give --url URL or --file FILE --base-url URL\n");
    return crawlbox::crawler::kExitBadInput;
  }

  if (*run_cmd) return crawlbox::crawler::CmdRun(run);
  if (*check_cmd) return crawlbox::crawler::CmdCheck(check_job);
  if (*extract_cmd) return crawlbox::crawler::CmdExtract(extract);
  if (*query_cmd)
    return crawlbox::crawler::CmdQuery(query_db, query_sql, query_format);
  if (*export_cmd) {
    return crawlbox::crawler::CmdExport(export_db, export_rule, export_format,
                                        export_output);
  }
  return crawlbox::crawler::kExitBadInput;
}

}  // namespace

int main(int argc, char** argv) {
  curl_global_init(CURL_GLOBAL_DEFAULT);
  int code = 1;
  try {
    code = Main(argc, argv);
  } catch (const std::exception& e) {
    // Nothing of ours throws; this catches a library's surprise so the user
    // sees one line.
    std::fprintf(stderr, "crawlbox: internal error: %s\n", e.what());
  }
  curl_global_cleanup();
  return code;
}
