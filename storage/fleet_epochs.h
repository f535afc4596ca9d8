// The fleet's epochs, kept in the master's database so that they rise across
// master restarts and Redis resets alike (a Redis counter would start again
// at 1 after a restart without persistence). Each master start and each
// recovery from a Redis outage opens a new epoch; tasks and results carry it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "config/status.h"

namespace crawlbox::storage {

// The highest epoch recorded in the database at `path`; 0 when the file does
// not exist yet or holds none (a database of a crawlbox before the table, or
// of local runs only). Opens a read-only connection of its own, so it may run
// before the Store is opened and beside another process writing the file.
// Fails with the translated SQLite error (Corruption for a file that is not a
// database).
config::Result<int64_t> LatestFleetEpoch(const std::string& path);

// Records `epoch` with `cause` ("start", "redis") in the database at `path`
// (created by Store::Open, which adds the table): on a connection of its own,
// so any thread may call it while the Store writes (it waits up to 5 s for
// the write lock). InvalidArgument when the database already holds `epoch` or
// a higher one: an epoch is never used twice.
config::Status RecordFleetEpoch(const std::string& path, int64_t epoch,
                                std::string_view cause);

}  // namespace crawlbox::storage
