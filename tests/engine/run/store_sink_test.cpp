// StoreSink: outcomes of every target share one batch, written by count, by age (on the engine's
// clock) and when a target finishes; a commit that fails stops recording and keeps the rest for
// the report.
#include "engine/run/store_sink.h"

#include <SQLiteCpp/Database.h>
#include <gtest/gtest.h>

#include <deque>
#include <string>

#include "engine/net/manual_clock.h"
#include "tests/store/scratch_dir.h"

namespace hrsync {
namespace {

using namespace std::chrono_literals;

class StoreSinkTest : public ::testing::Test {
 protected:
  StoreSinkTest() {
    auto store = SnapshotStore::open(path_, StoreOptions{.busy_timeout_ms = 0});
    EXPECT_TRUE(store.has_value()) << store.error().str();
    store_.emplace(std::move(*store));
    auto run = store_->begin_run("sync", "job.toml", 1);
    EXPECT_TRUE(run.has_value());
    run_id_ = run.value_or(0);
  }

  StoreSink sink(std::size_t batch) {
    return StoreSink(*store_, run_id_, StoreSinkOptions{.batch = batch, .max_age = 1s}, clock_, [] { return 1000; });
  }

  // An applied (or failed) outcome of `key` on `target`; the plan entries live as long as the test.
  Outcome outcome(std::string_view target, const std::string& key, bool applied = true) {
    Work& w = work_.emplace_back();
    w.desired.key = key;
    w.desired.body = R"({"key":")" + key + R"("})";
    w.desired.seal();
    Outcome o{.target = target, .work = &w};
    o.status = applied ? OutcomeStatus::kApplied : OutcomeStatus::kFailed;
    o.commit = applied ? &w.desired : nullptr;
    o.attempts = 1;
    return o;
  }

  std::int64_t rows(std::string_view target) { return store_->count(target).value_or(-1); }
  std::size_t outcomes() { return store_->outcomes(run_id_).value_or(std::vector<OutcomeRow>{}).size(); }

