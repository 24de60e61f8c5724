// The read operations: the request for a batch of keys, and an answer as the emulator gives it
// read into the documents the projection writes for the same HR record, byte for byte.
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "connectors/targets/target_connector.h"
#include "diff/document.h"
#include "target_test_util.h"

namespace hrsync {
namespace {

using testing::connector;
using testing::valid_employee;
using testing::valid_group;

Document project_ok(const TargetConnector& c, const Record& r) {
  auto doc = c.project(r);
  if (!doc) ADD_FAILURE() << c.id() << ": " << doc.error().field << ": " << doc.error().rule;
  return doc.value_or(Document{});
}

ReadPage read_ok(const ReadOperation& read, const std::vector<std::string>& keys, std::string_view body) {
  EXPECT_EQ(read.classify(200, body).disposition, Disposition::kSuccess) << body;
  auto page = read.read_page(keys, body);
  if (!page) ADD_FAILURE() << page.error().message;
  return page.value_or(ReadPage{});
}

// valid_employee() as the emulator's batch get answers it (a user holding every member).
constexpr std::string_view kUserAnswer =
    R"({"code":0,"msg":"success","data":{"items":[{"en_name":"San Zhang","mobile_visible":false,"gender":1,)"
    R"("leader_user_id":"u000","city":"杭州","country":"CN","work_station":"北楼-H34","join_time":1625681917,)"
    R"("employee_type":1,"job_title":"Engineer","is_frozen":false,"name":"张三","nickname":"Alex Zhang",)"
    R"("mobile":"+8613011111111","email":"zhangsan@example.com","enterprise_email":"zs@corp.example.com",)"
    R"("employee_no":"E001","department_ids":["od-1","od-2"],"user_id":"u001","open_id":"ou_a46e",)"
    R"("union_id":"on_aef5","status":{"is_frozen":false,"is_resigned":false,"is_activated":true,"is_unjoin":false}}]}})";

TEST(ReadOperation, EveryTargetReads) {
  for (std::string_view id : target_ids()) {
    auto c = connector(id);
    ASSERT_NE(c->read(), nullptr) << id;
    EXPECT_EQ(c->read()->name(), "read");
    EXPECT_FALSE(c->read()->default_rate().empty()) << id;
    EXPECT_GE(c->read()->batch_size(), 1u) << id;
  }
}

TEST(ReadOperation, ContactUserAsksForABatchOfFifty) {
  auto c = connector("contact_user");
  const ReadOperation& read = *c->read();
  EXPECT_EQ(read.batch_size(), 50u);
  EXPECT_EQ(read.endpoint(), "GET /open-apis/contact/v3/users/batch");
  auto req = read.build_request(std::vector<std::string>{"u001", "a b&c"});
  ASSERT_TRUE(req);
  EXPECT_EQ(req->method, "GET");
  EXPECT_EQ(req->target,
            "/open-apis/contact/v3/users/batch?user_ids=u001&user_ids=a%20b%26c"
            "&user_id_type=user_id&department_id_type=open_department_id");
  EXPECT_TRUE(req->body().empty());
  EXPECT_EQ(read.default_rate(), (std::vector<RateTier>{{50, 1}, {1000, 60}}));
}

TEST(ReadOperation, ABatchOutsideTheLimitIsRefused) {
  for (std::string_view id : target_ids()) {
    auto c = connector(id);
    const ReadOperation& read = *c->read();
    EXPECT_FALSE(read.build_request(std::vector<std::string>{})) << id;
    EXPECT_FALSE(read.build_request(std::vector<std::string>(read.batch_size() + 1, "k"))) << id;
    EXPECT_TRUE(read.build_request(std::vector<std::string>(read.batch_size(), "k"))) << id;
  }
}

TEST(ReadOperation, ContactUserAnswerIsTheProjectedDocument) {
  auto c = connector("contact_user");
  const ReadPage page = read_ok(*c->read(), {"u001", "u404"}, kUserAnswer);
  ASSERT_EQ(page.found.size(), 1u);
  const Document want = project_ok(*c, valid_employee());
  EXPECT_EQ(page.found[0].key, "u001");
  EXPECT_EQ(page.found[0].body, want.body);
  EXPECT_EQ(page.found[0].hash, want.hash);
  EXPECT_EQ(page.absent, std::vector<std::string>{"u404"});
}

TEST(ReadOperation, ContactUserHeldFreezeAndOtherValuesDiffer) {
  auto c = connector("contact_user");
  std::string answer(kUserAnswer);
  answer.replace(answer.find(R"("city":"杭州")"), std::string_view(R"("city":"杭州")").size(), R"("city":"上海")");
  const ReadPage page = read_ok(*c->read(), {"u001"}, answer);
  ASSERT_EQ(page.found.size(), 1u);
  EXPECT_NE(page.found[0].hash, project_ok(*c, valid_employee()).hash);
  // is_frozen is read from status, where the documents put it.
  std::string frozen(kUserAnswer);
  frozen.replace(frozen.find(R"("is_frozen":false,"is_resigned")"), 17, R"("is_frozen":true )");
  const ReadPage held = read_ok(*c->read(), {"u001"}, frozen);
  ASSERT_EQ(held.found.size(), 1u);
  EXPECT_NE(held.found[0].body.find(R"("is_frozen":true)"), std::string::npos) << held.found[0].body;
}

TEST(ReadOperation, ContactUserReadsOnlyTheMembersItOwns) {
  TargetOptions o;
  o.fields = {"city", "name"};
  auto c = connector("contact_user", o);
  const ReadPage page = read_ok(*c->read(), {"u001"}, kUserAnswer);
  ASSERT_EQ(page.found.size(), 1u);
  EXPECT_EQ(page.found[0].body, R"({"city":"杭州","name":"张三"})");
  EXPECT_EQ(page.found[0].body, project_ok(*c, valid_employee()).body);
}

TEST(ReadOperation, ContactUserAnswerWithNoneHeldListsEveryKeyAbsent) {
  auto c = connector("contact_user");
  const ReadPage page = read_ok(*c->read(), {"u1", "u2"}, R"({"code":0,"msg":"success","data":{}})");
  EXPECT_TRUE(page.found.empty());
  EXPECT_EQ(page.absent, (std::vector<std::string>{"u1", "u2"}));
}

TEST(ReadOperation, AFailedAnswerIsAnErrorNeverAnEmptyPage) {
  auto c = connector("contact_user");
  const std::string throttled = R"({"code":99991400,"msg":"request trigger frequency limit","error":{}})";
  EXPECT_EQ(c->read()->classify(429, throttled).disposition, Disposition::kRateLimited);
  EXPECT_FALSE(c->read()->read_page(std::vector<std::string>{"u1"}, throttled));
  EXPECT_FALSE(c->read()->read_page(std::vector<std::string>{"u1"}, "<html>"));
}

TEST(ReadOperation, ContactGroupGetsOneGroup) {
  auto c = connector("contact_group");
  const ReadOperation& read = *c->read();
  EXPECT_EQ(read.batch_size(), 1u);
  auto req = read.build_request(std::vector<std::string>{"g 1/2"});
  ASSERT_TRUE(req);
  EXPECT_EQ(req->method, "GET");
  EXPECT_EQ(req->target, "/open-apis/contact/v3/group/g%201%2F2");
  const ReadPage page = read_ok(
      read, {"g187131"},
      R"({"code":0,"msg":"success","data":{"group":{"id":"g187131","name":"外包 IT 用户组",)"
      R"("description":"IT 外包用户组，需要进行细粒度权限管控","type":1}}})");
  ASSERT_EQ(page.found.size(), 1u);
  const Document want = project_ok(*c, valid_group());
  EXPECT_EQ(page.found[0].key, "g187131");
  EXPECT_EQ(page.found[0].body, want.body);
  EXPECT_EQ(page.found[0].hash, want.hash);
  // The emulator's answer for a group the tenant lacks.
  const std::string lacks =
      R"({"code":42002,"msg":"invalid group_id","error":{"log_id":"emu0d","field_violations":[{"field":"group_id"}]}})";
  const ReadPage none = read_ok(read, {"nope"}, lacks);
  EXPECT_TRUE(none.found.empty());
  EXPECT_EQ(none.absent, std::vector<std::string>{"nope"});
}

TEST(ReadOperation, AttendanceFaceQueriesABatchOfFifty) {
  auto c = connector("attendance_face");
  const ReadOperation& read = *c->read();
  EXPECT_EQ(read.batch_size(), 50u);
  auto req = read.build_request(std::vector<std::string>{"E001", "E\"2"});
  ASSERT_TRUE(req);
  EXPECT_EQ(req->method, "POST");
  EXPECT_EQ(req->target, "/open-apis/attendance/v1/user_settings/query?employee_type=employee_no");
  EXPECT_EQ(req->body(), R"({"user_ids":["E001","E\"2"]})");
  EXPECT_EQ(read.default_rate(), (std::vector<RateTier>{{50, 1}}));
  const ReadPage page = read_ok(
      read, {"E001", "E404"},
      R"({"code":0,"msg":"success","data":{"user_settings":[{"face_key":"fk-0001",)"
      R"("face_key_update_time":"1625681917","user_id":"E001"}]}})");
  ASSERT_EQ(page.found.size(), 1u);
  const Document want = project_ok(*c, valid_employee());
  EXPECT_EQ(page.found[0].key, "E001");
  EXPECT_EQ(page.found[0].body, want.body);
  EXPECT_EQ(page.found[0].hash, want.hash);
  EXPECT_EQ(page.absent, std::vector<std::string>{"E404"});
  // Another face key held: another hash.
  const ReadPage other = read_ok(read, {"E001"},
                                 R"({"code":0,"data":{"user_settings":[{"face_key":"fk-9",)"
                                 R"("face_key_update_time":"1625681917","user_id":"E001"}]}})");
  ASSERT_EQ(other.found.size(), 1u);
  EXPECT_NE(other.found[0].hash, want.hash);
}

