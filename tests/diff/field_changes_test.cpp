#include "diff/field_changes.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace hrsync {
namespace {

using Kind = FieldChange::Kind;

std::vector<FieldChange> changes_of(std::string_view before, std::string_view after) {
  auto r = field_changes(before, after);
  EXPECT_TRUE(r.has_value()) << r.error().str();
  return r ? *r : std::vector<FieldChange>{};
}

TEST(FieldChanges, IdenticalDocumentsHaveNoChanges) {
  const std::string_view body = R"({"info":{"name":"张三","type":1},"identity_id":"E1"})";
  EXPECT_TRUE(changes_of(body, body).empty());
}

TEST(FieldChanges, NamesNestedFieldsByDottedPath) {
  const auto changes = changes_of(R"({"identity_id":"E1","info":{"name":"张三","type":1}})",
                                  R"({"identity_id":"E1","info":{"name":"张四","type":2}})");
  const std::vector<FieldChange> expected = {
      {"info.name", "张三", "张四", Kind::kChanged},
      {"info.type", "1", "2", Kind::kChanged},
  };
  EXPECT_EQ(changes, expected);
}

TEST(FieldChanges, ReportsAddedAndRemovedFieldsInPathOrder) {
  const auto changes = changes_of(R"({"city":"Beijing","en_name":"San","name":"张三"})",
                                  R"({"name":"张三","nickname":"Alex","work_station":"F1"})");
  const std::vector<FieldChange> expected = {
      {"city", "Beijing", "", Kind::kRemoved},
      {"en_name", "San", "", Kind::kRemoved},
      {"nickname", "", "Alex", Kind::kAdded},
      {"work_station", "", "F1", Kind::kAdded},
  };
  EXPECT_EQ(changes, expected);
}

TEST(FieldChanges, ComparesArraysAsAWholeAndShowsThemAsJson) {
  const auto changes = changes_of(R"({"department_ids":["od-1","od-2"],"info":{"permission_ids":["1"]}})",
                                  R"({"department_ids":["od-2","od-1"],"info":{"permission_ids":["1"]}})");
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].path, "department_ids");
  EXPECT_EQ(changes[0].before, R"(["od-1","od-2"])");
  EXPECT_EQ(changes[0].after, R"(["od-2","od-1"])");
}

TEST(FieldChanges, TellsAStringFromANumberWithTheSameText) {
  const auto changes = changes_of(R"({"gender":"1","mobile_visible":true})", R"({"gender":1,"mobile_visible":false})");
  ASSERT_EQ(changes.size(), 2u);
  EXPECT_EQ(changes[0], (FieldChange{"gender", "1", "1", Kind::kChanged}));
  EXPECT_EQ(changes[1], (FieldChange{"mobile_visible", "true", "false", Kind::kChanged}));
}

TEST(FieldChanges, AnObjectReplacingAScalarShowsAsRemovedAndAdded) {
  const auto changes = changes_of(R"({"a":1,"b":{}})", R"({"a":{"x":1},"b":{}})");
  const std::vector<FieldChange> expected = {
      {"a", "1", "", Kind::kRemoved},
      {"a.x", "", "1", Kind::kAdded},
  };
  EXPECT_EQ(changes, expected);
}

TEST(FieldChanges, ANewEntityHasEveryFieldAdded) {
  const auto changes = changes_of("", R"({"user_setting":{"face_key":"ab12cd34ef56ab12cd34ef56ab12cd34","user_id":"E1"}})");
  const std::vector<FieldChange> expected = {
      {"user_setting.face_key", "", "ab12…cd34", Kind::kAdded},
      {"user_setting.user_id", "", "E1", Kind::kAdded},
  };
  EXPECT_EQ(changes, expected);
}

TEST(FieldChanges, MasksPersonalFieldsOnBothSides) {
  const auto changes = changes_of(
      R"({"email":"zhangsan@example.com","enterprise_email":"san.zhang@corp.example","feature":{"card":12345678},"mobile":"+8613011111111"})",
      R"({"email":"lisiwang@example.com","enterprise_email":"si.li@corp.example","feature":{"card":87654321},"mobile":"+8613122222222"})");
  const std::vector<FieldChange> expected = {
      {"email", "zh…@example.com", "li…@example.com", Kind::kChanged},
      {"enterprise_email", "sa…@corp.example", "si…@corp.example", Kind::kChanged},
      {"feature.card", "12…78", "87…21", Kind::kChanged},
      {"mobile", "+86130…11", "+86131…22", Kind::kChanged},
  };
  EXPECT_EQ(changes, expected);
  for (const auto& c : changes) {
    EXPECT_EQ(c.before.find("zhangsan"), std::string::npos);
    EXPECT_EQ(c.after.find("13122222222"), std::string::npos);
  }
}

