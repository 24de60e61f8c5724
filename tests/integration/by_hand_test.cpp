// What a PATCH cannot clear: a contact_user cell emptied in HR in patch mode, an ACS card emptied
// in HR or held by a leaver. The target keeps the value; the snapshot records what it keeps, so
// the value stays a listed difference ("Remove by hand") in every later plan and report, and no
// call is spent on it.
#include "tests/integration/sync_harness.h"

namespace hrsync::integration {
namespace {

class ByHandTest : public SyncHarness {};

std::string line_of(std::size_t i) { return "employees.csv:" + std::to_string(i + 2); }

TEST_F(ByHandTest, PatchModeLeavesAnEmptiedCellOnTheUserAndListsItEveryRun) {
  employees_ = generate_employees(20);
  ASSERT_NO_FATAL_FAILURE(start_emulator());
  spec_.targets = {TargetSpec{.id = "contact_user"}};
  ASSERT_EQ(sync().exit_code, kExitOk);  // PUT: a first run in patch mode would wait on the 1/s lane
  spec_.targets = {TargetSpec{.id = "contact_user", .extra = "mode = \"patch\"\n"}};
  const std::string user = cell(employees_[4], "user_id");
  const std::string city = cell(employees_[4], "city");
  ASSERT_FALSE(city.empty());
  ASSERT_EQ(state().at("contact_user").at(user).at("city").as_string(), city);

  cell(employees_[4], "city").clear();
  for (int round = 1; round <= 2; ++round) {
    SCOPED_TRACE("run " + std::to_string(round));
    const std::uint64_t calls = endpoint_requests(stats(), "contact_user");
    const SyncRun run = sync();
    EXPECT_EQ(run.exit_code, kExitOk) << run.err << run.out;
    // Nothing the PATCH could send: no call, and the user keeps the city.
    EXPECT_EQ(endpoint_requests(stats(), "contact_user"), calls);
    EXPECT_EQ(run.outcome("contact_user", user), nullptr);
    EXPECT_EQ(state().at("contact_user").at(user).at("city").as_string(), city);
    EXPECT_TRUE(contains(run.out, "Remove by hand (1)")) << run.out;
    EXPECT_TRUE(contains(run.out, line_of(4) + "  " + user + "  city: emptied in HR")) << run.out;
    EXPECT_TRUE(contains(run.out, "cannot be cleared through PATCH")) << run.out;
    EXPECT_TRUE(contains(run.out, "remove by hand (1)")) << run.out;  // the run's summary too
    auto doc = snapshot_document("contact_user", user);
    ASSERT_TRUE(doc.has_value());
    EXPECT_TRUE(contains(*doc, "\"city\":")) << *doc;
  }

  // A rename is sent alone; the snapshot holds the new name and the city the user still has.
  cell(employees_[4], "name") = "新名字";
  const SyncRun renamed = sync();
  EXPECT_EQ(renamed.exit_code, kExitOk) << renamed.err << renamed.out;
  ASSERT_NE(renamed.outcome("contact_user", user), nullptr);
  EXPECT_EQ(state().at("contact_user").at(user).at("name").as_string(), "新名字");
  EXPECT_EQ(state().at("contact_user").at(user).at("city").as_string(), city);
  auto doc = snapshot_document("contact_user", user);
  ASSERT_TRUE(doc.has_value());
  EXPECT_TRUE(contains(*doc, "\"name\":\"新名字\"")) << *doc;
  EXPECT_TRUE(contains(*doc, "\"city\":")) << *doc;
  EXPECT_TRUE(contains(renamed.out, line_of(4) + "  " + user + "  city")) << renamed.out;
}

TEST_F(ByHandTest, AnAccessCardIsOptionalAndOneHrEmptiedOrALeaverHeldIsListedForRemoval) {
  employees_ = generate_employees(40);
  ASSERT_NO_FATAL_FAILURE(start_emulator());
  spec_.targets = {TargetSpec{.id = "acs_card", .rate = {"50/s"}}};
  // Row 2 has no card: valid, and nothing is sent for it.
  const std::string no_card = cell(employees_[2], "user_id");
  cell(employees_[2], "card_no").clear();
  const SyncRun first = sync();
  ASSERT_EQ(first.exit_code, kExitOk) << first.err << first.out;
  EXPECT_EQ(first.count("acs_card", "applied"), employees_.size() - 1);
  EXPECT_EQ(first.outcome("acs_card", no_card), nullptr);
  EXPECT_FALSE(contains(first.out, no_card)) << first.out;  // neither invalid nor to remove
  EXPECT_EQ(endpoint_requests(stats(), "acs_card"), employees_.size() - 1);

  // Row 5's card is emptied in HR; row 7 leaves.
  const std::string emptied = cell(employees_[5], "user_id");
  const std::string card = cell(employees_[5], "card_no");
  const std::string leaver = cell(employees_[7], "user_id");
  cell(employees_[5], "card_no").clear();
  employees_.erase(employees_.begin() + 7);
  const std::uint64_t calls = endpoint_requests(stats(), "acs_card");
  const SyncRun second = sync();
  EXPECT_EQ(second.exit_code, kExitOk) << second.err << second.out;
  EXPECT_EQ(endpoint_requests(stats(), "acs_card"), calls);
  EXPECT_EQ(std::to_string(state().at("acs_card").at(emptied).at("feature").at("card").as_int64()), card);
  EXPECT_TRUE(state().at("acs_card").at(leaver).at("feature").as_object().contains("card"));
  EXPECT_TRUE(contains(second.out, "Remove by hand (2)")) << second.out;
  EXPECT_TRUE(contains(second.out, line_of(5) + "  " + emptied + "  feature.card: emptied in HR")) << second.out;
  EXPECT_TRUE(contains(second.out, "(gone from the source)  " + leaver + "  feature.card")) << second.out;
  EXPECT_TRUE(contains(second.out, "remove by hand (2)")) << second.out;

  // The emptied card stays listed; the leaver was listed by the run that saw it go.
  const SyncRun third = sync();
  EXPECT_EQ(third.exit_code, kExitOk) << third.err << third.out;
  EXPECT_EQ(endpoint_requests(stats(), "acs_card"), calls);
  EXPECT_TRUE(contains(third.out, "Remove by hand (1)")) << third.out;
  EXPECT_TRUE(contains(third.out, emptied + "  feature.card")) << third.out;
}

TEST_F(ByHandTest, PutModeWarnsOnceAndFieldsRestrictWhatIsSent) {
  employees_ = generate_employees(10);
  ASSERT_NO_FATAL_FAILURE(start_emulator());
  spec_.targets = {TargetSpec{.id = "contact_user"}};  // mode = "put"
  const SyncRun first = sync();
  ASSERT_EQ(first.exit_code, kExitOk) << first.err << first.out;
  const std::string note = "avatar_key, orders, custom_attrs are documented members hrsync does not send";
  const std::size_t at = first.out.find(note);
  ASSERT_NE(at, std::string::npos) << first.out;
  EXPECT_EQ(first.out.find(note, at + 1), std::string::npos) << "once per run:\n" << first.out;

  // hrsync owns the job title alone now: a new name in HR is neither sent nor a change.
  spec_.targets = {TargetSpec{.id = "contact_user", .extra = "mode = \"patch\"\nfields = [\"job_title\"]\n"}};
  const std::string user = cell(employees_[3], "user_id");
  const std::string name = cell(employees_[3], "name");
  cell(employees_[3], "name") = "改名";
  cell(employees_[3], "job_title") = "Staff Engineer";
  const SyncRun second = sync();
  EXPECT_EQ(second.exit_code, kExitOk) << second.err << second.out;
  EXPECT_FALSE(contains(second.out, note)) << second.out;
  ASSERT_NE(second.outcome("contact_user", user), nullptr);
  EXPECT_EQ(state().at("contact_user").at(user).at("job_title").as_string(), "Staff Engineer");
  EXPECT_EQ(state().at("contact_user").at(user).at("name").as_string(), name);
  // The members it no longer owns are not listed for removal: they are not hrsync's to clear.
  EXPECT_FALSE(contains(second.out, "Remove by hand")) << second.out;

  spec_.targets = {TargetSpec{.id = "contact_user", .extra = "mode = \"patch\"\nfields = [\"job_title\", \"avatar\"]\n"}};
  const SyncRun refused = sync();
  EXPECT_EQ(refused.exit_code, kExitUsage) << refused.err << refused.out;
  EXPECT_TRUE(contains(refused.err, "\"avatar\" is not a field contact_user sends")) << refused.err;
}

}  // namespace
}  // namespace hrsync::integration
