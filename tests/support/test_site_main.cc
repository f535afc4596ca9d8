// crawlbox-testsite: serves the demo board and a generated site on 127.0.0.1
// for the demo and the benchmarks, or writes the generated site to a directory.
//
//   crawlbox-testsite [--port P] [--site-pages N] [--links K] [--seed S]
//                     [--min-bytes B] [--max-bytes B] [--board-every K]
//                     [--latency-ms MS] [--threads T]
//                     [--data-dir DIR] [--write-site DIR]
//
// Serving prints exactly one line, "listening on http://127.0.0.1:PORT", then
// runs until SIGINT or SIGTERM and exits 0. Exit 2 on bad arguments, 1 if it
// cannot start or write.
#include <signal.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "tests/support/demo_board.h"
#include "tests/support/site_generator.h"
#include "tests/support/test_server.h"

namespace {

constexpr char kUsage[] =
    "usage: crawlbox-testsite [--port P] [--site-pages N] [--links K] [--seed "
    "S]\n"
    "                         [--min-bytes B] [--max-bytes B] [--board-every "
    "K]\n"
    "                         [--latency-ms MS] [--threads T]\n"
    "                         [--data-dir DIR] [--write-site DIR]\n"
    "  --port P         port on 127.0.0.1 (default 0 = any free port)\n"
    "  --site-pages N   pages of the generated site under /site/ (default "
    "2000)\n"
    "  --links K        links per generated page (default 40)\n"
    "  --seed S         seed of the generated site (default 1)\n"
    "  --min-bytes B    smallest generated page, in bytes (default 8000)\n"
    "  --max-bytes B    largest generated page, in bytes (default 20000; "
    "pages\n"
    "                   whose links alone exceed it stay larger)\n"
    "  --board-every K  every K-th page is a board page with 10 <dd> "
    "entries\n"
    "                   (default 10; 0 = none)\n"
    "  --latency-ms MS  delay every response by MS milliseconds (default 0)\n"
    "  --threads T      server worker threads = connections served at once\n"
    "                   (default 64)\n"
    "  --data-dir DIR   directory with board/films.tsv and /data/ files "
    "(default tests/data)\n"
    "  --write-site DIR write DIR/site/<i>.html and DIR/manifest.json, then "
    "exit\n";

struct Args {
  int port = 0;
  int latency_ms = 0;
  int threads = crawlbox::testing::TestServerOptions().threads;
  crawlbox::testing::SiteOptions site;
  std::string data_dir = crawlbox::testing::DefaultDataDir();
  std::string write_site_dir;
};

bool ParseInt(const std::string& text, long long min, long long max,
              long long* out) {
  if (text.empty()) return false;
  char* end = nullptr;
  const long long value = std::strtoll(text.c_str(), &end, 10);
  if (end != text.c_str() + text.size() || value < min || value > max)
    return false;
  *out = value;
  return true;
}

// Returns false after printing what is wrong.
bool ParseArgs(int argc, char** argv, Args* args) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view flag = argv[i];
    if (flag == "--help" || flag == "-h") {
      std::fputs(kUsage, stdout);
      std::exit(0);
    }
    if (i + 1 >= argc) {
      std::fprintf(stderr, "crawlbox-testsite: %s needs a value\n%s", argv[i],
                   kUsage);
      return false;
    }
    const std::string value = argv[++i];
    long long number = 0;
    bool ok = true;
    if (flag == "--port") {
      ok = ParseInt(value, 0, 65535, &number);
      args->port = static_cast<int>(number);
    } else if (flag == "--site-pages") {
      ok = ParseInt(value, 1, 100000000, &number);
      args->site.pages = static_cast<int>(number);
    } else if (flag == "--links") {
      ok = ParseInt(value, 0, 100000, &number);
      args->site.links_per_page = static_cast<int>(number);
    } else if (flag == "--seed") {
      ok = ParseInt(value, 0, INT64_MAX, &number);
      args->site.seed = static_cast<uint64_t>(number);
    } else if (flag == "--min-bytes") {
      ok = ParseInt(value, 1, 100000000, &number);
      args->site.min_bytes = static_cast<int>(number);
    } else if (flag == "--max-bytes") {
      ok = ParseInt(value, 1, 100000000, &number);
      args->site.max_bytes = static_cast<int>(number);
    } else if (flag == "--board-every") {
      ok = ParseInt(value, 0, 100000000, &number);
      args->site.board_every = static_cast<int>(number);
    } else if (flag == "--latency-ms") {
      ok = ParseInt(value, 0, 600000, &number);
      args->latency_ms = static_cast<int>(number);
    } else if (flag == "--threads") {
      ok = ParseInt(value, 1, 10000, &number);
      args->threads = static_cast<int>(number);
    } else if (flag == "--data-dir") {
      args->data_dir = value;
    } else if (flag == "--write-site") {
      args->write_site_dir = value;
    } else {
      std::fprintf(stderr, "crawlbox-testsite: unknown option %s\n%s",
                   argv[i - 1], kUsage);
      return false;
    }
    if (!ok || value.empty()) {
      std::fprintf(stderr, "crawlbox-testsite: bad value for %s: '%s'\n",
                   argv[i - 1], value.c_str());
      return false;
    }
  }
  if (args->site.min_bytes > args->site.max_bytes) {
    std::fprintf(stderr,
                 "crawlbox-testsite: --min-bytes %d is larger than "
                 "--max-bytes %d\n",
                 args->site.min_bytes, args->site.max_bytes);
    return false;
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  Args args;
  if (!ParseArgs(argc, argv, &args)) return 2;

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
  auto server = crawlbox::testing::TestServer::Create(options);
  if (!server.ok()) {
    std::fprintf(stderr, "crawlbox-testsite: %s\n",
                 server.status().ToString().c_str());
    return 1;
  }
  (*server)->SetLatency(std::chrono::milliseconds(args.latency_ms));
  std::printf("listening on http://127.0.0.1:%d\n", (*server)->port());
  std::fflush(stdout);

  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  (*server)->Stop();
  return 0;
}
