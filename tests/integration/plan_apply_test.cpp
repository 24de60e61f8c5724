// A reviewed plan, applied exactly: `hrsync plan --out FILE`, then `hrsync apply FILE`, against the
// emulator, with the calls counted where they arrive. An apply sends the file's calls and nothing
// else; one stopped by SIGTERM halfway sends, run again, only the calls not confirmed; and it
// refuses, sending nothing, a file whose snapshot moved on, whose config changed, that was
// altered, made while a safety gate said stop (without --force), or applied already.
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <iterator>
#include <sstream>
#include <thread>

#include "engine/plan/plan_file.h"
#include "engine/plan/plan_report.h"
#include "tests/integration/sync_harness.h"

namespace hrsync::integration {
namespace {

struct Cli {
  int code = -1;
  std::string out;
  std::string err;
};

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void spill(const std::string& path, std::string_view text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

class PlanApplyTest : public SyncHarness {
 protected:
  std::string config() { return dir_.file("job.toml"); }
  std::string plan_file() { return dir_.file("migration.plan"); }

  // Writes the exports and the job, then runs `hrsync plan --config job.toml --out FILE`.
  Cli plan_out() {
    write_hr();
    spill(config(), job_toml(spec_));
    PlanCommand cmd;
    cmd.config = config();
    cmd.out = plan_file();
    return run([&](std::ostream& out, std::ostream& err) { return run_plan(cmd, out, err); });
  }

  Cli apply(bool force = false) {
    ApplyCommand cmd;
    cmd.file = plan_file();
    cmd.force = force;
    cmd.progress = false;
    return run([&](std::ostream& out, std::ostream& err) { return run_apply(cmd, out, err); });
  }

  template <typename F>
  static Cli run(F&& command) {
    std::ostringstream out, err;
    Cli c;
    c.code = command(out, err);
    c.out = out.str();
    c.err = err.str();
    return c;
  }

  // The calls the plan file holds, per target and in all.
  std::uint64_t planned_calls(std::string_view target = "") {
    auto reader = PlanFileReader::open(plan_file());
    EXPECT_TRUE(reader) << reader.error().str();
    std::uint64_t n = 0;
    for (const auto& t : reader->header().targets) {
      if (target.empty() || t.id == target) n += t.calls;
    }
    return n;
  }

  std::uint64_t sent() { return business_calls(stats()); }
};

TEST_F(PlanApplyTest, ApplySendsExactlyThePlannedCallsAndThenIsAppliedAlready) {
  ASSERT_NO_FATAL_FAILURE(start_emulator());
  const Cli plan = plan_out();
  ASSERT_EQ(plan.code, kExitOk) << plan.err << plan.out;
  const std::uint64_t calls = planned_calls();
  EXPECT_EQ(calls, employees_.size() * 4 + groups_.size());
  EXPECT_EQ(sent(), 0u) << "plan --out sends nothing";

  const Cli applied = apply();
  EXPECT_EQ(applied.code, kExitOk) << applied.err << applied.out;
  EXPECT_EQ(sent(), calls);
  ASSERT_NO_FATAL_FAILURE(expect_state_matches_source());

  // A nightly change of three names: the new plan holds those three calls, and apply sends them alone.
  for (std::size_t i : {3u, 17u, 40u}) cell(employees_[i], "name") += " Jr";
  ASSERT_EQ(plan_out().code, kExitOk);
  EXPECT_EQ(planned_calls("contact_user"), 3u);
  const std::uint64_t before = sent();
  const Cli nightly = apply();
  EXPECT_EQ(nightly.code, kExitOk) << nightly.err << nightly.out;
  EXPECT_EQ(sent() - before, planned_calls());
  ASSERT_NO_FATAL_FAILURE(expect_state_matches_source());

  const std::uint64_t settled = sent();
  const Cli again = apply();
  EXPECT_EQ(again.code, kExitAlreadyApplied) << again.err << again.out;
  EXPECT_TRUE(contains(again.out, "applied already")) << again.out;
  EXPECT_EQ(sent(), settled);
}

// The JSON report a run's output names ("Report: PATH").
json::object report_of(const std::string& out) {
  const auto at = out.rfind("Report: ");
  if (at == std::string::npos) return {};
  const auto end = out.find('\n', at);
  const std::string path = out.substr(at + 8, end == std::string::npos ? std::string::npos : end - at - 8);
  return json::parse(slurp(path)).as_object();
}

// The plan a job makes next, as `hrsync plan --json` prints it.
std::string next_plan(Result<Job> job) {
  EXPECT_TRUE(job) << job.error().str();
  return job ? render_plan_json(job->plan, PlanRenderOptions{}) : std::string();
}

// A leaver's access card is left on the card system ("Remove by hand") and the leaver is no
// longer managed there: apply lists the first in its summary, its JSON report and `hrsync report`
// as sync does, and forgets the second as sync does, so the plan that follows is the one a sync of
// the same change leaves behind.
TEST_F(PlanApplyTest, ApplyListsWhatToRemoveByHandAndForgetsTheLeaversAsSyncDoes) {
  ASSERT_NO_FATAL_FAILURE(start_emulator());
  // The same first run into two snapshots: one goes on with plan --out and apply, one with sync.
  const std::string by_apply = spec_.snapshot;
  const std::string by_sync = dir_.file("var/by-sync.db");
  ASSERT_EQ(sync().exit_code, kExitOk);
  spec_.snapshot = by_sync;
  ASSERT_EQ(sync().exit_code, kExitOk);

  const std::string leaver = cell(employees_[7], "user_id");
  employees_.erase(employees_.begin() + 7);
  cell(employees_[3], "name") += " Jr";
  spec_.snapshot = by_apply;
  const Cli plan = plan_out();
  ASSERT_EQ(plan.code, kExitOk) << plan.err << plan.out;
  ASSERT_TRUE(contains(plan.out, "Remove by hand (1)")) << plan.out;
  EXPECT_TRUE(contains(plan.out, "(gone from the source)  " + leaver + "  feature.card")) << plan.out;
  EXPECT_TRUE(contains(plan.out, "1 value to remove by hand")) << plan.out;
  PlanCommand show;
  show.show = plan_file();
  const Cli shown = run([&](std::ostream& out, std::ostream& err) { return run_plan(show, out, err); });
  EXPECT_EQ(shown.code, kExitOk) << shown.err;
  EXPECT_TRUE(contains(shown.out, "Remove by hand (1)")) << shown.out.substr(0, 3000);
  EXPECT_TRUE(contains(shown.out, "(gone from the source)  " + leaver + "  feature.card")) << shown.out.substr(0, 3000);
  EXPECT_TRUE(contains(shown.out, "acs_card         " + leaver + "\n")) << "listed to forget: " << shown.out.substr(0, 3000);

  const std::uint64_t before = sent();
  const Cli applied = apply();
  ASSERT_EQ(applied.code, kExitOk) << applied.err << applied.out;
  EXPECT_EQ(sent() - before, planned_calls());
  EXPECT_TRUE(contains(applied.out, "remove by hand (1)")) << applied.out;
  EXPECT_TRUE(contains(applied.out, "(gone from the source)  " + leaver + "  feature.card")) << applied.out;
  const json::object report = report_of(applied.out);
  std::size_t listed = 0;
  for (const auto& t : report.at("targets").as_array()) {
    for (const auto& b : t.at("by_hand").as_array()) {
      ++listed;
      EXPECT_EQ(t.at("id").as_string(), "acs_card");
      EXPECT_EQ(b.at("key").as_string(), leaver);
      EXPECT_EQ(b.at("field").as_string(), "feature.card");
    }
  }
  EXPECT_EQ(listed, 1u) << json::serialize(report);
  ReportCommand latest;
  latest.config = config();
  const Cli past = run([&](std::ostream& out, std::ostream& err) { return run_report(latest, out, err); });
  EXPECT_EQ(past.code, kExitOk) << past.err;
  EXPECT_TRUE(contains(past.out, "remove by hand (1)")) << past.out;

  // Applied again: nothing left to send or to forget.
  const std::uint64_t settled = sent();
  const Cli again = apply();
  EXPECT_EQ(again.code, kExitAlreadyApplied) << again.err << again.out;
  EXPECT_EQ(sent(), settled);

  // The leaver is neither missing nor to remove by hand in the next plan, as after a sync.
  const std::string after_apply = next_plan(prepare());
  auto job = prepare();
  ASSERT_TRUE(job);
  for (const auto& t : job->plan.targets) {
    EXPECT_TRUE(t.by_hand.empty()) << t.id;
    EXPECT_TRUE(t.forget_keys.empty()) << t.id;
    EXPECT_EQ(t.calls(), 0u) << t.id;
  }
  spec_.snapshot = by_sync;
  const SyncRun synced = sync();
  ASSERT_EQ(synced.exit_code, kExitOk) << synced.err << synced.out;
  EXPECT_TRUE(contains(synced.out, "remove by hand (1)")) << synced.out;
  EXPECT_EQ(next_plan(prepare()), after_apply);
}

TEST_F(PlanApplyTest, AnApplyStoppedBySigtermSendsOnlyTheRestWhenRunAgain) {
  ASSERT_NO_FATAL_FAILURE(start_emulator());
  spec_.targets = {{.id = "contact_user", .rate = {"40/s"}, .concurrency = 4},
                   {.id = "acs_card", .rate = {"40/s"}, .concurrency = 4}};
  ASSERT_EQ(plan_out().code, kExitOk);
  const std::uint64_t calls = planned_calls();
  ASSERT_EQ(calls, employees_.size() * 2);

  // SIGTERM once a third of the calls reached the emulator, as systemd stops a unit.
  std::atomic<bool> done{false};
  std::thread stopper([&] {
    while (!done && business_requests(stats()) < calls / 3) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    if (!done) ::kill(::getpid(), SIGTERM);
  });
  const Cli first = apply();
  done = true;
  stopper.join();
  ASSERT_EQ(first.code, 128 + SIGTERM) << first.err << first.out;
  const std::uint64_t first_sent = sent();
  ASSERT_LT(first_sent, calls);

  auto store = SnapshotStore::open(spec_.snapshot);
  ASSERT_TRUE(store) << store.error().str();
  auto last = store->last_run();
  ASSERT_TRUE(last && *last);
  std::uint64_t confirmed = 0;
  auto outcomes = store->outcomes((*last)->id);
  ASSERT_TRUE(outcomes) << outcomes.error().str();
  for (const auto& o : *outcomes) confirmed += o.status == "applied" ? 1 : 0;
  ASSERT_GT(confirmed, 0u);

  const Cli second = apply();
  EXPECT_EQ(second.code, kExitOk) << second.err << second.out;
  EXPECT_TRUE(contains(second.out, std::to_string(confirmed) + " calls were confirmed by an earlier apply")) << second.out;
  // Only the calls the first apply did not get confirmed: the emulator counts them.
  EXPECT_EQ(sent() - first_sent, calls - confirmed);
  ASSERT_NO_FATAL_FAILURE(expect_state_matches_source());
  EXPECT_EQ(apply().code, kExitAlreadyApplied);
}

TEST_F(PlanApplyTest, APlanWhoseSnapshotMovedOnIsRefused) {
  ASSERT_NO_FATAL_FAILURE(start_emulator());
  ASSERT_EQ(sync().exit_code, kExitOk);
  cell(employees_[5], "name") += " Jr";
  ASSERT_EQ(plan_out().code, kExitOk);
  cell(employees_[6], "name") += " Sr";
  ASSERT_EQ(sync().exit_code, kExitOk);  // another run commits in between
  const std::uint64_t before = sent();

  const Cli refused = apply();
  EXPECT_EQ(refused.code, kExitPlanRefused) << refused.err << refused.out;
  EXPECT_TRUE(contains(refused.err, "the snapshot moved on since the plan was made")) << refused.err;
  EXPECT_TRUE(contains(refused.err, "nothing was sent")) << refused.err;
  EXPECT_EQ(sent(), before);
}

TEST_F(PlanApplyTest, APlanFromAnotherConfigIsRefused) {
  ASSERT_NO_FATAL_FAILURE(start_emulator());
  ASSERT_EQ(plan_out().code, kExitOk);
  spec_.targets[0].concurrency = 2;
  spill(config(), job_toml(spec_));

  const Cli refused = apply();
  EXPECT_EQ(refused.code, kExitPlanRefused) << refused.err << refused.out;
  EXPECT_TRUE(contains(refused.err, "the config changed since the plan was made")) << refused.err;
  EXPECT_EQ(sent(), 0u);
}

TEST_F(PlanApplyTest, AnAlteredPlanFileIsRefused) {
  ASSERT_NO_FATAL_FAILURE(start_emulator());
  ASSERT_EQ(plan_out().code, kExitOk);
  const std::string original = slurp(plan_file());

  // A reviewer's "small fix" of one name, the hash beside it left as it was.
  std::string edited = original;
  const std::string name = cell(employees_[2], "name");
  const auto at = edited.find("\"name\":\"" + name + "\"");
  ASSERT_NE(at, std::string::npos);
  edited.replace(at + 8, name.size(), name + "x");
  spill(plan_file(), edited);
  Cli refused = apply();
  EXPECT_EQ(refused.code, kExitPlanRefused) << refused.err << refused.out;
  EXPECT_TRUE(contains(refused.err, "was altered")) << refused.err;

  // A call taken out, and a file cut short: refused as well.
  const auto second_line = original.find('\n') + 1;
  const auto third_line = original.find('\n', second_line) + 1;
  spill(plan_file(), original.substr(0, second_line) + original.substr(third_line));
  refused = apply();
  EXPECT_EQ(refused.code, kExitPlanRefused) << refused.err;
  spill(plan_file(), original.substr(0, original.size() / 2));
  refused = apply();
  EXPECT_EQ(refused.code, kExitPlanRefused) << refused.err;
  EXPECT_EQ(sent(), 0u);

  spill(plan_file(), original);
  EXPECT_EQ(apply().code, kExitOk);
}

TEST_F(PlanApplyTest, APlanMadeWhileAGateSaidStopNeedsForce) {
  ASSERT_NO_FATAL_FAILURE(start_emulator());
  ASSERT_EQ(sync().exit_code, kExitOk);
  for (std::size_t i = 0; i < 20; ++i) cell(employees_[i], "name") += " Jr";  // a third of them: max_change_ratio
  const Cli plan = plan_out();
  EXPECT_EQ(plan.code, kExitGate) << plan.err << plan.out;
  const std::uint64_t before = sent();

  const Cli refused = apply();
  EXPECT_EQ(refused.code, kExitGate) << refused.err << refused.out;
  EXPECT_TRUE(contains(refused.err, "safety gate")) << refused.err;
  EXPECT_TRUE(contains(refused.err, "--force")) << refused.err;
  EXPECT_EQ(sent(), before);

  const Cli forced = apply(/*force=*/true);
  EXPECT_EQ(forced.code, kExitOk) << forced.err << forced.out;
  EXPECT_EQ(sent() - before, planned_calls());
}

TEST_F(PlanApplyTest, ShowPrintsTheSummaryAndTheCallsAndChecksTheFile) {
  ASSERT_NO_FATAL_FAILURE(start_emulator());
  ASSERT_EQ(plan_out().code, kExitOk);
  PlanCommand show;
  show.show = plan_file();
  const Cli shown = run([&](std::ostream& out, std::ostream& err) { return run_plan(show, out, err); });
  EXPECT_EQ(shown.code, kExitOk) << shown.err;
  EXPECT_TRUE(contains(shown.out, "contact_user")) << shown.out.substr(0, 2000);
  EXPECT_TRUE(contains(shown.out, cell(employees_[0], "user_id") + " first")) << shown.out.substr(0, 2000);
  EXPECT_TRUE(contains(shown.out, "the file is as it was written")) << shown.out.substr(shown.out.size() - 500);
  EXPECT_FALSE(contains(shown.out, cell(employees_[0], "mobile"))) << "personal data is masked";
  EXPECT_EQ(sent(), 0u);
}

}  // namespace
}  // namespace hrsync::integration