  test::ScratchDir dir_;
  std::string path_ = dir_.file("hrsync.db");
  std::optional<SnapshotStore> store_;
  std::int64_t run_id_ = 0;
  ManualClock clock_;
  std::deque<Work> work_;
};

TEST_F(StoreSinkTest, OutcomesOfAllTargetsShareOneTransactionOfBatchSize) {
  StoreSink s = sink(6);
  const char* targets[] = {"contact_user", "attendance_face", "acs_card"};
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(s.record(outcome(targets[i % 3], "E" + std::to_string(i))).has_value());
  EXPECT_EQ(s.commits(), 0u);
  EXPECT_EQ(outcomes(), 0u) << "nothing is written before the batch is full";

  ASSERT_TRUE(s.record(outcome("acs_card", "E5")).has_value());
  EXPECT_EQ(s.commits(), 1u) << "six outcomes of three targets, one transaction";
  EXPECT_EQ(rows("contact_user"), 2);
  EXPECT_EQ(rows("attendance_face"), 2);
  EXPECT_EQ(rows("acs_card"), 2);
  EXPECT_EQ(outcomes(), 6u);

  for (int i = 6; i < 18; ++i) ASSERT_TRUE(s.record(outcome(targets[i % 3], "E" + std::to_string(i))).has_value());
  EXPECT_EQ(s.commits(), 3u);
  EXPECT_EQ(outcomes(), 18u);
}

TEST_F(StoreSinkTest, ABatchIsWrittenOnceItsFirstOutcomeHasWaitedMaxAge) {
  StoreSink s = sink(100);
  ASSERT_TRUE(s.record(outcome("contact_user", "E1")).has_value());
  clock_.advance(999ms);
  ASSERT_TRUE(s.record(outcome("acs_card", "E1", /*applied=*/false)).has_value());
  EXPECT_EQ(s.commits(), 0u);
  EXPECT_EQ(outcomes(), 0u);

  clock_.advance(1ms);  // the first outcome has waited one second
  ASSERT_TRUE(s.record(outcome("attendance_face", "E1")).has_value());
  EXPECT_EQ(s.commits(), 1u);
  EXPECT_EQ(outcomes(), 3u);
  EXPECT_EQ(rows("contact_user"), 1);
  EXPECT_EQ(rows("acs_card"), 0) << "a failed outcome moves no snapshot row";

  // The age counts from the first outcome of the next batch, not from the last commit.
  clock_.advance(10s);
  ASSERT_TRUE(s.record(outcome("contact_user", "E2")).has_value());
  clock_.advance(500ms);
  ASSERT_TRUE(s.record(outcome("contact_user", "E3")).has_value());
  EXPECT_EQ(s.commits(), 1u);
  clock_.advance(500ms);
  ASSERT_TRUE(s.record(outcome("contact_user", "E4")).has_value());
  EXPECT_EQ(s.commits(), 2u);
  EXPECT_EQ(rows("contact_user"), 4);
}

TEST_F(StoreSinkTest, AFinishedTargetAndFlushWriteWhatIsBatched) {
  StoreSink s = sink(100);
  ASSERT_TRUE(s.record(outcome("contact_user", "E1")).has_value());
  ASSERT_TRUE(s.record(outcome("acs_card", "E1")).has_value());
  ASSERT_TRUE(s.target_finished("contact_user").has_value());
  EXPECT_EQ(s.commits(), 1u);
  EXPECT_EQ(rows("acs_card"), 1) << "the batch is shared: the other target's rows go too";
  ASSERT_TRUE(s.record(outcome("acs_card", "E2")).has_value());
  ASSERT_TRUE(s.flush().has_value());
  ASSERT_TRUE(s.flush().has_value());
  EXPECT_EQ(s.commits(), 2u) << "an empty flush writes nothing";
  EXPECT_EQ(rows("acs_card"), 2);
}

TEST_F(StoreSinkTest, AFailedCommitKeepsWhatWasWrittenAndTheRestAsNotRecorded) {
  StoreSink s = sink(2);
  ASSERT_TRUE(s.record(outcome("contact_user", "E1")).has_value());
  ASSERT_TRUE(s.record(outcome("contact_user", "E2")).has_value());
  ASSERT_EQ(s.commits(), 1u);

  // Another connection holds the write lock: the store cannot write.
  SQLite::Database other(path_, SQLite::OPEN_READWRITE);
  other.exec("BEGIN IMMEDIATE");
  ASSERT_TRUE(s.record(outcome("contact_user", "E3")).has_value());
  auto failed = s.record(outcome("acs_card", "E3", /*applied=*/false));
  ASSERT_FALSE(failed.has_value());
  EXPECT_EQ(failed.error().kind, Error::Kind::kDatabase);
  EXPECT_EQ(failed.error().where, path_);
  EXPECT_NE(failed.error().message.find("SQLite code 5"), std::string::npos) << failed.error().message;  // SQLITE_BUSY
  other.exec("ROLLBACK");

  // Once failed, nothing more is written, even though the store could write again.
  EXPECT_FALSE(s.record(outcome("contact_user", "E4")).has_value());
  EXPECT_FALSE(s.target_finished("contact_user").has_value());
  EXPECT_FALSE(s.flush().has_value());
  EXPECT_EQ(s.commits(), 1u);
  EXPECT_EQ(rows("contact_user"), 2) << "what was committed before the failure stays";
  EXPECT_EQ(outcomes(), 2u);
  ASSERT_EQ(s.unrecorded().size(), 3u);
  EXPECT_EQ(s.unrecorded()[0].key, "E3");
  EXPECT_EQ(s.unrecorded()[0].status, "applied");
  EXPECT_EQ(s.unrecorded()[1].target, "acs_card");
  EXPECT_EQ(s.unrecorded()[2].key, "E4");
  ASSERT_EQ(s.problems().count(), 1u);
  EXPECT_EQ(s.problems().groups()[0].target, "acs_card");
  // The run can still be closed as failed.
  EXPECT_TRUE(store_->finish_run(run_id_, "store_failed", 5, "{}", 2).has_value());
}

TEST_F(StoreSinkTest, AfterAFailedCommitOnlyTheSentOutcomesAreKeptAsNotRecorded) {
  StoreSink s = sink(2);
  SQLite::Database other(path_, SQLite::OPEN_READWRITE);
  other.exec("BEGIN IMMEDIATE");
  ASSERT_TRUE(s.record(outcome("contact_user", "E1")).has_value());
  auto skipped = [&](const std::string& key) {
    Outcome o = outcome("contact_user", key, /*applied=*/false);
    o.status = OutcomeStatus::kSkipped;
    o.attempts = 0;
    o.verdict.message = "not sent: the outcomes could not be recorded (see the run's error)";
    return o;
  };
  ASSERT_FALSE(s.record(skipped("S0")).has_value()) << "the batch of E1 and S0 cannot be written";
  other.exec("ROLLBACK");

  // The executor starts no call after that: a call in flight comes back, every entity left is skipped.
  EXPECT_FALSE(s.record(outcome("acs_card", "E2")).has_value());
  for (int i = 1; i <= 10'000; ++i) EXPECT_FALSE(s.record(skipped("S" + std::to_string(i))).has_value());

  ASSERT_EQ(s.unrecorded().size(), 2u) << "the sent ones alone, however many are left unsent";
  EXPECT_EQ(s.unrecorded()[0].key, "E1");
  EXPECT_EQ(s.unrecorded()[1].key, "E2");
  EXPECT_EQ(s.tally("contact_user").skipped, 10'001u);
  EXPECT_EQ(s.problems().count(), 10'001u) << "the report counts every skipped entity";
  EXPECT_EQ(s.problems().listed(), ProblemDigest::kExamples) << "and keeps the first ones as examples";
  ASSERT_EQ(s.problems().groups().size(), 1u);
  EXPECT_EQ(s.problems().groups()[0].examples[0].key, "S0");

  const ProblemDigest taken = s.take_problems();
  EXPECT_EQ(taken.count(), 10'001u);
  EXPECT_TRUE(s.problems().empty()) << "moved to the report, not held twice";
}

// The executor's live counters as it publishes them: planned totals, retries, throttled answers.
std::vector<TargetProgress> live(std::uint64_t retries = 0, std::uint64_t throttled = 0) {
  TargetProgress user;
  user.target = "contact_user";
  user.planned = 100;
  user.retries = retries;
  user.throttled = throttled;
  TargetProgress card;
  card.target = "acs_card";
  card.planned = 2;
  return {user, card};
}

TEST_F(StoreSinkTest, EachCommitWritesTheProgressOfWhatItCommitted) {
  ProgressBoard board;
  board.publish(live());
  std::int64_t unix_now = 5000;
  StoreSink s(*store_, run_id_, StoreSinkOptions{.batch = 10, .max_age = 1s, .board = &board}, clock_,
              [&] { return unix_now; });
  // 10 entities of contact_user in 2 s: 5 per second, 90 to go, 18 s.
  clock_.advance(1s);
  for (int i = 0; i < 9; ++i) ASSERT_TRUE(s.record(outcome("contact_user", "E" + std::to_string(i))).has_value());
  EXPECT_EQ(store_->progress(run_id_), RunProgress{}) << "nothing is committed yet, so no progress either";
  clock_.advance(1s);
  board.publish(live(/*retries=*/3, /*throttled=*/1));
  ASSERT_TRUE(s.record(outcome("contact_user", "E9", /*applied=*/false)).has_value());
  ASSERT_EQ(s.commits(), 1u);

  auto p = store_->progress(run_id_);
  ASSERT_TRUE(p.has_value()) << p.error().str();
  EXPECT_EQ(p->updated_at, 5000);
  ASSERT_EQ(p->targets.size(), 2u);
  const TargetProgressRow& user = p->targets[0];
  EXPECT_EQ(user.target, "contact_user");
  EXPECT_EQ(user.planned, 100u);
  EXPECT_EQ(user.applied, 9u);
  EXPECT_EQ(user.failed, 1u);
  EXPECT_EQ(user.retries, 3u);
  EXPECT_EQ(user.throttled, 1u);
  EXPECT_DOUBLE_EQ(user.rate, 5.0);
  EXPECT_EQ(user.eta, 5018);
  EXPECT_FALSE(user.finished_at);
  // acs_card has finished nothing yet: no rate, no eta, so the run's end is unknown.
  EXPECT_EQ(p->targets[1].done(), 0u);
  EXPECT_FALSE(p->targets[1].eta);
  EXPECT_FALSE(p->expected_end);

  // acs_card finishes; its finish is written at once, and the run's end is contact_user's.
  clock_.advance(2s);
  unix_now = 5002;
  ASSERT_TRUE(s.record(outcome("acs_card", "C1")).has_value());
  ASSERT_TRUE(s.record(outcome("acs_card", "C2")).has_value());
  ASSERT_TRUE(s.target_finished("acs_card").has_value());
  p = store_->progress(run_id_);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->targets[1].done(), 2u);
  EXPECT_EQ(p->targets[1].finished_at, 5002);
  EXPECT_EQ(p->targets[0].rate, 2.5) << "10 in 4 s";
  EXPECT_EQ(p->targets[0].eta, 5002 + 36);
  EXPECT_EQ(p->expected_end, 5002 + 36);
  EXPECT_EQ(s.commits(), 2u);

  // A target that finished with nothing batched still has its finish written.
  clock_.advance(1s);
  unix_now = 5003;
  ASSERT_TRUE(s.target_finished("contact_user").has_value());
  EXPECT_EQ(store_->progress(run_id_)->targets[0].finished_at, 5003);
  EXPECT_EQ(store_->progress(run_id_)->expected_end, 5003);
}

TEST_F(StoreSinkTest, AnAbsentOutcomeIsRememberedAbsentAndListedWithItsSourceLine) {
  StoreSink s = sink(100);
  Outcome gone = outcome("acs_card", "E7", /*applied=*/false);
  gone.status = OutcomeStatus::kAbsent;
  gone.verdict.code = 1490101;
  work_.back().origin.set("hr/employees.csv", 8, Origin::Unit::kLine);
  ASSERT_TRUE(s.record(gone).has_value());
  ASSERT_TRUE(s.record(outcome("acs_card", "E8")).has_value());
  ASSERT_TRUE(s.flush().has_value());

  EXPECT_EQ(rows("acs_card"), 1) << "no snapshot row for the entity the target lacks";
  EXPECT_EQ(store_->absent_keys("acs_card").value_or(std::vector<std::string>{}), std::vector<std::string>{"E7"});
  const auto stored = store_->outcomes(run_id_).value_or(std::vector<OutcomeRow>{});
  ASSERT_EQ(stored.size(), 2u);
  EXPECT_EQ(stored[0].key, "E7");
  EXPECT_EQ(stored[0].status, "absent");
  EXPECT_EQ(s.tally("acs_card").absent, 1u);
  EXPECT_EQ(s.tally("acs_card").failed, 0u);
  EXPECT_TRUE(s.problems().empty()) << "not a failure";
  const NotHeldList not_held = s.take_not_held();
  ASSERT_NE(not_held.find("acs_card"), nullptr);
  EXPECT_EQ(not_held.find("acs_card")->count, 1u);
  EXPECT_EQ(not_held.find("acs_card")->examples,
            (std::vector<NotHeldEntity>{{"E7", "hr/employees.csv:8", 1490101}}));
}

TEST(NotHeldList, CountsEveryEntityAndKeepsTheFirstOnesPerTarget) {
  NotHeldList list;
  for (std::size_t i = 0; i < NotHeldList::kExamples + 5; ++i) list.add("acs_card", {"E" + std::to_string(i), "", 1});
  list.add("sophon_person", {"P1", "hr.csv:2", 40401});
  ASSERT_EQ(list.groups().size(), 2u);
  EXPECT_EQ(list.groups()[0].target, "acs_card");
  EXPECT_EQ(list.groups()[0].count, NotHeldList::kExamples + 5);
  EXPECT_EQ(list.groups()[0].examples.size(), NotHeldList::kExamples);
  EXPECT_EQ(list.groups()[0].examples.front().key, "E0");
  EXPECT_EQ(list.find("sophon_person")->count, 1u);
  EXPECT_EQ(list.find("contact_user"), nullptr);
}

TEST_F(StoreSinkTest, WithoutABoardNoProgressIsWritten) {
  StoreSink s = sink(1);
  ASSERT_TRUE(s.record(outcome("contact_user", "E1")).has_value());
  ASSERT_TRUE(s.target_finished("contact_user").has_value());
  EXPECT_EQ(s.commits(), 1u);
  EXPECT_EQ(store_->progress(run_id_), RunProgress{});
}

TEST(RateWindow, MeasuresTheRateOfTheLastWindowOnly) {
  using Clock = hrsync::Clock;
  const Clock::time_point t0{};
  RateWindow w(60s);
  EXPECT_EQ(w.rate(), 0);
  EXPECT_FALSE(w.seconds_left(10)) << "no rate yet: no eta";
  w.add(t0, 0);
  EXPECT_EQ(w.rate(), 0);
  // Fast for a minute (10/s), then slow (1/s): after two slow minutes, the rate is the slow one.
  w.add(t0 + 60s, 600);
  EXPECT_DOUBLE_EQ(w.rate(), 10);
  EXPECT_DOUBLE_EQ(*w.seconds_left(1000), 40);
  for (int s = 1; s <= 120; ++s) w.add(t0 + 60s + std::chrono::seconds(s), 600 + s);
  EXPECT_DOUBLE_EQ(w.rate(), 1);
  EXPECT_DOUBLE_EQ(*w.seconds_left(1000), 280);
  EXPECT_EQ(w.seconds_left(720), 0.0) << "reached";
}

TEST(RateWindow, KeepsABoundedNumberOfSamples) {
  RateWindow w(std::chrono::hours(24));
  const Clock::time_point t0{};
  for (int i = 0; i <= 5000; ++i) w.add(t0 + std::chrono::seconds(i), static_cast<std::uint64_t>(i) * 2);
  // The oldest samples went: the rate spans the last kMaxSamples, still 2 per second.
  EXPECT_DOUBLE_EQ(w.rate(), 2);
  EXPECT_EQ(w.count(), 10000u);
}

}  // namespace
}  // namespace hrsync