TEST(ReadOperation, AcsCardGetsOneUser) {
  auto c = connector("acs_card");
  const ReadOperation& read = *c->read();
  EXPECT_EQ(read.batch_size(), 1u);
  auto req = read.build_request(std::vector<std::string>{"u 1"});
  ASSERT_TRUE(req);
  EXPECT_EQ(req->method, "GET");
  EXPECT_EQ(req->target, "/open-apis/acs/v1/users/u%201?user_id_type=user_id");
  const ReadPage page =
      read_ok(read, {"u001"}, R"({"code":0,"msg":"success","data":{"user":{"user_id":"u001","feature":{"card":123456}}}})");
  ASSERT_EQ(page.found.size(), 1u);
  const Document want = project_ok(*c, valid_employee());
  EXPECT_EQ(page.found[0].body, want.body);
  EXPECT_EQ(page.found[0].hash, want.hash);
  // A user without a card reads as the projection of an empty card cell.
  const ReadPage no_card =
      read_ok(read, {"u001"}, R"({"code":0,"msg":"success","data":{"user":{"user_id":"u001","feature":{}}}})");
  ASSERT_EQ(no_card.found.size(), 1u);
  Record r = valid_employee();
  r.at(Field::kCardNo).clear();
  EXPECT_EQ(no_card.found[0].body, project_ok(*c, r).body);
  const ReadPage other =
      read_ok(read, {"u001"}, R"({"code":0,"msg":"success","data":{"user":{"user_id":"u001","feature":{"card":7}}}})");
  ASSERT_EQ(other.found.size(), 1u);
  EXPECT_NE(other.found[0].hash, want.hash);
  // The emulator's answer for a user no access group holds.
  const ReadPage none = read_ok(
      read, {"nope"},
      R"({"code":1490101,"msg":"user not found","error":{"log_id":"emu0c","field_violations":[{"field":"user_id"}]}})");
  EXPECT_TRUE(none.found.empty());
  EXPECT_EQ(none.absent, std::vector<std::string>{"nope"});
}

