// The bind rule is checked before the crawl touches the database, so a job
// that may not serve its page fails with nothing done.
#include "crawler/cli/run_status.h"

#include "web/access.h"

namespace crawlbox::crawler {

namespace {

// "job.toml:12:8" of a value in the job file.
std::string Where(const config::SourceLocation& where) {
  std::string out = where.file;
  if (where.line > 0) out += ":" + std::to_string(where.line);
  if (where.column > 0) out += ":" + std::to_string(where.column);
  return out;
}

}  // namespace

bool ResolveStatusPage(const config::Job& job, const RunArgs& args,
                       StatusPageSettings* out, std::FILE* err) {
  // An address on the command line asks for the page even when the job turns
  // it off; --no-status wins over both.
  out->enabled =
      (job.status.enabled || !args.status_addr.empty()) && !args.no_status;
  out->server.host = job.status.addr;
  out->server.port = job.status.port;
  out->server.token = job.status.token;
  // Where the address came from, for the message: the file, or the flag.
  std::string origin = job.status.addr_where.line > 0
                           ? Where(job.status.addr_where) + ": status.addr"
                           : "status.addr";
  if (!args.status_addr.empty()) {
    auto parsed = web::ParseListenAddress(args.status_addr);
    if (!parsed.ok()) {
      std::fprintf(err, "crawlbox: --status-addr: %s\n",
                   parsed.status().message().c_str());
      return false;
    }
    out->server.host = parsed->host;
    out->server.port = parsed->port;
    origin = "--status-addr";
  }
  if (!args.status_token.empty()) {
    config::Status token = web::CheckToken(args.status_token);
    if (!token.ok()) {
      std::fprintf(err, "crawlbox: --status-token: %s\n",
                   token.message().c_str());
      return false;
    }
    out->server.token = args.status_token;
  }
  if (!out->enabled) return true;
  config::Status bind = web::CheckBind(out->server.host, out->server.token);
  if (!bind.ok()) {
    std::fprintf(err, "crawlbox: %s: %s\n", origin.c_str(),
                 bind.message().c_str());
    return false;
  }
  return true;
}

RunStatusPage::RunStatusPage(const config::Job& job, const Engine& engine,
                             const std::atomic<int>* stop_signals)
    : source_(job, engine, stop_signals) {}

RunStatusPage::~RunStatusPage() = default;

bool RunStatusPage::Start(const StatusPageSettings& settings,
                          const std::string& db, std::FILE* err) {
  if (!settings.enabled) return true;
  server_ = std::make_unique<web::StatusServer>(db, &source_);
  server_->SetControl(control_);
  auto port = server_->Start(settings.server);
  if (!port.ok()) {
    std::fprintf(err, "crawlbox: status page: %s\n",
                 port.status().message().c_str());
    server_.reset();
    return false;
  }
  if (control_ != nullptr) control_->SetStatusUrl(server_->Url());
  std::fprintf(err, "crawlbox: status page at %s%s\n", server_->Url().c_str(),
               settings.server.token.empty() ? "" : " (token required)");
  return true;
}

void RunStatusPage::Finish(const std::string& state) {
  source_.SetFinalState(state);
  if (server_ != nullptr) server_->Stop();
}

}  // namespace crawlbox::crawler
