// The fleet's epochs in a real SQLite file: none before the database exists,
// rising only, kept across reopening.
#include "storage/fleet_epochs.h"

#include <gtest/gtest.h>

#include "storage/store.h"
#include "tests/support/status_matchers.h"
#include "tests/support/temp_dir.h"

namespace crawlbox::storage {
namespace {

TEST(FleetEpochsTest, RiseOnlyAndOutliveTheConnection) {
  testing::TempDir dir;
  const std::string path = dir.File("fleet.db");
  auto none = LatestFleetEpoch(path);
  ASSERT_TRUE(none.ok()) << none.status().ToString();
  EXPECT_EQ(*none, 0) << "no database yet";
  {
    auto store = Store::Open(path);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    auto empty = LatestFleetEpoch(path);
    ASSERT_TRUE(empty.ok()) << empty.status().ToString();
    EXPECT_EQ(*empty, 0);
    // Recorded beside the Store's own connection.
    EXPECT_OK(RecordFleetEpoch(path, 3, "start"));
    EXPECT_OK(RecordFleetEpoch(path, 4, "redis"));
    for (int64_t used : {4, 2}) {
      config::Status again = RecordFleetEpoch(path, used, "redis");
      EXPECT_EQ(again.code(), config::Status::Code::kInvalidArgument) << used;
      EXPECT_NE(again.message().find("fleet epoch " + std::to_string(used)),
                std::string::npos)
          << again.message();
    }
  }
  auto latest = LatestFleetEpoch(path);
  ASSERT_TRUE(latest.ok()) << latest.status().ToString();
  EXPECT_EQ(*latest, 4);
}

TEST(FleetEpochsTest, AFileThatIsNotADatabaseIsAnError) {
  testing::TempDir dir;
  const std::string path = dir.File("not.db");
  {
    std::FILE* f = std::fopen(path.c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fputs("this is not a database, just text long enough to tell", f);
    std::fclose(f);
  }
  EXPECT_FALSE(LatestFleetEpoch(path).ok());
  EXPECT_FALSE(RecordFleetEpoch(path, 1, "start").ok());
}

}  // namespace
}  // namespace crawlbox::storage
