#include "engine/run/retry_budget.h"

#include <gtest/gtest.h>

namespace hrsync {
namespace {

TEST(RetryBudget, EverythingFailingStopsRetryingAtHalfTheBucket) {
  RetryBudget budget(10, 1);
  unsigned allowed = 0;
  for (int i = 0; i < 1000; ++i) allowed += budget.on_failure() ? 1 : 0;
  EXPECT_EQ(allowed, 4u);  // tokens 9, 8, 7, 6 are above 5; 5 is not
  EXPECT_EQ(budget.retries(), 4u);
  EXPECT_DOUBLE_EQ(budget.tokens(), 0);  // never below zero
}

TEST(RetryBudget, SuccessesRefillItUpToTheBucket) {
  RetryBudget budget(10, 0.5);
  for (int i = 0; i < 10; ++i) budget.on_failure();
  EXPECT_FALSE(budget.on_failure());
  for (int i = 0; i < 13; ++i) budget.on_success();  // 0 + 6.5
  EXPECT_DOUBLE_EQ(budget.tokens(), 6.5);
  EXPECT_TRUE(budget.on_failure());                  // 5.5 > 5
  EXPECT_FALSE(budget.on_failure());                 // 4.5
  for (int i = 0; i < 100; ++i) budget.on_success();
  EXPECT_DOUBLE_EQ(budget.tokens(), 10);             // capped
}

TEST(RetryBudget, ARunThatMostlySucceedsNeverRunsOut) {
  // A long run where a third of the answers are transient failures, whatever the bucket's size.
  RetryBudget budget(4, 1);
  for (int i = 0; i < 300000; ++i) {
    if (i % 3 == 0) {
      ASSERT_TRUE(budget.on_failure()) << "answer " << i;
    } else {
      budget.on_success();
    }
  }
  EXPECT_EQ(budget.retries(), 100000u);
}

TEST(RetryBudget, ZeroAllowsNoRetry) {
  RetryBudget budget(0, 1);
  EXPECT_FALSE(budget.on_failure());
  budget.on_success();
  EXPECT_FALSE(budget.on_failure());
  EXPECT_EQ(budget.retries(), 0u);
}

}  // namespace
}  // namespace hrsync
