// The create operations: the request each connector that can create builds from the document an
// update would send (docs/api-notes.md, "Creating what a target lacks"), the refusals its table
// folds, and the targets that have none.
#include <gtest/gtest.h>

#include <string>

#include "connectors/targets/target_connector.h"
#include "diff/document.h"
#include "target_test_util.h"

namespace hrsync {
namespace {

using testing::connector;
using testing::TempDir;
using testing::valid_employee;
using testing::valid_group;

Document project_ok(const TargetConnector& c, const Record& r) {
  auto doc = c.project(r);
  if (!doc) ADD_FAILURE() << c.id() << ": " << doc.error().field << ": " << doc.error().rule;
  return doc.value_or(Document{});
}

Disposition refusal(const CreateOperation& create, std::int64_t code) {
  const bool sophon = create.endpoint().find("Sophon") != std::string_view::npos;
  const std::string body = sophon ? R"({"error":{"code":)" + std::to_string(code) + R"(,"message":"m","status":"S"}})"
                                  : R"({"code":)" + std::to_string(code) + R"(,"msg":"m","data":{}})";
  const Verdict v = create.classify(400, body);
  EXPECT_TRUE(v.documented) << create.endpoint() << " " << code;
  return v.disposition;
}

TEST(CreateOperation, OnlyTheDirectoryAndTheBoxCreate) {
  TargetOptions box;
  box.group_name = "staff";
  EXPECT_NE(connector("contact_user")->create(), nullptr);
  EXPECT_NE(connector("contact_group")->create(), nullptr);
  EXPECT_NE(connector("sophon_person", box)->create(), nullptr);
  EXPECT_EQ(connector("acs_card")->create(), nullptr);
  EXPECT_EQ(connector("attendance_face")->create(), nullptr);
}

TEST(CreateOperation, AUserIsPostedWithItsUserIdAndAStableClientToken) {
  auto c = connector("contact_user");
  const CreateOperation& create = *c->create();
  EXPECT_EQ(create.name(), "create");
  const Document d = project_ok(*c, valid_employee());
  auto req = create.build_request(d);
  ASSERT_TRUE(req.has_value()) << req.error().str();
  EXPECT_EQ(req->method, "POST");
  EXPECT_TRUE(req->target.starts_with(
      "/open-apis/contact/v3/users?user_id_type=user_id&department_id_type=open_department_id&client_token=hrsync-"))
      << req->target;
  EXPECT_TRUE(req->lane.empty());
  EXPECT_TRUE(testing::is_sorted_json(req->body())) << req->body();
  EXPECT_NE(req->body().find(R"("user_id":")" + d.key + "\""), std::string_view::npos) << req->body();
  EXPECT_NE(req->body().find(R"("name":)"), std::string_view::npos) << req->body();
  // The same entity and document: the same token, on every run; another entity: another token.
  EXPECT_EQ(create.build_request(d)->target, req->target);
  Record other = valid_employee();
  other.at(Field::kUserId) = "someone_else";
  EXPECT_NE(create.build_request(project_ok(*c, other))->target, req->target);
  EXPECT_EQ(create.default_rate(), c->update().default_rate());
  EXPECT_FALSE(create.rate_documented());
}

TEST(CreateOperation, AUserHeldAlreadyOrAMobileOrAnEMailInUseIsRefusedForGood) {
  auto c = connector("contact_user");
  for (std::int64_t code : {41001, 41002, 41011, 40001}) {
    EXPECT_EQ(refusal(*c->create(), code), Disposition::kPermanent) << code;
  }
}

TEST(CreateOperation, AGroupIsPostedWithItsGroupIdAsAnAssignedGroup) {
  auto c = connector("contact_group");
  const Document d = project_ok(*c, valid_group());
  auto req = c->create()->build_request(d);
  ASSERT_TRUE(req.has_value()) << req.error().str();
  EXPECT_EQ(req->method, "POST");
  EXPECT_EQ(req->target, "/open-apis/contact/v3/group");
  EXPECT_NE(req->body().find(R"("group_id":")" + d.key + "\""), std::string_view::npos) << req->body();
  EXPECT_NE(req->body().find(R"("type":1)"), std::string_view::npos) << req->body();
  EXPECT_TRUE(testing::is_sorted_json(req->body())) << req->body();
  EXPECT_EQ(refusal(*c->create(), 47009), Disposition::kPermanent);
  EXPECT_EQ(c->create()->default_rate(), c->update().default_rate());
}

TEST(CreateOperation, APersonIsPostedWithItsPhotoInlinedAndTheGroupOfTheOption) {
  TempDir dir;
  dir.write("e001.jpg", std::string("\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01photo", 17));
  TargetOptions o;
  o.photo_dir = dir.path().string();
  o.group_name = "staff,night";
  auto c = connector("sophon_person", o);
  Record r = valid_employee();
  r.at(Field::kPhoto) = "e001.jpg";
  const Document d = project_ok(*c, r);
  auto req = c->create()->build_request(d);
  ASSERT_TRUE(req.has_value()) << req.error().str();
  EXPECT_EQ(req->method, "POST");
  EXPECT_EQ(req->target, "/SophonFogSys/api/users");
  EXPECT_EQ(req->body(), R"({"group_name":"staff,night","identity_id":"E001","info":{"name":"张三","permission_ids":["1","2"],"type":1},"reg_photo":"/9j/4AAQSkZJRgABcGhvdG8="})");
  EXPECT_EQ(c->create()->unusable(), "");
  // The box's refusals: an identity it holds, no photo (or group), the photo rules.
  for (std::int64_t code : {40011, 40000, 40004, 40006, 40007}) {
    EXPECT_EQ(refusal(*c->create(), code), Disposition::kPermanent) << code;
  }
}

TEST(CreateOperation, APersonWithoutAPhotoIsRefusedBeforeAnyCall) {
  TargetOptions o;
  o.group_name = "staff";
  auto c = connector("sophon_person", o);
  const Document d = project_ok(*c, valid_employee());  // no photo cell
  auto refused = c->create()->refuses(d);
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(refused->field, "reg_photo");
  EXPECT_FALSE(connector("contact_user")->create()->refuses(project_ok(*connector("contact_user"), valid_employee())));
}

TEST(CreateOperation, APersonCannotBeCreatedWithoutAGroup) {
  auto c = connector("sophon_person");
  ASSERT_NE(c->create(), nullptr);
  EXPECT_NE(c->create()->unusable().find("targets.sophon_person.group_name"), std::string::npos);
}

TEST(CreateOperation, OnlyTheBoxTakesAGroupName) {
  TargetOptions o;
  o.group_name = "staff";
  auto made = make_target("contact_user", o);
  ASSERT_FALSE(made.has_value());
  EXPECT_EQ(made.error().where, "targets.contact_user.group_name");
}

}  // namespace
}  // namespace hrsync
