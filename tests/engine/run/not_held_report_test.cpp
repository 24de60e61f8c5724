// The run report's "Not in the target": the entities an update found the target lacks (with their
// source lines) and those a read found absent, in the text and the JSON, read back from the run
// log; they are no failures, so the run exits 0.
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "engine/run/run_report.h"

namespace hrsync {
namespace {

namespace json = boost::json;

RunReport with_absent_entities() {
  RunReport r;
  r.run_id = 4;
  r.command = "sync";
  r.status = "ok";
  r.targets = {TargetTotals{{.planned = 10, .applied = 8, .absent = 2}, "acs_card", ""},
               TargetTotals{{.planned = 5, .applied = 5}, "contact_user", ""}};
  r.targets[0].not_held = {{"u7", "hr/employees.csv:8", 1490101}, {"u9", "hr/employees.csv:10", 1490101}};
  r.targets[1].read = TargetTotals::Read{.requests = 1, .absent = 3};
  r.exit_code = run_exit_code(r);
  return r;
}

TEST(NotHeldReport, EntitiesNotInTheTargetAreListedWithTheirSourceLinesAndExitZero) {
  const RunReport r = with_absent_entities();
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.targets[0].not_sent(), 0u) << "an absent entity has its outcome";

  const std::string text = render_run_text(r, {}, false);
  EXPECT_NE(text.find("Not in the target (5)"), std::string::npos) << text;
  EXPECT_NE(text.find("acs_card         2 answered not found by the update"), std::string::npos) << text;
  EXPECT_NE(text.find("hr/employees.csv:8  u7  1490101"), std::string::npos) << text;
  EXPECT_NE(text.find("contact_user     3 found absent by the read"), std::string::npos) << text;
  EXPECT_EQ(text.find("Failures by error code"), std::string::npos) << text;
  EXPECT_NE(text.find("what is not in the target waits"), std::string::npos) << text;

  const std::string json_text = render_run_json(r, {});
  const json::object j = json::parse(json_text).as_object();
  const json::object& acs = j.at("targets").as_array()[0].as_object();
  EXPECT_EQ(acs.at("absent").as_int64(), 2);
  EXPECT_EQ(acs.at("not_sent").as_int64(), 0);
  const json::array& listed = acs.at("not_in_target").as_array();
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(listed[0].at("key").as_string(), "u7");
  EXPECT_EQ(listed[0].at("where").as_string(), "hr/employees.csv:8");
  EXPECT_EQ(listed[0].at("code").as_int64(), 1490101);
  EXPECT_TRUE(j.at("failures").as_array().empty());

  RunRow row{.id = 4, .command = "sync", .finished_at = 10, .status = "ok", .exit_code = 0, .summary = json_text};
  const RunReport back = read_run_report(row, RunProgress{}, {});
  ASSERT_EQ(back.targets.size(), 2u);
  EXPECT_EQ(back.targets[0].absent, 2u);
  EXPECT_EQ(back.targets[0].not_held, r.targets[0].not_held);
  EXPECT_EQ(run_exit_code(back), 0);
}

TEST(NotHeldReport, TheRunLogCountsAbsentOutcomesAsNoProblem) {
  OutcomeTally tally;
  tally.add(OutcomeRow{"acs_card", "u7", "upsert", "absent", 1490101, "user not found", "", 1});
  tally.add(OutcomeRow{"acs_card", "u8", "upsert", "applied", 0, "", "", 1});
  ASSERT_EQ(tally.totals().size(), 1u);
  EXPECT_EQ(tally.totals()[0].absent, 1u);
  EXPECT_EQ(tally.totals()[0].failed, 0u);
  EXPECT_EQ(tally.totals()[0].not_sent(), 0u);
  EXPECT_TRUE(tally.problems().empty());
}

}  // namespace
}  // namespace hrsync
