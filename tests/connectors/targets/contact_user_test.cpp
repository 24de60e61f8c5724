// contact_user: requests in put and patch mode, the dept_or_frozen lane, freezing, rates.
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "connectors/targets/contact_user.h"
#include "connectors/targets/target_connector.h"
#include "diff/document.h"
#include "target_test_util.h"

namespace hrsync {
namespace {

using testing::connector;
using testing::valid_employee;

TargetOptions patch_mode() {
  TargetOptions o;
  o.mode = "patch";
  return o;
}

TargetOptions put_mode() {
  TargetOptions o;
  o.mode = "put";
  return o;
}

Document project(const TargetConnector& c, const Record& r) {
  auto doc = c.project(r);
  if (!doc) ADD_FAILURE() << doc.error().field << ": " << doc.error().rule;
  return doc.value_or(Document{});
}

// The request for `desired`; checks on the way that lane_of() names the lane the request goes
// through, and endpoint() its method, without building it.
Request request(const TargetConnector& c, const Document& desired, const Document* last) {
  auto req = c.update().build_request(desired, last);
  if (!req) ADD_FAILURE() << req.error().str();
  if (!req) return Request{};
  EXPECT_EQ(c.update().lane_of(desired, last), req->lane) << desired.body;
  EXPECT_TRUE(c.update().endpoint().starts_with(req->method + " /open-apis/contact/v3/users/")) << c.update().endpoint();
  if (!req->lane.empty()) {
    EXPECT_NE(c.update().find_lane(req->lane), nullptr) << req->lane;
  }
  return *req;
}

TEST(ContactUser, PatchIsTheDefaultMode) {
  auto c = connector("contact_user");
  Record r = valid_employee();
  const Document old = project(*c, r);
  r.at(Field::kCity) = "上海";
  EXPECT_EQ(request(*c, project(*c, r), &old).method, "PATCH");
  EXPECT_TRUE(c->plan_notes().empty());
}

TEST(ContactUser, PutSendsTheWholeDocumentWithBothIdTypes) {
  TargetOptions o = put_mode();
  o.user_id_type = "open_id";
  o.department_id_type = "department_id";
  auto c = connector("contact_user", o);
  const Document d = project(*c, valid_employee());
  const Document old = d;
  const Request req = request(*c, d, &old);
  EXPECT_EQ(req.method, "PUT");
  EXPECT_EQ(req.target, "/open-apis/contact/v3/users/u001?department_id_type=department_id&user_id_type=open_id");
  EXPECT_EQ(req.body(), d.body);
  EXPECT_EQ(req.lane, "");
}

TEST(ContactUser, KeyIsEscapedInThePath) {
  auto c = connector("contact_user");
  Record r = valid_employee();
  r.at(Field::kUserId) = "a/b c?d%é";
  const Request req = request(*c, project(*c, r), nullptr);
  EXPECT_EQ(req.target,
            "/open-apis/contact/v3/users/a%2Fb%20c%3Fd%25%C3%A9?department_id_type=open_department_id&user_id_type=user_id");
}

TEST(ContactUser, PatchWithoutLastDocumentSendsEverythingThroughTheLane) {
  auto c = connector("contact_user", patch_mode());
  const Document d = project(*c, valid_employee());
  const Request req = request(*c, d, nullptr);
  EXPECT_EQ(req.method, "PATCH");
  EXPECT_EQ(req.body(), d.body);
  EXPECT_EQ(req.lane, kDeptOrFrozenLane);
}

TEST(ContactUser, PatchSendsOnlyChangedMembers) {
  auto c = connector("contact_user", patch_mode());
  const Document old = project(*c, valid_employee());
  Record r = valid_employee();
  r.at(Field::kCity) = "上海";
  r.at(Field::kMobile) = "+8613022222222";
  const Request req = request(*c, project(*c, r), &old);
  EXPECT_EQ(req.body(), R"({"city":"上海","mobile":"+8613022222222"})");
  EXPECT_EQ(req.lane, "");
}

TEST(ContactUser, PatchSendsMembersTheLastDocumentLacked) {
  auto c = connector("contact_user", patch_mode());
  Record before = valid_employee();
  before.at(Field::kNickname) = "";
  const Document old = project(*c, before);
  const Request req = request(*c, project(*c, valid_employee()), &old);
  EXPECT_EQ(req.body(), R"({"nickname":"Alex Zhang"})");
}

TEST(ContactUser, PatchOfDepartmentsOrFrozenGoesThroughTheLane) {
  auto c = connector("contact_user", patch_mode());
  const Document old = project(*c, valid_employee());
  Record moved = valid_employee();
  moved.at(Field::kDepartmentIds) = "od-3";
  Request req = request(*c, project(*c, moved), &old);
  EXPECT_EQ(req.body(), R"({"department_ids":["od-3"]})");
  EXPECT_EQ(req.lane, kDeptOrFrozenLane);

  Record frozen = valid_employee();
  frozen.at(Field::kIsFrozen) = "yes";
  req = request(*c, project(*c, frozen), &old);
  EXPECT_EQ(req.body(), R"({"is_frozen":true})");
  EXPECT_EQ(req.lane, kDeptOrFrozenLane);
}

TEST(ContactUser, PatchOfAnUnchangedDocumentIsAFullResend) {
  auto c = connector("contact_user", patch_mode());
  const Document d = project(*c, valid_employee());
  const Request req = request(*c, d, &d);
  EXPECT_EQ(req.body(), d.body);
  EXPECT_EQ(req.lane, kDeptOrFrozenLane);
}

TEST(ContactUser, PatchAgainstADamagedLastDocumentSendsEverything) {
  auto c = connector("contact_user", patch_mode());
  const Document d = project(*c, valid_employee());
  Document damaged{d.key, "{not json"};
  EXPECT_EQ(request(*c, d, &damaged).body(), d.body);
}

TEST(ContactUser, PatchLeavesAnEmptiedMemberOnTheUserAndSaysSo) {
  auto c = connector("contact_user", patch_mode());
  const Document old = project(*c, valid_employee());
  Record r = valid_employee();
  r.at(Field::kCity).clear();
  r.at(Field::kNickname).clear();
  r.at(Field::kJobTitle) = "Architect";
  const Document d = project(*c, r);

  // The request carries the new title alone: nothing clears the city or the nickname.
  EXPECT_EQ(request(*c, d, &old).body(), R"({"job_title":"Architect"})");
  auto held = c->held_after(d, old);
  ASSERT_TRUE(held.has_value());
  ASSERT_EQ(held->kept.size(), 2u);
  EXPECT_EQ(held->kept[0].field, "city");
  EXPECT_EQ(held->kept[1].field, "nickname");
  EXPECT_NE(held->kept[0].rule.find("cannot be cleared through PATCH"), std::string::npos) << held->kept[0].rule;
  EXPECT_NE(held->kept[0].rule.find("clear it by hand"), std::string::npos) << held->kept[0].rule;
  // What the user holds: the new title, the old city and nickname, canonical (keys in byte order).
  Record holds = valid_employee();
  holds.at(Field::kJobTitle) = "Architect";
  const Document expected = project(*c, holds);
  EXPECT_EQ(held->document.body, expected.body);
  EXPECT_EQ(held->document.hash, expected.hash);
  EXPECT_EQ(held->document.key, "u001");

  // The next run: the source still lacks them, the snapshot holds them; nothing more would change.
  auto again = c->held_after(d, held->document);
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->document.hash, held->document.hash);
  EXPECT_EQ(again->kept.size(), 2u);
}

TEST(ContactUser, PatchWithNothingEmptiedHoldsWhatItSends) {
  auto c = connector("contact_user", patch_mode());
  const Document old = project(*c, valid_employee());
  Record r = valid_employee();
  r.at(Field::kCity) = "上海";
  EXPECT_FALSE(c->held_after(project(*c, r), old).has_value());
}

TEST(ContactUser, PutReplacesTheUserSoAnEmptiedMemberIsCleared) {
  auto c = connector("contact_user", put_mode());
  const Document old = project(*c, valid_employee());
  Record r = valid_employee();
  r.at(Field::kCity).clear();
  const Document d = project(*c, r);
  EXPECT_EQ(request(*c, d, &old).body(), d.body);
  EXPECT_FALSE(c->held_after(d, old).has_value());
}

TargetOptions owning(std::vector<std::string> fields, std::string mode = "put") {
  TargetOptions o;
  o.mode = std::move(mode);
  o.fields = std::move(fields);
  return o;
}

TEST(ContactUser, FieldsRestrictWhatIsSentAndChecked) {
  auto c = connector("contact_user", owning({"name", "mobile", "department_ids", "employee_type", "city"}));
  Record r = valid_employee();
  r.at(Field::kGender) = "7";  // not owned: neither sent nor checked
  const Document d = project(*c, r);
  EXPECT_EQ(d.body, R"({"city":"杭州","department_ids":["od-1","od-2"],"employee_type":1,"mobile":"+8613011111111","name":"张三"})");
  EXPECT_EQ(request(*c, d, nullptr).body(), d.body);
  r.at(Field::kName) = std::string(65, 'n');  // owned: checked
  auto bad = c->project(r);
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().field, "name");
}

