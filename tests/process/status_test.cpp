// `hrsync status` from another process: the run going on now with the progress its commits wrote,
// the last run once it has ended, a run killed outright; `hrsync report` of a run still going; the
// plain progress lines of a sync whose stdout is not a terminal.
#include <signal.h>

#include <unistd.h>

#include <algorithm>
#include <ctime>
#include <filesystem>
#include <thread>

#include "engine/run/run_lock.h"

#include "tests/process/process_harness.h"

namespace hrsync::process {
namespace {

class StatusTest : public ProcessHarness {
 protected:
  // `hrsync status --json`, parsed; it exits 0.
  json::object status_json() {
    const Finished f = run_hrsync({"status", "--json"});
    EXPECT_EQ(f.exit.code, 0) << f.err;
    boost::system::error_code ec;
    json::value v = json::parse(f.out, ec);
    EXPECT_FALSE(ec) << "status --json does not parse: " << f.out;
    return v.is_object() ? v.as_object() : json::object{};
  }

  static std::int64_t done_of(const json::object& status) {
    std::int64_t done = 0;
    const auto* run = status.if_contains("run");
    if (run == nullptr || !run->is_object()) return 0;
    for (const auto& t : run->as_object().at("targets").as_array()) done += t.at("done").as_int64();
    return done;
  }

  // Starts a slow emulator: each answer takes a second, so the run lasts long enough for several
  // `hrsync status` processes to be started and read while it goes, even on a loaded machine.
  void start_slow_emulator() { start_emulator({"--latency-ms", "1000..1000"}); }

