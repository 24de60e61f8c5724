#include "connectors/sources/column_map.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace hrsync {
namespace {

using Names = std::vector<std::string>;

TEST(ColumnMap, MapsCanonicalNamesAndIgnoresOthers) {
  const Names names = {"employee_no", "extra", "mobile", "Name"};
  const auto map = map_columns(names, SourceOptions{}, "src");
  ASSERT_TRUE(map) << map.error().str();
  ASSERT_EQ(map->fields.size(), 4u);
  EXPECT_EQ(map->fields[0], Field::kEmployeeNo);
  EXPECT_EQ(map->fields[1], std::nullopt);
  EXPECT_EQ(map->fields[2], Field::kMobile);
  EXPECT_EQ(map->fields[3], std::nullopt);  // names match exactly
  EXPECT_EQ(map->column_of(Field::kMobile), 2u);
  EXPECT_EQ(map->column_of(Field::kName), std::nullopt);
  EXPECT_EQ(map->describe_column(2), "3 (mobile)");
}

TEST(ColumnMap, RenamedFieldIsFoundOnlyUnderItsNewName) {
  SourceOptions o;
  o.renames = {{Field::kName, "姓名"}, {Field::kEmail, "mobile"}};
  const Names names = {"employee_no", "name", "姓名", "mobile"};
  const auto map = map_columns(names, o, "src");
  ASSERT_TRUE(map) << map.error().str();
  EXPECT_EQ(map->fields[1], std::nullopt);
  EXPECT_EQ(map->fields[2], Field::kName);
  EXPECT_EQ(map->fields[3], Field::kEmail);  // the rename wins over the canonical name
  EXPECT_EQ(map->column_of(Field::kMobile), std::nullopt);
}

TEST(ColumnMap, RequiredAndKeyColumnsMustBePresent) {
  SourceOptions o;
  o.required = {Field::kName};
  const auto no_name = map_columns(Names{"employee_no", "mobile"}, o, "hr.csv");
  ASSERT_FALSE(no_name);
  EXPECT_EQ(no_name.error().kind, Error::Kind::kInput);
  EXPECT_EQ(no_name.error().where, "hr.csv");
  EXPECT_EQ(no_name.error().message, "required column \"name\" is missing; found: employee_no, mobile");

  const auto no_key = map_columns(Names{"name"}, o, "hr.csv");
  ASSERT_FALSE(no_key);
  EXPECT_NE(no_key.error().message.find("\"employee_no\""), std::string::npos);

  SourceOptions groups;
  groups.entity = Entity::kGroups;
  EXPECT_TRUE(map_columns(Names{"group_id"}, groups, "g"));
  EXPECT_FALSE(map_columns(Names{"employee_no"}, groups, "g"));
}

TEST(ColumnMap, EmptyHeaderIsListedAsNoColumns) {
  const auto map = map_columns(Names{}, SourceOptions{}, "x");
  ASSERT_FALSE(map);
  EXPECT_NE(map.error().message.find("found: no columns"), std::string::npos);
}

TEST(ColumnMap, TwoColumnsForOneFieldIsAnError) {
  SourceOptions o;
  o.renames = {{Field::kName, "姓名"}};
  const auto map = map_columns(Names{"employee_no", "姓名", "x", "姓名"}, o, "x");
  ASSERT_FALSE(map);
  EXPECT_NE(map.error().message.find("columns 2 and 4"), std::string::npos) << map.error().message;
}

TEST(ColumnMap, ContradictoryRenamesAreConfigErrors) {
  SourceOptions twice;
  twice.renames = {{Field::kName, "a"}, {Field::kName, "b"}};
  const auto a = map_columns(Names{"employee_no", "a"}, twice, "x");
  ASSERT_FALSE(a);
  EXPECT_EQ(a.error().kind, Error::Kind::kConfig);

  SourceOptions same;
  same.renames = {{Field::kName, "a"}, {Field::kEmail, "a"}};
  const auto b = map_columns(Names{"employee_no", "a"}, same, "x");
  ASSERT_FALSE(b);
  EXPECT_EQ(b.error().kind, Error::Kind::kConfig);
  EXPECT_NE(b.error().message.find("both renamed to \"a\""), std::string::npos);
}

}  // namespace
}  // namespace hrsync