TEST(ContactUser, ADepartmentNamedTwiceIsOneDepartmentAsTheDirectoryHoldsIt) {
  auto c = connector("contact_user", owning({"name", "mobile", "department_ids", "employee_type"}));
  Record r = valid_employee();
  r.at(Field::kDepartmentIds) = "od-2; od-1;od-2;;od-1";
  const Document d = project(*c, r);
  EXPECT_EQ(d.body, R"({"department_ids":["od-2","od-1"],"employee_type":1,"mobile":"+8613011111111","name":"张三"})");
}

// On Lark the mobile and e-mail rules (41009, 44018, 44020) are checked only when hrsync owns the
// members they involve: one `fields` leaves out is kept on the user and unknown here.
TEST(ContactUser, LarkFieldsWithoutMobileAndEmailLeaveRowsValid) {
  TargetOptions o = owning({"name", "department_ids", "employee_type"}, "patch");
  o.tenant = "lark";
  auto c = connector("contact_user", o);
  const Document d = project(*c, valid_employee());  // a +86 mobile, which Lark refuses: not owned
  EXPECT_EQ(d.body, R"({"department_ids":["od-1","od-2"],"employee_type":1,"name":"张三"})");

  // The mobile owned, the e-mail not: no mobile, or a foreign one, may have its e-mail on the user.
  TargetOptions m = owning({"name", "mobile", "department_ids", "employee_type"}, "patch");
  m.tenant = "lark";
  auto mobile_only = connector("contact_user", m);
  Record r = valid_employee();
  r.at(Field::kMobile).clear();
  EXPECT_TRUE(mobile_only->project(r).has_value());
  r.at(Field::kMobile) = "+442079460000";
  EXPECT_TRUE(mobile_only->project(r).has_value());
  r.at(Field::kMobile) = "13011111111";
  auto mainland = mobile_only->project(r);
  ASSERT_FALSE(mainland.has_value()) << "an owned mobile is still checked";
  EXPECT_NE(mainland.error().rule.find("44018"), std::string::npos) << mainland.error().rule;

  // Both owned: neither one is still 41009.
  TargetOptions both = owning({"name", "mobile", "email", "department_ids", "employee_type"}, "patch");
  both.tenant = "lark";
  Record none = valid_employee();
  none.at(Field::kMobile).clear();
  none.at(Field::kEmail).clear();
  auto refused = connector("contact_user", both)->project(none);
  ASSERT_FALSE(refused.has_value());
  EXPECT_NE(refused.error().rule.find("41009"), std::string::npos) << refused.error().rule;
}

