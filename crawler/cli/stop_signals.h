// The graceful-stop protocol of the long-running subcommands (run, master,
// worker): SIGINT and SIGTERM are counted, and the running command polls the
// count — the first asks for a graceful stop, the second for an immediate one.
#pragma once

#include <atomic>

namespace crawlbox::crawler {

// Installs the SIGINT/SIGTERM handlers (idempotent) and returns the counter
// they increment; it lives for the whole process.
const std::atomic<int>* InstallStopHandlers();

}  // namespace crawlbox::crawler
