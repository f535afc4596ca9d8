// `crawlbox query DB SQL` and `crawlbox export DB RULE`: read-only access to
// results.
#include <cstdio>
#include <fstream>
#include <iostream>

#include "crawler/cli/commands.h"
#include "storage/reader.h"
#include "storage/result_writer.h"

namespace crawlbox::crawler {

namespace {

int RunQuery(const std::string& db, const std::string& sql, OutputFormat format,
             std::ostream& out) {
  auto reader = storage::Reader::Open(db);
  if (!reader.ok()) {
    std::fprintf(stderr, "crawlbox: %s\n", reader.status().message().c_str());
    return reader.status().code() == config::Status::Code::kNotFound
               ? kExitBadInput
               : kExitFailure;
  }
  ResultWriter writer(out, format);
  config::Status s = (*reader)->Query(
      sql,
      [&](const std::vector<std::string>& columns) { writer.Begin(columns); },
      [&](const std::vector<storage::Value>& row) { writer.Row(row); });
  if (!s.ok()) {
    std::fprintf(stderr, "crawlbox: %s\n", s.message().c_str());
    return s.code() == config::Status::Code::kInvalidArgument ? kExitBadInput
                                                              : kExitFailure;
  }
  writer.End();
  return kExitOk;
}

}  // namespace

int CmdQuery(const std::string& db, const std::string& sql,
             OutputFormat format) {
  return RunQuery(db, sql, format, std::cout);
}

int CmdExport(const std::string& db, const std::string& rule,
              OutputFormat format, const std::string& output) {
  auto reader = storage::Reader::Open(db);
  if (!reader.ok()) {
    std::fprintf(stderr, "crawlbox: %s\n", reader.status().message().c_str());
    return kExitFailure;
  }
  auto exists = (*reader)->HasRelation(rule);
  if (!exists.ok() || !*exists) {
    std::fprintf(stderr, "crawlbox: %s has no rule view named '%s'\n",
                 db.c_str(), rule.c_str());
    return kExitBadInput;
  }
  std::ofstream file;
  const bool to_stdout = output.empty() || output == "-";
  if (!to_stdout) {
    file.open(output, std::ios::binary | std::ios::trunc);
    if (!file) {
      std::fprintf(stderr, "crawlbox: cannot write %s\n", output.c_str());
      return kExitFailure;
    }
  }
  std::ostream& out = to_stdout ? std::cout : file;
  config::Status s = storage::WriteRule(**reader, rule, format, out);
  if (!s.ok()) {
    std::fprintf(stderr, "crawlbox: %s\n", s.message().c_str());
    return kExitFailure;
  }
  out.flush();
  if (!out) {
    std::fprintf(stderr, "crawlbox: writing %s failed\n",
                 to_stdout ? "the output" : output.c_str());
    return kExitFailure;
  }
  return kExitOk;
}

}  // namespace crawlbox::crawler
