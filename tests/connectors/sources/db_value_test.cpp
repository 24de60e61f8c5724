#include "connectors/sources/db_value.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

namespace hrsync {
namespace {

std::string real(double v) {
  std::string s;
  if (!append_real(s, v)) return "<refused>";
  return s;
}

std::string decimal(std::string_view text) {
  std::string s;
  if (!append_decimal_text(s, text)) return "<refused>";
  return s;
}

TEST(DbValue, TimeColumnsByDeclaredTypeOrField) {
  EXPECT_TRUE(is_time_column("DATE", Field::kCity));
  EXPECT_TRUE(is_time_column("datetime", Field::kCity));
  EXPECT_TRUE(is_time_column("TIMESTAMP", Field::kCity));
  EXPECT_TRUE(is_time_column("timestamptz", Field::kCity));
  EXPECT_TRUE(is_time_column("", Field::kJoinTime));
  EXPECT_TRUE(is_time_column("TEXT", Field::kFaceKeyUpdateTime));
  EXPECT_FALSE(is_time_column("TEXT", Field::kCity));
  EXPECT_FALSE(is_time_column("", Field::kCardNo));
  EXPECT_FALSE(is_time_column("UPDATED", Field::kCity));
}

TEST(DbValue, WholeRealsPrintAsIntegers) {
  EXPECT_EQ(real(3.0), "3");
  EXPECT_EQ(real(-0.0), "0");
  EXPECT_EQ(real(1e15), "1000000000000000");
  EXPECT_EQ(real(2.5), "2.5");
  EXPECT_EQ(real(0.1), "0.1");
  EXPECT_EQ(real(1e300), "1e+300");
  EXPECT_EQ(real(std::numeric_limits<double>::infinity()), "<refused>");
  EXPECT_EQ(real(std::nan("")), "<refused>");
}

TEST(DbValue, DecimalTextLosesTrailingZeros) {
  EXPECT_EQ(decimal("123.4500"), "123.45");
  EXPECT_EQ(decimal("123.000"), "123");
  EXPECT_EQ(decimal("100"), "100");
  EXPECT_EQ(decimal("-0.000"), "0");
  EXPECT_EQ(decimal("-1.50"), "-1.5");
  EXPECT_EQ(decimal(".5"), "0.5");
  EXPECT_EQ(decimal("+7"), "7");
  EXPECT_EQ(decimal("1e3"), "1000");
  EXPECT_EQ(decimal("NaN"), "<refused>");
  EXPECT_EQ(decimal("Infinity"), "<refused>");
  EXPECT_EQ(decimal("12abc"), "<refused>");
  EXPECT_EQ(decimal(""), "<refused>");
}

TEST(DbValue, TimeTextBecomesUnixSeconds) {
  std::string s;
  EXPECT_TRUE(append_time_text(s, "2021-03-01"));
  EXPECT_EQ(s, "1614556800");
  s.clear();
  EXPECT_TRUE(append_time_text(s, "2021-03-01 17:30:00+08"));
  EXPECT_EQ(s, "1614591000");
  s.clear();
  EXPECT_FALSE(append_time_text(s, "yesterday"));
  EXPECT_EQ(s, "");
}

TEST(DbValue, TextValuesAreCheckedThenAppended) {
  std::string s = "x";
  EXPECT_EQ(append_text_value(s, "name", "张三", false), "");
  EXPECT_EQ(s, "x张三");
  s.clear();
  EXPECT_EQ(append_text_value(s, "join_time", "2021-03-01", true), "");
  EXPECT_EQ(s, "1614556800");
  s.clear();
  EXPECT_EQ(append_text_value(s, "join_time", "", true), "");  // no value stays no value
  EXPECT_EQ(s, "");
  EXPECT_EQ(append_text_value(s, "join_time", "yesterday", true), "column join_time: unparseable timestamp \"yesterday\"");
  EXPECT_EQ(append_text_value(s, "name", "ab\xff", false), "column name: invalid UTF-8 at byte 3 (0xFF)");
  EXPECT_EQ(s, "");
}

TEST(DbValue, QuoteValueCutsAtACharacterBoundary) {
  EXPECT_EQ(quote_value("abc"), "\"abc\"");
  EXPECT_EQ(quote_value("中文字", 4), "\"中…\"");
  EXPECT_EQ(quote_value("abcdef", 3), "\"abc…\"");
}

}  // namespace
}  // namespace hrsync
