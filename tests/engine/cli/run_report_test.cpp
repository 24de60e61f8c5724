// A run stopped by the snapshot store: exit 5, the store's error and the outcomes it could not
// record in the text and the JSON report, and again in `hrsync report` from the run log.
#include <filesystem>
#include <fstream>
#include <sstream>

#include <boost/json.hpp>
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "engine/cli/commands.h"
#include "engine/run/run_report.h"
#include "store/snapshot_store.h"
#include "tests/store/scratch_dir.h"

namespace hrsync {
namespace {

namespace json = boost::json;

constexpr std::string_view kStoreError =
    "/var/lib/hrsync/hrsync.db: commit of 5 snapshot rows and 5 outcomes of run 7 failed; none was written: "
    "database or disk is full (SQLite code 13)";

RunReport stopped_by_the_store() {
  RunReport r;
  r.run_id = 7;
  r.command = "sync";
  r.targets = {TargetTotals{{.planned = 10, .applied = 6, .skipped = 4}, "contact_user", ""},
               TargetTotals{{.planned = 10, .applied = 3, .failed = 1, .skipped = 6}, "acs_card", ""}};
  r.problems.add(OutcomeRow{"acs_card", "u9", "upsert", "failed", 1490101, "card taken", "", 1});
  r.store_error = std::string(kStoreError);
  r.unrecorded = {OutcomeRow{"contact_user", "u5", "upsert", "applied", 0, "", "", 1},
                  OutcomeRow{"acs_card", "u9", "upsert", "failed", 1490101, "card taken", "", 2}};
  r.exit_code = run_exit_code(r);
  r.status = "store_failed";
  return r;
}

TEST(RunReportTest, TheConcurrencyInUseIsShownAndReadBack) {
  RunReport r;
  r.run_id = 3;
  r.command = "sync";
  r.status = "ok";
  r.targets = {TargetTotals{{.planned = 500, .applied = 500}, "attendance_face", ""},
               TargetTotals{{.planned = 20, .applied = 20}, "acs_card", ""}};
  r.targets[0].concurrency = TargetTotals::Concurrency{.automatic = true, .cap = 12, .peak = 16};
  r.targets[0].requests = 500;
  r.targets[0].seconds = 10.25;
  r.targets[1].concurrency = TargetTotals::Concurrency{.automatic = false, .cap = 3, .peak = 3};
  r.targets[1].requests = 20;
  r.targets[1].seconds = 1;

  const std::string text = render_run_text(r, {}, false);
  EXPECT_NE(text.find("500 requests in 10.2 s, concurrency auto: 12 in flight (at most 16)"), std::string::npos) << text;
  EXPECT_NE(text.find("20 requests in 1.0 s, concurrency 3 in flight"), std::string::npos) << text;

  const std::string json_text = render_run_json(r, {});
  const json::object j = json::parse(json_text).as_object();
  const json::object& c = j.at("targets").as_array()[0].at("concurrency").as_object();
  EXPECT_TRUE(c.at("auto").as_bool());
  EXPECT_EQ(c.at("cap").as_int64(), 12);
  EXPECT_EQ(c.at("peak").as_int64(), 16);
  EXPECT_DOUBLE_EQ(j.at("targets").as_array()[0].at("seconds").to_number<double>(), 10.25);

  RunRow row{.id = 3, .command = "sync", .finished_at = 10, .status = "ok", .exit_code = 0, .summary = json_text};
  const RunReport back = read_run_report(row, RunProgress{}, {});
  ASSERT_EQ(back.targets.size(), 2u);
  EXPECT_EQ(back.targets[0].concurrency, r.targets[0].concurrency);
  EXPECT_EQ(back.targets[1].concurrency, r.targets[1].concurrency);
  EXPECT_EQ(back.targets[0].requests, 500u);
  EXPECT_DOUBLE_EQ(back.targets[0].seconds, 10.25);
}

TEST(RunReportTest, AStoreFailureIsExit5AndSaysWhatWasNotRecorded) {
  RunReport r = stopped_by_the_store();
  EXPECT_EQ(r.exit_code, kExitStore);
  r.targets[0].quarantined = "target contact_user quarantined";
  EXPECT_EQ(run_exit_code(r), kExitStore) << "the store failure comes first";
  r.store_error.clear();
  EXPECT_EQ(run_exit_code(r), kExitQuarantined);

  const std::string text = render_run_text(stopped_by_the_store(), {}, false);
  EXPECT_NE(text.find(std::string("The snapshot store could not record: ") + std::string(kStoreError)), std::string::npos)
      << text;
  EXPECT_NE(text.find("2 entities were sent but their outcomes not recorded; the 1 applied are sent again"), std::string::npos) << text;

  const json::object j = json::parse(render_run_json(stopped_by_the_store(), {})).as_object();
  EXPECT_EQ(j.at("exit_code").as_int64(), kExitStore);
  EXPECT_EQ(j.at("store_error").as_string(), kStoreError);
  const json::array& unrecorded = j.at("unrecorded").as_array();
  ASSERT_EQ(unrecorded.size(), 2u);
  EXPECT_EQ(unrecorded[0].at("key").as_string(), "u5");
  EXPECT_EQ(unrecorded[0].at("status").as_string(), "applied");
  EXPECT_EQ(unrecorded[0].at("attempts").as_int64(), 1);
  EXPECT_EQ(unrecorded[1].at("attempts").as_int64(), 2);
}

TEST(RunReportTest, ReportCommandShowsTheStoreFailureFromTheRunLog) {
  test::ScratchDir dir;
  {
    std::ofstream(dir.file("job.toml")) << "[job]\nsnapshot = \"hrsync.db\"\n\n[feishu]\napp_id = \"a\"\n"
                                           "app_secret_env = \"UNSET\"\n\n[sources.employees]\nkind = \"csv\"\n"
                                           "path = \"e.csv\"\n\n[targets.contact_user]\nsource = \"employees\"\n";
    auto store = SnapshotStore::open(dir.file("hrsync.db"));
    ASSERT_TRUE(store) << store.error().str();
    auto run = store->begin_run("sync", dir.file("job.toml"), 1);
    ASSERT_TRUE(run);
    RunReport r = stopped_by_the_store();
    r.run_id = *run;
    ASSERT_TRUE(store->finish_run(*run, r.status, r.exit_code, render_run_json(r, {}), 2));
  }
  std::ostringstream out, err;
  ReportCommand cmd;
  cmd.config = dir.file("job.toml");
  EXPECT_EQ(run_report(cmd, out, err), kExitOk) << err.str();
  EXPECT_NE(out.str().find("status store_failed, exit code 5"), std::string::npos) << out.str();
  EXPECT_NE(out.str().find(std::string("The snapshot store could not record: ") + std::string(kStoreError)),
            std::string::npos)
      << out.str();
  EXPECT_NE(out.str().find("2 entities were sent but their outcomes not recorded; the 1 applied"), std::string::npos) << out.str();
}

TEST(RunReportTest, WhatOnlyAPersonCanRemoveIsListedInTheTextTheJsonAndAgainByReport) {
  RunReport r;
  r.run_id = 3;
  r.command = "sync";
  r.targets = {TargetTotals{{.planned = 2, .applied = 2}, "acs_card", ""}};
  r.targets[0].by_hand = {
      ByHandRow{"u7", "hr.csv:8", "feature.card", "emptied in HR, but the PATCH cannot clear a card: remove it by hand"},
      ByHandRow{"u9", "", "feature.card", "gone from the source: remove it by hand"}};
  r.exit_code = run_exit_code(r);
  r.status = "ok";
  EXPECT_EQ(r.exit_code, kExitOk);

  const std::string text = render_run_text(r, {}, false);
  EXPECT_NE(text.find("remove by hand (2)"), std::string::npos) << text;
  EXPECT_NE(text.find("hr.csv:8  u7  feature.card: emptied in HR"), std::string::npos) << text;
  EXPECT_NE(text.find("(gone from the source)  u9  feature.card"), std::string::npos) << text;

  const json::object j = json::parse(render_run_json(r, {})).as_object();
  const json::array& by_hand = j.at("targets").as_array()[0].at("by_hand").as_array();
  ASSERT_EQ(by_hand.size(), 2u);
  EXPECT_EQ(by_hand[0].at("key").as_string(), "u7");
  EXPECT_EQ(by_hand[0].at("where").as_string(), "hr.csv:8");
  EXPECT_EQ(by_hand[1].at("where").as_string(), "");

  test::ScratchDir dir;
  std::ofstream(dir.file("job.toml")) << "[job]\nsnapshot = \"snap.db\"\n[feishu]\napp_id = \"a\"\n"
                                         "app_secret_env = \"X\"\n[sources.e]\nkind = \"csv\"\npath = \"e.csv\"\n"
                                         "[targets.acs_card]\nsource = \"e\"\n";
  {
    auto store = SnapshotStore::open(dir.file("snap.db"));
    ASSERT_TRUE(store) << store.error().str();
    auto run = store->begin_run("sync", dir.file("job.toml"), 1);
    ASSERT_TRUE(run);
    r.run_id = *run;
    ASSERT_TRUE(store->finish_run(*run, r.status, r.exit_code, render_run_json(r, {}), 2));
  }
  std::ostringstream out, err;
  ReportCommand cmd;
  cmd.config = dir.file("job.toml");
  EXPECT_EQ(run_report(cmd, out, err), kExitOk) << err.str();
  EXPECT_NE(out.str().find("hr.csv:8  u7  feature.card: emptied in HR"), std::string::npos) << out.str();
}

TEST(RunReportTest, ALimitTheServerLoweredIsInTheTextTheJsonAndTheRunLog) {
  RunReport r;
  r.run_id = 3;
  r.command = "sync";
  TargetTotals attendance{{.planned = 100, .applied = 100, .throttled = 1}, "attendance_face", ""};
  attendance.lowered_limits = {{"", "50/s", "40/s"}};
  attendance.notes = {"1 throttled answer(s) asked for a pause beyond retry.max_pause_s"};
  r.targets = {attendance};
  r.exit_code = run_exit_code(r);
  r.status = "ok";

  const std::string text = render_run_text(r, {}, false);
  EXPECT_NE(text.find("rate limit lowered by the server for the run: 50/s -> 40/s"), std::string::npos) << text;
  const json::object j = json::parse(render_run_json(r, {})).as_object();
  const json::array& lowered = j.at("targets").as_array()[0].at("lowered_limits").as_array();
  ASSERT_EQ(lowered.size(), 1u);
  EXPECT_EQ(lowered[0].at("configured").as_string(), "50/s");
  EXPECT_EQ(lowered[0].at("announced").as_string(), "40/s");
  EXPECT_EQ(lowered[0].at("lane").as_string(), "");

  test::ScratchDir dir;
  {
    std::ofstream(dir.file("job.toml")) << "[job]\nsnapshot = \"hrsync.db\"\n\n[feishu]\napp_id = \"a\"\n"
                                           "app_secret_env = \"UNSET\"\n\n[sources.employees]\nkind = \"csv\"\n"
                                           "path = \"e.csv\"\n\n[targets.attendance_face]\nsource = \"employees\"\n";
    auto store = SnapshotStore::open(dir.file("hrsync.db"));
    ASSERT_TRUE(store) << store.error().str();
    auto run = store->begin_run("sync", dir.file("job.toml"), 1);
    ASSERT_TRUE(run);
    r.run_id = *run;
    ASSERT_TRUE(store->finish_run(*run, r.status, r.exit_code, render_run_json(r, {}), 2));
  }
  std::ostringstream out, err;
  ReportCommand cmd;
  cmd.config = dir.file("job.toml");
  EXPECT_EQ(run_report(cmd, out, err), kExitOk) << err.str();
  EXPECT_NE(out.str().find("rate limit lowered by the server for the run: 50/s -> 40/s"), std::string::npos) << out.str();
  EXPECT_NE(out.str().find("asked for a pause beyond retry.max_pause_s"), std::string::npos) << out.str();
}

// A target that failed every call of a large run: the report counts each failure and lists a
// bounded number of examples, in the JSON, in the text ("… and N more") and in `hrsync report`,
// which reads the run's outcomes from the store one at a time.
TEST(RunReportTest, ARunWithManyFailuresIsReportedWithCountsAndBoundedExamples) {
  constexpr int kFailed = 5'000;
  test::ScratchDir dir;
  std::ofstream(dir.file("job.toml")) << "[job]\nsnapshot = \"hrsync.db\"\n\n[feishu]\napp_id = \"a\"\n"
                                         "app_secret_env = \"UNSET\"\n\n[sources.employees]\nkind = \"csv\"\n"
                                         "path = \"e.csv\"\n\n[targets.acs_card]\nsource = \"employees\"\n";
  std::vector<OutcomeRow> rows;
  for (int i = 0; i < kFailed; ++i) {
    rows.push_back(OutcomeRow{"acs_card", fmt::format("u{:05}", i), "upsert", "failed", 1490101, "not in the group", "", 1});
  }
  rows.push_back(OutcomeRow{"acs_card", "v1", "upsert", "applied", 0, "", "", 1});
  RunReport r;
  r.command = "sync";
  r.targets = {TargetTotals{{.planned = kFailed + 1, .applied = 1, .failed = kFailed}, "acs_card", ""}};
  for (const OutcomeRow& o : rows) r.problems.add(o);
  r.exit_code = run_exit_code(r);
  r.status = "failures";
  std::int64_t finished = 0, running = 0;
  {
    auto store = SnapshotStore::open(dir.file("hrsync.db"));
    ASSERT_TRUE(store) << store.error().str();
    auto run = store->begin_run("sync", dir.file("job.toml"), 1);
    ASSERT_TRUE(run);
    ASSERT_TRUE(store->record_outcomes(*run, rows));
    r.run_id = finished = *run;
    ASSERT_TRUE(store->finish_run(*run, r.status, r.exit_code, render_run_json(r, {}), 2));
    // A second run left running by a process that died: no summary, its counts from the outcomes.
    auto other = store->begin_run("sync", dir.file("job.toml"), 3);
    ASSERT_TRUE(other);
    running = *other;
    ASSERT_TRUE(store->record_outcomes(running, rows));
  }

  const json::object j = json::parse(render_run_json(r, {})).as_object();
  const json::array& failures = j.at("failures").as_array();
  ASSERT_EQ(failures.size(), 1u);
  EXPECT_EQ(failures[0].at("count").as_int64(), kFailed);
  EXPECT_EQ(failures[0].at("keys").as_array().size(), ProblemDigest::kExamples);
  EXPECT_EQ(j.at("outcomes").as_array().size(), ProblemDigest::kExamples);
  EXPECT_EQ(j.at("outcomes_not_listed").as_int64(), kFailed - static_cast<std::int64_t>(ProblemDigest::kExamples));
  const std::string text = render_run_text(r, {}, false);
  EXPECT_NE(text.find("e.g. u00000, u00001, u00002, u00003, u00004 … and 4995 more"), std::string::npos) << text;

  for (const std::int64_t id : {finished, running}) {
    std::ostringstream out, err;
    ReportCommand cmd;
    cmd.config = dir.file("job.toml");
    cmd.run = id;
    EXPECT_EQ(run_report(cmd, out, err), kExitOk) << err.str();
    EXPECT_NE(out.str().find(fmt::format("acs_card         failed   {} × 1490101", kFailed)), std::string::npos) << out.str();
    EXPECT_NE(out.str().find("e.g. u00000, u00001, u00002, u00003, u00004 … and 4995 more"), std::string::npos) << out.str();
    EXPECT_EQ(out.str().find("u00005"), std::string::npos) << "five examples in the text";
  }
  std::ostringstream out, err;
  ReportCommand cmd;
  cmd.config = dir.file("job.toml");
  cmd.run = finished;
  cmd.json = true;
  EXPECT_EQ(run_report(cmd, out, err), kExitOk) << err.str();
  const json::object stored = json::parse(out.str()).as_object();
  EXPECT_EQ(stored.at("outcomes").as_array().size(), ProblemDigest::kExamples) << "the run's summary is bounded";
  EXPECT_EQ(stored.at("failures").as_array()[0].at("count").as_int64(), kFailed);
}

}  // namespace
}  // namespace hrsync