TEST(ContactUser, RequiredColumnsFollowFields) {
  const auto columns = [](const TargetOptions& o) {
    auto c = connector("contact_user", o);
    const std::span<const Field> span = c->required_columns();
    return std::vector<Field>(span.begin(), span.end());
  };
  EXPECT_EQ(columns(put_mode()), (std::vector<Field>{Field::kUserId, Field::kName, Field::kMobile,
                                                     Field::kDepartmentIds, Field::kEmployeeType}));
  EXPECT_EQ(columns(owning({"job_title"}, "patch")), std::vector<Field>{Field::kUserId});
  TargetOptions lark = owning({"name", "department_ids"}, "patch");
  lark.tenant = "lark";
  EXPECT_EQ(columns(lark), (std::vector<Field>{Field::kUserId, Field::kName, Field::kDepartmentIds}));
  TargetOptions feishu = owning({"mobile", "employee_type"}, "patch");
  EXPECT_EQ(columns(feishu), (std::vector<Field>{Field::kUserId, Field::kMobile, Field::kEmployeeType}));
}

TEST(ContactUser, PatchModeMayOwnOptionalFieldsAlone) {
  auto c = connector("contact_user", owning({"job_title", "work_station"}, "patch"));
  Record r = valid_employee();
  r.at(Field::kName).clear();  // required by a PUT, but not owned here
  r.at(Field::kMobile).clear();
  const Document d = project(*c, r);
  EXPECT_EQ(d.body, R"({"job_title":"Engineer","work_station":"北楼-H34"})");
  EXPECT_EQ(request(*c, d, nullptr).lane, "");  // no department_ids: not the 1/s lane

  // Members it does not own are kept on the user, and not listed for a person to clear.
  const Document whole = project(*connector("contact_user", patch_mode()), valid_employee());
  auto held = c->held_after(d, whole);
  ASSERT_TRUE(held.has_value());
  EXPECT_TRUE(held->kept.empty());
  EXPECT_EQ(held->document.hash, whole.hash);
  Record emptied = r;
  emptied.at(Field::kWorkStation).clear();
  auto listed = c->held_after(project(*c, emptied), whole);
  ASSERT_TRUE(listed.has_value());
  ASSERT_EQ(listed->kept.size(), 1u);
  EXPECT_EQ(listed->kept[0].field, "work_station");
}

