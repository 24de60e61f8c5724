// Failures: a permanent refusal is reported with its code, sent once, and tried again by the next
// run; a refused app secret stops every Feishu target (exit 4) without the secret ever showing; an
// outage is ridden out by retries; a target failing past its ceiling is quarantined and the rest of
// its entities skipped.
#include <filesystem>
#include <fstream>
#include <iterator>

#include "store/snapshot_store.h"
#include "tests/integration/sync_harness.h"

namespace hrsync::integration {
namespace {

namespace fs = std::filesystem;

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

emulator::FaultRule fault(std::string_view spec) {
  auto rule = emulator::parse_fault_rule(spec);
  EXPECT_TRUE(rule) << spec;
  return rule.value_or(emulator::FaultRule{});
}

class FailuresTest : public SyncHarness {};

TEST_F(FailuresTest, PermanentRefusalsAreSentOnceReportedAndTriedAgainNextRun) {
  // A colleague the tenant holds but the HR export does not (a mobile two rows of the export
  // shared would be refused by the plan, before any call).
  const std::vector<Employee> population = generate_employees(employees_.size() + 2);
  const Employee colleague = population[employees_.size() + 1];
  employees_.push_back(colleague);
  ASSERT_NO_FATAL_FAILURE(start_emulator());
  employees_.pop_back();
  // After the emulator took its fixture: one person no platform knows, and one person whose new
  // mobile is held by that colleague (41001).
  const Employee stranger = population[employees_.size()];
  employees_.push_back(stranger);
  const std::string stranger_user = cell(stranger, "user_id");
  const std::string stranger_no = cell(stranger, "employee_no");
  const std::string taken_user = cell(employees_[5], "user_id");
  cell(employees_[5], "mobile") = cell(colleague, "mobile");
  struct Refusal {
    std::string target;
    std::string key;
    std::int64_t code;
  };
  const std::vector<Refusal> refusals = {{"contact_user", stranger_user, 41050},
                                         {"contact_user", taken_user, 41001},
                                         {"attendance_face", stranger_no, 1220004},
                                         {"acs_card", stranger_user, 1490101},
                                         {"sophon_person", stranger_no, 40401}};

  for (int round = 1; round <= 2; ++round) {
    SCOPED_TRACE("run " + std::to_string(round));
    const SyncRun run = sync();

    EXPECT_EQ(run.exit_code, kExitSomeFailed) << run.err << run.out;
    // The first run sends everything; the second only what failed, since nothing else changed:
    // the stranger, answered "not found" (absent, not failed), is remembered absent and not sent.
    EXPECT_EQ(run.outcomes.size(), round == 1 ? employees_.size() * 4 + groups_.size() : 1u);
    for (const Refusal& r : refusals) {
      const bool absent = r.code != 41001;
      const OutcomeRow* o = run.outcome(r.target, r.key);
      if (absent && round == 2) {
        EXPECT_EQ(o, nullptr) << r.target << " " << r.key;
        continue;
      }
      ASSERT_NE(o, nullptr) << r.target << " " << r.key;
      EXPECT_EQ(o->status, absent ? "absent" : "failed") << r.target << " " << r.key;
      EXPECT_EQ(o->code, r.code) << r.target << " " << r.key << ": " << o->message;
      EXPECT_EQ(o->attempts, 1) << r.target << " " << r.key << ": not retried within the run";
      EXPECT_FALSE(o->message.empty()) << r.target << " " << r.key;
      EXPECT_TRUE(contains(run.out, std::to_string(r.code))) << "the report names code " << r.code << "\n" << run.out;
      EXPECT_FALSE(snapshot_document(r.target, r.key).has_value())
          << r.target << " " << r.key << ": the snapshot advanced";
    }
    EXPECT_EQ(run.count("contact_user", "failed") + run.count("attendance_face", "failed") +
                  run.count("acs_card", "failed") + run.count("sophon_person", "failed"),
              1u);
    const json::object s = stats();
    EXPECT_EQ(endpoint_outcomes(s, "contact_user", "41001"), static_cast<std::uint64_t>(round));
    EXPECT_EQ(endpoint_outcomes(s, "acs_card", "1490101"), 1u);
  }

  // Once the mobile is fixed, the next run applies that person.
  cell(employees_[5], "mobile") = "+8613900000005";
  const SyncRun fixed = sync();
  const OutcomeRow* o = fixed.outcome("contact_user", taken_user);
  ASSERT_NE(o, nullptr);
  EXPECT_EQ(o->status, "applied") << o->message;
  EXPECT_TRUE(snapshot_document("contact_user", taken_user).has_value());
  EXPECT_EQ(state().at("contact_user").at(taken_user).at("mobile").as_string(), "+8613900000005");
}

TEST_F(FailuresTest, ARefusedAppSecretStopsTheFeishuTargetsWithoutShowingTheSecret) {
  const std::string wrong = "not-the-secret-7f3a9c";
  std::ofstream(spec_.secret_file, std::ios::trunc) << wrong;
  ASSERT_NO_FATAL_FAILURE(start_emulator());

  const SyncRun run = sync();

  EXPECT_EQ(run.exit_code, kExitQuarantined) << run.err << run.out;
  const json::object s = stats();
  EXPECT_GE(endpoint_outcomes(s, "token", "10014"), 1u);
  for (std::string_view target : {"contact_user", "contact_group", "attendance_face", "acs_card"}) {
    EXPECT_EQ(endpoint_requests(s, target), 0u) << target;
    EXPECT_EQ(run.count(target, "applied"), 0u) << target;
  }
  EXPECT_EQ(run.count("contact_user", "skipped") + run.count("contact_user", "failed"), employees_.size());
  // The Sophon box takes no Feishu token: it goes on.
  EXPECT_EQ(run.count("sophon_person", "applied"), employees_.size());
  EXPECT_TRUE(contains(run.out, "10014")) << run.out;
  // The secret appears nowhere: output, report file, run log.
  EXPECT_FALSE(contains(run.out, wrong));
  EXPECT_FALSE(contains(run.err, wrong));
  std::size_t reports = 0;
  for (const auto& entry : fs::directory_iterator(spec_.report_dir)) {
    ++reports;
    const std::string report = read_file(entry.path());
    EXPECT_TRUE(contains(report, "10014")) << entry.path();
    EXPECT_FALSE(contains(report, wrong)) << entry.path();
  }
  EXPECT_EQ(reports, 1u);
  auto store = SnapshotStore::open(spec_.snapshot);
  ASSERT_TRUE(store) << store.error().str();
  auto last = store->last_run();
  ASSERT_TRUE(last && *last);
  EXPECT_FALSE(contains((*last)->summary, wrong));
  for (const OutcomeRow& o : run.outcomes) EXPECT_FALSE(contains(o.message, wrong)) << o.target << " " << o.key;
}

TEST_F(FailuresTest, AnOutageIsRiddenOutByRetries) {
  ASSERT_NO_FATAL_FAILURE(start_emulator());
  // Backoff that outlasts the outage: up to 20 tries, delays growing to 0.4 s.
  spec_.max_attempts = 20;
  spec_.base_delay_s = 0.05;
  spec_.max_delay_s = 0.4;
  emu_->start_outage(0.8);  // from now: every request, the token endpoint's included, gets 503

  const SyncRun run = sync();

  EXPECT_EQ(run.exit_code, kExitOk) << run.err << run.out;
  const json::object s = stats();
  EXPECT_GT(s.at("faults").at("outage").to_number<int>(), 0);
  EXPECT_GT(endpoint_outcomes(s, "token", "outage"), 0u) << "the first token request falls in the outage";
  unsigned retried = 0;
  for (const OutcomeRow& o : run.outcomes) {
    EXPECT_EQ(o.status, "applied") << o.target << " " << o.key << ": " << o.message;
    retried += o.attempts > 1 ? 1 : 0;
  }
  EXPECT_GT(retried, 0u);
  ASSERT_NO_FATAL_FAILURE(expect_state_matches_source());
}

TEST_F(FailuresTest, ATokenRequestLostToAResetIsRetried) {
  emulator::EmulatorOptions o;
  o.faults = {fault("reset=next:2@token")};  // the first two token requests: connection reset
  ASSERT_NO_FATAL_FAILURE(start_emulator(std::move(o)));

  const SyncRun run = sync();

  EXPECT_EQ(run.exit_code, kExitOk) << run.err << run.out;
  const json::object s = stats();
  EXPECT_EQ(endpoint_outcomes(s, "token", "reset"), 2u);
  EXPECT_GE(endpoint_outcomes(s, "token", "0"), 1u);
  EXPECT_EQ(run.outcomes.size(), employees_.size() * 4 + groups_.size());
  for (const OutcomeRow& row : run.outcomes) {
    EXPECT_EQ(row.status, "applied") << row.target << " " << row.key << ": " << row.message;
  }
  ASSERT_NO_FATAL_FAILURE(expect_state_matches_source());
}

// An answer too large for the client (the emulator pads one access-control answer past 16 MiB) is
// the same on every try: that entity fails once, with the reason, and is not retried within the run;
// the others land, and the next run sends it again.
TEST_F(FailuresTest, AnAnswerTooLargeFailsItsEntityOnceAndTheNextRunSendsItAgain) {
  emulator::EmulatorOptions o;
  o.faults = {fault("oversize=next:1@acs_card")};
  ASSERT_NO_FATAL_FAILURE(start_emulator(std::move(o)));

  const SyncRun first = sync();

  EXPECT_EQ(first.exit_code, kExitSomeFailed) << first.err << first.out;
  EXPECT_EQ(first.count("acs_card", "failed"), 1u);
  EXPECT_EQ(first.count("acs_card", "applied"), employees_.size() - 1);
  std::string oversized;
  for (const OutcomeRow& row : first.outcomes) {
    if (row.status != "failed") continue;
    oversized = row.key;
    EXPECT_EQ(row.target, "acs_card");
    EXPECT_EQ(row.attempts, 1) << "an oversize answer is not retried: " << row.message;
    EXPECT_TRUE(contains(row.message, "answer too large")) << row.message;
  }
  ASSERT_FALSE(oversized.empty());
  EXPECT_FALSE(snapshot_document("acs_card", oversized).has_value()) << "the snapshot advanced";
  const json::object s = stats();
  EXPECT_EQ(endpoint_outcomes(s, "acs_card", "oversize"), 1u);
  EXPECT_EQ(endpoint_requests(s, "acs_card"), employees_.size()) << "one call per entity, none re-sent";

  const SyncRun second = sync();

  EXPECT_EQ(second.exit_code, kExitOk) << second.err << second.out;
  ASSERT_EQ(second.outcomes.size(), 1u) << second.out;
  EXPECT_EQ(second.outcomes[0].key, oversized);
  EXPECT_EQ(second.outcomes[0].status, "applied") << second.outcomes[0].message;
  ASSERT_NO_FATAL_FAILURE(expect_state_matches_source());
}

TEST_F(FailuresTest, ATargetFailingPastItsCeilingIsQuarantinedAndTheRestSkipped) {
  emulator::EmulatorOptions o;
  o.faults = {fault("internal=1@attendance_face")};  // every attendance call: 500 / 1225000
  ASSERT_NO_FATAL_FAILURE(start_emulator(std::move(o)));
  spec_.max_attempts = 3;
  for (TargetSpec& t : spec_.targets) {
    if (t.id != "attendance_face") continue;
    t.concurrency = 2;
    t.failure_window = 10;
    t.max_failure_ratio = 0.5;
  }

  const SyncRun run = sync();

  EXPECT_EQ(run.exit_code, kExitQuarantined) << run.err << run.out;
  const std::size_t failed = run.count("attendance_face", "failed");
  const std::size_t skipped = run.count("attendance_face", "skipped");
  EXPECT_GE(failed, 6u);       // 6 of the last 10 is past 0.5...
  EXPECT_LE(failed, 6u + 2u);  // ...and at most the two in flight then finish after it
  EXPECT_EQ(failed + skipped, employees_.size());
  EXPECT_EQ(run.count("attendance_face", "applied"), 0u);
  for (const OutcomeRow& row : run.outcomes) {
    if (row.target != "attendance_face") continue;
    if (row.status == "skipped") {
      EXPECT_EQ(row.attempts, 0) << row.key;
      EXPECT_TRUE(contains(row.message, "quarantined")) << row.message;
    } else {
      EXPECT_EQ(row.code, 1225000) << row.key << ": " << row.message;
      EXPECT_LE(row.attempts, 3) << row.key;
    }
  }
  EXPECT_LE(endpoint_requests(stats(), "attendance_face"), failed * 3) << "no retry storm";
  EXPECT_TRUE(contains(run.out, "quarantined")) << run.out;
  // The other targets are not held back.
  for (std::string_view target : {"contact_user", "acs_card", "sophon_person"}) {
    EXPECT_EQ(run.count(target, "applied"), employees_.size()) << target;
  }
  EXPECT_EQ(run.count("contact_group", "applied"), groups_.size());
}

TEST_F(FailuresTest, AReportFolderThatCannotBeWrittenStopsTheRunBeforeAnyCall) {
  ASSERT_NO_FATAL_FAILURE(start_emulator());
  // A folder under a regular file cannot be made, by root either.
  const std::string blocker = dir_.file("not-a-folder");
  std::ofstream(blocker) << "x";
  spec_.report_dir = blocker + "/reports";
  const SyncRun run = sync();
  EXPECT_EQ(run.exit_code, kExitUsage) << run.err;
  EXPECT_NE(run.err.find("job.report_dir"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("nothing was sent"), std::string::npos) << run.err;
  EXPECT_EQ(stats().at("requests").to_number<int>(), 0) << "no call, not even for a token";
}

}  // namespace
}  // namespace hrsync::integration
