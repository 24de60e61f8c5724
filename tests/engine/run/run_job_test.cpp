// The whole run through JobRun (engine/run/run_job.h): begun in a real snapshot store, sent over
// the fake transport in virtual time, closed with its report — no socket, no sleep.
#include "engine/run/run_job.h"

#include <SQLiteCpp/Database.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include "engine/net/manual_clock.h"
#include "engine/run/exit_code.h"
#include "tests/engine/run/executor_fakes.h"
#include "tests/store/scratch_dir.h"

namespace hrsync {
namespace {

using namespace std::chrono_literals;
using namespace hrsync::testing;

class RunJobTest : public ::testing::Test {
 protected:
  RunJobTest() {
    auto store = SnapshotStore::open(dir_.file("hrsync.db"));
    EXPECT_TRUE(store.has_value()) << store.error().str();
    job_.store = std::make_unique<SnapshotStore>(std::move(*store));
    job_.config.path = dir_.file("job.toml");
    job_.config.commit_batch = 2;
    job_.config.retry.base_delay_s = 0.1;
    job_.config.retry.max_delay_s = 10;
    job_.plan.targets.reserve(4);  // add_target() hands out references
  }

  // A target of `count` entities, "<prefix>0" up, sent one at a time; no quarantine unless a test asks.
  TargetPlan& add_target(const std::string& id, int count, const std::string& prefix) {
    job_.targets.push_back(std::make_unique<FakeConnector>(id, Platform::kFeishu, std::vector<RateTier>{}));
    TargetPlan& tp = job_.plan.targets.emplace_back();
    tp.id = id;
    tp.connector = job_.targets.back().get();
    for (int i = 0; i < count; ++i) {
      Work& w = tp.work.emplace_back();
      w.desired.key = prefix + std::to_string(i);
      w.desired.body = R"({"key":")" + w.desired.key + R"("})";
      w.desired.seal();
    }
    TargetConfig& tc = job_.config.targets.emplace_back();
    tc.id = id;
    tc.concurrency = 1;
    tc.failure_window = 0;
    return tp;
  }

  TargetConfig& target_config(std::string_view id) {
    for (TargetConfig& tc : job_.config.targets) {
      if (tc.id == id) return tc;
    }
    throw std::logic_error("no target");
  }

  // Snapshot rows of `keys` on `target`, as an earlier run left them.
  void seed(const std::string& target, const std::vector<std::string>& keys) {
    std::vector<SnapshotStore::AppliedRow> rows;
    for (const auto& k : keys) rows.push_back({k, 1, R"({"key":")" + k + R"("})"});
    ASSERT_TRUE(job_.store->commit(target, rows, 0, 500).has_value());
  }

  // Begins the run and applies the plan; with `stop_after`, a stop request (SIGTERM) comes that
  // much virtual time after the start.
  RunResult run(std::optional<Clock::duration> stop_after = std::nullopt) {
    auto run = JobRun::begin(job_, RunSettings{"sync", ""}, [] { return std::int64_t{1000}; });
    EXPECT_TRUE(run.has_value());
    if (!run) return {};
    if (stop_after) {
      net::co_spawn(
          io_,
          [&run, this, at = clock_.now() + *stop_after]() -> net::awaitable<void> {
            co_await clock_.sleep_until(at);
            run->stop(SIGTERM);
          },
          net::detached);
    }
    RunSeams seams{.io = io_, .transport = transport_, .clock = clock_, .board = board_, .redactor = redactor_};
    seams.drive = [this](net::io_context& io) { clock_.run(io); };
    seams.warn = [this](const std::string& what) { warnings_.push_back(what); };
    return run->apply(seams);
  }

  std::int64_t rows(std::string_view target) { return job_.store->count(target).value_or(-1); }
  bool holds(std::string_view target, std::string_view key) {
    auto row = job_.store->row_state(target, key);
    return row.has_value() && row->has_value();
  }
  RunRow logged(std::int64_t id) {
    auto row = job_.store->run(id);
    EXPECT_TRUE(row.has_value() && row->has_value());
    return row && *row ? **row : RunRow{};
  }

