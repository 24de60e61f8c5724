#include "engine/run/executor.h"

#include <algorithm>
#include <memory>
#include <optional>
#include <random>
#include <string>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include "engine/net/manual_clock.h"
#include "tests/engine/run/executor_fakes.h"

namespace hrsync {
namespace {

using namespace std::chrono_literals;
using namespace hrsync::testing;

// Runs the executor over a plan in virtual time. Targets are added with add_target(), entities
// with add_work(). Rate limits are lifted and quarantine is off unless a test sets them.
struct Harness {
  Harness() {
    plan.targets.reserve(8);  // add_target() hands out references
    config.retry.base_delay_s = 0.1;
    config.retry.max_delay_s = 10;
  }

  TargetPlan& add_target(const std::string& id, std::vector<RateTier> rate = {}, Platform platform = Platform::kFeishu,
                         bool with_upload = false) {
    connectors.push_back(std::make_unique<FakeConnector>(id, platform, std::move(rate), with_upload));
    TargetPlan tp;
    tp.id = id;
    tp.connector = connectors.back().get();
    plan.targets.push_back(std::move(tp));
    TargetConfig tc;
    tc.id = id;
    tc.concurrency = 4;
    tc.failure_window = 0;  // no quarantine unless a test asks
    config.targets.push_back(tc);
    return plan.targets.back();
  }

  TargetConfig& target_config(const std::string& id) {
    for (TargetConfig& tc : config.targets) {
      if (tc.id == id) return tc;
    }
    throw std::logic_error("no target " + id);
  }

  static void add_work(TargetPlan& tp, const std::string& key) {
    Work w;
    w.desired.key = key;
    w.desired.body = R"({"key":")" + key + R"("})";
    w.desired.seal();
    tp.work.push_back(std::move(w));
  }

  static void add_work(TargetPlan& tp, int count, const std::string& prefix = "k") {
    for (int i = 0; i < count; ++i) add_work(tp, prefix + std::to_string(i));
  }

  RunSummary run(ExecutorOptions options = {}) {
    Executor executor(config, transport, clock, sink, options, &board);
    std::optional<RunSummary> summary;
    net::co_spawn(io, executor.run(plan), [&](std::exception_ptr e, RunSummary s) {
      if (e) std::rethrow_exception(e);
      summary = std::move(s);
    });
    EXPECT_TRUE(clock.run(io)) << "the run got stuck";
    EXPECT_TRUE(summary.has_value());
    return summary.value_or(RunSummary{});
  }

  const TargetResult& result(const RunSummary& s, std::string_view id) {
    for (const TargetResult& t : s.targets) {
      if (t.counts.target == id) return t;
    }
    throw std::logic_error("no result for " + std::string(id));
  }

