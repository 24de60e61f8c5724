// One run of a job at a time: the lock beside the snapshot, between real processes.
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ctime>
#include <filesystem>
#include <map>
#include <thread>
#include <atomic>

#include "engine/run/run_lock.h"
#include "tests/process/process_harness.h"

namespace hrsync::process {
namespace {

std::int64_t now() { return static_cast<std::int64_t>(std::time(nullptr)); }

std::string pid_text(pid_t pid) { return "pid " + std::to_string(pid) + " on "; }

// Entities a run's JSON report says were applied, per target.
std::map<std::string, std::int64_t> applied_in_report(const std::string& path) {
  std::map<std::string, std::int64_t> out;
  const json::value doc = json::parse(slurp(path));
  for (const auto& t : doc.at("targets").as_array()) {
    out[std::string(t.at("id").as_string())] = t.at("applied").as_int64();
  }
  return out;
}

using RunLockTest = ProcessHarness;

TEST_F(RunLockTest, TwoOpensOfTheLockFileConflictAndTheSecondNamesTheFirst) {
  std::filesystem::create_directories(dir_.file("var"));
  const mode_t old = ::umask(022);
  auto first = RunLock::try_acquire(spec_.snapshot, now());
  ::umask(old);
  ASSERT_TRUE(first) << first.error().str();
  EXPECT_TRUE(first->held());
  EXPECT_EQ(first->path(), spec_.snapshot + ".lock");
  struct stat st {};
  ASSERT_EQ(::stat(first->path().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  auto second = RunLock::try_acquire(spec_.snapshot, now());
  ASSERT_TRUE(second) << second.error().str();
  EXPECT_FALSE(second->held());
  EXPECT_TRUE(contains(second->holder(), pid_text(::getpid()))) << second->holder();
  EXPECT_TRUE(contains(second->holder(), "started 20")) << second->holder();

  first->release();
  auto third = RunLock::try_acquire(spec_.snapshot, now());
  ASSERT_TRUE(third) << third.error().str();
  EXPECT_TRUE(third->held());
}

TEST_F(RunLockTest, AProbeTellsWhetherTheLockIsHeldAndTakesNothing) {
  std::filesystem::create_directories(dir_.file("var"));
  auto none = RunLock::probe(spec_.snapshot);
  ASSERT_TRUE(none) << none.error().str();
  EXPECT_FALSE(none->held);
  EXPECT_FALSE(std::filesystem::exists(spec_.snapshot + ".lock")) << "a probe creates no lock file";

  const std::int64_t taken = now();
  auto holder = RunLock::try_acquire(spec_.snapshot, taken);
  ASSERT_TRUE(holder && holder->held());
  auto held = RunLock::probe(spec_.snapshot);
  ASSERT_TRUE(held) << held.error().str();
  EXPECT_TRUE(held->held);
  EXPECT_TRUE(contains(held->holder, pid_text(::getpid()))) << held->holder;
  EXPECT_EQ(held->since, taken) << "read back from " << held->holder;
  EXPECT_TRUE(holder->held());

  holder->release();
  auto free = RunLock::probe(spec_.snapshot);
  ASSERT_TRUE(free) << free.error().str();
  EXPECT_FALSE(free->held);
  // The probe took nothing: the lock can be taken at once.
  auto next = RunLock::try_acquire(spec_.snapshot, now());
  ASSERT_TRUE(next && next->held());
}

// `hrsync status` polled in a loop beside a sync starting: each probe takes no lock, so however
// the two interleave (and however long a loaded machine keeps a probe between its calls), the
// run is never turned away. Probes run without pause in another thread while the lock is taken
// and given up again and again; a probe holding a lock for any instant would turn some away.
TEST_F(RunLockTest, ProbesInALoopNeverTurnARunAway) {
  std::filesystem::create_directories(dir_.file("var"));
  { auto made = RunLock::try_acquire(spec_.snapshot, now()); ASSERT_TRUE(made && made->held()); }
  std::atomic<bool> done{false};
  std::atomic<int> probes{0}, seen_held{0};
  std::thread prober([&] {
    while (!done.load()) {
      auto p = RunLock::probe(spec_.snapshot);
      if (!p) continue;
      probes.fetch_add(1);
      if (p->held) seen_held.fetch_add(1);
    }
  });
  int turned_away = 0;
  for (int i = 0; i < 2000; ++i) {
    auto lock = RunLock::try_acquire(spec_.snapshot, now());
    ASSERT_TRUE(lock) << lock.error().str();
    if (!lock->held()) ++turned_away;
    while (lock->held() && probes.load() % 7 != 0) std::this_thread::yield();  // let probes land while held
  }
  done = true;
  prober.join();
  EXPECT_EQ(turned_away, 0) << "of 2000 runs starting beside " << probes.load() << " probes";
  EXPECT_GT(seen_held.load(), 0) << "the probes saw the lock while it was held";
}

TEST_F(RunLockTest, ASyncWhoseLockIsHeldExitsSixAtOnceAndSendsNothing) {
  ASSERT_NO_FATAL_FAILURE(start_emulator());
  std::filesystem::create_directories(dir_.file("var"));
  auto held = RunLock::try_acquire(spec_.snapshot, now());
  ASSERT_TRUE(held && held->held());

  const Finished refused = run_hrsync();
  EXPECT_EQ(refused.exit.code, 6) << refused.err;
  EXPECT_TRUE(contains(refused.err, spec_.snapshot + ".lock")) << refused.err;
  EXPECT_TRUE(contains(refused.err, pid_text(::getpid()))) << refused.err;
  EXPECT_TRUE(contains(refused.err, "another run of this job holds the lock")) << refused.err;
  EXPECT_EQ(stats().at("requests").as_int64(), 0) << "the refused run sent something (a token request included)";

  held->release();
  const Finished ran = run_hrsync();
  EXPECT_EQ(ran.exit.code, 0) << ran.err;
  EXPECT_GT(business_requests(), 0u);
}

// `hrsync tune` probes the targets at their limits: beside a sync of the same job both would be
// throttled and the probe would measure the sync. It takes the job's lock as a sync does.
TEST_F(RunLockTest, ATuneWhileTheJobIsLockedExitsSixAndSendsNothingThenRunsAndLeavesNoLock) {
  ASSERT_NO_FATAL_FAILURE(start_emulator());
  std::filesystem::create_directories(dir_.file("var"));
  auto held = RunLock::try_acquire(spec_.snapshot, now());
  ASSERT_TRUE(held && held->held());

  const Finished refused = run_hrsync({"tune", "--only", "acs_card"});
  EXPECT_EQ(refused.exit.code, 6) << refused.err;
  EXPECT_TRUE(contains(refused.err, "hrsync tune: another run of this job holds the lock")) << refused.err;
  EXPECT_TRUE(contains(refused.err, pid_text(::getpid()))) << refused.err;
  EXPECT_EQ(stats().at("requests").as_int64(), 0) << "the refused tune sent something (a token request included)";

  held->release();
  std::filesystem::remove(spec_.snapshot);  // the lock above made it; a job that never ran has none
  const Finished tuned = run_hrsync({"tune", "--only", "acs_card"});
  EXPECT_EQ(tuned.exit.code, 0) << tuned.err << tuned.out;
  EXPECT_GT(stats().at("requests").as_int64(), 0);
  auto after = RunLock::probe(spec_.snapshot);
  ASSERT_TRUE(after) << after.error().str();
  EXPECT_FALSE(after->held) << "the tune gave the lock up when it ended";
  // It recorded nothing and made no snapshot: a snapshot it left, even empty, would hide a lost one
  // from the next sync (which refuses to start a first run over a job's reports).
  EXPECT_FALSE(std::filesystem::exists(spec_.snapshot));
  const Finished ran = run_hrsync();
  EXPECT_EQ(ran.exit.code, 0) << ran.err;
}

TEST_F(RunLockTest, ATuneHoldsTheLockWhileItProbesSoASyncStartedThenExitsSix) {
  // Every answer takes 100 ms, so the tune's 20 reads last two seconds; a sync started meanwhile
  // is turned away.
  ASSERT_NO_FATAL_FAILURE(start_emulator({"--latency-ms", "100..100"}));
  std::filesystem::create_directories(dir_.file("var"));
  Started tune = start_hrsync({"tune", "--only", "acs_card"});
  for (int i = 0; i < 200; ++i) {
    auto probe = RunLock::probe(spec_.snapshot);
    if (probe && probe->held) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  auto probe = RunLock::probe(spec_.snapshot);
  ASSERT_TRUE(probe && probe->held) << "the tune took no lock";
  const Finished refused = run_hrsync();
  EXPECT_EQ(refused.exit.code, 6) << refused.err;
  EXPECT_TRUE(contains(refused.err, "another run of this job holds the lock")) << refused.err;
  const auto tuned = tune.child->wait();
  EXPECT_EQ(tuned.code, 0) << tune.err();
}

TEST_F(RunLockTest, TwoSyncsStartedTogetherOneRunsTheOtherExitsSixAndEveryCallIsSentOnce) {
  ASSERT_NO_FATAL_FAILURE(start_emulator({"--latency-ms", "100..100"}));
  Started first = start_hrsync();
  ASSERT_TRUE(wait_for_text(spec_.snapshot + ".lock", pid_text(first.child->pid()), *first.child)) << first.err();

  const Finished second = run_hrsync();
  EXPECT_EQ(second.exit.code, 6) << second.err;
  EXPECT_TRUE(contains(second.err, pid_text(first.child->pid()))) << second.err;

  const ChildExit done = first.child->wait();
  EXPECT_EQ(done.code, 0) << first.err();
  const auto applied = applied_in_report(dir_.file("var/reports/run-1.json"));
  ASSERT_EQ(applied.size(), 5u);
  const json::object s = stats();
  for (const auto& [target, count] : applied) {
    EXPECT_GT(count, 0) << target;
    const json::object& outcomes = s.at("endpoints").at(target).at("outcomes").as_object();
    EXPECT_EQ(outcomes.at("0").as_int64(), count) << target << ": every entity accepted once, no more";
  }
}

// A cleaner removes the lock file while a run holds it: the next run creates a new lock file and
// locks it, but the running run also holds its snapshot locked, which the next one cannot take.
// It is refused with exit 6 and sends nothing; status and report see the run as running, not
// abandoned; every entity is still sent once.
TEST_F(RunLockTest, ALockFileRemovedWhileARunHoldsItLetsNoSecondRunIn) {
  ASSERT_NO_FATAL_FAILURE(start_emulator({"--latency-ms", "300..300"}));
  Started first = start_hrsync();
  const std::string lock_file = spec_.snapshot + ".lock";
  ASSERT_TRUE(wait_for_text(lock_file, pid_text(first.child->pid()), *first.child)) << first.err();
  const auto state = [this] {
    const Finished f = run_hrsync({"status", "--json"});
    EXPECT_EQ(f.exit.code, 0) << f.err;
    boost::system::error_code ec;
    const json::value v = json::parse(f.out, ec);
    return !ec && v.is_object() ? std::string(v.at("state").as_string()) : std::string("unparsed: " + f.out);
  };
  while (first.child->running() && state() != "running") std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ASSERT_TRUE(first.child->running()) << "the run ended before the test could remove its lock file: " << first.err();

  ASSERT_TRUE(std::filesystem::remove(lock_file));
  const Finished second = run_hrsync();
  EXPECT_EQ(second.exit.code, 6) << second.err;
  EXPECT_TRUE(contains(second.err, "another run of this job holds the lock")) << second.err;
  EXPECT_TRUE(contains(second.err, "lock file was removed")) << second.err;

  EXPECT_EQ(state(), "running");
  const Finished report = run_hrsync({"report"});
  EXPECT_EQ(report.exit.code, 0) << report.err;
  EXPECT_FALSE(contains(report.err, "abandoned")) << report.err;
  EXPECT_TRUE(contains(report.out, "status running")) << report.out;
  EXPECT_TRUE(contains(report.out, "Still running")) << report.out;

  const ChildExit done = first.child->wait();
  EXPECT_EQ(done.code, 0) << first.err();
  const auto applied = applied_in_report(dir_.file("var/reports/run-1.json"));
  ASSERT_EQ(applied.size(), 5u);
  const json::object s = stats();
  for (const auto& [target, count] : applied) {
    const json::object& outcomes = s.at("endpoints").at(target).at("outcomes").as_object();
    EXPECT_EQ(outcomes.at("0").as_int64(), count) << target << ": every entity accepted once, no more";
  }
  EXPECT_FALSE(std::filesystem::exists(dir_.file("var/reports/run-2.json"))) << "the refused run began no run";
}

// Between its open and its lock, a lock file may be removed by a cleaner and another made in its
// place; a run that locked a file no longer at the path would hold a lock no one else sees. The
// lock is taken again on the file at the path, and held only when the two are one file.
TEST_F(RunLockTest, TheLockedFilesAreTheOnesAtTheirPathsAndTheSnapshotIsLockedToo) {
  std::filesystem::create_directories(dir_.file("var"));
  auto held = RunLock::try_acquire(spec_.snapshot, now());
  ASSERT_TRUE(held && held->held());
  EXPECT_TRUE(std::filesystem::is_regular_file(spec_.snapshot)) << "the snapshot is created to be locked";
  struct stat st {};
  ASSERT_EQ(::stat(spec_.snapshot.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(st.st_size, 0) << "the lock takes no room in the snapshot";

  // The lock file removed: a second taker creates another and locks it, but not the snapshot.
  ASSERT_TRUE(std::filesystem::remove(held->path()));
  auto second = RunLock::try_acquire(spec_.snapshot, now());
  ASSERT_TRUE(second) << second.error().str();
  EXPECT_FALSE(second->held());
  EXPECT_TRUE(contains(second->holder(), "lock file was removed")) << second->holder();
  auto probe = RunLock::probe(spec_.snapshot);
  ASSERT_TRUE(probe) << probe.error().str();
  EXPECT_TRUE(probe->held) << "a probe sees the snapshot's lock when the lock file's is gone";

  held->release();
  auto third = RunLock::try_acquire(spec_.snapshot, now());
  ASSERT_TRUE(third && third->held()) << (third ? third->holder() : third.error().str());

  // A snapshot that is not a regular file is never locked (nor anything done to it).
  third->release();
  const std::string fifo = dir_.file("var/fifo.db");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0644), 0);
  auto not_a_file = RunLock::try_acquire(fifo, now());
  ASSERT_FALSE(not_a_file) << "a FIFO as the snapshot";
  EXPECT_TRUE(contains(not_a_file.error().message, "not a regular file")) << not_a_file.error().str();
}

TEST_F(RunLockTest, ARunKilledOutrightLeavesNoLockBehind) {
  ASSERT_NO_FATAL_FAILURE(start_emulator({"--latency-ms", "200..200"}));
  Started first = start_hrsync();
  ASSERT_TRUE(wait_for_text(spec_.snapshot + ".lock", pid_text(first.child->pid()), *first.child)) << first.err();
  first.child->signal(SIGKILL);
  EXPECT_EQ(first.child->wait().signal, SIGKILL);

  const Finished next = run_hrsync();
  EXPECT_EQ(next.exit.code, 0) << next.err;
}

}  // namespace
}  // namespace hrsync::process
