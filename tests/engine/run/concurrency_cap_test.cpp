#include "engine/run/concurrency_cap.h"

#include <gtest/gtest.h>

namespace hrsync {
namespace {

TEST(ConcurrencyCapTest, AFixedNumberNeverMoves) {
  ConcurrencyCap cap = ConcurrencyCap::of(8u, 50);
  EXPECT_FALSE(cap.automatic());
  EXPECT_EQ(cap.limit(), 8u);
  cap.observe(2.0, 50);
  cap.observe(0.001, 50);
  EXPECT_EQ(cap.limit(), 8u);
  EXPECT_EQ(cap.peak(), 8u);
}

TEST(ConcurrencyCapTest, AutoStartsFromTheFirstGuessOfARoundTrip) {
  // 50/s x 100 ms x 1.5 = 7.5 -> 8, plus 1.
  ConcurrencyCap cap = ConcurrencyCap::of(std::nullopt, 50);
  EXPECT_TRUE(cap.automatic());
  EXPECT_EQ(cap.limit(), 9u);
}

TEST(ConcurrencyCapTest, AutoGrowsWithRateTimesRoundTrip) {
  ConcurrencyCap cap = ConcurrencyCap::automatic(50);
  cap.observe(0.2, 50);  // the first measure replaces the guess: 50 x 0.2 x 1.5 + 1
  EXPECT_EQ(cap.limit(), 16u);
  ConcurrencyCap faster = ConcurrencyCap::automatic(100);
  faster.observe(0.2, 100);
  EXPECT_EQ(faster.limit(), 31u);
  ConcurrencyCap lan = ConcurrencyCap::automatic(36);
  lan.observe(0.1, 36);  // a box on the LAN: 36 x 0.1 x 1.5 = 5.4 -> 6, plus 1
  EXPECT_EQ(lan.limit(), 7u);
}

TEST(ConcurrencyCapTest, AutoFollowsTheAverageRoundTripBothWays) {
  ConcurrencyCap cap = ConcurrencyCap::automatic(50);
  cap.observe(0.02, 50);
  EXPECT_EQ(cap.limit(), 3u);  // 1.5 -> 2, plus 1
  for (int i = 0; i < 50; ++i) cap.observe(0.2, 50);
  EXPECT_EQ(cap.limit(), 16u);
  EXPECT_EQ(cap.peak(), 16u);
  for (int i = 0; i < 50; ++i) cap.observe(0.02, 50);
  EXPECT_EQ(cap.limit(), 3u);
  EXPECT_EQ(cap.peak(), 16u) << "the peak stays";
  // One slow answer among fast ones moves the cap a little, not to its own size.
  cap.observe(1.0, 50);
  EXPECT_LT(cap.limit(), 20u);
}

TEST(ConcurrencyCapTest, AutoStaysBetweenItsFloorAndCeiling) {
  ConcurrencyCap slow = ConcurrencyCap::automatic(1000);
  slow.observe(5.0, 1000);
  EXPECT_EQ(slow.limit(), 64u);
  ConcurrencyCap unlimited = ConcurrencyCap::automatic(0);  // a lane without tiers
  EXPECT_EQ(unlimited.limit(), 64u);
  ConcurrencyCap trickle = ConcurrencyCap::automatic(1);
  trickle.observe(0.001, 1);
  EXPECT_EQ(trickle.limit(), 2u);
  ConcurrencyCap narrow = ConcurrencyCap::automatic(1000, AutoConcurrencyOptions{.floor = 3, .ceiling = 10});
  narrow.observe(1.0, 1000);
  EXPECT_EQ(narrow.limit(), 10u);
  narrow.observe(-1.0, 1000);  // no such round trip: ignored
  EXPECT_EQ(narrow.limit(), 10u);
}

TEST(ConcurrencyCapTest, TheFastestTierIsTheLanesRate) {
  const RateTier tiers[] = {RateTier{50, 1}, RateTier{1000, 60}};
  EXPECT_DOUBLE_EQ(fastest_rate(tiers), 50.0);
  const RateTier windowed[] = {RateTier{5, 10}};
  EXPECT_DOUBLE_EQ(fastest_rate(windowed), 0.5);
  EXPECT_DOUBLE_EQ(fastest_rate({}), 0.0);
}

}  // namespace
}  // namespace hrsync
