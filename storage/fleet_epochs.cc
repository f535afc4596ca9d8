// fleet_epochs on short-lived connections of their own: the Store is not
// thread-safe, and a master opens a new epoch from its dispatch thread.
#include "storage/fleet_epochs.h"

#include <sqlite3.h>

#include <filesystem>

#include "storage/sqlite_util.h"

namespace crawlbox::storage {

using config::Result;
using config::Status;

namespace {

// Closes the connection with the object.
struct Connection {
  sqlite3* db = nullptr;
  ~Connection() { sqlite3_close(db); }
};

}  // namespace

Result<int64_t> LatestFleetEpoch(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return int64_t{0};
  Connection c;
  Status s = OpenReadOnly(path, &c.db);
  if (!s.ok()) return s;
  sqlite3_busy_timeout(c.db, 5000);
  auto table = Statement::Prepare(
      c.db,
      "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = "
      "'fleet_epochs'");
  if (!table.ok()) return table.status();
  const int rc = sqlite3_step(table->get());
  if (rc == SQLITE_DONE) return int64_t{0};
  if (rc != SQLITE_ROW) return SqliteStatus(rc, c.db, "reading " + path);
  auto max = Statement::Prepare(
      c.db, "SELECT coalesce(max(epoch), 0) FROM fleet_epochs");
  if (!max.ok()) return max.status();
  if (sqlite3_step(max->get()) != SQLITE_ROW) {
    return SqliteStatus(sqlite3_errcode(c.db), c.db,
                        "reading the fleet epochs of " + path);
  }
  return static_cast<int64_t>(sqlite3_column_int64(max->get(), 0));
}

Status RecordFleetEpoch(const std::string& path, int64_t epoch,
                        std::string_view cause) {
  Connection c;
  const int rc =
      sqlite3_open_v2(path.c_str(), &c.db,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) return SqliteStatus(rc, c.db, "opening " + path);
  sqlite3_busy_timeout(c.db, 5000);
  // One statement: the check and the insert are atomic without a
  // transaction of our own.
  auto insert = Statement::Prepare(
      c.db,
      "INSERT INTO fleet_epochs (epoch, cause) SELECT ?1, ?2 "
      "WHERE ?1 > (SELECT coalesce(max(epoch), 0) FROM fleet_epochs)");
  if (!insert.ok()) return insert.status();
  insert->Bind(1, epoch);
  insert->Bind(2, cause);
  Status s = StepDone(*insert, c.db, "recording fleet epoch in " + path);
  if (!s.ok()) return s;
  if (sqlite3_changes(c.db) != 1) {
    return Status::InvalidArgument(
        "the database " + path + " has seen fleet epoch " +
        std::to_string(epoch) + " or a later one already");
  }
  return Status::Ok();
}

}  // namespace crawlbox::storage
