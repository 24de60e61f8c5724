#include "store/snapshot_store.h"

#include <SQLiteCpp/Database.h>
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <fstream>

#include <filesystem>

#include <utility>
#include <vector>

#include "tests/store/scratch_dir.h"

namespace hrsync {
namespace {

using test::ScratchDir;
using Row = SnapshotStore::AppliedRow;
using Hashes = std::vector<std::pair<std::string, std::uint64_t>>;

constexpr std::uint64_t kTop = std::uint64_t{1} << 63;

SnapshotStore open_store(const std::string& path) {
  auto store = SnapshotStore::open(path);
  if (!store) ADD_FAILURE() << store.error().str();
  return std::move(*store);
}

Hashes hashes_of(SnapshotStore& store, std::string_view target) {
  Hashes out;
  auto r = store.for_each_hash(target, [&](std::string_view key, std::uint64_t hash) { out.emplace_back(key, hash); });
  EXPECT_TRUE(r.has_value()) << r.error().str();
  return out;
}

void commit(SnapshotStore& store, std::string_view target, const std::vector<Row>& rows, std::int64_t run_id = 1) {
  auto r = store.commit(target, rows, run_id, 1'700'000'000'000);
  ASSERT_TRUE(r.has_value()) << r.error().str();
}

std::optional<std::string> document_of(SnapshotStore& store, std::string_view target, std::string_view key) {
  auto d = store.document(target, key);
  EXPECT_TRUE(d.has_value()) << d.error().str();
  return d ? *d : std::nullopt;
}

OutcomeRow outcome(std::string target, std::string key, std::string status, std::int64_t code = 0) {
  return OutcomeRow{std::move(target), std::move(key), "upsert", std::move(status), code, "msg", "log-1", 1};
}

class SnapshotStoreTest : public ::testing::Test {
 protected:
  ScratchDir dir_;
  std::string path_ = dir_.file("hrsync.db");
  SnapshotStore store_ = open_store(path_);
};

TEST_F(SnapshotStoreTest, HashesRoundTripExactlyIncludingTheTopBit) {
  const std::vector<Row> rows = {
      {"E1", 0, "{}"},        {"E2", 1, "{}"},           {"E3", kTop, "{}"},
      {"E4", kTop + 1, "{}"}, {"E5", ~std::uint64_t{0}, "{}"}, {"E6", 0x7FFF'FFFF'FFFF'FFFFull, "{}"},
  };
  commit(store_, "contact_user", rows);
  Hashes expected;
  for (const auto& r : rows) expected.emplace_back(r.key, r.hash);
  EXPECT_EQ(hashes_of(store_, "contact_user"), expected);
}

// A reader of one row gets the hash kept with it, not one computed again from the document (the
// planner's last applied documents take it as it is).
TEST_F(SnapshotStoreTest, AnAppliedRowComesBackWithTheHashKeptWithIt) {
  commit(store_, "contact_user", {{"E1", kTop + 7, R"({"name":"a"})"}});
  auto row = store_.applied_row("contact_user", "E1");
  ASSERT_TRUE(row.has_value()) << row.error().str();
  ASSERT_TRUE(row->has_value());
  EXPECT_EQ((*row)->key, "E1");
  EXPECT_EQ((*row)->hash, kTop + 7);
  EXPECT_EQ((*row)->document, R"({"name":"a"})");
  auto none = store_.applied_row("contact_user", "E2");
  ASSERT_TRUE(none.has_value()) << none.error().str();
  EXPECT_FALSE(none->has_value());
}

TEST_F(SnapshotStoreTest, ScansOneTargetInByteOrderOfKey) {
  commit(store_, "contact_user", {{"b", 2, "{}"}, {"a", 1, "{}"}, {"张", 4, "{}"}, {"B", 3, "{}"}});
  commit(store_, "acs_card", {{"a", 9, "{}"}});
  EXPECT_EQ(hashes_of(store_, "contact_user"), (Hashes{{"B", 3}, {"a", 1}, {"b", 2}, {"张", 4}}));
  EXPECT_EQ(hashes_of(store_, "acs_card"), (Hashes{{"a", 9}}));
  EXPECT_TRUE(hashes_of(store_, "sophon_person").empty());
  EXPECT_EQ(store_.count("contact_user"), 4);
  EXPECT_EQ(store_.count("acs_card"), 1);
  EXPECT_EQ(store_.count("sophon_person"), 0);
}

TEST_F(SnapshotStoreTest, ACommitReplacesTheRowsOfItsKeys) {
  commit(store_, "contact_user", {{"E1", 1, R"({"v":1})"}, {"E2", 2, R"({"v":2})"}});
  commit(store_, "contact_user", {{"E2", 22, R"({"v":22})"}, {"E3", 3, R"({"v":3})"}}, 2);
  EXPECT_EQ(hashes_of(store_, "contact_user"), (Hashes{{"E1", 1}, {"E2", 22}, {"E3", 3}}));
  EXPECT_EQ(document_of(store_, "contact_user", "E2"), R"({"v":22})");
  EXPECT_EQ(document_of(store_, "contact_user", "E1"), R"({"v":1})");
  EXPECT_EQ(document_of(store_, "contact_user", "E9"), std::nullopt);
  EXPECT_EQ(document_of(store_, "acs_card", "E1"), std::nullopt);
}

TEST_F(SnapshotStoreTest, ForgetDropsOnlyTheNamedRowsOfOneTarget) {
  commit(store_, "contact_user", {{"E1", 1, "{}"}, {"E2", 2, "{}"}, {"E3", 3, "{}"}});
  commit(store_, "acs_card", {{"E1", 9, "{}"}});
  const std::vector<std::string> gone = {"E1", "E3", "E9"};
  ASSERT_TRUE(store_.forget("contact_user", gone).has_value());
  EXPECT_EQ(hashes_of(store_, "contact_user"), (Hashes{{"E2", 2}}));
  EXPECT_EQ(hashes_of(store_, "acs_card"), (Hashes{{"E1", 9}}));
  EXPECT_TRUE(store_.forget("contact_user", {}).has_value());
}

TEST_F(SnapshotStoreTest, TheAbsentKeysOfATargetAreReplacedWholeByItsNextRead) {
  EXPECT_TRUE(store_.absent_keys("acs_card")->empty());
  const std::vector<std::string> first = {"u3", "u1"};
  ASSERT_TRUE(store_.replace_absent("acs_card", first, 1).has_value());
  const std::vector<std::string> other = {"E7"};
  ASSERT_TRUE(store_.replace_absent("sophon_person", other, 1).has_value());
  EXPECT_EQ(*store_.absent_keys("acs_card"), (std::vector<std::string>{"u1", "u3"}));
  const std::vector<std::string> second = {"u2"};
  ASSERT_TRUE(store_.replace_absent("acs_card", second, 2).has_value());
  EXPECT_EQ(*store_.absent_keys("acs_card"), std::vector<std::string>{"u2"});
  EXPECT_EQ(*store_.absent_keys("sophon_person"), std::vector<std::string>{"E7"});
  ASSERT_TRUE(store_.replace_absent("acs_card", {}, 3).has_value());
  EXPECT_TRUE(store_.absent_keys("acs_card")->empty());
}

TEST_F(SnapshotStoreTest, QuickCheckFindsADamagedPageBeforeAnyWrite) {
  std::vector<Row> rows;
  for (int i = 0; i < 3000; ++i) {
    rows.push_back({"E" + std::to_string(100000 + i), static_cast<std::uint64_t>(i), std::string(200, 'a' + i % 26)});
  }
  ASSERT_TRUE(store_.commit("contact_user", rows, 1, 1000).has_value());
  EXPECT_TRUE(store_.quick_check().has_value());
  store_ = open_store(dir_.file("other.db"));  // closes the file (the WAL is checkpointed)
  {
    std::fstream f(path_, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(4096 * 40);
    const std::string junk(1024, '\xab');
    f.write(junk.data(), static_cast<std::streamsize>(junk.size()));
  }
  auto damaged = SnapshotStore::open(path_);
  if (!damaged) {  // found at open: before any write too
    EXPECT_EQ(damaged.error().kind, Error::Kind::kDatabase);
    return;
  }
  auto checked = damaged->quick_check();
  ASSERT_FALSE(checked.has_value());
  EXPECT_EQ(checked.error().kind, Error::Kind::kDatabase);
  EXPECT_EQ(checked.error().where, path_);
  EXPECT_NE(checked.error().message.find("damaged"), std::string::npos) << checked.error().str();
}

TEST_F(SnapshotStoreTest, AFailingRowLeavesNoPartOfItsBatch) {
  commit(store_, "contact_user", {{"E1", 1, R"({"v":1})"}});
  const std::vector<Row> batch = {{"E1", 11, R"({"v":11})"}, {"E2", 2, R"({"v":2})"}, {"", 3, "{}"}, {"E4", 4, "{}"}};
  auto r = store_.commit("contact_user", batch, 2, 2000);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().kind, Error::Kind::kDatabase);
  EXPECT_EQ(r.error().where, path_);
  EXPECT_NE(r.error().message.find("contact_user"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("row 3"), std::string::npos) << r.error().message;
  EXPECT_EQ(hashes_of(store_, "contact_user"), (Hashes{{"E1", 1}}));
  EXPECT_EQ(document_of(store_, "contact_user", "E1"), R"({"v":1})");
  // The store is still usable after the rollback.
  commit(store_, "contact_user", {{"E2", 2, R"({"v":2})"}});
  EXPECT_EQ(store_.count("contact_user"), 2);
}

TEST_F(SnapshotStoreTest, ReopeningSeesWhatWasCommitted) {
  commit(store_, "attendance_face", {{"E1", kTop + 5, R"({"user_setting":{"user_id":"E1"}})"}});
  store_ = open_store(dir_.file("other.db"));  // closes the first file
  auto reopened = open_store(path_);
  EXPECT_EQ(hashes_of(reopened, "attendance_face"), (Hashes{{"E1", kTop + 5}}));
  EXPECT_EQ(document_of(reopened, "attendance_face", "E1"), R"({"user_setting":{"user_id":"E1"}})");
}

TEST_F(SnapshotStoreTest, AnotherConnectionReadsWhileThisOneIsOpen) {
  auto reader = open_store(path_);
  commit(store_, "contact_group", {{"g1", 7, R"({"name":"研发"})"}});
  EXPECT_EQ(hashes_of(reader, "contact_group"), (Hashes{{"g1", 7}}));
  EXPECT_EQ(document_of(reader, "contact_group", "g1"), R"({"name":"研发"})");
}

TEST_F(SnapshotStoreTest, KeysAndDocumentsKeepEveryByte) {
  const std::string key = "O'Brien\"; DROP TABLE snapshot; --";
  const std::string document = "{\"name\":\"a\\u0000b\",\"x\":\"张三\"}";
  commit(store_, "sophon_person", {{key, 5, document}});
  EXPECT_EQ(hashes_of(store_, "sophon_person"), (Hashes{{key, 5}}));
  EXPECT_EQ(document_of(store_, "sophon_person", key), document);
}

TEST_F(SnapshotStoreTest, AnEmptyCommitIsANoOp) {
  EXPECT_TRUE(store_.commit("contact_user", {}, 1, 0).has_value());
  EXPECT_EQ(store_.count("contact_user"), 0);
}

TEST_F(SnapshotStoreTest, RunsRoundTrip) {
  auto first = store_.begin_run("plan", "/etc/hrsync/job.toml", 1000);
  auto second = store_.begin_run("sync", "/etc/hrsync/job.toml", 2000);
  ASSERT_TRUE(first.has_value() && second.has_value());
  EXPECT_LT(*first, *second);

  auto running = store_.run(*second);
  ASSERT_TRUE(running.has_value() && running->has_value());
  EXPECT_EQ((*running)->command, "sync");
  EXPECT_EQ((*running)->status, "running");
  EXPECT_EQ((*running)->started_at, 2000);
  EXPECT_FALSE((*running)->finished_at.has_value());
  EXPECT_FALSE((*running)->exit_code.has_value());

  ASSERT_TRUE(store_.finish_run(*second, "partial", 1, R"({"applied":3,"failed":1})", 5000).has_value());
  auto done = store_.run(*second);
  ASSERT_TRUE(done.has_value() && done->has_value());
  const RunRow expected{*second, "sync", 2000, 5000, "partial", 1, R"({"applied":3,"failed":1})",
                        "/etc/hrsync/job.toml"};
  EXPECT_EQ(**done, expected);

  auto last = store_.last_run();
  ASSERT_TRUE(last.has_value() && last->has_value());
  EXPECT_EQ(**last, expected);

  auto recent = store_.recent_runs(10);
  ASSERT_TRUE(recent.has_value());
  ASSERT_EQ(recent->size(), 2u);
  EXPECT_EQ((*recent)[0].id, *second);
  EXPECT_EQ((*recent)[1].id, *first);
  EXPECT_EQ(store_.recent_runs(1)->size(), 1u);

  auto none = store_.run(*second + 100);
  ASSERT_TRUE(none.has_value());
  EXPECT_FALSE(none->has_value());
}

TEST_F(SnapshotStoreTest, NoRunsYet) {
  auto last = store_.last_run();
  ASSERT_TRUE(last.has_value());
  EXPECT_FALSE(last->has_value());
  EXPECT_TRUE(store_.recent_runs(5)->empty());
}

TEST_F(SnapshotStoreTest, FinishingAnUnknownRunOrWithBadJsonFails) {
  auto missing = store_.finish_run(42, "ok", 0, "{}", 1);
  ASSERT_FALSE(missing.has_value());
  EXPECT_NE(missing.error().message.find("no run 42"), std::string::npos) << missing.error().message;

  auto id = store_.begin_run("sync", "job.toml", 1);
  ASSERT_TRUE(id.has_value());
  auto bad = store_.finish_run(*id, "ok", 0, "{not json", 2);
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().where, path_);
  EXPECT_EQ((*store_.run(*id))->status, "running");
}

TEST_F(SnapshotStoreTest, OutcomesRoundTripAndALaterOneReplacesTheEarlier) {
  auto run = store_.begin_run("sync", "job.toml", 1);
  ASSERT_TRUE(run.has_value());
  const std::vector<OutcomeRow> first = {
      outcome("contact_user", "E2", "failed", 44025),
      outcome("acs_card", "E1", "applied"),
      OutcomeRow{"contact_user", "E1", "freeze", "skipped", -1, "quarantined", "", 0},
  };
  ASSERT_TRUE(store_.record_outcomes(*run, first).has_value());
  const std::vector<OutcomeRow> retry = {OutcomeRow{"contact_user", "E2", "upsert", "applied", 0, "ok", "log-9", 3}};
  ASSERT_TRUE(store_.record_outcomes(*run, retry).has_value());

  auto rows = store_.outcomes(*run);
  ASSERT_TRUE(rows.has_value()) << rows.error().str();
  const std::vector<OutcomeRow> expected = {first[1], first[2], retry[0]};
  EXPECT_EQ(*rows, expected);
  EXPECT_TRUE(store_.outcomes(*run + 1)->empty());
}

TEST_F(SnapshotStoreTest, OutcomesAreStreamedOneAtATimeByTargetThenKey) {
  auto run = store_.begin_run("sync", "job.toml", 1);
  ASSERT_TRUE(run.has_value());
  std::vector<OutcomeRow> written;
  for (int i = 9'999; i >= 0; --i) written.push_back(outcome(i % 2 ? "acs_card" : "contact_user", fmt::format("E{:05}", i), "failed", 1));
  ASSERT_TRUE(store_.record_outcomes(*run, written).has_value());
  std::size_t seen = 0;
  std::string last;
  auto read = store_.for_each_outcome(*run, [&](OutcomeRow&& o) {
    const std::string at = o.target + "/" + o.key;
    EXPECT_LT(last, at) << "by target then key";
    last = at;
    ++seen;
  });
  ASSERT_TRUE(read.has_value()) << read.error().str();
  EXPECT_EQ(seen, written.size());
  EXPECT_EQ(last, "contact_user/E09998");
  EXPECT_TRUE(store_.for_each_outcome(*run + 1, [&](OutcomeRow&&) { ADD_FAILURE() << "no outcome"; }).has_value());
}

TEST_F(SnapshotStoreTest, KeysFailedLastAreThoseWhoseLatestTriedOutcomeFailed) {
  auto night1 = store_.begin_run("sync", "job.toml", 1);
  ASSERT_TRUE(night1.has_value());
  ASSERT_TRUE(store_.record_outcomes(*night1, std::vector<OutcomeRow>{
                                                  outcome("contact_user", "E1", "failed", 41012),
                                                  outcome("contact_user", "E2", "failed", 41012),
                                                  outcome("contact_user", "E3", "failed", 41012),
                                                  outcome("contact_user", "E4", "applied"),
                                                  outcome("acs_card", "E5", "failed", 2),
                                              })
                  .has_value());
  auto night2 = store_.begin_run("sync", "job.toml", 2);
  ASSERT_TRUE(night2.has_value());
  ASSERT_TRUE(store_.record_outcomes(*night2, std::vector<OutcomeRow>{
                                                  outcome("contact_user", "E1", "applied"),  // mended
                                                  outcome("contact_user", "E2", "skipped"),  // not tried: still failed
                                                  outcome("contact_user", "E4", "failed", 1),
                                                  outcome("contact_user", "E6", "skipped"),  // never tried
                                              })
                  .has_value());
  auto failed = store_.keys_failed_last("contact_user");
  ASSERT_TRUE(failed.has_value()) << failed.error().str();
  EXPECT_EQ(*failed, (std::vector<std::string>{"E2", "E3", "E4"}));
  EXPECT_EQ(*store_.keys_failed_last("acs_card"), std::vector<std::string>{"E5"});
  EXPECT_TRUE(store_.keys_failed_last("sophon_person")->empty());
}

TEST_F(SnapshotStoreTest, ABadOutcomeLeavesNoPartOfItsBatch) {
  auto run = store_.begin_run("sync", "job.toml", 1);
  ASSERT_TRUE(run.has_value());
  auto bad_status = outcome("contact_user", "E2", "maybe");
  const std::vector<OutcomeRow> batch = {outcome("contact_user", "E1", "applied"), bad_status};
  auto r = store_.record_outcomes(*run, batch);
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("contact_user E2"), std::string::npos) << r.error().message;
  EXPECT_TRUE(store_.outcomes(*run)->empty());
}

TEST_F(SnapshotStoreTest, OutcomesNeedTheirRun) {
  const std::vector<OutcomeRow> batch = {outcome("contact_user", "E1", "applied")};
  auto r = store_.record_outcomes(999, batch);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().kind, Error::Kind::kDatabase);
  EXPECT_NE(r.error().message.find("run 999"), std::string::npos) << r.error().message;
}

TEST_F(SnapshotStoreTest, ACommitBatchWritesRowsOfSeveralTargetsWithTheirOutcomes) {
  auto run = store_.begin_run("sync", "job.toml", 1);
  ASSERT_TRUE(run.has_value());
  const std::vector<SnapshotStore::TargetRow> rows = {
      {"contact_user", {"E1", 1, R"({"v":1})"}}, {"acs_card", {"E1", 2, "{}"}}, {"contact_user", {"E2", 3, "{}"}}};
  const std::vector<OutcomeRow> outcomes = {outcome("contact_user", "E1", "applied"), outcome("acs_card", "E1", "applied"),
                                            outcome("contact_user", "E2", "applied"),
                                            outcome("acs_card", "E3", "failed", 1490101)};
  auto r = store_.commit_batch(*run, rows, outcomes, 2000);
  ASSERT_TRUE(r.has_value()) << r.error().str();
  EXPECT_EQ(hashes_of(store_, "contact_user"), (Hashes{{"E1", 1}, {"E2", 3}}));
  EXPECT_EQ(hashes_of(store_, "acs_card"), (Hashes{{"E1", 2}}));
  EXPECT_EQ(document_of(store_, "contact_user", "E1"), R"({"v":1})");
  EXPECT_EQ(store_.outcomes(*run)->size(), 4u);
}

// An applied create takes its key out of the absent table in the same transaction; a failed
// create, or an update, leaves it there.
TEST_F(SnapshotStoreTest, AnAppliedCreateIsNoLongerAbsent) {
  auto run = store_.begin_run("sync", "job.toml", 1);
  ASSERT_TRUE(run.has_value());
  const std::vector<std::string> absent = {"E1", "E2", "E3"};
  ASSERT_TRUE(store_.replace_absent("contact_user", absent, *run).has_value());
  OutcomeRow created = outcome("contact_user", "E1", "applied");
  created.action = "create";
  OutcomeRow refused = outcome("contact_user", "E2", "failed", 41001);
  refused.action = "create";
  const std::vector<SnapshotStore::TargetRow> rows = {{"contact_user", {"E1", 1, "{}"}}};
  const std::vector<OutcomeRow> outcomes = {created, refused};
  auto r = store_.commit_batch(*run, rows, outcomes, 2000);
  ASSERT_TRUE(r.has_value()) << r.error().str();
  EXPECT_EQ(*store_.absent_keys("contact_user"), (std::vector<std::string>{"E2", "E3"}));
  EXPECT_EQ(store_.outcomes(*run)->front().action, "create");
}

// An update the target answered with its not-found code ("absent") puts its key in the absent
// table, as a read that found it absent would, and leaves the snapshot row alone; a freeze so
// answered (a leaver the target no longer holds) does not.
TEST_F(SnapshotStoreTest, AnAbsentUpdateIsRememberedAbsent) {
  commit(store_, "acs_card", {{"u1", 1, R"({"card":"1"})"}});
  auto run = store_.begin_run("sync", "job.toml", 1);
  ASSERT_TRUE(run.has_value());
  OutcomeRow gone = outcome("acs_card", "u1", "absent", 1490101);
  OutcomeRow never = outcome("acs_card", "u2", "absent", 1490101);
  OutcomeRow leaver = outcome("acs_card", "u3", "absent", 1490101);
  leaver.action = "freeze";
  auto r = store_.commit_batch(*run, {}, std::vector<OutcomeRow>{gone, never, leaver}, 2000);
  ASSERT_TRUE(r.has_value()) << r.error().str();
  EXPECT_EQ(*store_.absent_keys("acs_card"), (std::vector<std::string>{"u1", "u2"}));
  EXPECT_EQ(hashes_of(store_, "acs_card"), (Hashes{{"u1", 1}})) << "the snapshot row stays as it was";
  EXPECT_EQ(store_.outcomes(*run)->front().status, "absent");
  EXPECT_TRUE(store_.keys_failed_last("acs_card")->empty()) << "absent is no failure";
}

// An applied freeze records the row it replaces as a leaver's, once (a second freeze keeps the
// first document); a failed one records nothing; an applied update of the key, back in the
// source, drops it.
TEST_F(SnapshotStoreTest, AnAppliedFreezeRecordsWhatTheTargetHeldBeforeUntilAnUpdateIsApplied) {
  commit(store_, "contact_user", {{"E1", 1, R"({"name":"A"})"}, {"E2", 2, R"({"name":"B"})"}});
  auto run = store_.begin_run("sync", "job.toml", 1);
  ASSERT_TRUE(run.has_value());
  OutcomeRow frozen = outcome("contact_user", "E1", "applied");
  frozen.action = "freeze";
  OutcomeRow refused = outcome("contact_user", "E2", "failed", 41050);
  refused.action = "freeze";
  std::vector<SnapshotStore::TargetRow> rows = {{"contact_user", {"E1", 3, R"({"is_frozen":true,"name":"A"})"}}};
  ASSERT_TRUE(store_.commit_batch(*run, rows, std::vector<OutcomeRow>{frozen, refused}, 2000).has_value());
  auto left = store_.leavers("contact_user");
  ASSERT_TRUE(left.has_value()) << left.error().str();
  ASSERT_EQ(left->size(), 1u);
  EXPECT_EQ(left->front().key, "E1");
  EXPECT_EQ(left->front().document, R"({"name":"A"})");
  EXPECT_EQ(left->front().run_id, *run);
  EXPECT_TRUE(store_.leavers("sophon_person")->empty());

  ASSERT_TRUE(store_.commit_batch(*run, rows, std::vector<OutcomeRow>{frozen}, 2001).has_value());
  EXPECT_EQ(store_.leavers("contact_user")->front().document, R"({"name":"A"})");

  rows = {{"contact_user", {"E1", 4, R"({"is_frozen":false,"name":"A"})"}}};
  ASSERT_TRUE(store_.commit_batch(*run, rows, std::vector<OutcomeRow>{outcome("contact_user", "E1", "applied")}, 2002)
                  .has_value());
  EXPECT_TRUE(store_.leavers("contact_user")->empty());
}

TEST_F(SnapshotStoreTest, ACommitBatchThatCannotRecordItsOutcomesWritesNoRow) {
  const std::vector<SnapshotStore::TargetRow> rows = {{"contact_user", {"E1", 1, "{}"}}, {"acs_card", {"E1", 2, "{}"}}};
  const std::vector<OutcomeRow> outcomes = {outcome("contact_user", "E1", "applied"), outcome("acs_card", "E1", "applied")};
  auto r = store_.commit_batch(999, rows, outcomes, 2000);  // no run 999
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().kind, Error::Kind::kDatabase);
  EXPECT_EQ(r.error().where, path_);
  EXPECT_NE(r.error().message.find("none was written"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("contact_user E1"), std::string::npos) << r.error().message;
  EXPECT_EQ(store_.count("contact_user"), 0);
  EXPECT_EQ(store_.count("acs_card"), 0);
}

TEST_F(SnapshotStoreTest, EveryChangeOfSnapshotRowsAdvancesTheGenerationAndNamesItsRun) {
  auto g = store_.generation();
  ASSERT_TRUE(g.has_value()) << g.error().str();
  EXPECT_EQ(g->generation, 0);
  EXPECT_FALSE(g->run_id.has_value());

  commit(store_, "contact_user", {{"E1", 1, "{}"}}, 7);
  EXPECT_EQ(store_.generation()->generation, 1);
  EXPECT_EQ(store_.generation()->run_id, 7);

  auto run = store_.begin_run("sync", "job.toml", 1);
  ASSERT_TRUE(run.has_value());
  // Outcomes alone (failures) change no snapshot row: the generation stays.
  const std::vector<OutcomeRow> failed = {outcome("acs_card", "E3", "failed", 1490101)};
  ASSERT_TRUE(store_.commit_batch(*run, {}, failed, 2000).has_value());
  EXPECT_EQ(store_.generation()->generation, 1);
  const std::vector<SnapshotStore::TargetRow> rows = {{"contact_user", {"E2", 3, "{}"}}};
  const std::vector<OutcomeRow> applied = {outcome("contact_user", "E2", "applied")};
  ASSERT_TRUE(store_.commit_batch(*run, rows, applied, 2000).has_value());
  EXPECT_EQ(store_.generation()->generation, 2);
  EXPECT_EQ(store_.generation()->run_id, *run);

  const std::vector<std::string> keys = {"E1"};
  ASSERT_TRUE(store_.forget("contact_user", keys).has_value());
  EXPECT_EQ(store_.generation()->generation, 3);
  EXPECT_FALSE(store_.generation()->run_id.has_value());
  // Forgotten by a run (a sync, or an apply of a plan file): that run made the change.
  const std::vector<std::string> more = {"E2"};
  ASSERT_TRUE(store_.forget("contact_user", more, *run).has_value());
  EXPECT_EQ(store_.generation()->generation, 4);
  EXPECT_EQ(store_.generation()->run_id, *run);
}

TEST_F(SnapshotStoreTest, ARowStateNamesItsHashAndTheRunThatCommittedIt) {
  commit(store_, "contact_user", {{"E1", kTop + 5, "{}"}}, 4);
  auto state = store_.row_state("contact_user", "E1");
  ASSERT_TRUE(state.has_value()) << state.error().str();
  ASSERT_TRUE(state->has_value());
  EXPECT_EQ((*state)->hash, kTop + 5);
  EXPECT_EQ((*state)->run_id, 4);
  EXPECT_FALSE(store_.row_state("contact_user", "E2")->has_value());
  EXPECT_FALSE(store_.row_state("acs_card", "E1")->has_value());
}

TEST_F(SnapshotStoreTest, ThePlanRunsAreThoseAttachedToThatPlanOnly) {
  auto a = store_.begin_run("apply", "job.toml", 1);
  auto b = store_.begin_run("apply", "job.toml", 2);
  auto c = store_.begin_run("apply", "job.toml", 3);
  ASSERT_TRUE(a && b && c);
  ASSERT_TRUE(store_.attach_plan(*a, "p1").has_value());
  ASSERT_TRUE(store_.attach_plan(*b, "p2").has_value());
  ASSERT_TRUE(store_.attach_plan(*c, "p1").has_value());
  ASSERT_TRUE(store_.attach_plan(*c, "p1").has_value());  // twice is once
  EXPECT_EQ(*store_.plan_runs("p1"), (std::vector<std::int64_t>{*a, *c}));
  EXPECT_EQ(*store_.plan_runs("p2"), (std::vector<std::int64_t>{*b}));
  EXPECT_TRUE(store_.plan_runs("p3")->empty());
  EXPECT_FALSE(store_.attach_plan(999, "p1").has_value());  // no run 999
}

TEST_F(SnapshotStoreTest, AMovedStoreKeepsWorking) {
  commit(store_, "contact_user", {{"E1", 1, "{}"}});
  SnapshotStore moved = std::move(store_);
  commit(moved, "contact_user", {{"E2", 2, "{}"}});
  EXPECT_EQ(hashes_of(moved, "contact_user"), (Hashes{{"E1", 1}, {"E2", 2}}));
  EXPECT_EQ(moved.path(), path_);
}

RunProgress progress_at(std::int64_t now, std::uint64_t applied) {
  RunProgress p;
  p.updated_at = now;
  p.expected_end = now + 60;
  p.targets.push_back({.target = "contact_user", .planned = 10, .applied = applied, .failed = 1, .retries = 2,
                       .throttled = 3, .rate = 2.5, .eta = now + 60, .absent = 2});
  p.targets.push_back({.target = "acs_card", .planned = 4, .applied = 4, .rate = 4, .eta = now - 1,
                       .finished_at = now - 1});
  return p;
}

TEST_F(SnapshotStoreTest, ProgressWrittenWithACommitBatchReadsBackInThePlansOrder) {
  auto run = store_.begin_run("sync", "job.toml", 1);
  ASSERT_TRUE(run.has_value());
  EXPECT_EQ(store_.progress(*run), RunProgress{}) << "none written yet";
  const std::vector<SnapshotStore::TargetRow> rows = {{"contact_user", {"E1", 1, "{}"}}};
  const std::vector<OutcomeRow> outcomes = {outcome("contact_user", "E1", "applied")};
  const RunProgress first = progress_at(1000, 1);
  ASSERT_TRUE(store_.commit_batch(*run, rows, outcomes, 1000, &first).has_value());
  EXPECT_EQ(store_.progress(*run), first);

  // The next commit replaces it, target by target; a target whose eta is unknown reads as such.
  RunProgress second = progress_at(1010, 2);
  second.expected_end.reset();
  second.targets[0].eta.reset();
  ASSERT_TRUE(store_.commit_batch(*run, {}, {}, 1010, &second).has_value());
  EXPECT_EQ(store_.progress(*run), second);
  EXPECT_EQ(store_.outcomes(*run)->size(), 1u);
}

TEST_F(SnapshotStoreTest, ACommitBatchThatFailsWritesNoProgress) {
  auto run = store_.begin_run("sync", "job.toml", 1);
  ASSERT_TRUE(run.has_value());
  const RunProgress first = progress_at(1000, 1);
  ASSERT_TRUE(store_.write_progress(*run, first).has_value());
  const std::vector<SnapshotStore::TargetRow> rows = {{"contact_user", {"", 1, "{}"}}};  // an empty key fails
  const RunProgress second = progress_at(1010, 2);
  ASSERT_FALSE(store_.commit_batch(*run, rows, {}, 1010, &second).has_value());
  EXPECT_EQ(store_.progress(*run), first) << "the progress never runs ahead of what is committed";
  EXPECT_FALSE(store_.write_progress(999, first).has_value()) << "no run 999";
}

TEST_F(SnapshotStoreTest, AReadOnlyReaderSeesTheLastCommitWhileAWriterHoldsItsTransaction) {
  auto run = store_.begin_run("sync", "job.toml", 1);
  ASSERT_TRUE(run.has_value());
  const RunProgress committed = progress_at(1000, 1);
  ASSERT_TRUE(store_.write_progress(*run, committed).has_value());

  // Another writer is in the middle of a transaction: a reader neither waits for it nor sees it.
  SQLite::Database writer(path_, SQLite::OPEN_READWRITE);
  writer.exec("BEGIN IMMEDIATE");
  writer.exec("UPDATE progress SET applied = 9");
  auto reader = SnapshotStore::open_read_only(path_, StoreOptions{.busy_timeout_ms = 0});
  ASSERT_TRUE(reader.has_value()) << reader.error().str();
  EXPECT_EQ(reader->progress(*run), committed);
  auto last = reader->last_run();
  ASSERT_TRUE(last.has_value() && last->has_value());
  EXPECT_EQ((*last)->status, "running");
  EXPECT_FALSE(reader->begin_run("sync", "job.toml", 2).has_value()) << "a reader writes nothing";
  writer.exec("ROLLBACK");
}

TEST_F(SnapshotStoreTest, AReaderNeedsAnExistingFile) {
  const std::string missing = dir_.file("none.db");
  auto reader = SnapshotStore::open_read_only(missing);
  ASSERT_FALSE(reader.has_value());
  EXPECT_EQ(reader.error().where, missing);
  EXPECT_FALSE(std::filesystem::exists(missing)) << "a reader creates nothing";
}

}  // namespace
}  // namespace hrsync
