// Walks every row of every target's field table (TargetConnector::field_rules()): from each row's
// kind and limits it derives values that break it and values at its limits, sets each on an
// otherwise valid record, and expects the projection to be Invalid naming the row's member and
// its limit, or valid and holding the member. The rules across cells, which the API documents by
// code (41030, 41040, 41004, 44018, 44019, 44020, 41009), are tested one by one below.
#include <gtest/gtest.h>
#include <fmt/format.h>
#include <simdjson.h>

#include <cstdint>
#include <limits>
#include <set>
#include <string>
#include <vector>

#include "connectors/targets/field_table.h"
#include "connectors/targets/target_connector.h"
#include "target_test_util.h"

namespace hrsync {
namespace {

using testing::connector;
using testing::repeat;
using testing::valid_employee;
using testing::valid_group;

// A connector as a job config may make it: every target with its default options, and the
// options that change its table.
struct Made {
  std::string name;  // for messages
  std::string_view id;
  TargetOptions options;
};

std::vector<Made> made_targets() {
  std::vector<Made> out;
  for (std::string_view id : target_ids()) out.push_back({std::string(id), id, {}});
  TargetOptions by_id;
  by_id.employee_type = "employee_id";
  out.push_back({"attendance_face (employee_type employee_id)", "attendance_face", by_id});
  return out;
}

Record valid_for(const TargetConnector& c) { return c.entity() == Entity::kGroups ? valid_group() : valid_employee(); }

std::string ids(std::size_t n) {
  std::string out;
  for (std::size_t i = 0; i < n; ++i) out += "od-" + std::to_string(i) + ";";
  return out;
}

// A value that breaks a row, and a part of the rule the projection must give for it.
struct Broken {
  std::string value;
  std::string rule_part;
};

std::vector<Broken> broken_values(const FieldRule& rule) {
  std::vector<Broken> out;
  if (rule.need == Need::kRequired) out.push_back({"", "required"});
  switch (rule.kind) {
    case FieldKind::kKey:
      if (rule.max_bytes != 0) {
        out.push_back({repeat("u", rule.max_bytes + 1),
                       fmt::format("longer than {} bytes ({})", rule.max_bytes, rule.max_bytes + 1)});
      }
      break;
    case FieldKind::kText:
      if (rule.max_chars != 0) {  // three bytes a character: the limit counts characters
        out.push_back({repeat("张", rule.max_chars + 1),
                       fmt::format("longer than {} characters ({})", rule.max_chars, rule.max_chars + 1)});
        out.push_back({repeat("é", rule.max_chars + 1),
                       fmt::format("longer than {} characters ({})", rule.max_chars, rule.max_chars + 1)});
      }
      break;
    case FieldKind::kInteger:
    case FieldKind::kIntegerText: {
      const std::string range = fmt::format("not an integer from {} to {}", rule.min, rule.max);
      if (rule.max < std::numeric_limits<std::int64_t>::max()) out.push_back({std::to_string(rule.max + 1), range});
      if (rule.min > std::numeric_limits<std::int64_t>::min()) out.push_back({std::to_string(rule.min - 1), range});
      for (const char* v : {"12ab", "1.5", "2021-07-07", "99999999999999999999999", "one"}) out.push_back({v, range});
      break;
    }
    case FieldKind::kFlag:
      for (const char* v : {"maybe", "2", "visible", "on"}) out.push_back({v, "not a boolean"});
      break;
    case FieldKind::kEmail:
      for (const char* v : {"zhangsan.example.com", "a@b@example.com", "zhang san@example.com", "zhangsan@localhost",
                            "@corp.example.com", "zs@corp..example.com"}) {
        out.push_back({v, "not an e-mail address"});
      }
      break;
    case FieldKind::kMobile:
      for (const char* v : {"1301111111", "130-1111-1111", "+0441446681800", "+41 44 668 18 00", "23011111111",
                            "+1234567890123456"}) {
        out.push_back({v, "not a mobile number"});
      }
      break;
    case FieldKind::kIdList:
      if (rule.max_items != 0) {
        out.push_back({ids(rule.max_items + 1),
                       fmt::format("more than {} items ({})", rule.max_items, rule.max_items + 1)});
      }
      if (rule.need == Need::kRequired) out.push_back({" ; ;", "required, but the list has no item"});
      break;
  }
  return out;
}

// A value a row takes, and the member it must write ("" when only its presence is checked).
struct Accepted {
  std::string value;
  std::string written;  // `"key":value` as the body holds it
};

std::vector<Accepted> accepted_values(const FieldRule& rule) {
  const std::string key(rule.member);
  auto member = [&](std::string_view raw) { return fmt::format("\"{}\":{}", key, raw); };
  switch (rule.kind) {
    case FieldKind::kKey:
      return {{rule.max_bytes != 0 ? repeat("u", rule.max_bytes) : "k-1", ""}};
    case FieldKind::kText: {
      if (rule.max_chars == 0) return {{"北楼 H34", member("\"北楼 H34\"")}};
      const std::string han = repeat("张", rule.max_chars);
      const std::string emoji = repeat("😀", rule.max_chars);
      return {{han, member('"' + han + '"')}, {emoji, member('"' + emoji + '"')}};
    }
    case FieldKind::kInteger:
      return {{std::to_string(rule.min), member(std::to_string(rule.min))},
              {std::to_string(rule.max), member(std::to_string(rule.max))},
              {" " + std::to_string(rule.max) + " ", member(std::to_string(rule.max))}};
    case FieldKind::kIntegerText:
      return {{std::to_string(rule.min), member('"' + std::to_string(rule.min) + '"')},
              {std::to_string(rule.max), member('"' + std::to_string(rule.max) + '"')}};
    case FieldKind::kFlag:
      return {{"YES", member("true")}, {"0", member("false")}, {"False", member("false")}};
    case FieldKind::kEmail:
      return {{"li.si+hr@mail.example.cn", member("\"li.si+hr@mail.example.cn\"")}};
    case FieldKind::kMobile:
      return {{"13811112222", member("\"+8613811112222\"")}, {"+8613811112222", member("\"+8613811112222\"")}};
    case FieldKind::kIdList:
      if (rule.max_items == 0) return {{" a ; ;b", member(R"(["a","b"])")}};
      return {{ids(rule.max_items), ""}};
  }
  return {};
}

std::string describe(const FieldRule& rule) {
  return fmt::format("{} ({} {})", field_path(rule), field_kind_name(rule.kind), field_name(rule.column));
}

TEST(FieldRules, EveryTargetHasATableAndItsValidRecord) {
  for (const Made& s : made_targets()) {
    auto c = connector(s.id, s.options);
    EXPECT_FALSE(c->field_rules().empty()) << s.name;
    auto doc = c->project(valid_for(*c));
    ASSERT_TRUE(doc.has_value()) << s.name << ": the base record must be valid: " << doc.error().field << " "
                                 << doc.error().rule;
    bool members_begun = false;
    for (const FieldRule& rule : c->field_rules()) {
      if (rule.kind != FieldKind::kKey) members_begun = true;
      EXPECT_FALSE(rule.kind == FieldKind::kKey && members_begun) << s.name << ": key rows come first";
    }
  }
}

// With every cell filled, the body holds exactly the members the table names: nothing is written
// outside the table.
TEST(FieldRules, TheBodyHoldsTheTablesMembers) {
  for (const Made& s : made_targets()) {
    auto c = connector(s.id, s.options);
    auto doc = c->project(valid_for(*c));
    ASSERT_TRUE(doc.has_value()) << s.name;
    std::set<std::string> table;
    for (const FieldRule& rule : c->field_rules()) {
      if (rule.kind != FieldKind::kKey) table.emplace(field_path(rule));
    }
    simdjson::dom::parser parser;
    simdjson::dom::object root;
    ASSERT_EQ(parser.parse(doc->body).get(root), simdjson::SUCCESS) << doc->body;
    std::set<std::string> body;
    for (simdjson::dom::key_value_pair member : root) {
      simdjson::dom::object inner;
      if (member.value.get_object().get(inner) != simdjson::SUCCESS) {
        body.emplace(member.key);
        continue;
      }
      for (simdjson::dom::key_value_pair m : inner) body.emplace(fmt::format("{}.{}", member.key, m.key));
    }
    EXPECT_EQ(body, table) << s.name << ": " << doc->body;
  }
}

TEST(FieldRules, EachRowRefusesWhatBreaksIt) {
  std::size_t walked = 0;
  for (const Made& s : made_targets()) {
    auto c = connector(s.id, s.options);
    const Record valid = valid_for(*c);
    for (const FieldRule& rule : c->field_rules()) {
      for (const Broken& b : broken_values(rule)) {
        Record r = valid;
        r.at(rule.column) = b.value;
        auto doc = c->project(r);
        ++walked;
        ASSERT_FALSE(doc.has_value()) << s.name << " accepted " << describe(rule) << " = \"" << b.value << "\"";
        EXPECT_EQ(doc.error().field, field_path(rule)) << s.name << " " << describe(rule) << " = \"" << b.value << "\"";
        EXPECT_NE(doc.error().rule.find(b.rule_part), std::string::npos)
            << s.name << " " << describe(rule) << ": rule \"" << doc.error().rule << "\" lacks \"" << b.rule_part
            << "\"";
      }
    }
  }
  EXPECT_GT(walked, 60u);  // the tables hold limits to break
}

TEST(FieldRules, EachRowTakesTheValuesAtItsLimits) {
  for (const Made& s : made_targets()) {
    auto c = connector(s.id, s.options);
    const Record valid = valid_for(*c);
    for (const FieldRule& rule : c->field_rules()) {
      for (const Accepted& a : accepted_values(rule)) {
        Record r = valid;
        r.at(rule.column) = a.value;
        auto doc = c->project(r);
        ASSERT_TRUE(doc.has_value()) << s.name << " refused " << describe(rule) << " = \"" << a.value
                                     << "\": " << doc.error().field << " " << doc.error().rule;
        if (rule.kind == FieldKind::kKey) {
          EXPECT_EQ(doc->key, a.value) << s.name << " " << describe(rule);
        } else if (!a.written.empty()) {
          EXPECT_NE(doc->body.find(a.written), std::string::npos)
              << s.name << " " << describe(rule) << ": " << doc->body << " lacks " << a.written;
        }
      }
    }
  }
}

TEST(FieldRules, OptionalRowsLeaveEmptyCellsOut) {
  for (const Made& s : made_targets()) {
    auto c = connector(s.id, s.options);
    for (const FieldRule& rule : c->field_rules()) {
      if (rule.need == Need::kRequired) continue;
      Record r = valid_for(*c);
      r.at(rule.column) = "";
      auto doc = c->project(r);
      ASSERT_TRUE(doc.has_value()) << s.name << " " << describe(rule) << ": " << doc.error().rule;
      const std::string key(rule.member);
      EXPECT_EQ(doc->body.find(fmt::format("\"{}\":", key)), std::string::npos) << s.name << ": " << doc->body;
    }
  }
}

// The table is the one the options make: option `fields` leaves members out, and on Lark the
// mobile is optional.
TEST(FieldRules, ContactUserTableFollowsItsOptions) {
  TargetOptions some;
  some.fields = {"name", "mobile"};
  auto owning_some = connector("contact_user", some);
  std::vector<std::string_view> members;
  for (const FieldRule& rule : owning_some->field_rules()) members.push_back(rule.member);
  EXPECT_EQ(members, (std::vector<std::string_view>{"user_id", "mobile", "name"}));
  // The need of `member` in the table of `c`.
  auto need_of = [](const TargetConnector& c, std::string_view member) {
    for (const FieldRule& rule : c.field_rules()) {
      if (rule.member == member) return rule.need;
    }
    ADD_FAILURE() << member << " is not in the table";
    return Need::kOptional;
  };
  TargetOptions lark;
  lark.tenant = "lark";
  auto on_lark = connector("contact_user", lark);
  EXPECT_EQ(need_of(*on_lark, "mobile"), Need::kOptional);
  EXPECT_EQ(need_of(*on_lark, "name"), Need::kRequired);
  EXPECT_EQ(need_of(*connector("contact_user"), "mobile"), Need::kRequired);
}

// Breaks `column` of `valid` with `value` and expects Invalid naming `field`, its rule holding `part`.
void expect_invalid(const TargetConnector& c, const Record& valid, Field column, std::string_view value,
                    std::string_view field, std::string_view part) {
  Record r = valid;
  r.at(column) = value;
  auto doc = c.project(r);
  ASSERT_FALSE(doc.has_value()) << c.id() << " accepted " << field_name(column) << " = \"" << value << "\"";
  EXPECT_EQ(doc.error().field, field) << field_name(column) << " = \"" << value << "\"";
  EXPECT_NE(doc.error().rule.find(part), std::string::npos)
      << field << ": rule \"" << doc.error().rule << "\" lacks \"" << part << "\"";
}

TEST(FieldRules, ContactUserRefusesItsOwnUserIdAsLeader) {
  expect_invalid(*connector("contact_user"), valid_employee(), Field::kLeaderUserId, "u001", "leader_user_id",
                 "own user_id");
}

TEST(FieldRules, ContactUserRefusesWhatTheApiDocumentsAsMobileAndNameErrors) {
  auto c = connector("contact_user");
  const Record valid = valid_employee();
  expect_invalid(*c, valid, Field::kName, "   ", "name", "41040");
  expect_invalid(*c, valid, Field::kName, "\u3000\u00a0\t", "name", "41040");
  for (const char* mobile : {"12011111111", "+8612011111111", "+861301111111", "+86130111111112"}) {
    expect_invalid(*c, valid, Field::kMobile, mobile, "mobile", "41004");
  }
  // A number outside mainland China needs an e-mail beside it (44020).
  Record foreign = valid_employee();
  foreign.at(Field::kMobile) = "+41446681800";
  expect_invalid(*c, foreign, Field::kEmail, "", "email", "44020");
}

TEST(FieldRules, ContactUserTakesTheMobilesItsTenantTakes) {
  TargetOptions uncertified;
  uncertified.tenant = "uncertified";
  expect_invalid(*connector("contact_user", uncertified), valid_employee(), Field::kMobile, "+41446681800", "mobile",
                 "44019");
  TargetOptions lark;
  lark.tenant = "lark";
  auto c = connector("contact_user", lark);
  Record abroad = valid_employee();
  abroad.at(Field::kMobile) = "+6591234567";
  expect_invalid(*c, abroad, Field::kMobile, "13011111111", "mobile", "44018");
  expect_invalid(*c, abroad, Field::kMobile, "+8613011111111", "mobile", "44018");
  expect_invalid(*c, abroad, Field::kEmail, "", "email", "44020");
  // On Lark a user may have no mobile, as long as it has an e-mail (41009 otherwise).
  Record no_mobile = valid_employee();
  no_mobile.at(Field::kMobile) = "";
  auto doc = c->project(no_mobile);
  ASSERT_TRUE(doc.has_value()) << doc.error().field << ": " << doc.error().rule;
  EXPECT_EQ(doc->body.find("\"mobile\""), std::string::npos) << doc->body;
  expect_invalid(*c, no_mobile, Field::kEmail, "", "mobile", "41009");
  EXPECT_EQ(std::vector<Field>(c->required_columns().begin(), c->required_columns().end()),
            (std::vector<Field>{Field::kUserId, Field::kName, Field::kDepartmentIds, Field::kEmployeeType}));
  // A Feishu tenant still requires the mobile, and its column.
  auto feishu = connector("contact_user");
  EXPECT_EQ(feishu->project(no_mobile).error().field, "mobile");
  EXPECT_EQ(feishu->required_columns().size(), 5u);
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

TEST(FieldRules, NestedMembersNameTheirColumn) {
  expect_invalid(*connector("attendance_face"), valid_employee(), Field::kEmployeeNo, "", "user_setting.user_id",
                 "column employee_no: required");
  expect_invalid(*connector("sophon_person"), valid_employee(), Field::kPersonType, "6", "info.type",
                 "column person_type: not an integer from 1 to 5");
}

TEST(FieldRules, AcsCardWritesTheCardAsANumberAndNoCardAsNothing) {
  auto c = connector("acs_card");
  Record r = valid_employee();
  r.at(Field::kCardNo) = "2147483647";
  auto doc = c->project(r);
  ASSERT_TRUE(doc.has_value());
  EXPECT_EQ(doc->body, R"({"feature":{"card":2147483647}})");
  r.at(Field::kCardNo) = "";
  doc = c->project(r);
  ASSERT_TRUE(doc.has_value());
  EXPECT_EQ(doc->body, "{}");
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
