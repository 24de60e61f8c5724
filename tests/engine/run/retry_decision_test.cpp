// The retry decision without sockets or a clock: each verdict, with the attempts and budget an
// entity has used, gives one decision.
#include "engine/run/retry_decision.h"

#include <gtest/gtest.h>

namespace hrsync {
namespace {

using Kind = RetryDecision::Kind;

constexpr double kNow = 1'796'000'000;  // a Unix time in 2026

Verdict verdict(Disposition d, std::string message = "msg", bool documented = true) {
  Verdict v;
  v.disposition = d;
  v.message = std::move(message);
  v.documented = documented;
  return v;
}

class RetryDecisionTest : public ::testing::Test {
 protected:
  RetryDecisionTest() {
    retry.max_attempts = 3;
    retry.base_delay_s = 0.5;
    retry.max_delay_s = 30;
    retry.budget = 100;
    retry.max_pause_s = 60;
  }

  RetryPolicy policy(unsigned max_throttled = 2) const {
    return RetryPolicy(retry, RetryPolicyOptions{.max_throttled = max_throttled,
                                                 .default_reset_s = 1.0,
                                                 .unix_now = [] { return kNow; }});
  }

  RetryDecision decide(const RetryPolicy& p, const Verdict& v) { return p.decide(v, attempts, budget, "t", rng); }

