// What `hrsync status` says in each state of a job — running, starting, abandoned, idle, none —
// as text and as JSON that parses; and the report of a run still going.
#include "engine/run/run_status.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "engine/run/run_report.h"

namespace hrsync {
namespace {

namespace json = boost::json;

constexpr std::int64_t kStart = 1'796'000'000;

RunStatus running_status() {
  RunStatus s;
  s.job = "tenant-a";
  s.snapshot = "/var/lib/hrsync/tenant-a/hrsync.db";
  s.state = RunState::kRunning;
  s.holder = "pid 4242 on hr-sync-1, started 2026-11-30 02:30:00 UTC";
  s.run = RunRow{.id = 7, .command = "sync --full", .started_at = kStart, .status = "running", .config_path = "job.toml"};
  s.progress.updated_at = kStart + 3600;
  s.progress.expected_end = kStart + 3600 + 7200;
  s.progress.targets = {
      {.target = "contact_user", .planned = 1000, .applied = 240, .failed = 8, .skipped = 2, .retries = 5,
       .throttled = 3, .rate = 0.125, .eta = kStart + 3600 + 6000},
      {.target = "acs_card", .planned = 1000, .applied = 1000, .rate = 0.3, .eta = kStart + 3000,
       .finished_at = kStart + 3000},
      {.target = "sophon_person", .planned = 1000, .applied = 100, .rate = 0.125, .eta = kStart + 3600 + 7200},
  };
  return s;
}

TEST(RunStatusTest, ARunningRunShowsEachTargetsCountsRateAndEtaAndTheRunsExpectedEnd) {
  const RunStatus s = running_status();
  const std::string text = render_status_text(s, kStart + 3610);
  EXPECT_NE(text.find("Run 7 of job tenant-a is running: sync --full, started 2026-11-30 00:53:20 UTC (1 h 00 min ago), "
                      "by pid 4242 on hr-sync-1."),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("Expected end: 2026-11-30 03:53:20 UTC (in 1 h 59 min)"), std::string::npos) << text;
  EXPECT_NE(text.find("Progress as of 10 s ago"), std::string::npos) << text;
  EXPECT_NE(text.find("contact_user           250/1000       25.0 %      0.1/s  in 1 h 39 min"), std::string::npos)
      << text;
  EXPECT_NE(text.find("acs_card              1000/1000      100.0 %      0.3/s  finished 10 min 10 s ago"), std::string::npos) << text;
  // failed counts failed and skipped
  EXPECT_NE(text.find("         10         3\n"), std::string::npos) << text;
}

TEST(RunStatusTest, ARunningRunThatCommittedNothingForMinutesIsSaidToBeQuiet) {
  const RunStatus s = running_status();
  EXPECT_EQ(render_status_text(s, kStart + 3600 + 119).find("Nothing was committed"), std::string::npos);
  const std::string text = render_status_text(s, kStart + 3600 + 600);
  EXPECT_NE(text.find("Nothing was committed for 10 min 00 s"), std::string::npos) << text;
}

TEST(RunStatusTest, TheJsonParsesAndCarriesWhatTheTextSays) {
  const RunStatus s = running_status();
  const json::value v = json::parse(render_status_json(s, kStart + 3610));
  const json::object& o = v.as_object();
  EXPECT_EQ(o.at("state").as_string(), "running");
  EXPECT_EQ(o.at("job").as_string(), "tenant-a");
  EXPECT_EQ(o.at("lock_holder").as_string(), s.holder);
  const json::object& run = o.at("run").as_object();
  EXPECT_EQ(run.at("id").as_int64(), 7);
  EXPECT_EQ(run.at("status").as_string(), "running");
  EXPECT_TRUE(run.at("exit_code").is_null());
  EXPECT_TRUE(run.at("finished_at").is_null());
  EXPECT_EQ(run.at("expected_end").as_int64(), kStart + 10800);
  const json::array& targets = run.at("targets").as_array();
  ASSERT_EQ(targets.size(), 3u);
  EXPECT_EQ(targets[0].at("done").as_int64(), 250);
  EXPECT_EQ(targets[0].at("failed").as_int64(), 8);
  EXPECT_DOUBLE_EQ(targets[0].at("rate").to_number<double>(), 0.125);
  EXPECT_TRUE(targets[0].at("finished_at").is_null());
  EXPECT_EQ(targets[1].at("finished_at").as_int64(), kStart + 3000);
}

TEST(RunStatusTest, ARunMarkedRunningWhoseLockIsFreeIsShownAbandoned) {
  RunStatus s = running_status();
  s.state = RunState::kAbandoned;
  s.holder.clear();
  const std::string text = render_status_text(s, kStart + 4000);
  EXPECT_NE(text.find("No run of job tenant-a is running. Run 7 (sync --full)"), std::string::npos) << text;
  EXPECT_NE(text.find("no process holds the job's lock"), std::string::npos) << text;
  EXPECT_NE(text.find("(abandoned)"), std::string::npos) << text;
  EXPECT_EQ(text.find("Expected end"), std::string::npos) << "a dead run has no expected end: " << text;
  const json::object o = json::parse(render_status_json(s, kStart + 4000)).as_object();
  EXPECT_EQ(o.at("state").as_string(), "abandoned");
  EXPECT_TRUE(o.at("lock_holder").is_null());
}

TEST(RunStatusTest, WithNoRunGoingOnItSaysWhenAndHowTheLastEnded) {
  RunStatus s = running_status();
  s.state = RunState::kIdle;
  s.holder.clear();
  s.run->status = "failures";
  s.run->exit_code = 1;
  s.run->finished_at = kStart + 5400;
  const std::string text = render_status_text(s, kStart + 9000);
  EXPECT_NE(text.find("No run of job tenant-a is running.\nThe last run, 7 (sync --full), ended 2026-11-30 02:23:20 "
                      "UTC (1 h 00 min ago) after 1 h 30 min: failures, exit code 1."),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("contact_user          1000 planned, 240 applied, 8 failed, 2 skipped, 3 throttled"),
            std::string::npos)
      << text;
  const json::object o = json::parse(render_status_json(s, kStart + 9000)).as_object();
  EXPECT_EQ(o.at("state").as_string(), "idle");
  EXPECT_EQ(o.at("run").at("exit_code").as_int64(), 1);
}

TEST(RunStatusTest, ARunPlanningAndAJobWithoutRunsAreSaidSo) {
  RunStatus s;
  s.job = "tenant-a";
  s.snapshot = "var/hrsync.db";
  s.state = RunState::kStarting;
  s.holder = "pid 9 on h, started 2026-11-30 02:30:00 UTC";
  EXPECT_NE(render_status_text(s, kStart).find("A run of job tenant-a is starting"), std::string::npos);
  s.state = RunState::kNone;
  s.holder.clear();
  EXPECT_EQ(render_status_text(s, kStart), "No run of job tenant-a is running, and none is recorded in var/hrsync.db.\n");
  const json::object o = json::parse(render_status_json(s, kStart)).as_object();
  EXPECT_EQ(o.at("state").as_string(), "none");
  EXPECT_TRUE(o.at("run").is_null());
}

TEST(RunStatusTest, TheReportOfARunningRunSaysItIsStillGoingWithNoExitCode) {
  RunReport r;
  r.run_id = 7;
  r.command = "sync";
  r.status = "running";
  TargetTotals t;
  t.id = "contact_user";
  t.planned = 10;
  t.applied = 4;
  r.targets = {t};
  const std::string text = render_run_text(r, {}, false);
  EXPECT_NE(text.find("The run is still going: 4 applied, 0 failed or skipped, 6 to go"), std::string::npos) << text;
  EXPECT_EQ(text.find("not sent"), std::string::npos) << "nothing is 'not sent' while it goes on: " << text;
  EXPECT_EQ(text.find("Everything applied"), std::string::npos) << text;
  const json::object o = json::parse(render_run_json(r, {})).as_object();
  EXPECT_EQ(o.at("status").as_string(), "running");
  EXPECT_TRUE(o.at("exit_code").is_null());
}

}  // namespace
}  // namespace hrsync
