// One install per machine and version, shared by every test process: a lock
// file serializes concurrent installs, and a finished install is marked by
// the package's own package.json.
#include "tests/support/warcio.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

namespace crawlbox::testing {

std::string WarcioCli(std::string* why) {
  if (::access("/usr/bin/node", X_OK) != 0 ||
      ::access("/usr/bin/npm", X_OK) != 0) {
    *why = "node and npm are not installed (Debian packages nodejs, npm)";
    return "";
  }
  const char* tmp = std::getenv("TMPDIR");
  const std::filesystem::path dir =
      std::filesystem::path(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") /
      (std::string("crawlbox-warcio-") + kWarcioVersion);
  const std::filesystem::path cli =
      dir / "node_modules" / "warcio" / "dist" / "cli.js";
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  const std::string lock_path = (dir / "install.lock").string();
  const int lock =
      ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lock >= 0) ::flock(lock, LOCK_EX);
  if (!std::filesystem::exists(cli)) {
    ProcessResult r =
        RunProcess({"/usr/bin/npm", "install", "--no-audit", "--no-fund",
                    "--no-package-lock", "--prefix", dir.string(),
                    std::string("warcio@") + kWarcioVersion},
                   {}, 300'000);
    if (r.exit_code != 0)
      *why = "npm install warcio failed: " + r.err.substr(0, 2000);
  }
  if (lock >= 0) ::close(lock);  // releases the lock
  if (!std::filesystem::exists(cli)) {
    if (why->empty()) *why = "warcio's cli.js is missing after npm install";
    return "";
  }
  return cli.string();
}

ProcessResult RunWarcio(const std::string& cli,
                        const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"/usr/bin/node", cli};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunProcess(argv, {}, 120'000);
}

}  // namespace crawlbox::testing