TEST(ContactUser, UnknownOrMissingFieldsAreConfigErrorsNamingWhatIsAllowed) {
  auto unknown = make_target("contact_user", owning({"name", "avatar"}, "patch"));
  ASSERT_FALSE(unknown.has_value());
  EXPECT_EQ(unknown.error().kind, Error::Kind::kConfig);
  EXPECT_EQ(unknown.error().where, "targets.contact_user.fields");
  EXPECT_NE(unknown.error().message.find("\"avatar\" is not a field contact_user sends"), std::string::npos)
      << unknown.error().message;
  EXPECT_NE(unknown.error().message.find("city, country, department_ids, email"), std::string::npos)
      << unknown.error().message;

  auto short_put = make_target("contact_user", owning({"name", "job_title"}));
  ASSERT_FALSE(short_put.has_value());
  EXPECT_NE(short_put.error().message.find("a PUT requires mobile, department_ids, employee_type"), std::string::npos)
      << short_put.error().message;
  TargetOptions lark = owning({"name", "department_ids", "employee_type"});
  lark.tenant = "lark";
  EXPECT_TRUE(make_target("contact_user", lark).has_value());  // on Lark the mobile is optional

  TargetOptions acs;
  acs.fields = {"card"};
  auto other = make_target("acs_card", acs);
  ASSERT_FALSE(other.has_value());
  EXPECT_EQ(other.error().where, "targets.acs_card.fields");
}

TEST(ContactUser, PutModeNotesWhatAPutMayResetAndPatchModeNothing) {
  auto put = connector("contact_user", put_mode());
  ASSERT_EQ(put->plan_notes().size(), 1u);
  const std::string note = put->plan_notes()[0];
  EXPECT_NE(note.find("avatar_key, orders, custom_attrs are documented members hrsync does not send"), std::string::npos)
      << note;
  EXPECT_NE(note.find("mode = \"patch\""), std::string::npos) << note;
  auto owned = connector("contact_user", owning({"name", "mobile", "department_ids", "employee_type", "email"}));
  const std::string narrowed = owned->plan_notes().at(0);
  EXPECT_NE(narrowed.find("custom_attrs, city, country,"), std::string::npos) << narrowed;
  EXPECT_EQ(narrowed.find(", email"), std::string::npos) << narrowed;
  EXPECT_TRUE(connector("contact_user", patch_mode())->plan_notes().empty());
}

TEST(ContactUser, FreezeSetsIsFrozenAndKeepsTheDocumentCanonical) {
  TargetOptions o;
  o.on_missing = "freeze";
  auto c = connector("contact_user", o);
  Record r = valid_employee();
  r.at(Field::kIsFrozen) = "";  // the last document has no is_frozen member
  const Document last = project(*c, r);
  const std::optional<Document> frozen = c->on_missing(last);
  ASSERT_TRUE(frozen.has_value());
  EXPECT_EQ(frozen->key, "u001");
  r.at(Field::kIsFrozen) = "true";
  const Document want = project(*c, r);
  EXPECT_EQ(frozen->body, want.body);  // is_frozen inserted where byte order puts it
  EXPECT_EQ(frozen->hash, want.hash);
  EXPECT_EQ(frozen->hash, content_hash(frozen->body));

  const std::optional<Document> again = c->on_missing(project(*c, valid_employee()));  // is_frozen false
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->body, want.body);
}

TEST(ContactUser, FreezeInPatchModeSendsOnlyIsFrozenThroughTheLane) {
  TargetOptions o = patch_mode();
  o.on_missing = "freeze";
  auto c = connector("contact_user", o);
  const Document last = project(*c, valid_employee());
  const std::optional<Document> frozen = c->on_missing(last);
  ASSERT_TRUE(frozen.has_value());
  const Request req = request(*c, *frozen, &last);
  EXPECT_EQ(req.method, "PATCH");
  EXPECT_EQ(req.body(), R"({"is_frozen":true})");
  EXPECT_EQ(req.lane, kDeptOrFrozenLane);
}