  RetryConfig retry;
  RetryAttempts attempts;
  RetryBudget budget{100, 1};
  std::mt19937_64 rng{1};
};

TEST_F(RetryDecisionTest, ASuccessIsAppliedAndRefillsTheBudget) {
  budget.on_failure();
  const double before = budget.tokens();
  const RetryDecision d = decide(policy(), verdict(Disposition::kSuccess));
  EXPECT_EQ(d.kind, Kind::kApplied);
  EXPECT_FALSE(d.pause);
  EXPECT_GT(budget.tokens(), before);
}

TEST_F(RetryDecisionTest, APermanentRefusalGivesUpAtOnceAndCountsForTheServiceOnlyWhenUndocumented) {
  const RetryDecision documented = decide(policy(), verdict(Disposition::kPermanent, "bad mobile"));
  EXPECT_EQ(documented.kind, Kind::kGiveUp);
  EXPECT_EQ(documented.reason, "bad mobile");
  EXPECT_FALSE(documented.sick);
  const RetryDecision unknown = decide(policy(), verdict(Disposition::kPermanent, "proxy page", false));
  EXPECT_TRUE(unknown.sick);
  EXPECT_EQ(attempts.tries, 0u);
}

TEST_F(RetryDecisionTest, ANotFoundAnswerIsAbsentNotAFailureAndUsesNothingUp) {
  Verdict gone = verdict(Disposition::kPermanent, "user not found");
  gone.absent = true;
  const double before = budget.tokens();
  const RetryDecision d = decide(policy(), gone);
  EXPECT_EQ(d.kind, Kind::kAbsent);
  EXPECT_EQ(d.reason, "user not found");
  EXPECT_FALSE(d.sick);
  EXPECT_FALSE(d.pause);
  EXPECT_EQ(attempts.tries, 0u);
  EXPECT_EQ(budget.tokens(), before);
}

TEST_F(RetryDecisionTest, ATransientFailureBacksOffUntilMaxAttempts) {
  const RetryPolicy p = policy();
  RetryDecision first = decide(p, verdict(Disposition::kRetry, "busy"));
  EXPECT_EQ(first.kind, Kind::kRetryAfter);
  EXPECT_LT(first.delay, seconds_to_duration(0.5));  // full jitter below the base delay
  RetryDecision second = decide(p, verdict(Disposition::kRetry, "busy"));
  EXPECT_EQ(second.kind, Kind::kRetryAfter);
  EXPECT_LT(second.delay, seconds_to_duration(1.0));
  RetryDecision third = decide(p, verdict(Disposition::kRetry, "busy"));
  EXPECT_EQ(third.kind, Kind::kGiveUp);
  EXPECT_EQ(third.reason, "gave up after 3 attempts: busy");
  EXPECT_TRUE(third.sick);
}

TEST_F(RetryDecisionTest, ACodesOwnBackoffStartsFromItsFirstDelayOrTheConfiguredLockDelay) {
  Verdict lock = verdict(Disposition::kRetry, "lock");
  lock.backoff = RetryDelay{.first_s = 2.0, .growth = 2};
  retry.max_attempts = 100;
  retry.base_delay_s = 0;  // the job's own backoff would not wait at all
  Clock::duration longest{};
  for (int i = 0; i < 20; ++i) {
    RetryAttempts fresh;
    RetryDecision d = policy().decide(lock, fresh, budget, "t", rng);
    ASSERT_EQ(d.kind, Kind::kRetryAfter);
    EXPECT_LT(d.delay, seconds_to_duration(2.0));
    longest = std::max(longest, d.delay);
  }
  EXPECT_GT(longest, seconds_to_duration(0.5));
  retry.lock_delay_s = 0.01;
  RetryAttempts fresh;
  EXPECT_LT(policy().decide(lock, fresh, budget, "t", rng).delay, seconds_to_duration(0.01));
}

TEST_F(RetryDecisionTest, ACodesFloorHoldsUnlessTheConfiguredLockDelayIsShorter) {
  Verdict lock = verdict(Disposition::kRetry, "lock");
  lock.backoff = RetryDelay{.first_s = 2.0, .growth = 2, .floor_s = 1.0};
  retry.max_attempts = 100;
  for (int i = 0; i < 40; ++i) {  // the budget of 100 allows some 50
    RetryAttempts fresh;
    const RetryDecision d = policy().decide(lock, fresh, budget, "t", rng);
    ASSERT_EQ(d.kind, Kind::kRetryAfter);
    EXPECT_GE(d.delay, seconds_to_duration(1.0));
  }
  retry.lock_delay_s = 0.01;  // an explicit first delay wins over the floor
  RetryAttempts fresh;
  EXPECT_LE(policy().decide(lock, fresh, budget, "t", rng).delay, seconds_to_duration(0.01));
}

TEST_F(RetryDecisionTest, ASpentBudgetGivesUpSayingSo) {
  RetryBudget small(2, 1);  // the first failure leaves 1 of 2: not more than half
  const RetryDecision d = policy().decide(verdict(Disposition::kRetry, "busy"), attempts, small, "acs_card", rng);
  EXPECT_EQ(d.kind, Kind::kGiveUp);
  EXPECT_EQ(d.reason,
            "not retried: target acs_card's retry budget is spent (its transient failures outran its successes by "
            "half of retry.budget, 100): busy");
  EXPECT_TRUE(d.sick);
}

TEST_F(RetryDecisionTest, AThrottlePausesTheLaneForTheAnnouncedResetWithTheAnnouncedLimit) {
  Verdict v = verdict(Disposition::kRateLimited, "slow down");
  v.reset_s = 3;
  v.announced_limit = 40;
  const RetryDecision d = decide(policy(), v);
  EXPECT_EQ(d.kind, Kind::kPauseLane);
  ASSERT_TRUE(d.pause);
  EXPECT_DOUBLE_EQ(d.pause->seconds, 3);
  EXPECT_FALSE(d.pause->bounded);
  EXPECT_EQ(d.pause->announced_limit, 40u);
  EXPECT_EQ(attempts.tries, 0u);  // throttles do not count against max_attempts
  EXPECT_DOUBLE_EQ(budget.tokens(), 100);  // nor against the budget
}

TEST_F(RetryDecisionTest, AThrottleWithoutResetPausesTheDefaultAndAnAbsurdOneIsBounded) {
  const RetryDecision plain = decide(policy(), verdict(Disposition::kRateLimited));
  ASSERT_TRUE(plain.pause);
  EXPECT_DOUBLE_EQ(plain.pause->seconds, 1.0);
  Verdict unix_time = verdict(Disposition::kRateLimited);
  unix_time.reset_s = kNow + 4;
  const RetryDecision bounded = decide(policy(10), unix_time);
  ASSERT_TRUE(bounded.pause);
  EXPECT_DOUBLE_EQ(bounded.pause->seconds, 4);
  EXPECT_TRUE(bounded.pause->bounded);
  EXPECT_EQ(bounded.pause->asked_s, kNow + 4);
}

TEST_F(RetryDecisionTest, TooManyThrottlesGiveUpButStillPauseTheLane) {
  const RetryPolicy p = policy(2);
  const Verdict v = verdict(Disposition::kRateLimited, "slow down");
  EXPECT_EQ(decide(p, v).kind, Kind::kPauseLane);
  EXPECT_EQ(decide(p, v).kind, Kind::kPauseLane);
  const RetryDecision third = decide(p, v);
  EXPECT_EQ(third.kind, Kind::kGiveUp);
  EXPECT_EQ(third.reason, "throttled 3 times: slow down");
  EXPECT_TRUE(third.sick);
  EXPECT_TRUE(third.pause);
}

TEST_F(RetryDecisionTest, ARefusedTokenIsRefreshedOnceThenGivesUp) {
  const RetryPolicy p = policy();
  const Verdict v = verdict(Disposition::kRefreshToken, "token invalid");
  EXPECT_EQ(decide(p, v).kind, Kind::kRefreshToken);
  EXPECT_TRUE(attempts.refreshed);
  const RetryDecision again = decide(p, v);
  EXPECT_EQ(again.kind, Kind::kGiveUp);
  EXPECT_EQ(again.reason, "token invalid (refused again with a fresh token)");
  EXPECT_TRUE(again.sick);
}

TEST_F(RetryDecisionTest, ARefusedTokenOnTheLastAttemptGivesUp) {
  attempts.tries = 2;
  const RetryDecision d = decide(policy(), verdict(Disposition::kRefreshToken, "token invalid"));
  EXPECT_EQ(d.kind, Kind::kGiveUp);
  EXPECT_EQ(d.reason, "token invalid");
}

}  // namespace
}  // namespace hrsync
