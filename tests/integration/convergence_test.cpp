// Convergence: whatever the APIs throw at a run — 44025 on 30 % of contact user updates, bursts of
// 5xx, reset connections, tokens that expire every few seconds and one revoked mid-run — every
// target ends up holding exactly what the HR source says. A run after that sends nothing, and one
// changed card number sends one call.
#include <filesystem>

#include "tests/integration/sync_harness.h"

namespace hrsync::integration {
namespace {

namespace fs = std::filesystem;

emulator::FaultRule fault(std::string_view spec) {
  auto rule = emulator::parse_fault_rule(spec);
  EXPECT_TRUE(rule) << spec;
  return rule.value_or(emulator::FaultRule{});
}

class ConvergenceTest : public SyncHarness {};

TEST_F(ConvergenceTest, AFaultyRunLeavesEveryTargetHoldingTheSource) {
  employees_ = generate_employees(150);
  groups_ = generate_groups(6);
  // Three people with photos, which Sophon receives inline.
  fs::create_directories(dir_.path() / "photos");
  for (int i = 1; i <= 3; ++i) {
    const std::string name = "E000" + std::to_string(i) + ".jpg";
    fs::copy_file(fs::path(HRSYNC_SAMPLES_DIR) / "photos" / name, dir_.path() / "photos" / name);
    cell(employees_[static_cast<std::size_t>(i) * 10], "photo") = "photos/" + name;
  }
  emulator::EmulatorOptions o;
  o.seed = 20240611;
  o.rate_scale = 2;        // every documented limit doubled, on both sides, to keep the run short
  spec_.targets = {{.id = "contact_user", .rate = {"100/s", "2000/min"}},
                   {.id = "contact_group", .rate = {"200/min"}},
                   {.id = "attendance_face", .rate = {"100/s"}},
                   {.id = "acs_card", .rate = {"100/s"}},
                   {.id = "sophon_person", .rate = {"100/s"}}};
  o.token_lifetime_s = 4;  // the engine must refresh ahead of expiry, several times per run
  o.latency_min_ms = 1;
  o.latency_max_ms = 4;
  o.faults = {fault("lock=0.3@contact_user"),          // update user lock on 30 % of contact user updates
              fault("internal=0.05"),                  // scattered 5xx on the five APIs
              fault("internal=1,from:0.6,for:0.25"),   // and a burst where every call gets one
              fault("reset=0.03"),                     // reset connections, the token endpoint included
              fault("revoke=next:1,from:0.3")};        // a token revoked while in use
  ASSERT_NO_FATAL_FAILURE(start_emulator(std::move(o)));

  const SyncRun run = sync();

  EXPECT_EQ(run.exit_code, kExitOk) << run.err << run.out;
  EXPECT_EQ(run.outcomes.size(), employees_.size() * 4 + groups_.size());
  for (const std::string& target : target_names()) {
    const std::size_t planned = target == "contact_group" ? groups_.size() : employees_.size();
    EXPECT_EQ(run.count(target, "applied"), planned) << target;
  }
  ASSERT_NO_FATAL_FAILURE(expect_state_matches_source());

  // The faults did happen, and the engine worked through them.
  const json::object s = stats();
  const json::object& hits = s.at("faults").as_object();
  EXPECT_GT(hits.at("lock").to_number<int>(), 0);
  EXPECT_GT(hits.at("internal").to_number<int>(), 0);
  EXPECT_GT(hits.at("reset").to_number<int>(), 0);
  EXPECT_EQ(hits.at("revoke").to_number<int>(), 1);
  EXPECT_GT(endpoint_outcomes(s, "contact_user", "44025"), 0u);
  std::uint64_t revoked = 0;
  for (const std::string& target : target_names()) revoked += endpoint_outcomes(s, target, "99991663");
  EXPECT_GT(revoked, 0u) << "a call carried the revoked token";
  // 150 contact user updates at 2000/min take over 4.5 s: the 4 s token was renewed before it
  // expired, besides the renewal after the revocation.
  EXPECT_GE(s.at("tokens_issued").to_number<int>(), 3);
  unsigned retried = 0;
  for (const OutcomeRow& row : run.outcomes) retried += row.attempts > 1 ? 1 : 0;
  EXPECT_GT(retried, 0u);
}

TEST_F(ConvergenceTest, ASecondRunSendsNothing) {
  ASSERT_NO_FATAL_FAILURE(start_emulator());
  const SyncRun first = sync();
  ASSERT_EQ(first.exit_code, kExitOk) << first.err << first.out;
  const json::object before = stats();
  // Each entity sent once (business_calls: a throttled answer is sent again by design).
  ASSERT_EQ(business_calls(before), employees_.size() * 4 + groups_.size())
      << json::serialize(before.at("endpoints"));

  const SyncRun second = sync();

  EXPECT_EQ(second.exit_code, kExitOk) << second.err << second.out;
  EXPECT_NE(second.run_id, first.run_id);
  EXPECT_TRUE(second.outcomes.empty());
  const json::object after = stats();
  EXPECT_EQ(business_requests(after), business_requests(before));
  EXPECT_EQ(endpoint_requests(after, "token"), endpoint_requests(before, "token"));
  ASSERT_NO_FATAL_FAILURE(expect_state_matches_source());
}

TEST_F(ConvergenceTest, OneChangedCardSendsOneAccessControlCall) {
  ASSERT_NO_FATAL_FAILURE(start_emulator());
  ASSERT_EQ(sync().exit_code, kExitOk);
  const json::object before = stats();
  Employee& changed = employees_[17];
  cell(changed, "card_no") = "199999999";
  const std::string user = cell(changed, "user_id");

  const SyncRun run = sync();

  EXPECT_EQ(run.exit_code, kExitOk) << run.err << run.out;
  ASSERT_EQ(run.outcomes.size(), 1u);
  EXPECT_EQ(run.outcomes[0].target, "acs_card");
  EXPECT_EQ(run.outcomes[0].key, user);
  EXPECT_EQ(run.outcomes[0].status, "applied");
  EXPECT_EQ(run.outcomes[0].attempts, 1);
  const json::object after = stats();
  for (const std::string& target : target_names()) {
    const std::uint64_t sent = endpoint_requests(after, target) - endpoint_requests(before, target);
    EXPECT_EQ(sent, target == "acs_card" ? 1u : 0u) << target;
  }
  EXPECT_LE(endpoint_requests(after, "token") - endpoint_requests(before, "token"), 1u);
  EXPECT_EQ(state().at("acs_card").at(user).at("feature").at("card").to_number<std::int64_t>(), 199999999);
  const auto snapshot = snapshot_document("acs_card", user);
  ASSERT_TRUE(snapshot.has_value());
  EXPECT_TRUE(contains(*snapshot, "199999999")) << *snapshot;
}

}  // namespace
}  // namespace hrsync::integration
