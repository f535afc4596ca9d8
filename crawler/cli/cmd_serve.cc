// `crawlbox serve DB`: the status page for a database, running or finished,
// until SIGINT or SIGTERM.
#include <signal.h>

#include <cstdio>

#include "crawler/cli/commands.h"
#include "storage/reader.h"
#include "web/access.h"
#include "web/server.h"

namespace crawlbox::crawler {

int CmdServe(const ServeArgs& args) {
  auto address = web::ParseListenAddress(args.addr);
  if (!address.ok()) {
    std::fprintf(stderr, "crawlbox: --addr: %s\n",
                 address.status().message().c_str());
    return kExitBadInput;
  }
  web::ServerOptions options;
  options.host = address->host;
  options.port = address->port;
  options.token = args.token;
  if (!args.token.empty()) {
    config::Status token = web::CheckToken(args.token);
    if (!token.ok()) {
      std::fprintf(stderr, "crawlbox: --status-token: %s\n",
                   token.message().c_str());
      return kExitBadInput;
    }
  }
  config::Status bind = web::CheckBind(options.host, options.token);
  if (!bind.ok()) {
    std::fprintf(stderr, "crawlbox: --addr: %s\n", bind.message().c_str());
    return kExitBadInput;
  }
  {
    // The server opens the file on the first request; a wrong path should
    // fail now, not in the browser.
    auto reader = storage::Reader::Open(args.db);
    if (!reader.ok()) {
      std::fprintf(stderr, "crawlbox: %s\n", reader.status().message().c_str());
      return reader.status().code() == config::Status::Code::kIOError
                 ? kExitFailure
                 : kExitBadInput;
    }
    auto crawlbox_db = (*reader)->HasRelation("crawls");
    if (!crawlbox_db.ok() || !*crawlbox_db) {
      std::fprintf(stderr, "crawlbox: %s is not a crawlbox database\n",
                   args.db.c_str());
      return kExitBadInput;
    }
  }

  // Blocked before the server's threads start, so they inherit the mask and
  // the signals wait for sigwait below.
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);

  web::StatusServer server(args.db, nullptr);
  auto port = server.Start(options);
  if (!port.ok()) {
    std::fprintf(stderr, "crawlbox: %s\n", port.status().message().c_str());
    return kExitFailure;
  }
  std::fprintf(stderr, "crawlbox: status page at %s%s (Ctrl-C to stop)\n",
               server.Url().c_str(),
               options.token.empty() ? "" : " (token required)");
  int signal_number = 0;
  sigwait(&stop, &signal_number);
  server.Stop();
  return kExitOk;
}

}  // namespace crawlbox::crawler