  test::ScratchDir dir_;
  ManualClock clock_;
  FakeTransport transport_{clock_, 10ms};
  ProgressBoard board_;
  Redactor redactor_;
  Job job_;
  std::vector<std::string> warnings_;
  net::io_context io_;  // last: destroyed first, with any coroutine a stopped run left in it
};

TEST_F(RunJobTest, ACleanRunCommitsEveryOutcomeAndClosesTheRunOk) {
  add_target("contact_user", 5, "u");
  const RunResult r = run();
  EXPECT_EQ(r.report.exit_code, kExitOk);
  EXPECT_EQ(r.report.status, "ok");
  ASSERT_EQ(r.report.targets.size(), 1u);
  EXPECT_EQ(r.report.targets[0].applied, 5u);
  EXPECT_EQ(rows("contact_user"), 5);
  EXPECT_FALSE(r.not_closed.has_value());
  const RunRow row = logged(r.report.run_id);
  EXPECT_EQ(row.status, "ok");
  EXPECT_EQ(row.exit_code, kExitOk);
  EXPECT_EQ(row.summary, r.json) << "the run log keeps the report's JSON";
  EXPECT_EQ(transport_.started, 5u);
}

TEST_F(RunJobTest, AStoreFailureMidRunStopsSendingAndExitsWithTheStoreCode) {
  add_target("contact_user", 10, "u");
  {
    // The batch holding u5's outcome (u4, u5) cannot be written.
    SQLite::Database other(dir_.file("hrsync.db"), SQLite::OPEN_READWRITE);
    other.exec("CREATE TRIGGER refuse_u5 BEFORE INSERT ON outcomes WHEN NEW.key = 'u5' "
               "BEGIN SELECT RAISE(ABORT, 'the disk is full'); END");
  }
  const RunResult r = run();
  EXPECT_EQ(r.report.exit_code, kExitStore);
  EXPECT_EQ(r.report.status, "store_failed");
  EXPECT_NE(r.report.store_error.find("the disk is full"), std::string::npos) << r.report.store_error;
  EXPECT_EQ(transport_.started, 6u) << "no call starts once the store cannot record";
  EXPECT_EQ(rows("contact_user"), 4) << "what was committed before the failure stays";
  ASSERT_EQ(r.report.unrecorded.size(), 2u);
  EXPECT_EQ(r.report.unrecorded[0].key, "u4");
  EXPECT_EQ(r.report.targets[0].skipped, 4u);
  EXPECT_TRUE(r.report.targets[0].quarantined.empty()) << "a store failure is said once, for the run";
  EXPECT_EQ(logged(r.report.run_id).status, "store_failed");
  EXPECT_EQ(logged(r.report.run_id).exit_code, kExitStore);
}

TEST_F(RunJobTest, AStopRequestMidRunClosesItInterruptedWithWhatWasConfirmedCommitted) {
  add_target("contact_user", 10, "u");
  job_.plan.targets[0].forget_keys = {"gone"};
  seed("contact_user", {"gone"});
  const RunResult r = run(45ms);  // one call every 10 ms: u0..u3 answered, u4 in flight
  EXPECT_EQ(r.report.status, "interrupted");
  EXPECT_EQ(r.report.signal, SIGTERM);
  EXPECT_EQ(r.report.exit_code, 128 + SIGTERM);
  ASSERT_EQ(r.report.targets.size(), 1u);
  EXPECT_EQ(r.report.targets[0].applied, 4u);
  EXPECT_EQ(r.report.targets[0].not_sent(), 6u);
  EXPECT_EQ(rows("contact_user"), 5) << "the four confirmed, and the key to forget kept";
  EXPECT_TRUE(holds("contact_user", "u3"));
  EXPECT_FALSE(holds("contact_user", "u4")) << "unanswered: sent again by the next run";
  EXPECT_TRUE(holds("contact_user", "gone")) << "an interrupted run forgets nothing";
  EXPECT_EQ(transport_.started, 5u);
  const RunRow row = logged(r.report.run_id);
  EXPECT_EQ(row.status, "interrupted");
  EXPECT_EQ(row.exit_code, 128 + SIGTERM);
  EXPECT_NE(r.json.find(R"("interrupted_by":"SIGTERM")"), std::string::npos) << r.json;
}

TEST_F(RunJobTest, DepartedKeysAreForgottenAfterACleanRunButNotByATargetThatStopped) {
  TargetPlan& ok = add_target("contact_user", 3, "u");
  TargetPlan& bad = add_target("acs_card", 20, "c");
  ok.forget_keys = {"left1", "left2"};
  bad.forget_keys = {"left3"};
  seed("contact_user", {"left1", "left2", "kept"});
  seed("acs_card", {"left3"});
  for (int i = 0; i < 20; ++i) transport_.script["c" + std::to_string(i)] = {Step{.error = Error::Kind::kNetwork}};
  job_.config.retry.max_attempts = 1;
  target_config("acs_card").failure_window = 4;
  target_config("acs_card").max_failure_ratio = 0.5;
  const RunResult r = run();
  EXPECT_FALSE(holds("contact_user", "left1"));
  EXPECT_FALSE(holds("contact_user", "left2"));
  EXPECT_TRUE(holds("contact_user", "kept")) << "only the plan's keys to forget";
  EXPECT_EQ(rows("contact_user"), 4);
  EXPECT_TRUE(holds("acs_card", "left3")) << "a target that stopped forgets nothing";
  EXPECT_TRUE(warnings_.empty());
  EXPECT_EQ(r.report.exit_code, kExitQuarantined);
}

TEST_F(RunJobTest, AQuarantinedTargetStopsWhileTheOthersGoOnAndTheRunExits4) {
  add_target("contact_user", 6, "u");
  add_target("acs_card", 30, "c");
  for (int i = 0; i < 30; ++i) transport_.script["c" + std::to_string(i)] = {Step{.error = Error::Kind::kNetwork}};
  job_.config.retry.max_attempts = 1;
  target_config("acs_card").failure_window = 10;
  target_config("acs_card").max_failure_ratio = 0.5;
  const RunResult r = run();
  EXPECT_EQ(r.report.exit_code, kExitQuarantined);
  EXPECT_EQ(r.report.status, "quarantined");
  ASSERT_EQ(r.report.targets.size(), 2u);
  EXPECT_TRUE(r.report.targets[0].quarantined.empty());
  EXPECT_EQ(r.report.targets[0].applied, 6u);
  const TargetTotals& card = r.report.targets[1];
  EXPECT_NE(card.quarantined.find("6 of its last 10"), std::string::npos) << card.quarantined;
  EXPECT_EQ(card.failed, 6u);
  EXPECT_EQ(card.skipped, 24u);
  EXPECT_EQ(rows("contact_user"), 6);
  EXPECT_EQ(rows("acs_card"), 0);
  EXPECT_EQ(logged(r.report.run_id).status, "quarantined");
  EXPECT_EQ(logged(r.report.run_id).exit_code, kExitQuarantined);
}

TEST_F(RunJobTest, TheReportCountsEachTargetListsWhatToChangeByHandAndEveryProblem) {
  TargetPlan& user = add_target("contact_user", 4, "u");
  user.by_hand.push_back(ByHand{{}, "u9", Invalid{"feature.card", "remove the card by hand"}});
  transport_.script["u1"] = {code(kBadParam, 400)};
  transport_.script["u2"] = {code(kBusy, 500), code(kOk)};
  const std::string secret = "s3cr3t-token";
  redactor_.add(secret);
  transport_.script["u3"] = {Step{400, std::to_string(kBadParam) + secret}};
  const RunResult r = run();
  EXPECT_EQ(r.report.exit_code, kExitSomeFailed);
  EXPECT_EQ(r.report.status, "failures");
  EXPECT_EQ(r.report.command, "sync");
  EXPECT_EQ(r.report.config_path, job_.config.path);
  EXPECT_EQ(r.report.started_at, 1000);
  ASSERT_EQ(r.report.targets.size(), 1u);
  const TargetTotals& t = r.report.targets[0];
  EXPECT_EQ(t.id, "contact_user");
  EXPECT_EQ(t.planned, 4u);
  EXPECT_EQ(t.applied, 2u);
  EXPECT_EQ(t.failed, 2u);
  EXPECT_EQ(t.retries, 1u);
  ASSERT_EQ(t.by_hand.size(), 1u);
  EXPECT_EQ(t.by_hand[0].key, "u9");
  EXPECT_EQ(t.by_hand[0].field, "feature.card");
  ASSERT_EQ(r.report.problems.count(), 2u);
  const std::vector<ProblemGroup> groups = r.report.problems.groups();
  ASSERT_EQ(groups.size(), 2u) << "u1 refused with its code, u3 with an answer no code table reads";
  const ProblemGroup& refused = groups[0].code == kBadParam ? groups[0] : groups[1];
  ASSERT_EQ(refused.examples.size(), 1u);
  EXPECT_EQ(refused.examples[0].key, "u1");
  EXPECT_EQ(refused.code, kBadParam);
  EXPECT_EQ(refused.status, "failed");
  EXPECT_EQ(r.json.find(secret), std::string::npos) << "no secret in the report: " << r.json;
  // What the run log keeps reads back as the same report (`hrsync report`).
  OutcomeTally outcomes;
  ASSERT_TRUE(job_.store->for_each_outcome(r.report.run_id, [&](OutcomeRow&& o) { outcomes.add(std::move(o)); }));
  const RunReport back = read_run_report(logged(r.report.run_id), RunProgress{}, std::move(outcomes));
  EXPECT_EQ(back.exit_code, kExitSomeFailed);
  ASSERT_EQ(back.targets.size(), 1u);
  EXPECT_EQ(back.targets[0].failed, 2u);
  EXPECT_EQ(back.targets[0].retries, 1u);
  ASSERT_EQ(back.targets[0].by_hand.size(), 1u);
  EXPECT_EQ(back.targets[0].by_hand[0].reason, "remove the card by hand");
  EXPECT_EQ(back.problems.count(), 2u);
  EXPECT_EQ(render_run_json(back, {}), render_run_json(r.report, {})) << "written and read back, the same JSON";
}

TEST_F(RunJobTest, ARunThatCouldNotStartIsClosedAsAnErrorWithItsPlannedCounts) {
  add_target("contact_user", 3, "u");
  auto run = JobRun::begin(job_, RunSettings{"sync", ""}, [] { return std::int64_t{1000}; });
  ASSERT_TRUE(run.has_value());
  const RunResult r = run->abort(Error{Error::Kind::kConfig, "feishu.base_url", "no base URL"}, redactor_);
  EXPECT_EQ(r.report.status, "error");
  EXPECT_EQ(r.report.exit_code, kExitUsage);
  ASSERT_EQ(r.report.targets.size(), 1u);
  EXPECT_EQ(r.report.targets[0].planned, 3u);
  EXPECT_EQ(r.report.targets[0].not_sent(), 3u);
  EXPECT_EQ(logged(r.report.run_id).status, "error");
  EXPECT_EQ(transport_.started, 0u);
}

TEST_F(RunJobTest, APlanFileIsRecordedWithTheRunBeforeAnyCall) {
  add_target("contact_user", 1, "u");
  auto run = JobRun::begin(job_, RunSettings{"apply plan.jsonl", "abc123"});
  ASSERT_TRUE(run.has_value());
  auto runs = job_.store->plan_runs("abc123");
  ASSERT_TRUE(runs.has_value());
  EXPECT_EQ(*runs, std::vector<std::int64_t>{run->id()});
}

}  // namespace
}  // namespace hrsync
