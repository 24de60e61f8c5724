// Private files under umask 022: the snapshot, its WAL files, the lock and the reports are the
// owner's alone; what was left readable is tightened with a warning; a loose secret file is named.
#include <signal.h>
#include <sys/stat.h>

#include <filesystem>
#include <thread>

#include "tests/process/process_harness.h"

namespace hrsync::process {
namespace {

// The permission bits of `path`, or -1 when it does not exist.
int mode_of(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return -1;
  return static_cast<int>(st.st_mode & 07777);
}

class PrivateFilesTest : public ProcessHarness {
 protected:
  void SetUp() override { old_umask_ = ::umask(022); }
  void TearDown() override { ::umask(old_umask_); }
  mode_t old_umask_ = 0;
};

TEST_F(PrivateFilesTest, TheSnapshotItsWalFilesTheLockAndTheReportsAreCreatedOwnerOnly) {
  std::filesystem::create_directories(dir_.file("metrics"));
  spec_.job_extra = "metrics_file = \"" + dir_.file("metrics/hrsync.prom") + "\"\n";
  spec_.snapshot = dir_.file("state/db/hrsync.db");
  spec_.report_dir = dir_.file("state/reports/nightly");
  start_emulator({"--latency-ms", "200..200"});
  Started run = start_hrsync();
  while (business_requests() < 10 && run.child->running()) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ASSERT_TRUE(run.child->running()) << "the run ended before its files could be looked at: " << run.err();
  // While it runs: the database in WAL mode has its -wal and -shm files.
  EXPECT_EQ(mode_of(dir_.file("state")), 0700);
  EXPECT_EQ(mode_of(dir_.file("state/db")), 0700);
  EXPECT_EQ(mode_of(spec_.snapshot), 0600);
  EXPECT_EQ(mode_of(spec_.snapshot + "-wal"), 0600);
  EXPECT_EQ(mode_of(spec_.snapshot + "-shm"), 0600);
  EXPECT_EQ(mode_of(spec_.snapshot + ".lock"), 0600);
  const ChildExit exit = run.child->wait();
  EXPECT_EQ(exit.code, 0) << run.err();
  EXPECT_EQ(mode_of(dir_.file("state/reports")), 0700);
  EXPECT_EQ(mode_of(spec_.report_dir), 0700);
  EXPECT_EQ(mode_of(spec_.report_dir + "/run-1.json"), 0600);
  EXPECT_EQ(mode_of(dir_.file("metrics/hrsync.prom")), 0644) << "node_exporter reads it as another user";
  EXPECT_FALSE(contains(run.err(), "warning")) << run.err();
}

TEST_F(PrivateFilesTest, ASnapshotAndAReportFolderLeftReadableAreTightenedWithAWarningNamingThem) {
  start_emulator();
  const Finished first = run_hrsync();
  ASSERT_EQ(first.exit.code, 0) << first.err;
  ASSERT_EQ(::chmod(spec_.snapshot.c_str(), 0644), 0);
  ASSERT_EQ(::chmod(spec_.report_dir.c_str(), 0755), 0);

  const Finished second = run_hrsync();
  EXPECT_EQ(second.exit.code, 0) << second.err;
  EXPECT_TRUE(contains(second.err, "warning: " + spec_.snapshot + " could be read by others (mode 0644); it is now 0600"))
      << second.err;
  EXPECT_TRUE(contains(second.err, "warning: " + spec_.report_dir + " could be read by others (mode 0755); it is now 0700"))
      << second.err;
  EXPECT_EQ(mode_of(spec_.snapshot), 0600);
  EXPECT_EQ(mode_of(spec_.report_dir), 0700);
}

// `snapshot = "/dev/full"` once made the host's /dev/full 0600: a snapshot path naming anything but
// a regular file keeps its mode, and so does the file a link there points to. (A FIFO and a link in
// the test's folder stand in for the device: the test must not risk the host's own.)
TEST_F(PrivateFilesTest, ASnapshotPathNamingAFifoOrALinkChangesNoModeOfWhatItNames) {
  start_emulator();
  const std::string fifo = dir_.file("not-a-database");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0666), 0);
  ASSERT_EQ(::chmod(fifo.c_str(), 0666), 0);
  spec_.snapshot = fifo;
  const Finished on_fifo = run_hrsync();
  EXPECT_NE(on_fifo.exit.code, 0) << "a FIFO is no snapshot: " << on_fifo.out;
  EXPECT_EQ(mode_of(fifo), 0666) << on_fifo.err;
  EXPECT_FALSE(contains(on_fifo.err, "it is now")) << on_fifo.err;