TEST(ContactUser, FreezeOfADamagedDocumentStillFreezes) {
  TargetOptions o;
  o.on_missing = "freeze";
  const std::optional<Document> frozen = connector("contact_user", o)->on_missing(Document{"u9", "garbage"});
  ASSERT_TRUE(frozen.has_value());
  EXPECT_EQ(frozen->key, "u9");
  EXPECT_EQ(frozen->body, R"({"is_frozen":true})");
}

// A leaver frozen by hrsync and back in the source: a record without is_frozen sends
// "is_frozen": false in patch mode, through the lane; in put mode the PUT unfreezes already.
TEST(ContactUser, AReturningLeaverIsUnfrozenEvenWithoutAnIsFrozenCell) {
  TargetOptions o = patch_mode();
  o.on_missing = "freeze";
  auto c = connector("contact_user", o);
  Record r = valid_employee();
  r.at(Field::kIsFrozen) = "";
  const Document desired = project(*c, r);
  const std::optional<Document> frozen = c->on_missing(desired);
  ASSERT_TRUE(frozen.has_value());
  const std::optional<Document> back = c->on_return(desired, desired);
  ASSERT_TRUE(back.has_value());
  r.at(Field::kIsFrozen) = "false";
  EXPECT_EQ(back->body, project(*c, r).body);
  EXPECT_EQ(back->hash, content_hash(back->body));
  const Request req = request(*c, *back, &*frozen);
  EXPECT_EQ(req.body(), R"({"is_frozen":false})");
  EXPECT_EQ(req.lane, kDeptOrFrozenLane);
  // A record that says is_frozen is sent as it says.
  EXPECT_FALSE(c->on_return(project(*c, valid_employee()), desired).has_value());
  EXPECT_FALSE(connector("contact_user", put_mode())->on_return(desired, desired).has_value());

  // Once unfrozen, a record without the cell is no change and nothing to clear by hand.
  const std::optional<Held> held = c->held_after(desired, *back);
  ASSERT_TRUE(held.has_value());
  EXPECT_TRUE(held->kept.empty());
  EXPECT_EQ(held->document.hash, back->hash);
  // But a user frozen by someone else is listed.
  const std::optional<Held> admin = c->held_after(desired, *frozen);
  ASSERT_TRUE(admin.has_value());
  ASSERT_EQ(admin->kept.size(), 1u);
  EXPECT_EQ(admin->kept[0].field, "is_frozen");
}

TEST(ContactUser, IgnoreLeavesMissingEntitiesAlone) {
  const Document last = project(*connector("contact_user"), valid_employee());
  EXPECT_FALSE(connector("contact_user")->on_missing(last).has_value());
  for (std::string_view id : target_ids()) {
    if (id == "contact_user") continue;
    EXPECT_FALSE(connector(id)->on_missing(last).has_value()) << id;
  }
}

TEST(ContactUser, RatesAndLanesFollowTheDocument) {
  auto c = connector("contact_user", patch_mode());
  EXPECT_EQ(c->update().default_rate(), (std::vector<RateTier>{{50, 1}, {1000, 60}}));
  ASSERT_EQ(c->update().lanes().size(), 1u);
  const Lane& lane = c->update().lanes()[0];
  EXPECT_EQ(lane.name, kDeptOrFrozenLane);
  EXPECT_EQ(std::vector<RateTier>(lane.tiers.begin(), lane.tiers.end()), (std::vector<RateTier>{{1, 1}}));
  EXPECT_EQ(c->update().find_lane(kDeptOrFrozenLane), &lane);
  EXPECT_EQ(c->update().find_lane("other"), nullptr);
  EXPECT_EQ(c->update().endpoint(), "PATCH /open-apis/contact/v3/users/:user_id");
  // PUT requests never use the lane, so in put mode there is none.
  auto put = connector("contact_user", put_mode());
  EXPECT_TRUE(put->update().lanes().empty());
  EXPECT_EQ(put->update().find_lane(kDeptOrFrozenLane), nullptr);
  EXPECT_EQ(put->update().endpoint(), "PUT /open-apis/contact/v3/users/:user_id");
}

}  // namespace
}  // namespace hrsync