  // Starts a sync and waits until a commit has written some progress.
  Started start_sync() {
    Started s = start_hrsync();
    while (s.child->running() && done_of(status_json()) == 0) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    EXPECT_TRUE(s.child->running()) << "the run ended before its status could be seen: " << s.err();
    return s;
  }
};

TEST_F(StatusTest, ShowsTheRunningRunFromAnotherProcessAndThenHowItEnded) {
  start_slow_emulator();
  const Finished before = run_hrsync({"status"});
  EXPECT_EQ(before.exit.code, 0) << before.err;
  EXPECT_TRUE(contains(before.out, "No run of job")) << before.out;
  EXPECT_FALSE(std::filesystem::exists(spec_.snapshot)) << "status creates no snapshot";

  Started run = start_sync();
  const json::object live = status_json();
  EXPECT_EQ(live.at("state").as_string(), "running");
  EXPECT_TRUE(contains(live.at("lock_holder").as_string(), "pid " + std::to_string(run.child->pid())))
      << live.at("lock_holder");
  const json::object& r = live.at("run").as_object();
  EXPECT_EQ(r.at("id").as_int64(), 1);
  EXPECT_EQ(r.at("status").as_string(), "running");
  EXPECT_TRUE(r.at("exit_code").is_null());
  EXPECT_FALSE(r.at("progress_at").is_null());
  const json::array& targets = r.at("targets").as_array();
  ASSERT_EQ(targets.size(), 5u) << "every target of the plan, from the start";
  std::int64_t planned = 0, done = 0;
  for (const auto& v : targets) {
    const json::object& t = v.as_object();
    EXPECT_GT(t.at("planned").as_int64(), 0) << t;
    EXPECT_LE(t.at("done").as_int64(), t.at("planned").as_int64()) << t;
    EXPECT_EQ(t.at("done").as_int64(),
              t.at("applied").as_int64() + t.at("failed").as_int64() + t.at("skipped").as_int64());
    planned += t.at("planned").as_int64();
    done += t.at("done").as_int64();
  }
  EXPECT_GT(done, 0);
  EXPECT_LT(done, planned) << "seen while it goes on";

  const Finished text = run_hrsync({"status"});
  EXPECT_EQ(text.exit.code, 0) << text.err;
  EXPECT_TRUE(contains(text.out, "Run 1 of job")) << text.out;
  EXPECT_TRUE(contains(text.out, "is running: sync, started")) << text.out;
  EXPECT_TRUE(contains(text.out, "contact_user")) << text.out;

  const Finished report = run_hrsync({"report"});
  EXPECT_EQ(report.exit.code, 0) << report.err;
  EXPECT_TRUE(contains(report.out, "status running (in progress")) << report.out;
  EXPECT_TRUE(contains(report.out, "Still running: the job's lock is held by pid " + std::to_string(run.child->pid())))
      << report.out;
  EXPECT_TRUE(contains(report.out, "The run is still going")) << report.out;
  EXPECT_FALSE(contains(report.out, "abandoned")) << report.out;

  const ChildExit exit = run.child->wait();
  EXPECT_EQ(exit.code, 0) << run.err();
  EXPECT_FALSE(contains(run.err(), "another run")) << "the status probes never stood in the run's way: " << run.err();

  const json::object after = status_json();
  EXPECT_EQ(after.at("state").as_string(), "idle");
  EXPECT_TRUE(after.at("lock_holder").is_null());
  const json::object& last = after.at("run").as_object();
  EXPECT_EQ(last.at("status").as_string(), "ok");
  EXPECT_EQ(last.at("exit_code").as_int64(), 0);
  for (const auto& v : last.at("targets").as_array()) {
    EXPECT_EQ(v.at("done").as_int64(), v.at("planned").as_int64()) << v;
    EXPECT_FALSE(v.at("finished_at").is_null()) << v;
  }
  const Finished ended = run_hrsync({"status"});
  EXPECT_TRUE(contains(ended.out, "No run of job")) << ended.out;
  EXPECT_TRUE(contains(ended.out, "The last run, 1 (sync), ended")) << ended.out;
  EXPECT_TRUE(contains(ended.out, "ok, exit code 0")) << ended.out;
}

TEST_F(StatusTest, ARunKilledOutrightIsShownAbandonedAndLeftForTheNextSyncToMark) {
  start_slow_emulator();
  Started run = start_sync();
  run.child->signal(SIGKILL);
  EXPECT_EQ(run.child->wait().signal, SIGKILL);

  const Finished text = run_hrsync({"status"});
  EXPECT_EQ(text.exit.code, 0) << text.err;
  EXPECT_TRUE(contains(text.out, "No run of job")) << text.out;
  EXPECT_TRUE(contains(text.out, "Run 1 (sync)")) << text.out;
  EXPECT_TRUE(contains(text.out, "(abandoned)")) << text.out;
  const json::object j = status_json();
  EXPECT_EQ(j.at("state").as_string(), "abandoned");
  EXPECT_EQ(j.at("run").at("status").as_string(), "running") << "status writes nothing: the run is left as it was";
  EXPECT_GT(done_of(j), 0) << "its last progress is shown";

  const Finished rerun = run_hrsync();
  EXPECT_EQ(rerun.exit.code, 0) << rerun.err;
  EXPECT_TRUE(contains(rerun.err, "now marked abandoned")) << rerun.err;
  EXPECT_EQ(status_json().at("run").at("id").as_int64(), 2);
}

TEST_F(StatusTest, OffATerminalTheSyncPrintsPlainProgressLinesAtTheConfiguredInterval) {
  spec_.extra = "[progress]\ninterval_s = 1\n";
  start_slow_emulator();
  const Finished run = run_hrsync({"sync"});
  EXPECT_EQ(run.exit.code, 0) << run.err;
  EXPECT_TRUE(contains(run.out, " progress contact_user ")) << run.out;
  EXPECT_TRUE(contains(run.out, " progress elapsed ")) << run.out;
  EXPECT_TRUE(contains(run.out, "sophon_person 60/60 100.0 %")) << "the last state is printed at the end: " << run.out;
  EXPECT_FALSE(contains(run.out, "\033[")) << "no terminal codes in a log";
}

TEST_F(StatusTest, ALockTakenAfterTheLastRunIsARunStartingAndOneTakenBeforeItIsThatRunFinishing) {
  start_slow_emulator();
  ASSERT_TRUE(run_hrsync().exit.code == 0);
  std::filesystem::create_directories(std::filesystem::path(spec_.snapshot).parent_path());
  const std::int64_t last_started = status_json().at("run").at("started_at").as_int64();
  // As the next sync does before it plans, some seconds after the last run started.
  auto lock = RunLock::try_acquire(spec_.snapshot, std::max<std::int64_t>(std::time(nullptr), last_started + 1));
  ASSERT_TRUE(lock.has_value() && lock->held());
  const json::object j = status_json();
  EXPECT_EQ(j.at("state").as_string(), "starting");
  EXPECT_TRUE(contains(j.at("lock_holder").as_string(), "pid " + std::to_string(::getpid()))) << j;
  EXPECT_EQ(j.at("run").at("status").as_string(), "ok") << "the last run is still shown";
  const Finished text = run_hrsync({"status"});
  EXPECT_TRUE(contains(text.out, "is starting (reading the sources and planning)")) << text.out;
  EXPECT_TRUE(contains(text.out, "The last run, 1 (sync)")) << text.out;
  EXPECT_TRUE(lock->held()) << "status took nothing from the holder";

  // A holder that took the lock before the last run started is that run's own process, finishing
  // after its run ended (the report, the chat message): the run is over.
  lock->release();
  auto own = RunLock::try_acquire(spec_.snapshot, last_started);
  ASSERT_TRUE(own.has_value() && own->held());
  const json::object finishing = status_json();
  EXPECT_EQ(finishing.at("state").as_string(), "idle");
  EXPECT_FALSE(finishing.at("lock_holder").is_null());
  const Finished finishing_text = run_hrsync({"status"});
  EXPECT_TRUE(contains(finishing_text.out, "No run of job")) << finishing_text.out;
  EXPECT_TRUE(contains(finishing_text.out, "Its process is finishing")) << finishing_text.out;
}

TEST_F(StatusTest, ABadConfigIsAUsageError) {
  spec_.job_extra = "bogus = 1\n";
  const Finished f = run_hrsync({"status"});
  EXPECT_EQ(f.exit.code, 2);
  EXPECT_TRUE(contains(f.err, "hrsync status: ")) << f.err;
}

}  // namespace
}  // namespace hrsync::process