TEST(ReadOperation, SophonPersonQueriesOneIdentity) {
  auto c = connector("sophon_person");
  const ReadOperation& read = *c->read();
  EXPECT_EQ(read.batch_size(), 1u);
  auto req = read.build_request(std::vector<std::string>{"E 1&x"});
  ASSERT_TRUE(req);
  EXPECT_EQ(req->method, "GET");
  EXPECT_EQ(req->target, "/SophonFogSys/api/users?identity_id=E%201%26x");
  // valid_employee() has no photo: the box answers none either.
  const ReadPage page = read_ok(read, {"E001"},
                                R"({"data":{"identities_list":[{"identity_id":"E001","group_name":["default"],)"
                                R"("info":{"name":"张三","type":1,"permission_ids":["1","2"]}}]}})");
  ASSERT_EQ(page.found.size(), 1u);
  const Document want = project_ok(*c, valid_employee());
  EXPECT_EQ(page.found[0].key, "E001");
  EXPECT_EQ(page.found[0].body, want.body);
  EXPECT_EQ(page.found[0].hash, want.hash);
  // A blacklisted person: another hash.
  const ReadPage other = read_ok(read, {"E001"},
                                 R"({"data":{"identities_list":[{"identity_id":"E001","group_name":["default"],)"
                                 R"("info":{"name":"张三","type":3,"permission_ids":[1,2]}}]}})");
  ASSERT_EQ(other.found.size(), 1u);
  EXPECT_NE(other.found[0].hash, want.hash);
  EXPECT_EQ(other.found[0].body, R"({"identity_id":"E001","info":{"name":"张三","permission_ids":["1","2"],"type":3}})");
  // The emulator's answer for a person the box lacks (HTTP 404).
  const std::string lacks = R"({"error":{"code":40401,"message":"no person \"nope\"","status":"ID_NOT_FOUND"}})";
  EXPECT_EQ(read.classify(404, lacks).disposition, Disposition::kSuccess);
  const ReadPage none = read_ok(read, {"nope"}, lacks);
  EXPECT_TRUE(none.found.empty());
  EXPECT_EQ(none.absent, std::vector<std::string>{"nope"});
  EXPECT_FALSE(read.read_page(std::vector<std::string>{"E001"}, R"({"error":{"code":50072,"message":"m"}})"));
}

