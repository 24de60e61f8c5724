// Canonical documents: exact bodies per the API documents, sorted keys, and equal meanings giving
// equal bytes and hashes.
#include <gtest/gtest.h>

#include <string>

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

TEST(Canonical, ContactUserBodyHasEveryMemberInByteOrder) {
  auto c = connector("contact_user");
  const Document d = project_ok(*c, valid_employee());
  EXPECT_EQ(d.key, "u001");
  EXPECT_EQ(d.body,
            R"({"city":"杭州","country":"CN","department_ids":["od-1","od-2"],"email":"zhangsan@example.com",)"
            R"("employee_no":"E001","employee_type":1,"en_name":"San Zhang","enterprise_email":"zs@corp.example.com",)"
            R"("gender":1,"is_frozen":false,"job_title":"Engineer","join_time":1625681917,"leader_user_id":"u000",)"
            R"("mobile":"+8613011111111","mobile_visible":false,"name":"张三","nickname":"Alex Zhang",)"
            R"("work_station":"北楼-H34"})");
  EXPECT_EQ(d.hash, content_hash(d.body));
}

TEST(Canonical, OtherTargetsBodiesFollowTheirDocuments) {
  EXPECT_EQ(project_ok(*connector("contact_group"), valid_group()).body,
            R"({"description":"IT 外包用户组，需要进行细粒度权限管控","name":"外包 IT 用户组"})");
  EXPECT_EQ(project_ok(*connector("attendance_face"), valid_employee()).body,
            R"({"user_setting":{"face_key":"fk-0001","face_key_update_time":"1625681917","user_id":"E001"}})");
  EXPECT_EQ(project_ok(*connector("acs_card"), valid_employee()).body, R"({"feature":{"card":123456}})");
  EXPECT_EQ(project_ok(*connector("sophon_person"), valid_employee()).body,
            R"({"identity_id":"E001","info":{"name":"张三","permission_ids":["1","2"],"type":1}})");
}

TEST(Canonical, EveryTargetWritesSortedKeysAndSealsTheHash) {
  for (std::string_view id : target_ids()) {
    auto c = connector(id);
    const Record r = c->entity() == Entity::kGroups ? valid_group() : valid_employee();
    const Document d = project_ok(*c, r);
    EXPECT_TRUE(testing::is_sorted_json(d.body)) << id << ": " << d.body;
    EXPECT_EQ(d.hash, content_hash(d.body)) << id;
  }
}

TEST(Canonical, EqualMeaningsGiveEqualBytes) {
  auto user = connector("contact_user");
  Record a = valid_employee();
  Record b = valid_employee();
  b.at(Field::kMobileVisible) = " No ";
  b.at(Field::kIsFrozen) = "FALSE";
  b.at(Field::kGender) = "01";
  b.at(Field::kEmployeeType) = " 1";
  b.at(Field::kMobile) = "+8613011111111";
  b.at(Field::kDepartmentIds) = " od-1 ; od-2 ;";
  b.at(Field::kJoinTime) = "0001625681917";
  const Document da = project_ok(*user, a);
  const Document db = project_ok(*user, b);
  EXPECT_EQ(da.body, db.body);
  EXPECT_EQ(da.hash, db.hash);

  auto face = connector("attendance_face");
  Record f = valid_employee();
  f.at(Field::kFaceKeyUpdateTime) = "01625681917";
  EXPECT_EQ(project_ok(*face, f).hash, project_ok(*face, valid_employee()).hash);

  auto card = connector("acs_card");
  Record k = valid_employee();
  k.at(Field::kCardNo) = "000123456";
  EXPECT_EQ(project_ok(*card, k).body, R"({"feature":{"card":123456}})");
}

TEST(Canonical, TheOrderInWhichCellsAreFilledDoesNotMatter) {
  const Record full = valid_employee();
  Record forward;
  Record backward;
  for (std::size_t i = 0; i < kFieldCount; ++i) {
    forward.at(static_cast<Field>(i)) = full.get(static_cast<Field>(i));
    const auto back = static_cast<Field>(kFieldCount - 1 - i);
    backward.at(back) = full.get(back);
  }
  for (std::string_view id : target_ids()) {
    if (id == "contact_group") continue;
    auto c = connector(id);
    EXPECT_EQ(project_ok(*c, forward).body, project_ok(*c, backward).body) << id;
  }
}

TEST(Canonical, DifferentMeaningsGiveDifferentHashes) {
  auto user = connector("contact_user");
  const Document base = project_ok(*user, valid_employee());
  for (auto [field, value] : std::initializer_list<std::pair<Field, const char*>>{
           {Field::kMobileVisible, "yes"},
           {Field::kDepartmentIds, "od-2;od-1"},  // order is kept: it may name the main department
           {Field::kName, "张四"},
           {Field::kCity, ""},
           {Field::kIsFrozen, "1"},
       }) {
    Record r = valid_employee();
    r.at(field) = value;
    EXPECT_NE(project_ok(*user, r).hash, base.hash) << field_name(field) << " = " << value;
  }
}

TEST(Canonical, ColumnsThatATargetDoesNotUseDoNotChangeItsDocument) {
  auto card = connector("acs_card");
  Record r = valid_employee();
  r.at(Field::kName) = "另一个名字";
  r.at(Field::kMobile) = "garbage";
  EXPECT_EQ(project_ok(*card, r).hash, project_ok(*card, valid_employee()).hash);
}

TEST(Canonical, StringsAreEscaped) {
  auto group = connector("contact_group");
  Record r = valid_group();
  r.at(Field::kName) = "a\"b\\c\n";
  r.at(Field::kDescription) = "";
  EXPECT_EQ(project_ok(*group, r).body, R"({"name":"a\"b\\c\n"})");
}

TEST(Canonical, SophonInfoIsAlwaysPresent) {
  Record r;
  r.at(Field::kEmployeeNo) = "E9";
  EXPECT_EQ(project_ok(*connector("sophon_person"), r).body, R"({"identity_id":"E9","info":{}})");
}

}  // namespace
}  // namespace hrsync
