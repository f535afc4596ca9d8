// crawlbox-testsite: serves the demo board, the API test site (/api/items,
// /app/search, /app/login, /app/members), the single-page-app site (/spa/;
// see test_server.h), the render benchmark's mixed site (/mixed/; see
// mixed_site.h) and a generated site on 127.0.0.1 for the demo and the
// benchmarks, or writes the generated site to a directory.
//
//   crawlbox-testsite [--port P] [--site-pages N] [--links K] [--seed S]
//                     [--min-bytes B] [--max-bytes B] [--board-every K]
//                     [--realistic] [--latency-ms MS] [--threads T]
//                     [--data-dir DIR] [--login-password PW]
//                     [--session-max-requests N] [--mixed-pages N]
//                     [--write-site DIR]
//
// Serving prints exactly one line, "listening on http://127.0.0.1:PORT", then
// runs until SIGINT or SIGTERM and exits 0. Exit 2 on bad arguments, 1 if it
// cannot start or write.
#include <signal.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <utility>

#include "tests/support/demo_board.h"
#include "tests/support/mixed_site.h"
#include "tests/support/site_generator.h"
#include "tests/support/test_server.h"

namespace {

constexpr int kExitBadArguments = 2;

struct Args {
  int port = 0;
  int latency_ms = 0;
  int threads = crawlbox::testing::TestServerOptions().threads;
  crawlbox::testing::SiteOptions site;
  std::string data_dir = crawlbox::testing::DefaultDataDir();
  std::string login_password = crawlbox::testing::kDemoLoginPassword;
  int session_max_requests = 0;
  int mixed_pages = 1000;
  std::string write_site_dir;
};

// Parses argv into *args. Returns -1 to go on, else the exit code: 0 after
// --help, kExitBadArguments after printing what is wrong.
int ParseArgs(int argc, char** argv, Args* args) {
  CLI::App app{
      "Serves the demo board, the API test site, the SPA site and a generated "
      "site on 127.0.0.1, or writes the generated site to a directory.",
      "crawlbox-testsite"};
  const CLI::Validator non_empty(
      [](std::string& value) {
        return value.empty() ? std::string("must not be empty") : std::string();
      },
      "", "NON-EMPTY");
  crawlbox::testing::SiteOptions& site = args->site;
  int64_t seed = static_cast<int64_t>(site.seed);
  app.add_option("--port", args->port, "port on 127.0.0.1 (0 = any free port)")
      ->check(CLI::Range(0, 65535))
      ->capture_default_str();
  app.add_option("--site-pages", site.pages,
                 "pages of the generated site (/site/<i>.html, or the "
                 "realistic site's paths)")
      ->check(CLI::Range(1, 100000000))
      ->capture_default_str();
  app.add_option("--links", site.links_per_page, "links per generated page")
      ->check(CLI::Range(0, 100000))
      ->capture_default_str();
  app.add_option("--seed", seed, "seed of the generated site")
      ->check(CLI::Range(int64_t{0}, INT64_MAX))
      ->capture_default_str();
  app.add_option("--min-bytes", site.min_bytes,
                 "smallest generated page, in bytes")
      ->check(CLI::Range(1, 100000000))
      ->capture_default_str();
  app.add_option("--max-bytes", site.max_bytes,
                 "largest generated page, in bytes (pages whose links alone "
                 "exceed it stay larger)")
      ->check(CLI::Range(1, 100000000))
      ->capture_default_str();
  app.add_option("--board-every", site.board_every,
                 "every K-th page is a board page with 10 <dd> entries (0 = "
                 "none)")
      ->check(CLI::Range(0, 100000000))
      ->capture_default_str();
  app.add_flag("--realistic", site.realistic,
               "the realistic site: /home, extensionless paths, "
               "/board/<b>?offset=<o> board pages, inline scripts and styles, "
               "a nav bar, javascript:/mailto:/# links");
  app.add_option("--latency-ms", args->latency_ms,
                 "delay every response by MS milliseconds")
      ->check(CLI::Range(0, 600000))
      ->capture_default_str();
  app.add_option("--threads", args->threads,
                 "server worker threads = connections served at once")
      ->check(CLI::Range(1, 10000))
      ->capture_default_str();
  app.add_option("--data-dir", args->data_dir,
                 "directory with board/films.tsv and the /data/ files")
      ->check(non_empty)
      ->capture_default_str();
  app.add_option("--login-password", args->login_password,
                 "the password /app/login accepts for user \"reader\" "
                 "(default: the built-in demo password)")
      ->check(non_empty);
  app.add_option("--session-max-requests", args->session_max_requests,
                 "a login session ends after N /app/members pages (0 = never)")
      ->check(CLI::Range(0, 100000000))
      ->capture_default_str();
  app.add_option("--mixed-pages", args->mixed_pages,
                 "pages of the mixed site under /mixed/ (every tenth one "
                 "built by a script)")
      ->check(CLI::Range(1, 10000000))
      ->capture_default_str();
  app.add_option("--write-site", args->write_site_dir,
                 "write every page to DIR (DIR/site/<i>.html, or the realistic "
                 "site's paths), DIR/manifest.json and DIR/urls.txt, then exit")
      ->check(non_empty);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help is a ParseError whose exit code is 0.
    return app.exit(e) == 0 ? 0 : kExitBadArguments;
  }
  site.seed = static_cast<uint64_t>(seed);
  if (site.min_bytes > site.max_bytes) {
    std::fprintf(stderr,
                 "crawlbox-testsite: --min-bytes %d is larger than "
                 "--max-bytes %d\n",
                 site.min_bytes, site.max_bytes);
    return kExitBadArguments;
  }
  return -1;
}

}  // namespace

int main(int argc, char** argv) {
  Args args;
  if (const int code = ParseArgs(argc, argv, &args); code >= 0) return code;

  if (!args.write_site_dir.empty()) {
    crawlbox::testing::GeneratedSite site(args.site);
    crawlbox::config::Status status = site.WriteTo(args.write_site_dir);
    if (!status.ok()) {
      std::fprintf(stderr, "crawlbox-testsite: %s\n",
                   status.ToString().c_str());
      return 1;
    }
    return 0;
  }

  // Block the stop signals before any thread starts, so every server thread
  // inherits the mask and only sigwait below receives them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  crawlbox::testing::TestServerOptions options;
  options.port = args.port;
  options.data_dir = args.data_dir;
  options.site = args.site;
  options.threads = args.threads;
  options.login_password = args.login_password;
  options.session_max_requests = args.session_max_requests;
  auto server = crawlbox::testing::TestServer::Create(options);
  if (!server.ok()) {
    std::fprintf(stderr, "crawlbox-testsite: %s\n",
                 server.status().ToString().c_str());
    return 1;
  }
  for (crawlbox::testing::ApiSite::Route& route :
       crawlbox::testing::MixedSiteRoutes(args.mixed_pages)) {
    (*server)->Get(route.pattern, std::move(route.handler));
  }
  (*server)->SetLatency(std::chrono::milliseconds(args.latency_ms));
  std::printf("listening on http://127.0.0.1:%d\n", (*server)->port());
  std::fflush(stdout);

  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  (*server)->Stop();
  return 0;
}
