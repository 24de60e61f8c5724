// Walks every field rule of every target: each rule is broken once, on an otherwise valid record,
// and the projection must be Invalid naming that field (and, where it matters, the rule).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "connectors/targets/target_connector.h"
#include "target_test_util.h"

namespace hrsync {
namespace {

using testing::connector;
using testing::repeat;
using testing::valid_employee;
using testing::valid_group;

struct BrokenRule {
  Field column;             // the cell to change
  std::string value;        // its broken value
  std::string field;        // Invalid::field expected
  std::string rule_part;    // a part of Invalid::rule expected
};

std::string ids(std::size_t n) {
  std::string out;
  for (std::size_t i = 0; i < n; ++i) out += "od-" + std::to_string(i) + ";";
  return out;
}

void walk(std::string_view target, const TargetOptions& options, const Record& valid,
          const std::vector<BrokenRule>& rules) {
  auto c = connector(target, options);
  ASSERT_TRUE(c->project(valid).has_value()) << target << ": the base record must be valid: "
                                             << c->project(valid).error().field << " "
                                             << c->project(valid).error().rule;
  for (const BrokenRule& b : rules) {
    Record r = valid;
    r.at(b.column) = b.value;
    auto doc = c->project(r);
    ASSERT_FALSE(doc.has_value()) << target << " accepted " << field_name(b.column) << " = \"" << b.value << "\"";
    EXPECT_EQ(doc.error().field, b.field) << target << " " << field_name(b.column) << " = \"" << b.value << "\"";
    EXPECT_NE(doc.error().rule.find(b.rule_part), std::string::npos)
        << target << " " << b.field << ": rule \"" << doc.error().rule << "\" lacks \"" << b.rule_part << "\"";
  }
}

TEST(FieldRules, ContactUserRefusesEachBrokenRule) {
  walk("contact_user", {}, valid_employee(),
       {
           {Field::kUserId, "", "user_id", "required"},
           {Field::kUserId, repeat("u", 65), "user_id", "longer than 64 bytes (65)"},
           {Field::kLeaderUserId, "u001", "leader_user_id", "own user_id"},
           {Field::kName, "", "name", "required"},
           {Field::kName, repeat("张", 65), "name", "longer than 64 characters (65)"},
           {Field::kEnName, repeat("a", 65), "en_name", "longer than 64 characters (65)"},
           {Field::kNickname, repeat("é", 65), "nickname", "longer than 64 characters (65)"},
           {Field::kJobTitle, repeat("职", 101), "job_title", "longer than 100 characters (101)"},
           {Field::kEmail, "zhangsan.example.com", "email", "e-mail"},
           {Field::kEmail, "a@b@example.com", "email", "e-mail"},
           {Field::kEmail, "zhang san@example.com", "email", "e-mail"},
           {Field::kEmail, "zhangsan@localhost", "email", "e-mail"},
           {Field::kEnterpriseEmail, "@corp.example.com", "enterprise_email", "e-mail"},
           {Field::kMobile, "", "mobile", "required"},
           {Field::kMobile, "1301111111", "mobile", "mobile number"},
           {Field::kMobile, "130-1111-1111", "mobile", "mobile number"},
           {Field::kMobile, "+0441446681800", "mobile", "mobile number"},
           {Field::kMobile, "+41 44 668 18 00", "mobile", "mobile number"},
           {Field::kMobile, "23011111111", "mobile", "mobile number"},
           {Field::kMobileVisible, "visible", "mobile_visible", "boolean"},
           {Field::kGender, "3", "gender", "from 0 to 2"},
           {Field::kGender, "male", "gender", "from 0 to 2"},
           {Field::kDepartmentIds, "", "department_ids", "required"},
           {Field::kDepartmentIds, " ; ;", "department_ids", "no item"},
           {Field::kDepartmentIds, ids(51), "department_ids", "more than 50 items (51)"},
           {Field::kJoinTime, "2021-07-07", "join_time", "integer"},
           {Field::kJoinTime, "-1", "join_time", "integer"},
           {Field::kJoinTime, "1625681917000", "join_time", "from 0 to 2147483647"},
           {Field::kEmployeeType, "", "employee_type", "required"},
           {Field::kEmployeeType, "0", "employee_type", "from 1 to 5"},
           {Field::kEmployeeType, "6", "employee_type", "from 1 to 5"},
           {Field::kIsFrozen, "frozen", "is_frozen", "boolean"},
       });
}

TEST(FieldRules, ContactUserRefusesWhatTheApiDocumentsAsMobileAndNameErrors) {
  walk("contact_user", {}, valid_employee(),
       {
           {Field::kName, "   ", "name", "41040"},
           {Field::kName, "\u3000\u00a0\t", "name", "41040"},
           {Field::kMobile, "12011111111", "mobile", "41004"},
           {Field::kMobile, "+8612011111111", "mobile", "41004"},
           {Field::kMobile, "+861301111111", "mobile", "41004"},
           {Field::kMobile, "+86130111111112", "mobile", "41004"},
       });
  // A number outside mainland China needs an e-mail beside it (44020).
  Record foreign = valid_employee();
  foreign.at(Field::kMobile) = "+41446681800";
  walk("contact_user", {}, foreign, {{Field::kEmail, "", "email", "44020"}});
}

TEST(FieldRules, ContactUserTakesTheMobilesItsTenantTakes) {
  TargetOptions uncertified;
  uncertified.tenant = "uncertified";
  walk("contact_user", uncertified, valid_employee(), {{Field::kMobile, "+41446681800", "mobile", "44019"}});
  TargetOptions lark;
  lark.tenant = "lark";
  Record abroad = valid_employee();
  abroad.at(Field::kMobile) = "+6591234567";
  walk("contact_user", lark, abroad,
       {
           {Field::kMobile, "13011111111", "mobile", "44018"},
           {Field::kMobile, "+8613011111111", "mobile", "44018"},
           {Field::kEmail, "", "email", "44020"},
       });
  // On Lark a user may have no mobile, as long as it has an e-mail (41009 otherwise).
  auto c = connector("contact_user", lark);
  Record no_mobile = valid_employee();
  no_mobile.at(Field::kMobile) = "";
  auto doc = c->project(no_mobile);
  ASSERT_TRUE(doc.has_value()) << doc.error().field << ": " << doc.error().rule;
  EXPECT_EQ(doc->body.find("\"mobile\""), std::string::npos) << doc->body;
  no_mobile.at(Field::kEmail) = "";
  auto neither = c->project(no_mobile);
  ASSERT_FALSE(neither.has_value());
  EXPECT_EQ(neither.error().field, "mobile");
  EXPECT_NE(neither.error().rule.find("41009"), std::string::npos) << neither.error().rule;
  EXPECT_EQ(std::vector<Field>(c->required_columns().begin(), c->required_columns().end()),
            (std::vector<Field>{Field::kUserId, Field::kName, Field::kDepartmentIds, Field::kEmployeeType}));
  // A Feishu tenant still requires the mobile, and its column.
  auto feishu = connector("contact_user");
  EXPECT_EQ(feishu->project(no_mobile).error().field, "mobile");
  EXPECT_EQ(feishu->required_columns().size(), 5u);
}

TEST(FieldRules, ContactUserCountsCodePointsNotBytesAndAcceptsTheLimits) {
  auto c = connector("contact_user");
  Record r = valid_employee();
  r.at(Field::kName) = repeat("张", 64);  // 192 bytes, 64 characters
  r.at(Field::kEnName) = repeat("a", 64);
  r.at(Field::kNickname) = repeat("😀", 64);
  r.at(Field::kJobTitle) = repeat("职", 100);
  r.at(Field::kDepartmentIds) = ids(50);
  r.at(Field::kJoinTime) = "2147483647";
  r.at(Field::kEmployeeType) = "5";
  r.at(Field::kGender) = "0";
  r.at(Field::kMobile) = "+41446681800";
  auto doc = c->project(r);
  ASSERT_TRUE(doc.has_value()) << doc.error().field << ": " << doc.error().rule;
}

TEST(FieldRules, ContactUserLeavesEmptyOptionalCellsOut) {
  auto c = connector("contact_user");
  Record r;
  r.at(Field::kUserId) = "u001";
  r.at(Field::kName) = "张三";
  r.at(Field::kMobile) = "+8613011111111";
  r.at(Field::kDepartmentIds) = "od-1";
  r.at(Field::kEmployeeType) = "2";
  auto doc = c->project(r);
  ASSERT_TRUE(doc.has_value()) << doc.error().field << ": " << doc.error().rule;
  EXPECT_EQ(doc->body, R"({"department_ids":["od-1"],"employee_type":2,"mobile":"+8613011111111","name":"张三"})");
  EXPECT_EQ(doc->key, "u001");
}

TEST(FieldRules, ContactGroupRefusesEachBrokenRule) {
  walk("contact_group", {}, valid_group(),
       {
           {Field::kGroupId, "", "group_id", "required"},
           {Field::kName, repeat("组", 101), "name", "longer than 100 characters (101)"},
           {Field::kDescription, repeat("述", 501), "description", "longer than 500 characters (501)"},
       });
  Record limits = valid_group();
  limits.at(Field::kName) = repeat("组", 100);
  limits.at(Field::kDescription) = repeat("述", 500);
  EXPECT_TRUE(connector("contact_group")->project(limits).has_value());
}

TEST(FieldRules, AttendanceFaceRefusesEachBrokenRule) {
  walk("attendance_face", {}, valid_employee(),
       {
           {Field::kEmployeeNo, "", "user_setting.user_id", "column employee_no: required"},
           {Field::kFaceKey, "", "user_setting.face_key", "column face_key: required"},
           {Field::kFaceKeyUpdateTime, "yesterday", "user_setting.face_key_update_time", "integer"},
           {Field::kFaceKeyUpdateTime, "1625681917000", "user_setting.face_key_update_time", "from 0 to 9999999999"},
       });
  TargetOptions by_id;
  by_id.employee_type = "employee_id";
  walk("attendance_face", by_id, valid_employee(),
       {
           {Field::kUserId, "", "user_setting.user_id", "column user_id: required"},
       });
}

TEST(FieldRules, AttendanceFaceKeyFollowsEmployeeType) {
  TargetOptions by_id;
  by_id.employee_type = "employee_id";
  Record r = valid_employee();
  r.at(Field::kEmployeeNo) = "";  // not needed when the key is the employee ID (user_id)
  auto doc = connector("attendance_face", by_id)->project(r);
  ASSERT_TRUE(doc.has_value()) << doc.error().field << ": " << doc.error().rule;
  EXPECT_EQ(doc->key, "u001");
  EXPECT_NE(doc->body.find(R"("user_id":"u001")"), std::string::npos) << doc->body;
}

TEST(FieldRules, AcsCardRefusesEachBrokenRule) {
  walk("acs_card", {}, valid_employee(),
       {
           {Field::kUserId, "", "user_id", "required"},
           {Field::kCardNo, "12ab", "feature.card", "integer"},
           {Field::kCardNo, "-5", "feature.card", "from 0 to 2147483647"},
           {Field::kCardNo, "2147483648", "feature.card", "from 0 to 2147483647"},
           {Field::kCardNo, "99999999999999999999999", "feature.card", "integer"},
       });
  Record max = valid_employee();
  max.at(Field::kCardNo) = "2147483647";
  auto doc = connector("acs_card")->project(max);
  ASSERT_TRUE(doc.has_value());
  EXPECT_EQ(doc->body, R"({"feature":{"card":2147483647}})");
}

// A broken photo makes the photo alone invalid (sophon_person_test.cpp, PhotoChecks).
TEST(FieldRules, SophonPersonRefusesEachBrokenRule) {
  walk("sophon_person", TargetOptions{}, valid_employee(),
       {
           {Field::kEmployeeNo, "", "identity_id", "column employee_no: required"},
           {Field::kPersonType, "6", "info.type", "column person_type: not an integer from 1 to 5"},
           {Field::kPersonType, "vip", "info.type", "from 1 to 5"},
       });
}

TEST(FieldRules, RulesNeverQuoteTheCellValue) {
  auto c = connector("contact_user");
  Record r = valid_employee();
  r.at(Field::kMobile) = "130-9876-5432";
  auto doc = c->project(r);
  ASSERT_FALSE(doc.has_value());
  EXPECT_EQ(doc.error().rule.find("9876"), std::string::npos) << doc.error().rule;
}

}  // namespace
}  // namespace hrsync