  const std::string shared = dir_.file("shared.db");
  { std::ofstream(shared) << ""; }
  ASSERT_EQ(::chmod(shared.c_str(), 0644), 0);
  const std::string link = dir_.file("linked.db");
  std::filesystem::create_symlink(shared, link);
  spec_.snapshot = link;
  (void)run_hrsync();
  EXPECT_EQ(mode_of(shared), 0644) << "tightened through a link";
}

// Only what hrsync made is tightened: a snapshot path naming a file that is no hrsync snapshot (a
// mistyped `snapshot = "/etc/hosts"`) keeps its mode and the run stops; a report folder that holds
// files hrsync did not write keeps its mode, with a warning that says why.
TEST_F(PrivateFilesTest, AFileThatIsNoSnapshotAndAFolderHoldingOtherFilesKeepTheirModes) {
  start_emulator();
  const std::string hosts = dir_.file("hosts");
  { std::ofstream(hosts) << "127.0.0.1 localhost\n"; }
  ASSERT_EQ(::chmod(hosts.c_str(), 0644), 0);
  const std::string snapshot = spec_.snapshot;
  spec_.snapshot = hosts;
  const Finished on_text = run_hrsync();
  EXPECT_NE(on_text.exit.code, 0) << "a text file is no snapshot: " << on_text.out;
  EXPECT_EQ(mode_of(hosts), 0644) << on_text.err;
  EXPECT_FALSE(contains(on_text.err, "it is now")) << on_text.err;

  spec_.snapshot = snapshot;
  std::filesystem::create_directories(spec_.report_dir);
  { std::ofstream(spec_.report_dir + "/notes.txt") << "someone else's\n"; }
  ASSERT_EQ(::chmod(spec_.report_dir.c_str(), 0755), 0);
  const Finished shared = run_hrsync();
  EXPECT_EQ(shared.exit.code, 0) << shared.err;
  EXPECT_EQ(mode_of(spec_.report_dir), 0755);
  EXPECT_TRUE(contains(shared.err, "the report folder " + spec_.report_dir +
                                       " can be read by others (mode 0755) and holds files hrsync did not write"))
      << shared.err;
  EXPECT_EQ(mode_of(spec_.report_dir + "/run-1.json"), 0600) << "the report itself is still private";
}

TEST_F(PrivateFilesTest, ASecretFileOthersCanReadIsNamedButNotShown) {
  start_emulator();
  ASSERT_EQ(::chmod(spec_.secret_file.c_str(), 0644), 0);
  const Finished loose = run_hrsync();
  EXPECT_EQ(loose.exit.code, 0) << loose.err;
  EXPECT_TRUE(contains(loose.err, "the secret file " + spec_.secret_file + " (feishu.app_secret_file) can be read by every user"))
      << loose.err;
  EXPECT_FALSE(contains(loose.err + loose.out, kAppSecret));

  ASSERT_EQ(::chmod(spec_.secret_file.c_str(), 0640), 0);
  const Finished group = run_hrsync();
  EXPECT_TRUE(contains(group.err, "can be read by its group")) << group.err;

  ASSERT_EQ(::chmod(spec_.secret_file.c_str(), 0600), 0);
  const Finished tight = run_hrsync();
  EXPECT_FALSE(contains(tight.err, "secret file")) << tight.err;
}

}  // namespace
}  // namespace hrsync::process
