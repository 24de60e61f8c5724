// Returning people, end to end against the emulator (README.md, "Leavers who return"): a leaver
// hrsync froze in the directory and revoked on the box, back in the HR export, gets back what
// hrsync took, though the export manages neither is_frozen nor the box's groups; a second run
// sends nothing. A user frozen by an administrator, not by hrsync, stays frozen and is listed.
#include <gtest/gtest.h>

#include <string>

#include "engine/run/exit_code.h"
#include "tests/integration/sync_harness.h"

namespace hrsync::integration {
namespace {

class ReturningTest : public SyncHarness {
 protected:
  ReturningTest() {
    employees_ = generate_employees(20);
    // An export that manages no is_frozen: every cell empty, so no document carries the member.
    for (Employee& e : employees_) cell(e, "is_frozen") = "";
    cell(employees_[kLeaver], "permission_ids") = "1;2";
    cell(employees_[kLeaver], "person_type") = "5";
    spec_.job_extra = "max_missing_ratio = 0.2\n";
    spec_.targets = {
        {.id = "contact_user", .rate = {"50/s"}, .extra = "mode = \"patch\"\non_missing = \"freeze\"\n"},
        {.id = "sophon_person", .rate = {"50/s"}, .extra = "on_missing = \"revoke\"\n"},
    };
  }

  static constexpr std::size_t kLeaver = 4;

  json::value user_member(const std::string& user_id, std::string_view member) {
    const json::object s = state();
    const json::value* u = s.at("contact_user").as_object().if_contains(user_id);
    const json::value* v = u != nullptr ? u->as_object().if_contains(member) : nullptr;
    return v != nullptr ? *v : json::value{};
  }
  json::value person_info(const std::string& employee_no, std::string_view member) {
    const json::object s = state();
    const json::value* p = s.at("sophon_person").as_object().if_contains(employee_no);
    const json::value* v = p != nullptr ? p->at("info").as_object().if_contains(member) : nullptr;
    return v != nullptr ? *v : json::value{};
  }

  // The first run reads both targets and adopts what they hold (the fixture holds every row).
  SyncRun adopt() {
    SyncCommand read;
    read.read = true;
    return sync(read);
  }
};

TEST_F(ReturningTest, ALeaverFrozenAndRevokedIsUnfrozenAndGetsTheBoxsAccessBackOnReturn) {
  ASSERT_NO_FATAL_FAILURE(start_emulator());
  const SyncRun first = adopt();
  ASSERT_EQ(first.exit_code, kExitOk) << first.out << first.err;
  const Employee leaver = employees_[kLeaver];
  const std::string user_id = cell(leaver, "user_id");
  const std::string employee_no = cell(leaver, "employee_no");

  // They leave: frozen in the directory, no group on the box.
  employees_.erase(employees_.begin() + kLeaver);
  const SyncRun left = sync();
  ASSERT_EQ(left.exit_code, kExitOk) << left.out << left.err;
  ASSERT_NE(left.outcome("contact_user", user_id), nullptr) << left.out;
  ASSERT_EQ(user_member(user_id, "is_frozen"), json::value(true));
  ASSERT_EQ(person_info(employee_no, "permission_ids"), json::array{});

  // They are back, with the same row but their groups: the export no longer gives any.
  Employee back = leaver;
  cell(back, "permission_ids") = "";
  employees_.insert(employees_.begin() + kLeaver, back);
  const SyncRun returned = sync();
  ASSERT_EQ(returned.exit_code, kExitOk) << returned.out << returned.err;
  EXPECT_TRUE(contains(returned.out, "Returning (2)")) << returned.out;
  const OutcomeRow* user = returned.outcome("contact_user", user_id);
  ASSERT_NE(user, nullptr) << returned.out;
  EXPECT_EQ(user->status, "applied") << user->message;
  EXPECT_EQ(user_member(user_id, "is_frozen"), json::value(false));
  const OutcomeRow* person = returned.outcome("sophon_person", employee_no);
  ASSERT_NE(person, nullptr) << returned.out;
  EXPECT_EQ(person->status, "applied") << person->message;
  EXPECT_EQ(person_info(employee_no, "permission_ids"), json::parse(R"(["1","2"])"));
  EXPECT_EQ(person_info(employee_no, "type"), json::value(5));
  EXPECT_FALSE(contains(returned.out, "clear it by hand")) << returned.out;

  // Given back once: the next run sends nothing and lists nothing.
  const json::object before = stats();
  const SyncRun again = sync();
  ASSERT_EQ(again.exit_code, kExitOk) << again.out << again.err;
  EXPECT_TRUE(again.outcomes.empty()) << again.out;
  EXPECT_EQ(business_requests(stats()), business_requests(before));
  EXPECT_FALSE(contains(again.out, "Returning")) << again.out;
  EXPECT_FALSE(contains(again.out, "by hand")) << again.out;
}

// hrsync undoes only what it did: a user an administrator froze stays frozen (what else changed is
// sent, is_frozen never), and is listed to clear by hand.
TEST_F(ReturningTest, AUserFrozenByAnAdministratorStaysFrozen) {
  ASSERT_NO_FATAL_FAILURE(start_emulator());
  const std::string user_id = cell(employees_[2], "user_id");
  ASSERT_EQ(emu_->edit("contact_user", user_id, R"({"is_frozen": true})"), "");
  const SyncRun first = adopt();
  ASSERT_EQ(first.exit_code, kExitOk) << first.out << first.err;
  EXPECT_TRUE(contains(first.out, user_id + "  is_frozen: emptied in HR")) << first.out;
  EXPECT_FALSE(contains(first.out, "Returning")) << first.out;
  EXPECT_EQ(user_member(user_id, "is_frozen"), json::value(true));

  cell(employees_[2], "name") = "Renamed Person";
  const SyncRun second = sync();
  ASSERT_EQ(second.exit_code, kExitOk) << second.out << second.err;
  ASSERT_NE(second.outcome("contact_user", user_id), nullptr) << second.out;
  EXPECT_EQ(user_member(user_id, "name"), json::value("Renamed Person"));
  EXPECT_EQ(user_member(user_id, "is_frozen"), json::value(true));
  EXPECT_TRUE(contains(second.out, user_id + "  is_frozen: emptied in HR")) << second.out;
  EXPECT_FALSE(contains(second.out, "Returning")) << second.out;
}

}  // namespace
}  // namespace hrsync::integration
