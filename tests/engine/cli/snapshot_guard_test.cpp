// A snapshot deleted or emptied where the job has run before stops `hrsync sync` before any call
// (engine/run/snapshot_guard.h), unless --first-run says a first run is meant.
#include "engine/run/snapshot_guard.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "engine/cli/commands.h"
#include "tests/store/scratch_dir.h"

namespace hrsync {
namespace {

namespace fs = std::filesystem;

class SnapshotGuardTest : public ::testing::Test {
 protected:
  SnapshotGuardTest() {
    config_.snapshot = dir_.file("var/hrsync.db");
    config_.report_dir = dir_.file("var/reports");
    fs::create_directories(config_.report_dir);
    std::ofstream(dir_.file("job.toml")) << R"([job]
snapshot = "var/hrsync.db"
report_dir = "var/reports"
[feishu]
base_url = "http://127.0.0.1:1"
app_id = "cli_test"
app_secret_env = "HRSYNC_GUARD_TEST_UNSET"
[sources.groups]
kind = "csv"
path = "groups.csv"
[targets.contact_group]
source = "groups"
)";
    std::ofstream(dir_.file("groups.csv")) << "group_id,name,description\ng-1,One,\n";
  }

  int sync(bool first_run, std::string& err) {
    SyncCommand cmd;
    cmd.config = dir_.file("job.toml");
    cmd.first_run = first_run;
    cmd.progress = false;
    cmd.no_read = true;
    std::ostringstream out;
    std::ostringstream e;
    const int code = run_sync(cmd, out, e);
    err = e.str();
    return code;
  }

  test::ScratchDir dir_;
  JobConfig config_;
};

TEST_F(SnapshotGuardTest, AMissingSnapshotIsAFirstRunUntilTheJobHasRunBefore) {
  EXPECT_FALSE(lost_snapshot(config_).has_value());  // no report: a first run
  std::ofstream(config_.report_dir + "/run-9.json") << "{}";
  std::ofstream(config_.report_dir + "/run-12.json") << "{}";
  std::ofstream(config_.report_dir + "/notes.txt") << "not a report";
  auto lost = lost_snapshot(config_);
  ASSERT_TRUE(lost.has_value());
  EXPECT_NE(lost->find("is missing"), std::string::npos) << *lost;
  EXPECT_NE(lost->find("holds 2 run reports, the latest run-12.json"), std::string::npos) << *lost;
  EXPECT_NE(lost->find("--first-run"), std::string::npos);
  fs::create_directories(fs::path(config_.snapshot).parent_path());
  std::ofstream(config_.snapshot).flush();  // truncated to 0 bytes
  lost = lost_snapshot(config_);
  ASSERT_TRUE(lost.has_value());
  EXPECT_NE(lost->find("empty (0 bytes)"), std::string::npos) << *lost;
  std::ofstream(config_.snapshot) << "SQLite format 3";
  EXPECT_FALSE(lost_snapshot(config_).has_value());
}

TEST_F(SnapshotGuardTest, SyncStopsWithExitThreeBeforeAnyCallUnlessFirstRunIsGiven) {
  std::ofstream(config_.report_dir + "/run-1.json") << "{}";
  std::string err;
  EXPECT_EQ(sync(false, err), 3);
  EXPECT_NE(err.find("this job has run before"), std::string::npos) << err;
  EXPECT_FALSE(fs::exists(config_.snapshot)) << "nothing written, not even the snapshot";
  // --first-run goes on, to what stops it next: here the app secret that is not set.
  EXPECT_EQ(sync(true, err), 2);
  EXPECT_EQ(err.find("this job has run before"), std::string::npos) << err;
}

}  // namespace
}  // namespace hrsync
