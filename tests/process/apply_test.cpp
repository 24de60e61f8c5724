// `hrsync apply` as a person runs it, each command its own process against the emulator process:
// `hrsync status` from another process shows the apply while it goes; killed outright (kill -9,
// a crash) halfway, the same `hrsync apply FILE` resumes it and sends only the calls not
// confirmed, counted at the emulator; then it is applied already.
#include <signal.h>

#include <thread>

#include "engine/plan/plan_file.h"
#include "store/snapshot_store.h"
#include "tests/process/process_harness.h"

namespace hrsync::process {
namespace {

class ApplyProcessTest : public ProcessHarness {
 protected:
  std::string plan_file() { return dir_.file("migration.plan"); }

  // The calls the plan file holds.
  std::uint64_t planned_calls() {
    auto reader = PlanFileReader::open(plan_file());
    EXPECT_TRUE(reader) << reader.error().str();
    std::uint64_t n = 0;
    if (reader) {
      for (const auto& t : reader->header().targets) n += t.calls;
    }
    return n;
  }

  // What the commits of the apply's run wrote so far, from `hrsync status --json`: done in all.
  std::int64_t done_so_far(std::string& command) {
    const Finished f = run_hrsync({"status", "--json"});
    EXPECT_EQ(f.exit.code, 0) << f.err;
    boost::system::error_code ec;
    json::value v = json::parse(f.out, ec);
    if (ec || !v.is_object()) return 0;
    const auto* run = v.as_object().if_contains("run");
    if (run == nullptr || !run->is_object()) return 0;
    if (const auto* c = run->as_object().if_contains("command"); c != nullptr && c->is_string()) {
      command = std::string(c->as_string());
    }
    std::int64_t done = 0;
    for (const auto& t : run->as_object().at("targets").as_array()) done += t.at("done").as_int64();
    return done;
  }

  // Calls the snapshot holds as confirmed by run `run`.
  std::uint64_t confirmed_by(std::int64_t run) {
    auto store = SnapshotStore::open_read_only(spec_.snapshot);
    EXPECT_TRUE(store) << store.error().str();
    if (!store) return 0;
    auto outcomes = store->outcomes(run);
    EXPECT_TRUE(outcomes) << outcomes.error().str();
    std::uint64_t n = 0;
    if (outcomes) {
      for (const auto& o : *outcomes) n += o.status == "applied" ? 1 : 0;
    }
    return n;
  }
};

TEST_F(ApplyProcessTest, StatusShowsTheApplyAndOneKilledOutrightIsResumedWithOnlyTheRest) {
  start_emulator({"--latency-ms", "400..400"});
  const Finished planned = run_hrsync({"plan", "--out", plan_file()});
  ASSERT_EQ(planned.exit.code, 0) << planned.err << planned.out;
  const std::uint64_t calls = planned_calls();
  ASSERT_EQ(calls, employees_.size() * 4 + groups_.size());
  ASSERT_EQ(business_requests(), 0u);

  // From another process, while it goes: the apply is the running run, with its commits' counts.
  Started run = start_hrsync({"apply", plan_file(), "--no-progress"});
  std::string command;
  while (run.child->running() && done_so_far(command) == 0) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  ASSERT_TRUE(run.child->running()) << "the apply ended before it could be seen: " << run.err();
  EXPECT_TRUE(command.starts_with("apply ") && command.ends_with("migration.plan")) << command;
  const Finished text = run_hrsync({"status"});
  EXPECT_TRUE(contains(text.out, "is running: apply ")) << text.out;

  run.child->signal(SIGKILL);
  ASSERT_EQ(run.child->wait().signal, SIGKILL);
  const std::uint64_t first_sent = business_requests();
  const std::uint64_t confirmed = confirmed_by(1);
  ASSERT_GT(confirmed, 0u);
  ASSERT_LT(confirmed, calls);

  // The same command again: run 1 is marked abandoned, and only what it did not get confirmed is sent.
  const Finished resumed = run_hrsync({"apply", plan_file(), "--no-progress"});
  EXPECT_EQ(resumed.exit.code, 0) << resumed.err << resumed.out;
  EXPECT_TRUE(contains(resumed.err, "run 1 was still marked running")) << resumed.err;
  EXPECT_TRUE(contains(resumed.out, std::to_string(confirmed) + " calls were confirmed by an earlier apply")) << resumed.out;
  EXPECT_EQ(business_requests() - first_sent, calls - confirmed);

  const Finished again = run_hrsync({"apply", plan_file(), "--no-progress"});
  EXPECT_EQ(again.exit.code, 8) << again.err << again.out;
  EXPECT_TRUE(contains(again.out, "is applied already")) << again.out;
  EXPECT_EQ(business_requests() - first_sent, calls - confirmed);
  const Finished ended = run_hrsync({"status"});
  EXPECT_TRUE(contains(ended.out, "The last run, 2 (apply ")) << ended.out;
  EXPECT_TRUE(contains(ended.out, "ok, exit code 0")) << ended.out;
}

}  // namespace
}  // namespace hrsync::process