// Row E0002 of samples/employees.csv, its photo left out (the box answers none).
Record sample_e0002() {
  Record r;
  const std::pair<Field, std::string_view> cells[] = {
      {Field::kEmployeeNo, "E0002"}, {Field::kUserId, "u0002"}, {Field::kName, "张伟"}, {Field::kEnName, "Wei Zhang"},
      {Field::kEmail, "wei.zhang@example.com"}, {Field::kMobile, "+8615268514016"}, {Field::kMobileVisible, "true"},
      {Field::kGender, "2"}, {Field::kDepartmentIds, "od-8acc20ac82f722de453214468beddf91"},
      {Field::kLeaderUserId, "u0001"}, {Field::kCity, "Beijing"}, {Field::kCountry, "CN"},
      {Field::kWorkStation, "北楼-H02"}, {Field::kJoinTime, "1632009600"}, {Field::kEmployeeType, "1"},
      {Field::kJobTitle, "Head of Product"}, {Field::kEnterpriseEmail, "u0002@corp.example.com"},
      {Field::kIsFrozen, "false"}, {Field::kCardNo, "30000074"}, {Field::kFaceKey, "26ebfa0f6c5e6ee5733722fa9a6b9c6d"},
      {Field::kFaceKeyUpdateTime, "1698429670"}, {Field::kPersonType, "1"}, {Field::kPermissionIds, "1;2"},
  };
  for (const auto& [f, v] : cells) r.at(f) = v;
  return r;
}

// The emulator's answers (hrsync-emulator --fixture-from-csv samples/employees.csv
// --fixture-every-member), byte for byte, for the sample row E0002.
TEST(ReadOperation, EmulatorAnswersForASampleRowAreItsProjection) {
  const Record row = sample_e0002();
  const struct {
    std::string_view id;
    std::string key;
    std::string_view answer;
  } reads[] = {
      {"contact_user", "u0002",
       R"({"code":0,"msg":"success","data":{"items":[{"en_name":"Wei Zhang","mobile_visible":true,"gender":2,)"
       R"("leader_user_id":"u0001","city":"Beijing","country":"CN","work_station":"北楼-H02","join_time":1632009600,)"
       R"("employee_type":1,"job_title":"Head of Product","is_frozen":false,"name":"张伟","mobile":"+8615268514016",)"
       R"("email":"wei.zhang@example.com","enterprise_email":"u0002@corp.example.com","employee_no":"E0002",)"
       R"("department_ids":["od-8acc20ac82f722de453214468beddf91"],"user_id":"u0002",)"
       R"("open_id":"ou_a46e41af6ce9c1e3dbf036f4f2c6d6e4","union_id":"on_aef5e9367bdddf2ea10a6b8a8136df75",)"
       R"("status":{"is_frozen":false,"is_resigned":false,"is_activated":true,"is_unjoin":false}}]}})"},
      {"attendance_face", "E0002",
       R"({"code":0,"msg":"success","data":{"user_settings":[{"face_key":"26ebfa0f6c5e6ee5733722fa9a6b9c6d",)"
       R"("face_key_update_time":"1698429670","user_id":"E0002"}]}})"},
      {"acs_card", "u0002", R"({"code":0,"msg":"success","data":{"user":{"user_id":"u0002","feature":{"card":30000074}}}})"},
      {"sophon_person", "E0002",
       R"({"data":{"identities_list":[{"identity_id":"E0002","group_name":["default"],)"
       R"("info":{"name":"张伟","type":1,"permission_ids":["1","2"]}}]}})"},
  };
  for (const auto& r : reads) {
    auto c = connector(r.id);
    const ReadPage page = read_ok(*c->read(), {r.key}, r.answer);
    ASSERT_EQ(page.found.size(), 1u) << r.id;
    const Document want = project_ok(*c, row);
    EXPECT_EQ(page.found[0].key, want.key) << r.id;
    EXPECT_EQ(page.found[0].body, want.body) << r.id;
    EXPECT_EQ(page.found[0].hash, want.hash) << r.id;
    EXPECT_TRUE(page.absent.empty()) << r.id;
  }
}

}  // namespace
}  // namespace hrsync
