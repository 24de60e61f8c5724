// ASCII case: prefixes compared without regard to the case of ASCII letters only.
#include "base/ascii_case.h"

#include <gtest/gtest.h>

namespace hrsync {
namespace {

TEST(AsciiCase, PrefixesMatchInAnyCase) {
  EXPECT_TRUE(starts_with_ignoring_case("HTTPS://open.feishu.cn", "https://"));
  EXPECT_TRUE(starts_with_ignoring_case("timestamptz", "TIMESTAMP"));
  EXPECT_TRUE(starts_with_ignoring_case("Date", "DATE"));
  EXPECT_TRUE(starts_with_ignoring_case("anything", ""));
  EXPECT_FALSE(starts_with_ignoring_case("http://", "https://"));
  EXPECT_FALSE(starts_with_ignoring_case("DAT", "DATE"));
  EXPECT_FALSE(starts_with_ignoring_case("É", "é"));  // only ASCII letters fold
  EXPECT_EQ(ascii_lower('Q'), 'q');
  EXPECT_EQ(ascii_lower('['), '[');
}

}  // namespace
}  // namespace hrsync
