// contact_user: requests in put and patch mode, the dept_or_frozen lane, freezing, rates.
#include <gtest/gtest.h>

#include <string>

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

Document project(const TargetConnector& c, const Record& r) {
  auto doc = c.project(r);
  if (!doc) ADD_FAILURE() << doc.error().field << ": " << doc.error().rule;
  return doc.value_or(Document{});
}

// The request for `desired`; checks on the way that lane_of() names the lane the request goes
// through, and endpoint() its method, without building it.
Request request(const TargetConnector& c, const Document& desired, const Document* last) {
  auto req = c.build_request(desired, last);
  if (!req) ADD_FAILURE() << req.error().str();
  if (!req) return Request{};
  EXPECT_EQ(c.lane_of(desired, last), req->lane) << desired.body;
  EXPECT_TRUE(c.endpoint().starts_with(req->method + " /open-apis/contact/v3/users/")) << c.endpoint();
  if (!req->lane.empty()) EXPECT_NE(c.find_lane(req->lane), nullptr) << req->lane;
  return *req;
}

TEST(ContactUser, PutSendsTheWholeDocumentWithBothIdTypes) {
  TargetOptions o;
  o.user_id_type = "open_id";
  o.department_id_type = "department_id";
  auto c = connector("contact_user", o);
  const Document d = project(*c, valid_employee());
  const Document old = d;
  const Request req = request(*c, d, &old);
  EXPECT_EQ(req.method, "PUT");
  EXPECT_EQ(req.target, "/open-apis/contact/v3/users/u001?department_id_type=department_id&user_id_type=open_id");
  EXPECT_EQ(req.body, d.body);
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
  EXPECT_EQ(req.body, d.body);
  EXPECT_EQ(req.lane, kDeptOrFrozenLane);
}

TEST(ContactUser, PatchSendsOnlyChangedMembers) {
  auto c = connector("contact_user", patch_mode());
  const Document old = project(*c, valid_employee());
  Record r = valid_employee();
  r.at(Field::kCity) = "上海";
  r.at(Field::kMobile) = "+8613022222222";
  const Request req = request(*c, project(*c, r), &old);
  EXPECT_EQ(req.body, R"({"city":"上海","mobile":"+8613022222222"})");
  EXPECT_EQ(req.lane, "");
}

TEST(ContactUser, PatchSendsMembersTheLastDocumentLacked) {
  auto c = connector("contact_user", patch_mode());
  Record before = valid_employee();
  before.at(Field::kNickname) = "";
  const Document old = project(*c, before);
  const Request req = request(*c, project(*c, valid_employee()), &old);
  EXPECT_EQ(req.body, R"({"nickname":"Alex Zhang"})");
}

TEST(ContactUser, PatchOfDepartmentsOrFrozenGoesThroughTheLane) {
  auto c = connector("contact_user", patch_mode());
  const Document old = project(*c, valid_employee());
  Record moved = valid_employee();
  moved.at(Field::kDepartmentIds) = "od-3";
  Request req = request(*c, project(*c, moved), &old);
  EXPECT_EQ(req.body, R"({"department_ids":["od-3"]})");
  EXPECT_EQ(req.lane, kDeptOrFrozenLane);

  Record frozen = valid_employee();
  frozen.at(Field::kIsFrozen) = "yes";
  req = request(*c, project(*c, frozen), &old);
  EXPECT_EQ(req.body, R"({"is_frozen":true})");
  EXPECT_EQ(req.lane, kDeptOrFrozenLane);
}

TEST(ContactUser, PatchOfAnUnchangedDocumentIsAFullResend) {
  auto c = connector("contact_user", patch_mode());
  const Document d = project(*c, valid_employee());
  const Request req = request(*c, d, &d);
  EXPECT_EQ(req.body, d.body);
  EXPECT_EQ(req.lane, kDeptOrFrozenLane);
}

TEST(ContactUser, PatchAgainstADamagedLastDocumentSendsEverything) {
  auto c = connector("contact_user", patch_mode());
  const Document d = project(*c, valid_employee());
  Document damaged{d.key, "{not json"};
  EXPECT_EQ(request(*c, d, &damaged).body, d.body);
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
  EXPECT_EQ(request(*c, d, &old).body, R"({"job_title":"Architect"})");
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
  auto c = connector("contact_user");
  const Document old = project(*c, valid_employee());
  Record r = valid_employee();
  r.at(Field::kCity).clear();
  const Document d = project(*c, r);
  EXPECT_EQ(request(*c, d, &old).body, d.body);
  EXPECT_FALSE(c->held_after(d, old).has_value());
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
  EXPECT_EQ(req.body, R"({"is_frozen":true})");
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
  EXPECT_EQ(c->default_rate(), (std::vector<RateTier>{{50, 1}, {1000, 60}}));
  ASSERT_EQ(c->lanes().size(), 1u);
  const Lane& lane = c->lanes()[0];
  EXPECT_EQ(lane.name, kDeptOrFrozenLane);
  EXPECT_EQ(std::vector<RateTier>(lane.tiers.begin(), lane.tiers.end()), (std::vector<RateTier>{{1, 1}}));
  EXPECT_EQ(c->find_lane(kDeptOrFrozenLane), &lane);
  EXPECT_EQ(c->find_lane("other"), nullptr);
  EXPECT_EQ(c->endpoint(), "PATCH /open-apis/contact/v3/users/:user_id");
  // PUT requests never use the lane, so in put mode there is none.
  auto put = connector("contact_user");
  EXPECT_TRUE(put->lanes().empty());
  EXPECT_EQ(put->find_lane(kDeptOrFrozenLane), nullptr);
  EXPECT_EQ(put->endpoint(), "PUT /open-apis/contact/v3/users/:user_id");
}

}  // namespace
}  // namespace hrsync
