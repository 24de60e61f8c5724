// Runs that did not reach their end — stopped by a signal, by an error, or abandoned by a process
// that died — are reported as such with their counts, never as "Everything applied.".
#include <signal.h>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "engine/cli/commands.h"
#include "engine/run/run_report.h"

namespace hrsync {
namespace {

namespace json = boost::json;

RunReport unfinished(std::string status) {
  RunReport r;
  r.run_id = 3;
  r.command = "sync";
  r.status = std::move(status);
  // Nothing failed: the totals alone would read as a clean run.
  r.targets = {TargetTotals{{.planned = 10, .applied = 4}, "contact_user", ""},
               TargetTotals{{.planned = 5, .applied = 5}, "acs_card", ""}};
  return r;
}

TEST(UnfinishedRunReportTest, AnInterruptedRunExits128PlusTheSignalAndSaysSoWithItsCounts) {
  RunReport r = unfinished("interrupted");
  r.signal = SIGTERM;
  EXPECT_EQ(run_exit_code(r), 143);
  r.signal = SIGINT;
  EXPECT_EQ(run_exit_code(r), 130);
  const std::string text = render_run_text(r, {}, false);
  EXPECT_NE(text.find("Interrupted by SIGINT: 9 applied, 0 failed or skipped, 6 not sent."), std::string::npos) << text;
  EXPECT_NE(text.find("not sent: 6"), std::string::npos) << text;
  EXPECT_EQ(text.find("Everything applied"), std::string::npos) << text;

  const json::object j = json::parse(render_run_json(r, {})).as_object();
  EXPECT_EQ(j.at("interrupted_by").as_string(), "SIGINT");
  EXPECT_EQ(j.at("signal").as_int64(), SIGINT);
  EXPECT_EQ(j.at("targets").at(0).at("not_sent").as_int64(), 6);
  EXPECT_EQ(j.at("targets").at(1).at("not_sent").as_int64(), 0);
}

TEST(UnfinishedRunReportTest, AnErroredRunSaysWhichErrorAndIsNotAnOk) {
  RunReport r = unfinished("error");
  r.error = "internal error: boom";
  EXPECT_EQ(run_exit_code(r), kExitUsage);
  const std::string text = render_run_text(r, {}, false);
  EXPECT_NE(text.find("The run stopped on an error: internal error: boom: 9 applied"), std::string::npos) << text;
  EXPECT_EQ(text.find("Everything applied"), std::string::npos) << text;
  EXPECT_EQ(json::parse(render_run_json(r, {})).at("error").as_string(), "internal error: boom");
}

TEST(UnfinishedRunReportTest, AnAbandonedRunSaysItWasAbandoned) {
  const std::string text = render_run_text(unfinished("abandoned"), {}, false);
  EXPECT_NE(text.find("The run was abandoned"), std::string::npos) << text;
  EXPECT_NE(text.find("Recorded: 9 applied, 0 failed or skipped"), std::string::npos) << text;
  EXPECT_EQ(text.find("Everything applied"), std::string::npos) << text;
}

TEST(UnfinishedRunReportTest, OnlyARunThatAppliedEveryPlannedEntitySaysEverythingApplied) {
  RunReport r = unfinished("ok");
  EXPECT_NE(render_run_text(r, {}, false).find("6 planned entities have no outcome"), std::string::npos);
  EXPECT_EQ(render_run_text(r, {}, false).find("Everything applied"), std::string::npos);
  r.targets[0].applied = 10;
  EXPECT_NE(render_run_text(r, {}, false).find("Everything applied."), std::string::npos);
}

}  // namespace
}  // namespace hrsync
