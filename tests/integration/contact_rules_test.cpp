// Contact rules in the plan: what the contact API documents as a refusal of the data itself (a
// mainland mobile of the wrong form, a foreign mobile without an e-mail, a name of white space,
// the tenant's own mobile rules) is shown by the plan as invalid for contact_user, naming the row
// and the code, and never sent; the other targets apply those rows as usual.
#include "tests/integration/sync_harness.h"

namespace hrsync::integration {
namespace {

class ContactRulesTest : public SyncHarness {};

// The line of employees_[i] in the export (a header line comes first).
std::string line_of(std::size_t i) { return "employees.csv:" + std::to_string(i + 2); }

TEST_F(ContactRulesTest, RowsTheApiWouldRefuseAreInvalidInThePlanAndNeverSent) {
  ASSERT_NO_FATAL_FAILURE(start_emulator());
  struct Broken {
    std::size_t row;
    std::string column;
    std::string value;
    std::string code;
  };
  const std::vector<Broken> broken = {{3, "mobile", "12011111111", "41004"},
                                      {4, "mobile", "+86130111", "41004"},
                                      {5, "name", "\u3000 ", "41040"},
                                      {6, "email", "", "44020"}};
  cell(employees_[6], "mobile") = "+6591234567";
  for (const Broken& b : broken) cell(employees_[b.row], b.column) = b.value;

  const SyncRun run = sync();

  EXPECT_EQ(run.exit_code, kExitOk) << run.err << run.out;
  for (const Broken& b : broken) {
    const std::string user = cell(employees_[b.row], "user_id");
    EXPECT_EQ(run.outcome("contact_user", user), nullptr) << user << " was sent";
    EXPECT_NE(run.outcome("acs_card", user), nullptr) << user << ": the other targets apply the row";
    EXPECT_TRUE(contains(run.out, line_of(b.row))) << line_of(b.row) << "\n" << run.out;
    EXPECT_TRUE(contains(run.out, b.code)) << b.code << "\n" << run.out;
  }
  EXPECT_EQ(run.count("contact_user", "applied"), employees_.size() - broken.size());
  const json::object s = stats();
  for (std::string_view code : {"41004", "41040", "44020"}) EXPECT_EQ(endpoint_outcomes(s, "contact_user", code), 0u);
}

TEST_F(ContactRulesTest, ALarkTenantTakesUsersWithoutMobileAndNeverReceivesAPlus86Number) {
  // Lark people abroad: foreign numbers with e-mails, and one without a mobile at all.
  for (std::size_t i = 0; i < employees_.size(); ++i) {
    cell(employees_[i], "mobile") = "+65" + std::to_string(81000000 + i);
  }
  cell(employees_[2], "mobile") = "";
  emulator::EmulatorOptions o;
  o.lark_tenant = true;
  ASSERT_NO_FATAL_FAILURE(start_emulator(std::move(o)));
  for (auto& t : spec_.targets) {
    if (t.id == "contact_user") t.extra += "tenant = \"lark\"\n";
  }
  cell(employees_[7], "mobile") = "13011112222";  // a mainland number, which Lark refuses (44018)

  const SyncRun run = sync();

  EXPECT_EQ(run.exit_code, kExitOk) << run.err << run.out;
  EXPECT_EQ(run.count("contact_user", "applied"), employees_.size() - 1);
  EXPECT_EQ(run.outcome("contact_user", cell(employees_[7], "user_id")), nullptr);
  EXPECT_TRUE(contains(run.out, line_of(7))) << run.out;
  EXPECT_TRUE(contains(run.out, "44018")) << run.out;
  const json::object held = state().at("contact_user").at(cell(employees_[2], "user_id")).as_object();
  EXPECT_FALSE(held.contains("mobile")) << json::serialize(held);
  EXPECT_EQ(endpoint_outcomes(stats(), "contact_user", "44018"), 0u);
}

TEST_F(ContactRulesTest, AnUncertifiedTenantNeverReceivesAForeignNumber) {
  cell(employees_[9], "mobile") = "+41446681800";
  emulator::EmulatorOptions o;
  o.certified_tenant = false;
  ASSERT_NO_FATAL_FAILURE(start_emulator(std::move(o)));
  for (auto& t : spec_.targets) {
    if (t.id == "contact_user") t.extra += "tenant = \"uncertified\"\n";
  }

  const SyncRun run = sync();

  EXPECT_EQ(run.exit_code, kExitOk) << run.err << run.out;
  EXPECT_EQ(run.outcome("contact_user", cell(employees_[9], "user_id")), nullptr);
  EXPECT_TRUE(contains(run.out, line_of(9))) << run.out;
  EXPECT_TRUE(contains(run.out, "44019")) << run.out;
  EXPECT_EQ(endpoint_outcomes(stats(), "contact_user", "44019"), 0u);
  EXPECT_EQ(run.count("contact_user", "applied"), employees_.size() - 1);
}

}  // namespace
}  // namespace hrsync::integration
