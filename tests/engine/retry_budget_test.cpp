#include "engine/run/retry_budget.h"

#include <gtest/gtest.h>

namespace hrsync {
namespace {

TEST(RetryBudget, SpendsUntilEmpty) {
  RetryBudget budget(3);
  EXPECT_EQ(budget.remaining(), 3u);
  EXPECT_TRUE(budget.try_spend());
  EXPECT_TRUE(budget.try_spend());
  EXPECT_TRUE(budget.try_spend());
  EXPECT_FALSE(budget.try_spend());
  EXPECT_FALSE(budget.try_spend());
  EXPECT_EQ(budget.used(), 3u);
  EXPECT_EQ(budget.remaining(), 0u);
}

TEST(RetryBudget, ZeroAllowsNoRetry) {
  RetryBudget budget(0);
  EXPECT_FALSE(budget.try_spend());
  EXPECT_EQ(budget.used(), 0u);
}

}  // namespace
}  // namespace hrsync
