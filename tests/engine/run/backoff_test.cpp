#include "engine/run/backoff.h"

#include <gtest/gtest.h>

namespace hrsync {
namespace {

using namespace std::chrono_literals;

TEST(Backoff, CeilingDoublesUpToTheCap) {
  Backoff backoff(0.5, 30.0);
  EXPECT_DOUBLE_EQ(backoff.ceiling_s(0), 0.5);
  EXPECT_DOUBLE_EQ(backoff.ceiling_s(1), 1.0);
  EXPECT_DOUBLE_EQ(backoff.ceiling_s(5), 16.0);
  EXPECT_DOUBLE_EQ(backoff.ceiling_s(6), 30.0);
  EXPECT_DOUBLE_EQ(backoff.ceiling_s(1000), 30.0);  // no overflow far out
}

TEST(Backoff, CeilingGrowsByTheGivenFactor) {
  Backoff backoff(2.0, 100.0, 3.0);
  EXPECT_DOUBLE_EQ(backoff.ceiling_s(0), 2.0);
  EXPECT_DOUBLE_EQ(backoff.ceiling_s(1), 6.0);
  EXPECT_DOUBLE_EQ(backoff.ceiling_s(2), 18.0);
  EXPECT_DOUBLE_EQ(backoff.ceiling_s(3), 54.0);
  EXPECT_DOUBLE_EQ(backoff.ceiling_s(4), 100.0);
  EXPECT_DOUBLE_EQ(backoff.ceiling_s(1000), 100.0);
}

TEST(Backoff, DelaysStayInsideTheFullJitterRange) {
  Backoff backoff(0.5, 30.0);
  std::mt19937_64 rng(42);
  for (unsigned attempt = 0; attempt < 12; ++attempt) {
    auto ceiling = seconds_to_duration(backoff.ceiling_s(attempt));
    for (int i = 0; i < 500; ++i) {
      auto delay = backoff.delay(attempt, rng);
      EXPECT_GE(delay, Clock::duration::zero());
      EXPECT_LE(delay, ceiling) << "attempt " << attempt;
    }
  }
}

TEST(Backoff, DelaysSpreadOverTheWholeRange) {
  // Full jitter: draws cover the range rather than clustering at the ceiling.
  Backoff backoff(1.0, 100.0);
  std::mt19937_64 rng(7);
  int low = 0;
  int high = 0;
  for (int i = 0; i < 2000; ++i) {
    auto delay = backoff.delay(3, rng);  // ceiling 8 s
    if (delay < 2s) ++low;
    if (delay > 6s) ++high;
  }
  EXPECT_GT(low, 300);   // about a quarter each
  EXPECT_GT(high, 300);
}

TEST(Backoff, AFloorRaisesEveryDrawToIt) {
  Backoff backoff(2.0, 30.0, 2, 1.0);
  EXPECT_DOUBLE_EQ(backoff.floor_s(), 1.0);
  for (std::uint64_t seed = 0; seed < 200; ++seed) {
    std::mt19937_64 rng(seed);
    auto first = backoff.delay(0, rng);
    EXPECT_GE(first, 1s) << "seed " << seed;
    EXPECT_LE(first, 2s) << "seed " << seed;
  }
  // A floor above the cap is the cap; a zero ceiling still waits the floor.
  EXPECT_DOUBLE_EQ(Backoff(2.0, 0.5, 2, 1.0).floor_s(), 0.5);
  std::mt19937_64 rng(1);
  EXPECT_EQ(Backoff(0, 30.0, 2, 1.0).delay(0, rng), 1s);
}

TEST(Backoff, SameSeedSameDelays) {
  Backoff backoff(0.5, 30.0);
  std::mt19937_64 a(99);
  std::mt19937_64 b(99);
  std::mt19937_64 c(100);
  bool differs = false;
  for (unsigned attempt = 0; attempt < 8; ++attempt) {
    auto da = backoff.delay(attempt, a);
    EXPECT_EQ(da, backoff.delay(attempt, b));
    differs = differs || da != backoff.delay(attempt, c);
  }
  EXPECT_TRUE(differs);
}

TEST(Backoff, ZeroBaseMeansNoDelay) {
  Backoff backoff(0.0, 30.0);
  std::mt19937_64 rng(1);
  EXPECT_EQ(backoff.delay(4, rng), Clock::duration::zero());
}

}  // namespace
}  // namespace hrsync
