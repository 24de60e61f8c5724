// One owner per key: a rehire given a new employee_no under the same user_id, or two rows sharing
// a mobile, make those rows invalid for the targets that hold that key or value — the plan names
// both lines — and nothing is sent for them there, run after run; the targets keyed otherwise
// apply both rows as usual.
#include "tests/integration/sync_harness.h"

namespace hrsync::integration {
namespace {

class OwnershipTest : public SyncHarness {};

std::string line_of(std::size_t i) { return "employees.csv:" + std::to_string(i + 2); }

TEST_F(OwnershipTest, ARehireUnderTheSameUserIdIsSentNowhereTheUserIdIsTheKey) {
  ASSERT_NO_FATAL_FAILURE(start_emulator());
  ASSERT_EQ(sync().exit_code, kExitOk);
  const json::object before = stats();
  // The person of row 8 comes back under a new employee_no, the old row still in the export.
  Employee rehire = generate_employees(employees_.size() + 1).back();
  const std::string user = cell(employees_[8], "user_id");
  cell(rehire, "user_id") = user;
  employees_.push_back(rehire);
  const std::string held_name = state().at("contact_user").at(user).at("name").as_string().c_str();

  for (int round = 1; round <= 2; ++round) {
    SCOPED_TRACE("run " + std::to_string(round));
    const SyncRun run = sync();

    // The new employee_no is unknown to attendance and Sophon (the emulator's fixture predates
    // it): the first run's only outcomes are those two answers "not found", no failure; the
    // store remembers it absent, so the second run sends it nothing.
    EXPECT_EQ(run.exit_code, kExitOk) << run.err << run.out;
    EXPECT_EQ(run.count("attendance_face", "failed") + run.count("sophon_person", "failed"), 0u);
    EXPECT_EQ(run.count("attendance_face", "absent") + run.count("sophon_person", "absent"), round == 1 ? 2u : 0u);
    EXPECT_EQ(run.outcomes.size(), round == 1 ? 2u : 0u);
    EXPECT_EQ(run.outcome("contact_user", user), nullptr);
    EXPECT_EQ(run.outcome("acs_card", user), nullptr);
    // attendance_face and sophon_person are keyed by employee_no: the new row is sent to them.
    EXPECT_EQ(run.outcome("sophon_person", cell(rehire, "employee_no")) != nullptr, round == 1);
    EXPECT_TRUE(contains(run.out, line_of(8))) << run.out;
    EXPECT_TRUE(contains(run.out, line_of(employees_.size() - 1))) << run.out;
    EXPECT_TRUE(contains(run.out, "also given by")) << run.out;
    const json::object after = stats();
    EXPECT_EQ(endpoint_requests(after, "contact_user"), endpoint_requests(before, "contact_user"));
    EXPECT_EQ(endpoint_requests(after, "acs_card"), endpoint_requests(before, "acs_card"));
    EXPECT_EQ(endpoint_outcomes(after, "contact_user", "44025"), 0u);
    EXPECT_EQ(state().at("contact_user").at(user).at("name").as_string(), held_name);
  }
}

TEST_F(OwnershipTest, TwoRowsSharingAMobileAreBothInvalidForContactUserBeforeAnyCall) {
  ASSERT_NO_FATAL_FAILURE(start_emulator());
  cell(employees_[12], "mobile") = cell(employees_[20], "mobile");
  cell(employees_[14], "email") = cell(employees_[30], "email");

  const SyncRun run = sync();

  EXPECT_EQ(run.exit_code, kExitOk) << run.err << run.out;
  for (std::size_t row : {12u, 20u, 14u, 30u}) {
    const std::string user = cell(employees_[row], "user_id");
    EXPECT_EQ(run.outcome("contact_user", user), nullptr) << row;
    EXPECT_NE(run.outcome("acs_card", user), nullptr) << row;
    EXPECT_TRUE(contains(run.out, line_of(row))) << row << "\n" << run.out;
  }
  EXPECT_TRUE(contains(run.out, "41001")) << run.out;
  EXPECT_TRUE(contains(run.out, "41002")) << run.out;
  EXPECT_EQ(run.count("contact_user", "applied"), employees_.size() - 4);
  const json::object s = stats();
  EXPECT_EQ(endpoint_outcomes(s, "contact_user", "41001"), 0u);
  EXPECT_EQ(endpoint_outcomes(s, "contact_user", "41002"), 0u);
}

}  // namespace
}  // namespace hrsync::integration