TEST(FieldChanges, MalformedJsonIsAnErrorNamingTheDocument) {
  auto bad_after = field_changes(R"({"a":1})", R"({"a":)");
  ASSERT_FALSE(bad_after.has_value());
  EXPECT_EQ(bad_after.error().kind, Error::Kind::kInput);
  EXPECT_EQ(bad_after.error().where, "after document");

  auto bad_before = field_changes("{\"a\":\"unterminated}", R"({"a":1})");
  ASSERT_FALSE(bad_before.has_value());
  EXPECT_EQ(bad_before.error().where, "before document");

  auto not_object = field_changes(R"([1,2])", R"({"a":1})");
  ASSERT_FALSE(not_object.has_value());
  EXPECT_NE(not_object.error().message.find("not a JSON object"), std::string::npos);

  auto garbage = field_changes(std::string_view("\xff\xfe\0", 3), R"({"a":1})");
  EXPECT_FALSE(garbage.has_value());
}

TEST(MaskValue, MobileKeepsCountryCodeAndLastTwoDigits) {
  EXPECT_EQ(mask_value("mobile", "+8613011111111"), "+86130…11");
  EXPECT_EQ(mask_value("mobile", "13011112345"), "130…45");
  EXPECT_EQ(mask_value("mobile", "+41446681800"), "+41446…00");
}

TEST(MaskValue, EmailKeepsTwoLettersAndTheDomain) {
  EXPECT_EQ(mask_value("email", "zhangsan@example.com"), "zh…@example.com");
  EXPECT_EQ(mask_value("enterprise_email", "wangwu@corp.example"), "wa…@corp.example");
  EXPECT_EQ(mask_value("email", "ab@example.com"), "…@example.com");
  EXPECT_EQ(mask_value("email", "not-an-address"), "no…ss");
}

TEST(MaskValue, CardNumbersKeepTwoDigitsEachSide) {
  EXPECT_EQ(mask_value("card_no", "12345678"), "12…78");
  EXPECT_EQ(mask_value("feature.card", "1234567890"), "12…90");
  EXPECT_EQ(mask_value("card", "123456"), "1…56");
}

TEST(MaskValue, FaceKeyKeepsFourCharactersEachSide) {
  EXPECT_EQ(mask_value("user_setting.face_key", "xxxxxb306842b1c189bc5212eefxxxxy"), "xxxx…xxxy");
}

TEST(MaskValue, PhotosShowOnlyAHashAndASize) {
  const std::string photo(3000, 'Q');
  const auto masked = mask_value("reg_photo", photo);
  EXPECT_EQ(masked.rfind("photo#", 0), 0u) << masked;
  EXPECT_NE(masked.find("(3000 bytes)"), std::string::npos) << masked;
  EXPECT_EQ(masked.find("QQ"), std::string::npos);
  EXPECT_NE(mask_value("reg_photo", photo + "R"), masked);
  EXPECT_EQ(mask_value("reg_photo", photo), masked);
  EXPECT_EQ(mask_value("photo", "photos/E1.jpg").rfind("photo#", 0), 0u);
}

TEST(MaskValue, ShortValuesAreHiddenWhole) {
  EXPECT_EQ(mask_value("card_no", "123"), "…");
  EXPECT_EQ(mask_value("mobile", "12"), "…");
  EXPECT_EQ(mask_value("mobile", ""), "");
}

TEST(MaskValue, NeverCutsAMultiByteCharacter) {
  EXPECT_EQ(mask_value("email", "张三丰abc@例子.公司"), "张三…@例子.公司");
  EXPECT_EQ(mask_value("card_no", "卡号一二三四五六"), "卡号…五六");
}

TEST(MaskValue, OtherFieldsPassThrough) {
  EXPECT_FALSE(is_personal_field("info.name"));
  EXPECT_TRUE(is_personal_field("user_setting.face_key"));
  EXPECT_TRUE(is_personal_field("feature.card"));
  EXPECT_FALSE(is_personal_field("mobile_visible"));
  EXPECT_EQ(mask_value("info.name", "张三"), "张三");
  EXPECT_EQ(mask_value("user_id", "ou_7dab8a3d3cdcc9da365777c7ad535d62"), "ou_7dab8a3d3cdcc9da365777c7ad535d62");
}

}  // namespace
}  // namespace hrsync
