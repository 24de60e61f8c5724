// The nightly job, unattended: no answer can make it wait without bound. A throttled answer whose
// x-ogw-ratelimit-reset is 1e9 seconds, or a Unix time, costs a bounded pause, the run finishes,
// and its report says that the server asked for more.
#include "tests/integration/sync_harness.h"

namespace hrsync::integration {
namespace {

emulator::FaultRule fault(std::string_view spec) {
  auto rule = emulator::parse_fault_rule(spec);
  EXPECT_TRUE(rule) << spec;
  return rule.value_or(emulator::FaultRule{});
}

class UnattendedTest : public SyncHarness {};

TEST_F(UnattendedTest, AResetOfYearsOrAUnixTimeCostsABoundedPause) {
  emulator::EmulatorOptions o;
  o.faults = {fault("throttle=next:2,reset:1e9@attendance_face"),  // 31 years, or 2001 as a time
              fault("throttle=next:2,reset:unix@acs_card")};        // the current Unix time
  ASSERT_NO_FATAL_FAILURE(start_emulator(std::move(o)));

  const SyncRun run = sync();

  EXPECT_EQ(run.exit_code, kExitOk) << run.err << run.out;
  EXPECT_EQ(run.outcomes.size(), employees_.size() * 4 + groups_.size());
  for (const OutcomeRow& row : run.outcomes) {
    EXPECT_EQ(row.status, "applied") << row.target << " " << row.key << ": " << row.message;
  }
  const json::object s = stats();
  EXPECT_EQ(s.at("faults").at("throttle").to_number<int>(), 4);
  EXPECT_EQ(endpoint_outcomes(s, "attendance_face", "99991400"), 2u);
  EXPECT_EQ(endpoint_outcomes(s, "acs_card", "99991400"), 2u);
  // The summary names both targets' bounded waits, with what the server asked.
  EXPECT_TRUE(contains(run.out, "asked for a pause beyond retry.max_pause_s")) << run.out;
  EXPECT_TRUE(contains(run.out, "1e+09 s")) << run.out;
  ASSERT_NO_FATAL_FAILURE(expect_state_matches_source());
}

}  // namespace
}  // namespace hrsync::integration
