// The nightly job, unattended: no answer can make it wait without bound. A throttled answer whose
// x-ogw-ratelimit-reset is 1e9 seconds, or a Unix time, costs a bounded pause, the run finishes,
// and its report says that the server asked for more. A long run with a steady share of transient
// errors never runs out of retries.
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
  EXPECT_TRUE(contains(run.out, "the largest asked 1000000000 s")) << run.out;
  ASSERT_NO_FATAL_FAILURE(expect_state_matches_source());
}

TEST_F(UnattendedTest, FourThousandUpdatesUnderAFifthOfLockErrorsNeverRunOutOfRetries) {
  employees_ = generate_employees(4000);
  emulator::EmulatorOptions o;
  o.seed = 7;
  o.rate_scale = 10;  // 500/s and 10000/min, on both sides, to keep the run short
  o.faults = {fault("lock=0.2@contact_user"),       // update user lock on a fifth of the updates
              fault("internal=0.02@contact_user"),  // a few 5xx
              fault("reset=0.01@contact_user")};    // and dropped connections
  ASSERT_NO_FATAL_FAILURE(start_emulator(std::move(o)));
  spec_.targets = {{.id = "contact_user", .rate = {"500/s", "10000/min"}, .concurrency = 16}};
  spec_.budget = 1000;      // the default bucket, with the default token ratio
  spec_.max_attempts = 10;  // so that no entity runs out of its own tries by chance

  const SyncRun run = sync();

  EXPECT_EQ(run.exit_code, kExitOk) << run.err << run.out.substr(0, 4000);
  EXPECT_EQ(run.count("contact_user", "applied"), employees_.size());
  std::size_t retries = 0;
  for (const OutcomeRow& row : run.outcomes) {
    EXPECT_FALSE(contains(row.message, "retry budget")) << row.key << ": " << row.message;
    retries += static_cast<std::size_t>(row.attempts - 1);
  }
  EXPECT_GT(retries, 1000u) << "more than a fixed budget of 1000 would have allowed";
  const json::object s = stats();
  EXPECT_GT(endpoint_outcomes(s, "contact_user", "44025"), 700u);
  EXPECT_GT(s.at("faults").at("internal").to_number<int>(), 0);
  EXPECT_GT(s.at("faults").at("reset").to_number<int>(), 0);
}

}  // namespace
}  // namespace hrsync::integration