  ManualClock clock;
  net::io_context io;
  JobConfig config;
  std::vector<std::unique_ptr<FakeConnector>> connectors;
  Plan plan;
  FakeTransport transport{clock, 10ms};
  RecordingSink sink;
  ProgressBoard board;
};

class ExecutorTest : public ::testing::Test, public Harness {};

TEST_F(ExecutorTest, AppliesEveryEntityAndHandsOverTheRowToCommit) {
  TargetPlan& tp = add_target("t");
  add_work(tp, 20);
  RunSummary summary = run();
  ASSERT_EQ(sink.rows.size(), 20u);
  for (const auto& row : sink.rows) {
    EXPECT_EQ(row.status, OutcomeStatus::kApplied) << row.key;
    EXPECT_EQ(row.attempts, 1u);
    EXPECT_EQ(row.log_id, "log-" + row.key);
    ASSERT_NE(row.commit, nullptr);
    EXPECT_EQ(row.commit->key, row.key);
    EXPECT_EQ(row.commit->hash, content_hash(row.commit->body));
  }
  EXPECT_EQ(sink.finished_targets, std::vector<std::string>{"t"});
  const TargetResult& r = result(summary, "t");
  EXPECT_EQ(r.counts.applied, 20u);
  EXPECT_EQ(r.counts.done, 20u);
  EXPECT_EQ(r.counts.requests, 20u);
  EXPECT_EQ(r.stop, TargetStop::kNone);
  EXPECT_DOUBLE_EQ(r.seconds, 0.05);  // 20 entities, 4 at a time, 10 ms each (virtual time)
  EXPECT_FALSE(summary.any_failed());
}

TEST_F(ExecutorTest, WhatTheTargetHoldsIsCommittedWhenItIsNotWhatWasSent) {
  TargetPlan& tp = add_target("t");
  add_work(tp, 2);
  Document held = tp.work[1].desired;
  held.body = R"({"city":"kept","key":"k1"})";
  held.seal();
  tp.work[1].holds = held;
  run();
  ASSERT_EQ(sink.rows.size(), 2u);
  for (const auto& row : sink.rows) {
    ASSERT_EQ(row.status, OutcomeStatus::kApplied) << row.key;
    ASSERT_NE(row.commit, nullptr);
    if (row.key == "k0") {
      EXPECT_EQ(row.commit, &tp.work[0].desired);
    } else {
      EXPECT_EQ(row.commit, &*tp.work[1].holds);
      EXPECT_EQ(row.commit->body, R"({"city":"kept","key":"k1"})");
    }
  }
}

TEST_F(ExecutorTest, LockErrorIsRetriedWithTheLockBackoffThenApplied) {
  TargetPlan& tp = add_target("t");
  add_work(tp, 30, "lock");
  add_work(tp, 30, "busy");
  for (int i = 0; i < 30; ++i) {
    transport.script["lock" + std::to_string(i)] = {code(kLock, 400)};
    transport.script["busy" + std::to_string(i)] = {code(kBusy, 500)};
  }
  RunSummary summary = run();
  EXPECT_EQ(result(summary, "t").counts.applied, 60u);
  EXPECT_EQ(result(summary, "t").counts.retries, 60u);
  EXPECT_EQ(summary.retries_used, 60u);
  Clock::duration longest_lock_wait{0};
  for (int i = 0; i < 30; ++i) {
    auto lock = transport.sends_of("lock" + std::to_string(i));
    auto busy = transport.sends_of("busy" + std::to_string(i));
    ASSERT_EQ(lock.size(), 2u);
    ASSERT_EQ(busy.size(), 2u);
    EXPECT_EQ(sink.find("t", "lock" + std::to_string(i))->attempts, 2u);
    // First retry: full jitter below the first delay (the lock row's own 2 s, never under its 1 s
    // floor; else the job's 0.1 s).
    Clock::duration lock_wait = lock[1].at - lock[0].answered;
    EXPECT_LE(lock_wait, 2s);
    EXPECT_GE(lock_wait, 1s);
    EXPECT_LE(busy[1].at - busy[0].answered, 100ms);
    longest_lock_wait = std::max(longest_lock_wait, lock_wait);
  }
  EXPECT_GT(longest_lock_wait, 100ms);  // the lock backoff really is the longer one
}

TEST(Executor, ALockErrorsFirstRetryNeverComesBeforeASecond) {
  // 44025 says "wait some seconds and retry": the full jitter below 2 s could draw an instant, the
  // row's floor raises every draw to 1 s, whatever the seed.
  for (std::uint64_t seed = 1; seed <= 40; ++seed) {
    Harness h;
    TargetPlan& tp = h.add_target("t");
    h.add_work(tp, 10, "lock");
    for (int i = 0; i < 10; ++i) h.transport.script["lock" + std::to_string(i)] = {code(kLock, 400)};
    ExecutorOptions options;
    options.seed = seed;
    RunSummary summary = h.run(options);
    EXPECT_EQ(h.result(summary, "t").counts.applied, 10u);
    for (int i = 0; i < 10; ++i) {
      auto lock = h.transport.sends_of("lock" + std::to_string(i));
      ASSERT_EQ(lock.size(), 2u);
      EXPECT_GE(lock[1].at - lock[0].answered, 1s) << "seed " << seed << " entity " << i;
      EXPECT_LE(lock[1].at - lock[0].answered, 2s) << "seed " << seed << " entity " << i;
    }
  }
}

TEST_F(ExecutorTest, LockDelayInTheConfigReplacesTheTablesFirstDelay) {
  config.retry.lock_delay_s = 0.5;
  TargetPlan& tp = add_target("t");
  add_work(tp, 30, "lock");
  for (int i = 0; i < 30; ++i) transport.script["lock" + std::to_string(i)] = {code(kLock, 400), code(kLock, 400)};
  RunSummary summary = run();
  EXPECT_EQ(result(summary, "t").counts.applied, 30u);
  Clock::duration longest_first{0};
  Clock::duration longest_second{0};
  for (int i = 0; i < 30; ++i) {
    auto lock = transport.sends_of("lock" + std::to_string(i));
    ASSERT_EQ(lock.size(), 3u);
    longest_first = std::max(longest_first, lock[1].at - lock[0].answered);
    longest_second = std::max(longest_second, lock[2].at - lock[1].answered);
  }
  EXPECT_LE(longest_first, 500ms);    // below the configured first delay, not the table's 2 s
  EXPECT_GT(longest_first, 100ms);    // and not the job's base delay either
  EXPECT_LE(longest_second, 1000ms);  // then growing as the table says (doubling)
  EXPECT_GT(longest_second, 500ms);
}

TEST_F(ExecutorTest, PermanentErrorIsRecordedAndNotRetried) {
  TargetPlan& tp = add_target("t");
  add_work(tp, "bad");
  transport.script["bad"] = {code(kBadParam, 400)};
  RunSummary summary = run();
  const auto* row = sink.find("t", "bad");
  ASSERT_NE(row, nullptr);
  EXPECT_EQ(row->status, OutcomeStatus::kFailed);
  EXPECT_EQ(row->code, kBadParam);
  EXPECT_TRUE(row->documented);
  EXPECT_EQ(row->attempts, 1u);
  EXPECT_EQ(row->commit, nullptr);
  EXPECT_NE(row->message.find("40001"), std::string::npos);
  EXPECT_EQ(transport.sent.size(), 1u);
  EXPECT_TRUE(summary.any_failed());
}

TEST_F(ExecutorTest, AnEntityTheTargetSaysItLacksIsAbsentNotFailed) {
  TargetPlan& tp = add_target("t");
  add_work(tp, "gone");
  add_work(tp, "here");
  transport.script["gone"] = {code(kNotHeld, 400)};
  RunSummary summary = run();
  const auto* row = sink.find("t", "gone");
  ASSERT_NE(row, nullptr);
  EXPECT_EQ(row->status, OutcomeStatus::kAbsent);
  EXPECT_EQ(outcome_status_name(row->status), "absent");
  EXPECT_EQ(row->code, kNotHeld);
  EXPECT_EQ(row->attempts, 1u);
  EXPECT_EQ(row->commit, nullptr) << "the snapshot must not record it as applied";
  EXPECT_EQ(transport.sends_of("gone").size(), 1u) << "not retried";
  ASSERT_NE(sink.find("t", "here"), nullptr);
  EXPECT_EQ(sink.find("t", "here")->status, OutcomeStatus::kApplied);
  const TargetResult& r = result(summary, "t");
  EXPECT_EQ(r.counts.absent, 1u);
  EXPECT_EQ(r.counts.failed, 0u);
  EXPECT_EQ(r.counts.applied, 1u);
  EXPECT_EQ(r.counts.retries, 0u);
  EXPECT_FALSE(summary.any_failed());
  EXPECT_FALSE(summary.any_stopped());
  EXPECT_EQ(board.snapshot().at(0).done, 2u);
}

TEST_F(ExecutorTest, ATargetThatLacksMostEntitiesIsNeverQuarantined) {
  // 80 entities, the target holds one in four: the others are answered not found, far above
  // max_failure_ratio of the window, and the target goes on to the end.
  TargetPlan& tp = add_target("t");
  add_work(tp, 80);
  for (int i = 0; i < 80; ++i) {
    if (i % 4 != 3) transport.script["k" + std::to_string(i)] = {code(kNotHeld, 400)};
  }
  target_config("t").failure_window = 10;
  target_config("t").max_failure_ratio = 0.1;
  RunSummary summary = run();
  const TargetResult& r = result(summary, "t");
  EXPECT_EQ(r.stop, TargetStop::kNone) << r.stop_reason;
  EXPECT_EQ(r.counts.absent, 60u);
  EXPECT_EQ(r.counts.applied, 20u);
  EXPECT_EQ(r.counts.failed + r.counts.skipped, 0u);
  EXPECT_EQ(transport.sent.size(), 80u);
  EXPECT_FALSE(summary.any_failed());
}

TEST_F(ExecutorTest, UndocumentedCodeIsPermanentAndMarked) {
  TargetPlan& tp = add_target("t");
  add_work(tp, "odd");
  transport.script["odd"] = {code(123456, 400)};
  run();
  const auto* row = sink.find("t", "odd");
  ASSERT_NE(row, nullptr);
  EXPECT_EQ(row->status, OutcomeStatus::kFailed);
  EXPECT_EQ(row->code, 123456);
  EXPECT_FALSE(row->documented);
  EXPECT_EQ(row->attempts, 1u);
}

TEST_F(ExecutorTest, UndocumentedServerErrorAndNetworkErrorAreRetried) {
  TargetPlan& tp = add_target("t");
  add_work(tp, "gateway");
  add_work(tp, "reset");
  transport.script["gateway"] = {Step{502, "<html>bad gateway</html>"}};
  transport.script["reset"] = {Step{.error = Error::Kind::kNetwork}};
  RunSummary summary = run();
  EXPECT_EQ(sink.find("t", "gateway")->status, OutcomeStatus::kApplied);
  EXPECT_EQ(sink.find("t", "gateway")->attempts, 2u);
  EXPECT_EQ(sink.find("t", "reset")->status, OutcomeStatus::kApplied);
  EXPECT_EQ(sink.find("t", "reset")->attempts, 2u);
  EXPECT_EQ(summary.retries_used, 2u);
}

TEST_F(ExecutorTest, AnAnswerWithAMalformedHeaderFailsTheEntityAtOnce) {
  TargetPlan& tp = add_target("t");
  add_work(tp, "bad");
  add_work(tp, "flaky");
  transport.script["bad"] = {Step{.error = Error::Kind::kMalformed}, Step{}};
  transport.script["flaky"] = {Step{.error = Error::Kind::kProtocol}, Step{}};  // may pass: retried
  RunSummary summary = run();
  const auto* bad = sink.find("t", "bad");
  ASSERT_NE(bad, nullptr);
  EXPECT_EQ(bad->status, OutcomeStatus::kFailed);
  EXPECT_EQ(bad->attempts, 1u);  // the same call gets the same answer: exactly one call
  EXPECT_EQ(transport.sends_of("bad").size(), 1u);
  EXPECT_EQ(sink.find("t", "flaky")->status, OutcomeStatus::kApplied);
  EXPECT_EQ(transport.sends_of("flaky").size(), 2u);
  EXPECT_EQ(summary.retries_used, 1u);
}

TEST_F(ExecutorTest, AnAnswerTooLargeFailsTheEntityAtOnceAndCountsForTheService) {
  TargetPlan& tp = add_target("t");
  add_work(tp, "huge");
  add_work(tp, "fine");
  transport.script["huge"] = {Step{.error = Error::Kind::kOversize}, Step{}};
  target_config("t").failure_window = 1;  // one failure for the service quarantines
  target_config("t").concurrency = 1;
  RunSummary summary = run();
  const auto* huge = sink.find("t", "huge");
  ASSERT_NE(huge, nullptr);
  EXPECT_EQ(huge->status, OutcomeStatus::kFailed);
  EXPECT_EQ(huge->attempts, 1u);  // not sent again: the same call gets the same answer
  EXPECT_FALSE(huge->documented);
  EXPECT_EQ(transport.sends_of("huge").size(), 1u);
  EXPECT_EQ(summary.retries_used, 0u);
  EXPECT_EQ(result(summary, "t").stop, TargetStop::kQuarantined);
  EXPECT_EQ(sink.find("t", "fine")->status, OutcomeStatus::kSkipped);
}

TEST_F(ExecutorTest, RejectedTokenIsDroppedAndTheCallRetriedOnce) {
  TargetPlan& tp = add_target("t");
  add_work(tp, "a");
  add_work(tp, "b");
  transport.script["a"] = {code(kTokenInvalid, 400)};
  transport.script["b"] = {code(kTokenInvalid, 400), code(kTokenInvalid, 400)};
  RunSummary summary = run();
  const auto* a = sink.find("t", "a");
  EXPECT_EQ(a->status, OutcomeStatus::kApplied);
  EXPECT_EQ(a->attempts, 2u);
  auto a_sends = transport.sends_of("a");
  ASSERT_EQ(a_sends.size(), 2u);
  EXPECT_NE(a_sends[0].token_serial, a_sends[1].token_serial);  // sent again with a new token
  const auto* b = sink.find("t", "b");
  EXPECT_EQ(b->status, OutcomeStatus::kFailed);
  EXPECT_EQ(b->attempts, 2u);  // once more, not again
  EXPECT_EQ(b->code, kTokenInvalid);
  EXPECT_NE(b->message.find("fresh token"), std::string::npos);
  EXPECT_EQ(summary.retries_used, 0u);  // token refreshes do not spend the budget
}

TEST_F(ExecutorTest, ThrottledResponsePausesTheLaneForTheResetTime) {
  TargetPlan& tp = add_target("t");
  add_work(tp, "first");
  add_work(tp, 30);
  Step throttled = code(kThrottled, 429);
  throttled.reset_s = 3;
  transport.script["first"] = {throttled};
  target_config("t").concurrency = 1;
  RunSummary summary = run();
  auto first = transport.sends_of("first");
  ASSERT_EQ(first.size(), 2u);
  Clock::time_point throttled_at = first[0].answered;
  for (const auto& s : transport.sent) {
    if (s.at > first[0].at) {
      EXPECT_GE(s.at, throttled_at + 3s) << s.key << " went out during the pause";
    }
  }
  const TargetResult& r = result(summary, "t");
  EXPECT_EQ(r.counts.applied, 31u);
  EXPECT_EQ(r.counts.throttled, 1u);
  EXPECT_EQ(r.counts.retries, 0u);
  EXPECT_EQ(sink.find("t", "first")->attempts, 2u);
  EXPECT_EQ(summary.retries_used, 0u);
}

TEST_F(ExecutorTest, ThrottleWithoutResetHeaderPausesOneSecond) {
  TargetPlan& tp = add_target("t");
  add_work(tp, "x");
  transport.script["x"] = {Step{429, "not json"}};  // undocumented body, HTTP 429
  run();
  auto sends = transport.sends_of("x");
  ASSERT_EQ(sends.size(), 2u);
  EXPECT_GE(sends[1].at - sends[0].answered, 1s);
  EXPECT_EQ(sink.find("t", "x")->status, OutcomeStatus::kApplied);
}

TEST_F(ExecutorTest, AResetOfYearsCostsAtMostTheCap) {
  TargetPlan& tp = add_target("t");
  add_work(tp, "years");
  add_work(tp, "hours");
  add_work(tp, "unix");
  Step years = code(kThrottled, 429);
  years.reset_s = 1e9;                      // 31 years, or a time in 2001: the default pause
  Step hours = code(kThrottled, 429);
  hours.reset_s = 7200;                     // two hours: the cap
  Step unix_time = code(kThrottled, 429);
  unix_time.reset_s = 1'796'000'000 + 4;   // a point in time 4 s from now
  transport.script["years"] = {years};
  transport.script["hours"] = {hours};
  transport.script["unix"] = {unix_time};
  target_config("t").concurrency = 1;
  config.retry.max_pause_s = 30;
  ExecutorOptions options;
  options.unix_now = [] { return 1'796'000'000.0; };
  RunSummary summary = run(options);
  EXPECT_EQ(sink.count(OutcomeStatus::kApplied), 3u);
  auto gap = [&](const std::string& key) {
    auto sends = transport.sends_of(key);
    EXPECT_EQ(sends.size(), 2u) << key;
    return sends.size() == 2 ? sends[1].at - sends[0].answered : Clock::duration::zero();
  };
  EXPECT_GE(gap("years"), 1s);
  EXPECT_LT(gap("years"), 2s);
  EXPECT_GE(gap("hours"), 30s);
  EXPECT_LT(gap("hours"), 31s);
  EXPECT_GE(gap("unix"), 4s);
  EXPECT_LT(gap("unix"), 5s);
  const TargetResult& r = result(summary, "t");
  EXPECT_EQ(r.resets_bounded, 3u);
  EXPECT_DOUBLE_EQ(r.largest_reset_s, 1'796'000'004.0);
  EXPECT_EQ(r.counts.throttled, 3u);
}

TEST_F(ExecutorTest, EndlessThrottlingFailsTheEntityAfterTheCap) {
  TargetPlan& tp = add_target("t");
  add_work(tp, "x");
  Step throttled = code(kThrottled, 429);
  throttled.reset_s = 0.5;
  transport.script["x"] = std::deque<Step>(10, throttled);
  ExecutorOptions options;
  options.max_throttled = 4;
  run(options);
  const auto* row = sink.find("t", "x");
  EXPECT_EQ(row->status, OutcomeStatus::kFailed);
  EXPECT_EQ(row->attempts, 5u);
  EXPECT_NE(row->message.find("throttled 5 times"), std::string::npos) << row->message;
}

TEST_F(ExecutorTest, ALowerLimitTheServerAnnouncesHoldsForTheRestOfTheRun) {
  TargetPlan& tp = add_target("t", {RateTier{10, 1}});
  add_work(tp, "first");
  add_work(tp, 30);
  Step throttled = code(kThrottled, 429);
  throttled.limit = 4;
  transport.script["first"] = {throttled};
  target_config("t").concurrency = 8;
  RunSummary summary = run();
  const TargetResult& r = result(summary, "t");
  EXPECT_EQ(r.counts.applied, 31u);
  ASSERT_EQ(r.lowered_limits.size(), 1u);
  EXPECT_EQ(r.lowered_limits[0].lane, "");
  EXPECT_EQ(r.lowered_limits[0].configured, (RateTier{10, 1}));
  EXPECT_EQ(r.lowered_limits[0].announced, (RateTier{4, 1}));
  // After the throttled answer, no 5 requests start within a second.
  Clock::time_point answered = transport.sends_of("first")[0].answered;
  std::vector<Clock::time_point> after;
  for (const auto& s : transport.sent) {
    if (s.at > answered) after.push_back(s.at);
  }
  std::sort(after.begin(), after.end());
  ASSERT_GT(after.size(), 20u);
  for (std::size_t i = 4; i < after.size(); ++i) EXPECT_GE(after[i] - after[i - 4], 1s) << i;
}

TEST_F(ExecutorTest, OneAnswerAnnouncingALimitFarBelowTheTierDoesNotSlowTheRun) {
  TargetPlan& tp = add_target("t", {RateTier{50, 1}});
  add_work(tp, "first");
  add_work(tp, 199);
  Step throttled = code(kThrottled, 429);
  throttled.limit = 1;
  throttled.reset_s = 0.5;
  transport.script["first"] = {throttled};
  target_config("t").concurrency = 8;
  const Clock::time_point began = clock.now();
  RunSummary summary = run();
  const TargetResult& r = result(summary, "t");
  EXPECT_EQ(r.counts.applied, 200u);
  // 200 at 50/s is 4 s, with the half second the throttle asked for: not 200 s at 1/s.
  EXPECT_LT(clock.now() - began, 6s);
  EXPECT_GE(clock.now() - began, 4s);
  // The reset the first throttle asked for was honoured: nothing started during it.
  const auto& first = transport.sends_of("first");
  ASSERT_EQ(first.size(), 2u);
  for (const auto& s : transport.sent) {
    EXPECT_FALSE(s.at > first[0].answered && s.at < first[0].answered + 500ms) << s.key;
  }
  // The announcement is reported, not taken.
  ASSERT_EQ(r.lowered_limits.size(), 1u);
  EXPECT_TRUE(r.lowered_limits[0].unconfirmed);
  EXPECT_EQ(r.lowered_limits[0].asked, 1u);
  EXPECT_EQ(r.lowered_limits[0].announced, (RateTier{50, 1}));
}

TEST_F(ExecutorTest, ALimitFarBelowAnnouncedTwiceLowersTheTierToItsFloor) {
  TargetPlan& tp = add_target("t", {RateTier{50, 1}});
  add_work(tp, "first");
  add_work(tp, 59);
  Step throttled = code(kThrottled, 429);
  throttled.limit = 1;
  transport.script["first"] = {throttled, throttled};
  RunSummary summary = run();
  const TargetResult& r = result(summary, "t");
  EXPECT_EQ(r.counts.applied, 60u);
  ASSERT_EQ(r.lowered_limits.size(), 1u);
  EXPECT_FALSE(r.lowered_limits[0].unconfirmed);
  EXPECT_TRUE(r.lowered_limits[0].floored);
  EXPECT_EQ(r.lowered_limits[0].announced, (RateTier{5, 1}));  // a tenth of 50/s, not 1/s
}

TEST_F(ExecutorTest, ALaneThrottleLowersTheLaneOnly) {
  TargetPlan& tp = add_target("t", {RateTier{10, 1}});
  target_config("t").lane_rate = {RateTier{3, 1}};
  for (const char* key : {"L1", "L2", "L3", "L4", "L5", "L6", "a", "b", "c", "d", "e", "f"}) add_work(tp, key);
  Step throttled = code(kThrottled, 429);
  throttled.limit = 1;
  transport.script["L1"] = {throttled};
  RunSummary summary = run();
  const TargetResult& r = result(summary, "t");
  EXPECT_EQ(r.counts.applied, 12u);
  ASSERT_EQ(r.lowered_limits.size(), 1u);
  EXPECT_EQ(r.lowered_limits[0].lane, "dept_or_frozen");
  EXPECT_EQ(r.lowered_limits[0].configured, (RateTier{3, 1}));
  EXPECT_EQ(r.lowered_limits[0].announced, (RateTier{1, 1}));
  // The lane's later requests go a widened second apart; the endpoint keeps its 10/s.
  std::vector<Clock::time_point> lane, other;
  for (const auto& s : transport.sent) (s.key.starts_with('L') ? lane : other).push_back(s.at);
  std::sort(lane.begin(), lane.end());
  std::sort(other.begin(), other.end());
  for (std::size_t i = 3; i < lane.size(); ++i) EXPECT_GE(lane[i] - lane[i - 1], 1s) << i;
  EXPECT_LT(other.back() - other.front(), 1s);
}

TEST_F(ExecutorTest, EndpointTiersPaceEveryRequestRetriesIncluded) {
  TargetPlan& tp = add_target("t", {RateTier{50, 1}, RateTier{1000, 60}});
  add_work(tp, 40);
  transport.script["k3"] = {code(kBusy, 500), code(kBusy, 500)};
  target_config("t").concurrency = 8;
  run();
  ASSERT_EQ(transport.sent.size(), 42u);
  std::vector<Clock::time_point> starts;
  for (const auto& s : transport.sent) starts.push_back(s.at);
  std::sort(starts.begin(), starts.end());
  RateLimiter expected(std::vector<RateTier>{{50, 1}, {1000, 60}});
  for (std::size_t i = 1; i < starts.size(); ++i) EXPECT_GE(starts[i] - starts[i - 1], expected.spacing());
}

TEST_F(ExecutorTest, ATokenBeingFetchedHoldsRequestsBeforeTheirSlotsNotAfter) {
  // The credential comes 300 ms into the run: the requests wait for it before they take their
  // slots, so they leave at the lane's spacing once it came, not together.
  TargetPlan& tp = add_target("t", {RateTier{50, 1}});
  add_work(tp, 30);
  target_config("t").concurrency = 8;
  const Clock::time_point t0 = clock.now();
  transport.credential_at = t0 + 300ms;
  run();
  ASSERT_EQ(transport.sent.size(), 30u);
  std::vector<Clock::time_point> starts;
  for (const auto& s : transport.sent) starts.push_back(s.at);
  std::sort(starts.begin(), starts.end());
  EXPECT_EQ(starts.front(), t0 + 300ms);
  RateLimiter expected(std::vector<RateTier>{{50, 1}});
  for (std::size_t i = 1; i < starts.size(); ++i) EXPECT_GE(starts[i] - starts[i - 1], expected.spacing()) << i;
  EXPECT_GE(transport.ready_calls, 30u);
}

TEST_F(ExecutorTest, ConfigRateReplacesTheConnectorDefault) {
  TargetPlan& tp = add_target("t", {RateTier{1000, 1}});
  add_work(tp, 10);
  target_config("t").rate = {RateTier{2, 1}};
  run();
  std::vector<Clock::time_point> starts;
  for (const auto& s : transport.sent) starts.push_back(s.at);
  std::sort(starts.begin(), starts.end());
  for (std::size_t i = 1; i < starts.size(); ++i) EXPECT_GE(starts[i] - starts[i - 1], 500ms);
}

TEST_F(ExecutorTest, DeptOrFrozenLanePassesBothLimiters) {
  TargetPlan& tp = add_target("t", {RateTier{50, 1}});
  add_work(tp, 5, "L");   // lane requests: 1/s
  add_work(tp, 20, "k");  // endpoint only: 50/s
  target_config("t").concurrency = 8;
  run();
  std::vector<Clock::time_point> lane;
  std::vector<Clock::time_point> all;
  for (const auto& s : transport.sent) {
    all.push_back(s.at);
    if (s.key.starts_with('L')) lane.push_back(s.at);
  }
  std::sort(lane.begin(), lane.end());
  std::sort(all.begin(), all.end());
  ASSERT_EQ(lane.size(), 5u);
  for (std::size_t i = 1; i < lane.size(); ++i) EXPECT_GE(lane[i] - lane[i - 1], 1s);
  for (std::size_t i = 1; i < all.size(); ++i) EXPECT_GE(all[i] - all[i - 1], 20ms);
  // The endpoint's own requests were not held back to the lane's pace.
  Clock::time_point last_plain{};
  for (const auto& s : transport.sent) {
    if (!s.key.starts_with('L')) last_plain = std::max(last_plain, s.at);
  }
  EXPECT_LT(last_plain, lane.back());
}

TEST_F(ExecutorTest, LaneRateOverridesTheLaneDefault) {
  TargetPlan& tp = add_target("t");
  add_work(tp, 4, "L");
  target_config("t").lane_rate = {RateTier{1, 5}};
  run();
  ASSERT_EQ(transport.sent.size(), 4u);
  for (std::size_t i = 1; i < transport.sent.size(); ++i) EXPECT_GE(transport.sent[i].at - transport.sent[i - 1].at, 5s);
}

TEST_F(ExecutorTest, QuarantineStopsATargetWhoseFailuresPassTheRatio) {
  TargetPlan& bad = add_target("bad");
  TargetPlan& good = add_target("good");
  add_work(bad, 100, "b");
  add_work(good, 100, "g");
  for (int i = 0; i < 100; ++i) transport.script["b" + std::to_string(i)] = {Step{.error = Error::Kind::kNetwork}};
  config.retry.max_attempts = 1;
  target_config("bad").failure_window = 10;
  target_config("bad").max_failure_ratio = 0.5;
  target_config("bad").concurrency = 1;
  RunSummary summary = run();
  const TargetResult& b = result(summary, "bad");
  EXPECT_EQ(b.stop, TargetStop::kQuarantined);
  EXPECT_NE(b.stop_reason.find("6 of its last 10"), std::string::npos) << b.stop_reason;
  EXPECT_EQ(b.counts.failed, 6u);  // 6 of 10 passes 0.5
  EXPECT_EQ(b.counts.skipped, 94u);
  EXPECT_EQ(b.counts.done, 100u);
  EXPECT_EQ(transport.sent.size() - 100, 6u);  // nothing more went to the stopped target
  const auto* skipped = sink.find("bad", "b50");
  ASSERT_NE(skipped, nullptr);
  EXPECT_EQ(skipped->status, OutcomeStatus::kSkipped);
  EXPECT_EQ(skipped->attempts, 0u);
  EXPECT_NE(skipped->message.find("quarantined"), std::string::npos);
  EXPECT_EQ(result(summary, "good").counts.applied, 100u);  // the other target went on
  EXPECT_TRUE(summary.any_stopped());
}

TEST_F(ExecutorTest, ARetryWaitingWhenTheTargetStopsIsRecordedAsFailed) {
  TargetPlan& tp = add_target("t");
  add_work(tp, "slow");
  add_work(tp, 10, "bad");
  transport.script["slow"] = {code(kLock, 400)};
  config.retry.lock_delay_s = 1000;  // still backing off when the others fail
  config.retry.max_delay_s = 1000;
  // Answers no code table knows (a proxy's error page): they say nothing of the entity.
  for (int i = 0; i < 10; ++i) transport.script["bad" + std::to_string(i)] = {Step{404, "<html>not found</html>"}};
  target_config("t").failure_window = 4;
  target_config("t").max_failure_ratio = 0.5;
  target_config("t").concurrency = 2;
  run();
  const auto* slow = sink.find("t", "slow");
  ASSERT_NE(slow, nullptr);
  EXPECT_EQ(transport.sends_of("slow").size(), 1u);
  EXPECT_EQ(slow->status, OutcomeStatus::kFailed);
  EXPECT_NE(slow->message.find("not retried"), std::string::npos) << slow->message;
  EXPECT_EQ(slow->code, kLock);
  EXPECT_EQ(sink.rows.size(), 11u);
}

TEST_F(ExecutorTest, ATargetWhereEverythingFailsStopsRetryingAtHalfItsBudget) {
  TargetPlan& a = add_target("a");
  TargetPlan& b = add_target("b");
  add_work(a, 200, "a");
  add_work(b, 5, "b");
  for (int i = 0; i < 200; ++i) transport.script["a" + std::to_string(i)] = std::deque<Step>(10, code(kBusy, 500));
  for (int i = 0; i < 5; ++i) transport.script["b" + std::to_string(i)] = {code(kBusy, 500)};
  config.retry.budget = 20;        // per target: retries stop once 10 tokens are gone
  config.retry.max_attempts = 6;
  RunSummary summary = run();
  const TargetResult& ra = result(summary, "a");
  EXPECT_EQ(ra.counts.retries, 9u);  // tokens 19..11 are above half the bucket
  EXPECT_EQ(ra.counts.failed, 200u);
  EXPECT_EQ(ra.counts.requests, 209u) << "one request each once the budget is spent";
  std::size_t by_budget = 0;
  for (const auto& row : sink.rows) {
    if (row.target != "a" || row.message.find("retry budget is spent") == std::string::npos) continue;
    ++by_budget;
    EXPECT_EQ(row.code, kBusy);
  }
  EXPECT_GE(by_budget, 195u);
  // The other target has a bucket of its own: its retries were not held back.
  EXPECT_EQ(result(summary, "b").counts.applied, 5u);
  EXPECT_EQ(result(summary, "b").counts.retries, 5u);
  EXPECT_EQ(summary.retries_used, 14u);
}

TEST_F(ExecutorTest, ARunThatMostlySucceedsNeverRunsOutOfRetries) {
  // A fifth of the updates collide on the user lock, a few get a 5xx or lose their connection:
  // thousands of retries from a bucket of 20, since the successes refill it.
  TargetPlan& tp = add_target("t");
  add_work(tp, 3000);
  for (int i = 0; i < 3000; ++i) {
    const std::string key = "k" + std::to_string(i);
    if (i % 5 == 0) transport.script[key] = {code(kLock, 400), code(kLock, 400)};
    if (i % 37 == 1) transport.script[key] = {code(kBusy, 500)};
    if (i % 53 == 2) transport.script[key] = {Step{.error = Error::Kind::kNetwork}};
  }
  std::size_t failures = 0;
  for (const auto& [key, steps] : transport.script) failures += steps.size();
  config.retry.budget = 20;
  config.retry.lock_delay_s = 0.05;
  target_config("t").concurrency = 16;
  RunSummary summary = run();
  EXPECT_EQ(result(summary, "t").counts.applied, 3000u);
  EXPECT_EQ(result(summary, "t").counts.failed, 0u);
  EXPECT_EQ(summary.retries_used, failures);  // every one retried
  EXPECT_GT(failures, 1000u);
}

TEST_F(ExecutorTest, RowsTheApiAlwaysRefusesNeverQuarantineTheTarget) {
  // 80 changes, the first ones 30 rows that the API refuses for their data (documented,
  // permanent): every valid change behind them is sent and applied.
  TargetPlan& tp = add_target("t");
  add_work(tp, 80);
  for (int i = 0; i < 40; ++i) {
    if (i % 4 != 3) transport.script["k" + std::to_string(i)] = {code(kBadParam, 400)};
  }
  target_config("t").failure_window = 50;
  target_config("t").max_failure_ratio = 0.5;
  RunSummary summary = run();
  const TargetResult& r = result(summary, "t");
  EXPECT_EQ(r.stop, TargetStop::kNone) << r.stop_reason;
  EXPECT_EQ(r.counts.failed, 30u);
  EXPECT_EQ(r.counts.applied, 50u);
  EXPECT_EQ(r.counts.skipped, 0u);
  EXPECT_EQ(transport.sent.size(), 80u);
}

TEST_F(ExecutorTest, AnOutageStillQuarantinesWithABoundedNumberOfRetries) {
  // The same 30 refused rows, then the service goes down: every later call gets a 503 or loses
  // its connection.
  TargetPlan& tp = add_target("t");
  add_work(tp, 1000);
  for (int i = 0; i < 1000; ++i) {
    const std::string key = "k" + std::to_string(i);
    if (i < 40 && i % 4 != 3) transport.script[key] = {code(kBadParam, 400)};
    if (i >= 40) {
      transport.script[key] = i % 2 == 0 ? std::deque<Step>(10, Step{503, "<html>unavailable</html>"})
                                         : std::deque<Step>(10, Step{.error = Error::Kind::kNetwork});
    }
  }
  target_config("t").failure_window = 50;
  target_config("t").max_failure_ratio = 0.5;
  config.retry.max_attempts = 3;
  RunSummary summary = run();
  const TargetResult& r = result(summary, "t");
  EXPECT_EQ(r.stop, TargetStop::kQuarantined);
  EXPECT_NE(r.stop_reason.find("failed for the service"), std::string::npos) << r.stop_reason;
  EXPECT_EQ(r.counts.applied, 10u);
  EXPECT_GT(r.counts.skipped, 900u);
  EXPECT_LE(r.counts.failed, 30u + 26u + 4u);  // the refused rows, 26 of 50 past the ratio, 4 in flight
  EXPECT_LE(r.counts.retries, 2u * (26u + 4u)) << "no retry storm";
}

TEST_F(ExecutorTest, GivesUpAfterMaxAttempts) {
  TargetPlan& tp = add_target("t");
  add_work(tp, "x");
  transport.script["x"] = std::deque<Step>(10, code(kBusy, 500));
  config.retry.max_attempts = 3;
  run();
  const auto* row = sink.find("t", "x");
  EXPECT_EQ(row->status, OutcomeStatus::kFailed);
  EXPECT_EQ(row->attempts, 3u);
  EXPECT_NE(row->message.find("gave up after 3 attempts"), std::string::npos) << row->message;
  EXPECT_EQ(transport.sends_of("x").size(), 3u);
}

TEST_F(ExecutorTest, NeverTwoRequestsInFlightForOneEntity) {
  TargetPlan& tp = add_target("t");
  add_work(tp, 40);
  for (int i = 0; i < 40; i += 2) {
    transport.script["k" + std::to_string(i)] = {code(kLock, 400), code(kBusy, 500), code(kThrottled, 429)};
  }
  target_config("t").concurrency = 16;
  run();
  EXPECT_EQ(sink.count(OutcomeStatus::kApplied), 40u);
  EXPECT_EQ(transport.max_in_flight_per_key, 1u);
  for (int i = 0; i < 40; i += 2) {
    auto sends = transport.sends_of("k" + std::to_string(i));
    ASSERT_EQ(sends.size(), 4u);
    for (std::size_t j = 1; j < sends.size(); ++j) EXPECT_GE(sends[j].at, sends[j - 1].answered);
  }
}

TEST_F(ExecutorTest, ConcurrencyIsBoundedPerTarget) {
  TargetPlan& tp = add_target("t");
  add_work(tp, 50);
  target_config("t").concurrency = 3;
  RunSummary summary = run();
  EXPECT_EQ(transport.max_in_flight, 3u);  // reached, never passed
  EXPECT_EQ(result(summary, "t").counts.applied, 50u);
}

TEST_F(ExecutorTest, TokenFailureStopsTheTargetAndSkipsItsWork) {
  TargetPlan& tp = add_target("t");
  add_work(tp, 12);
  transport.every_send_fails =
      Error{Error::Kind::kAuth, "https://open.feishu.cn/open-apis/auth/v3/tenant_access_token/internal",
            "cannot get a tenant_access_token: token refused: code 10014: app secret invalid"};
  RunSummary summary = run();
  const TargetResult& r = result(summary, "t");
  EXPECT_EQ(r.stop, TargetStop::kAuth);
  EXPECT_NE(r.stop_reason.find("10014"), std::string::npos);
  EXPECT_EQ(r.counts.skipped, 12u);
  EXPECT_EQ(r.counts.requests, 0u);
  for (const auto& row : sink.rows) EXPECT_NE(row.message.find("app secret invalid"), std::string::npos);
}

TEST_F(ExecutorTest, ATokenEndpointDownForAWhileIsRetriedWithoutTakingRateSlots) {
  // The credential cannot be had for the first two tries (a network error at the token
  // endpoint): those tries are retried like any network error, and take no rate slot.
  TargetPlan& tp = add_target("t", {RateTier{1, 1}});
  add_work(tp, 1);
  const Clock::time_point t0 = clock.now();
  for (int i = 0; i < 2; ++i) {
    transport.ready_errors.push_back(Error{Error::Kind::kNetwork, "open.feishu.cn:443", "connect failed: Connection refused"});
  }
  RunSummary summary = run();
  const TargetResult& r = result(summary, "t");
  EXPECT_EQ(r.counts.applied, 1u);
  EXPECT_EQ(r.stop, TargetStop::kNone);
  ASSERT_EQ(transport.sent.size(), 1u);
  ASSERT_EQ(sink.rows.size(), 1u);
  EXPECT_EQ(sink.rows[0].attempts, 3u);
  // Its backoff delays (0.1 s base) come first; a rate slot taken by the failed tries would
  // have held it until a second after the first.
  EXPECT_LT(transport.sent[0].at - t0, 1s);
}

TEST_F(ExecutorTest, ARequestThatCannotBeBuiltFailsWithoutASend) {
  TargetPlan& tp = add_target("t");
  add_work(tp, "!photo");
  run();
  const auto* row = sink.find("t", "!photo");
  EXPECT_EQ(row->status, OutcomeStatus::kFailed);
  EXPECT_EQ(row->attempts, 0u);
  EXPECT_NE(row->message.find("photo.jpg: cannot read the photo"), std::string::npos);
  EXPECT_TRUE(transport.sent.empty());
}

TEST_F(ExecutorTest, ProgressBoardShowsTheFinalCounts) {
  TargetPlan& a = add_target("a");
  TargetPlan& b = add_target("b");
  add_work(a, 7, "a");
  add_work(b, 3, "b");
  transport.script["b0"] = {code(kBadParam, 400)};
  transport.script["a0"] = {code(kBusy, 500)};
  run();
  std::vector<TargetProgress> progress = board.snapshot();
  ASSERT_EQ(progress.size(), 2u);
  EXPECT_EQ(progress[0].target, "a");
  EXPECT_EQ(progress[0].planned, 7u);
  EXPECT_EQ(progress[0].done, 7u);
  EXPECT_EQ(progress[0].retries, 1u);
  EXPECT_EQ(progress[0].requests, 8u);
  EXPECT_EQ(progress[0].in_flight, 0u);
  EXPECT_EQ(progress[1].failed, 1u);
  EXPECT_EQ(progress[1].applied, 2u);
}

TEST_F(ExecutorTest, AnEmptyPlanFinishesAtOnce) {
  add_target("t");
  RunSummary summary = run();
  ASSERT_EQ(summary.targets.size(), 1u);
  EXPECT_EQ(summary.targets[0].counts.planned, 0u);
  EXPECT_EQ(sink.finished_targets, std::vector<std::string>{"t"});
}

// A sink whose store fails: from the `fail_at`-th record() on (1-based; 0 = never), or at the
// first target_finished() when `fail_on_finish`, every call returns an error. It remembers how many
// requests had been started when it first failed.
class FailingSink final : public OutcomeSink {
 public:
  FailingSink(const FakeTransport& transport, std::size_t fail_at, bool fail_on_finish = false)
      : transport_(transport), fail_at_(fail_at), fail_on_finish_(fail_on_finish) {}

  Result<void> record(const Outcome& o) override {
    (void)inner.record(o);
    if (fail_at_ != 0 && inner.rows.size() >= fail_at_) return failure();
    return failed_ ? failure() : Result<void>{};
  }
  Result<void> target_finished(std::string_view target) override {
    (void)inner.target_finished(target);
    return fail_on_finish_ || failed_ ? failure() : Result<void>{};
  }

  RecordingSink inner;
  std::optional<std::size_t> started_at_failure;  // transport.started when the first error was returned

 private:
  Result<void> failure() {
    if (!failed_) started_at_failure = transport_.started;
    failed_ = true;
    return fail(Error::Kind::kDatabase, "/var/lib/hrsync/hrsync.db", "commit failed: database or disk is full (SQLite code 13)");
  }

  const FakeTransport& transport_;
  std::size_t fail_at_;
  bool fail_on_finish_;
  bool failed_ = false;
};

RunSummary run_with(Harness& h, OutcomeSink& sink) {
  Executor executor(h.config, h.transport, h.clock, sink);
  std::optional<RunSummary> summary;
  net::co_spawn(h.io, executor.run(h.plan), [&](std::exception_ptr e, RunSummary s) {
    if (e) std::rethrow_exception(e);
    summary = std::move(s);
  });
  EXPECT_TRUE(h.clock.run(h.io)) << "the run got stuck";
  EXPECT_TRUE(summary.has_value());
  return summary.value_or(RunSummary{});
}

TEST_F(ExecutorTest, ASinkThatCannotRecordStopsEveryTargetAtOnce) {
  for (const char* id : {"a", "b", "c"}) add_work(add_target(id), 40, id);
  FailingSink failing(transport, 30);

  RunSummary summary = run_with(*this, failing);

  ASSERT_TRUE(summary.record_error.has_value());
  EXPECT_EQ(summary.record_error->where, "/var/lib/hrsync/hrsync.db");
  EXPECT_NE(summary.record_error->message.find("disk is full"), std::string::npos);
  ASSERT_TRUE(failing.started_at_failure.has_value());
  const std::size_t started = *failing.started_at_failure;
  EXPECT_EQ(transport.started, started) << "no request started after the sink failed";
  EXPECT_GT(started, 30u) << "requests were in flight when it failed";
  EXPECT_LE(started, 30u + 3 * 4) << "at most each target's concurrency in flight";
  for (const TargetResult& t : summary.targets) {
    EXPECT_EQ(t.stop, TargetStop::kNotRecorded) << t.counts.target;
    EXPECT_NE(t.stop_reason.find("could not be recorded"), std::string::npos) << t.stop_reason;
  }
  // Every entity still comes to the sink: the calls in flight with their answers, the rest skipped.
  ASSERT_EQ(failing.inner.rows.size(), 120u);
  std::size_t sent = 0;
  for (const auto& row : failing.inner.rows) {
    if (row.attempts > 0) {
      ++sent;
      EXPECT_EQ(row.status, OutcomeStatus::kApplied) << row.key;
      continue;
    }
    EXPECT_EQ(row.status, OutcomeStatus::kSkipped) << row.key;
    EXPECT_NE(row.message.find("could not be recorded"), std::string::npos) << row.message;
  }
  EXPECT_EQ(sent, started);
  EXPECT_EQ(transport.sent.size(), started) << "every call in flight was answered";
}

TEST_F(ExecutorTest, AFailedFlushAtATargetsEndStopsTheOthers) {
  add_work(add_target("quick"), 2, "q");
  TargetPlan& slow = add_target("slow", {RateTier{1, 1}});  // one request a second
  add_work(slow, 20, "s");
  FailingSink failing(transport, 0, /*fail_on_finish=*/true);

  RunSummary summary = run_with(*this, failing);

  ASSERT_TRUE(summary.record_error.has_value());
  EXPECT_EQ(result(summary, "quick").stop, TargetStop::kNone) << "it had finished";
  EXPECT_EQ(result(summary, "slow").stop, TargetStop::kNotRecorded);
  EXPECT_EQ(transport.started, *failing.started_at_failure);
  EXPECT_LT(transport.started, 2u + 20u);
  EXPECT_GT(result(summary, "slow").counts.skipped, 0u);
}

// The rate the target sent at: requests after the first over the time from the first to the last.
double send_rate(const FakeTransport& transport) {
  std::vector<Clock::time_point> at;
  for (const auto& s : transport.sent) at.push_back(s.at);
  std::sort(at.begin(), at.end());
  if (at.size() < 2) return 0;
  return static_cast<double>(at.size() - 1) / std::chrono::duration<double>(at.back() - at.front()).count();
}

TEST_F(ExecutorTest, ARequestHeldAfterItsSlotMovesTheSlotToWhenItLeft) {
  // One request in thirteen waits 18 ms inside the transport (a connection opened) after it took
  // its slot, and every request reaches the server 0..25 ms after it left (counted at arrival,
  // as a gateway counts). The 50th after a held request leaves a widened window after the held
  // one left, not after its slot, so no second of arrivals holds 51.
  TargetPlan& tp = add_target("t", {RateTier{50, 1}});
  add_work(tp, 600);
  target_config("t").concurrency = 8;
  auto number = [](std::string_view key) { return static_cast<std::size_t>(std::stoi(std::string(key.substr(1)))); };
  transport.hold = [&](std::string_view key) { return number(key) % 13 == 3 ? Clock::duration(18ms) : Clock::duration(0); };
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> jitter_us(0, 25'000);
  std::vector<Clock::duration> jitter(600);
  for (auto& j : jitter) j = std::chrono::microseconds(jitter_us(rng));
  run();
  ASSERT_EQ(transport.sent.size(), 600u);
  std::vector<Clock::time_point> arrivals;
  for (const auto& s : transport.sent) arrivals.push_back(s.at + jitter[number(s.key)]);
  EXPECT_LE(busiest_window(arrivals, 1s), 50u);
  EXPECT_LE(transport.most_sent_in_any(1s), 50u);
  EXPECT_GE(send_rate(transport), 0.95 * 50);
}

TEST_F(ExecutorTest, AutoConcurrencyReachesTheLimitOverASlowLink) {
  // 50/s with 200 ms round trips needs 10 in flight: "auto" sizes the cap from what it measures.
  TargetPlan& tp = add_target("t", {RateTier{50, 1}});
  add_work(tp, 500);
  target_config("t").concurrency.reset();
  transport.set_latency(200ms);
  RunSummary summary = run();
  const TargetResult& r = result(summary, "t");
  EXPECT_EQ(r.counts.applied, 500u);
  EXPECT_GE(send_rate(transport), 0.95 * 50);
  EXPECT_GE(transport.max_in_flight, 10u);
  EXPECT_LE(transport.max_in_flight, 16u) << "50/s x 200 ms x 1.5 + 1";
  EXPECT_TRUE(r.counts.concurrency_auto);
  EXPECT_EQ(r.counts.concurrency_peak, 16u);
}

TEST_F(ExecutorTest, AFixedConcurrencyStillBoundsTheRateOverASlowLink) {
  TargetPlan& tp = add_target("t", {RateTier{50, 1}});
  add_work(tp, 500);
  target_config("t").concurrency = 8;
  transport.set_latency(200ms);
  RunSummary summary = run();
  const TargetResult& r = result(summary, "t");
  EXPECT_EQ(r.counts.applied, 500u);
  EXPECT_LE(transport.max_in_flight, 8u);
  EXPECT_NEAR(send_rate(transport), 8 / 0.2, 0.5) << "8 in flight / 200 ms";
  EXPECT_FALSE(r.counts.concurrency_auto);
  EXPECT_EQ(r.counts.concurrency, 8u);
  EXPECT_EQ(r.counts.concurrency_peak, 8u);
}

TEST_F(ExecutorTest, AutoConcurrencyStaysUnderItsCeiling) {
  // 1000/s with 2 s round trips would want 3,000 in flight.
  TargetPlan& tp = add_target("t", {RateTier{1000, 1}});
  add_work(tp, 1000);
  target_config("t").concurrency.reset();
  transport.set_latency(2s);
  RunSummary summary = run();
  EXPECT_EQ(result(summary, "t").counts.applied, 1000u);
  EXPECT_EQ(transport.max_in_flight, 64u);
  EXPECT_EQ(result(summary, "t").counts.concurrency_peak, 64u);
}

TEST_F(ExecutorTest, AutoConcurrencyFollowsTheRoundTripUpAndDown) {
  TargetPlan& tp = add_target("t", {RateTier{50, 1}});
  add_work(tp, 1500);
  target_config("t").concurrency.reset();
  transport.set_latency(20ms);
  // 10 s in: the link slows to 300 ms; 20 s in, it is fast again.
  auto change = [&](Clock::duration after, Clock::duration latency) -> net::awaitable<void> {
    co_await clock.sleep_until(clock.now() + after);
    transport.set_latency(latency);
  };
  net::co_spawn(io, change(10s, 300ms), net::detached);
  net::co_spawn(io, change(20s, 20ms), net::detached);
  std::vector<std::size_t> in_flight_at(30, 0);  // the most in flight in each second
  auto watch = [&]() -> net::awaitable<void> {
    for (std::size_t s = 0; s < in_flight_at.size(); ++s) {
      const std::size_t seen = transport.max_in_flight;
      transport.max_in_flight = 0;
      if (s > 0) in_flight_at[s - 1] = seen;
      co_await clock.sleep_until(clock.now() + 1s);
    }
  };
  net::co_spawn(io, watch(), net::detached);
  RunSummary summary = run();
  const TargetResult& r = result(summary, "t");
  EXPECT_EQ(r.counts.applied, 1500u);
  EXPECT_LE(in_flight_at[8], 4u) << "20 ms: 50/s x 20 ms x 1.5 + 1 = 3";
  EXPECT_GE(in_flight_at[17], 14u) << "300 ms: 50/s needs 15 in flight";
  EXPECT_LE(in_flight_at[17], 24u) << "50/s x 300 ms x 1.5 + 1";
  EXPECT_LE(in_flight_at[27], 4u) << "fast again: the workers beyond the cap left";
  EXPECT_EQ(r.counts.concurrency_peak, 24u);
  EXPECT_GE(send_rate(transport), 0.95 * 50) << "the slow spell did not slow the target";
}

TEST_F(ExecutorTest, TheProgressBoardShowsTheConcurrencyInUse) {
  TargetPlan& tp = add_target("t", {RateTier{50, 1}});
  add_work(tp, 100);
  target_config("t").concurrency.reset();
  transport.set_latency(200ms);
  run();
  const std::vector<TargetProgress> seen = board.snapshot();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_TRUE(seen[0].concurrency_auto);
  EXPECT_GE(seen[0].concurrency, 2u);
  EXPECT_EQ(seen[0].concurrency_peak, 16u);
}

TEST(Executor, SameSeedSameSchedule) {
  auto schedule = [](std::uint64_t seed) {
    Harness h;
    TargetPlan& tp = h.add_target("t");
    h.add_work(tp, 10);
    for (int i = 0; i < 10; ++i) h.transport.script["k" + std::to_string(i)] = {code(kBusy, 500), code(kLock, 400)};
    ExecutorOptions options;
    options.seed = seed;
    h.run(options);
    std::vector<Clock::time_point> at;
    for (const auto& s : h.transport.sent) at.push_back(s.at);
    return at;
  };
  EXPECT_EQ(schedule(5), schedule(5));
  EXPECT_NE(schedule(5), schedule(6));
}

// An update with a prior request (an upload): the upload goes first through its own lane, and the
// update carries what its answer gave; both count as requests of the entity and of the target.
TEST_F(ExecutorTest, APriorRequestIsAnsweredBeforeTheUpdateThatTakesItsAnswer) {
  TargetPlan& tp = add_target("t", {}, Platform::kFeishu, true);
  add_work(tp, 3);
  RunSummary summary = run();
  ASSERT_EQ(sink.rows.size(), 3u);
  for (const auto& row : sink.rows) {
    EXPECT_EQ(row.status, OutcomeStatus::kApplied) << row.key;
    EXPECT_EQ(row.attempts, 2u) << row.key;
    const auto sends = transport.sends_of(row.key);
    const auto uploads = transport.sends_of("up-" + row.key);
    ASSERT_EQ(sends.size(), 1u);
    ASSERT_EQ(uploads.size(), 1u);
    EXPECT_LE(uploads[0].answered, sends[0].at) << row.key;
    EXPECT_EQ(uploads[0].body, "photo of " + row.key);
    EXPECT_EQ(uploads[0].content_type, "multipart/form-data; boundary=b");
    EXPECT_EQ(sends[0].body, "fid-0");
    EXPECT_EQ(sends[0].content_type, "application/json; charset=utf-8");
  }
  EXPECT_EQ(result(summary, "t").counts.requests, 6u);
  // The uploads pass their lane (1/s): the third starts two seconds after the first.
  EXPECT_GE(transport.sends_of("up-k2")[0].at - transport.sends_of("up-k0")[0].at, 2s - 1ms);
}

TEST_F(ExecutorTest, AFailedPriorRequestFailsTheEntityWithItsCodeAndSendsNoUpdate) {
  TargetPlan& tp = add_target("t", {}, Platform::kFeishu, true);
  add_work(tp, "k0");
  add_work(tp, "k1");
  add_work(tp, "?k2");
  transport.script["up-k0"] = {code(40001, 400)};
  transport.script["up-k1"] = {code(1, 500), code(0)};
  RunSummary summary = run();
  ASSERT_EQ(sink.rows.size(), 3u);
  for (const auto& row : sink.rows) {
    if (row.key == "k0") {
      EXPECT_EQ(row.status, OutcomeStatus::kFailed);
      EXPECT_EQ(row.code, 40001);
      EXPECT_NE(row.message.find("upload msg"), std::string::npos) << row.message;
      EXPECT_EQ(row.attempts, 1u);
    } else if (row.key == "k1") {
      EXPECT_EQ(row.status, OutcomeStatus::kApplied);
      EXPECT_EQ(row.attempts, 3u);  // the upload retried once, then the update
    } else {
      EXPECT_EQ(row.status, OutcomeStatus::kFailed);
      EXPECT_NE(row.message.find("cannot read the photo"), std::string::npos) << row.message;
      EXPECT_EQ(row.attempts, 0u);
    }
  }
  EXPECT_TRUE(transport.sends_of("k0").empty());
  EXPECT_TRUE(transport.sends_of("?k2").empty());
  EXPECT_EQ(transport.sends_of("up-k1").size(), 2u);
  EXPECT_EQ(transport.sends_of("k1").size(), 1u);
  EXPECT_EQ(result(summary, "t").counts.failed, 2u);
}

}  // namespace
}  // namespace hrsync
