// The Redis address of `crawlbox master` and `crawlbox worker`, resolved from
// their flags and environment, with problems reported as one line.
#include <cstdio>

#include "crawler/cli/commands.h"

namespace crawlbox::crawler {

bool ResolveRedisOrReport(const char* command, const std::string& url,
                          const std::string& password_file,
                          RedisAddress* address, int* exit_code) {
  auto resolved = ResolveRedisAddress(url, password_file);
  if (!resolved.ok()) {
    std::fprintf(stderr, "crawlbox %s: %s\n", command,
                 resolved.status().message().c_str());
    *exit_code =
        resolved.status().code() == config::Status::Code::kInvalidArgument
            ? kExitBadInput
            : kExitFailure;
    return false;
  }
  *address = std::move(*resolved);
  return true;
}

}  // namespace crawlbox::crawler
