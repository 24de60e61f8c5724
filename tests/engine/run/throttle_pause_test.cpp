#include "engine/run/throttle_pause.h"

#include <limits>

#include <gtest/gtest.h>

namespace hrsync {
namespace {

constexpr double kNow = 1'796'000'000;  // a Unix time in 2026
constexpr double kDefault = 1;
constexpr double kMax = 60;

ThrottlePause pause(std::optional<double> reset) { return throttle_pause(reset, kNow, kDefault, kMax); }

TEST(ThrottlePause, NoHeaderWaitsTheDefault) {
  EXPECT_DOUBLE_EQ(pause(std::nullopt).seconds, kDefault);
  EXPECT_FALSE(pause(std::nullopt).bounded);
}

TEST(ThrottlePause, AResetUpToTheCapIsTakenAsAsked) {
  EXPECT_DOUBLE_EQ(pause(0).seconds, 0);
  EXPECT_DOUBLE_EQ(pause(3).seconds, 3);
  EXPECT_DOUBLE_EQ(pause(60).seconds, 60);
  EXPECT_FALSE(pause(60).bounded);
}

TEST(ThrottlePause, AResetBeyondTheCapIsCapped) {
  EXPECT_DOUBLE_EQ(pause(61).seconds, kMax);
  EXPECT_DOUBLE_EQ(pause(3600).seconds, kMax);
  EXPECT_DOUBLE_EQ(pause(86400).seconds, kMax);
  EXPECT_TRUE(pause(3600).bounded);
}

TEST(ThrottlePause, AUnixTimeIsReadAsAPointInTime) {
  EXPECT_DOUBLE_EQ(pause(kNow + 5).seconds, 5);          // five seconds from now
  EXPECT_TRUE(pause(kNow + 5).bounded);
  EXPECT_DOUBLE_EQ(pause(kNow + 7200).seconds, kMax);    // two hours from now: the cap
  EXPECT_DOUBLE_EQ(pause(kNow).seconds, kDefault);       // now, or already past: the default
  EXPECT_DOUBLE_EQ(pause(kNow - 30).seconds, kDefault);
}

TEST(ThrottlePause, AnAbsurdValueWaitsTheDefault) {
  EXPECT_DOUBLE_EQ(pause(1e9).seconds, kDefault);   // 31 years, and not a time of today
  EXPECT_TRUE(pause(1e9).bounded);
  EXPECT_DOUBLE_EQ(pause(1e18).seconds, kDefault);
}

TEST(ThrottlePause, NotANumberWaitsTheDefault) {
  EXPECT_DOUBLE_EQ(pause(std::numeric_limits<double>::infinity()).seconds, kDefault);
  EXPECT_DOUBLE_EQ(pause(std::numeric_limits<double>::quiet_NaN()).seconds, kDefault);
  EXPECT_DOUBLE_EQ(pause(-4).seconds, kDefault);
}

}  // namespace
}  // namespace hrsync
