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
  ASSERT_EQ(s.problems().size(), 1u);
  EXPECT_EQ(s.problems()[0].target, "acs_card");
  // The run can still be closed as failed.
  EXPECT_TRUE(store_->finish_run(run_id_, "store_failed", 5, "{}", 2).has_value());
}

}  // namespace
}  // namespace hrsync
