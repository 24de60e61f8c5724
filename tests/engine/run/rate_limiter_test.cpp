#include "engine/run/rate_limiter.h"

#include <algorithm>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "tests/engine/run/busiest_window.h"

namespace hrsync {
namespace {

using namespace std::chrono_literals;
using hrsync::testing::busiest_window;
using time_point = RateLimiter::time_point;
using duration = RateLimiter::duration;

const time_point kT0 = time_point{} + 1h;

TEST(RateLimiter, WithoutTiersNeverDelays) {
  RateLimiter limiter({});
  EXPECT_EQ(limiter.spacing(), duration::zero());
  for (int i = 0; i < 5; ++i) EXPECT_EQ(limiter.reserve(kT0), kT0);
}

TEST(RateLimiter, IgnoresEmptyTiers) {
  std::vector<RateTier> tiers{{0, 1}, {10, 0}};
  RateLimiter limiter(tiers);
  EXPECT_EQ(limiter.spacing(), duration::zero());
}

TEST(RateLimiter, PacesPerSecondTierEvenlyWithMargin) {
  RateTier tier{50, 1};
  std::vector<RateTier> tiers{tier};
  RateLimiter limiter(tiers);
  auto spacing = limiter.spacing();
  EXPECT_EQ(spacing, 20560us);  // 1 s / 50, widened by the 2.8 % margin
  // Everyone asks at once: burst 1, then one start per spacing.
  for (int i = 0; i < 10; ++i) EXPECT_EQ(limiter.reserve(kT0), kT0 + i * spacing) << "request " << i;
}

TEST(RateLimiter, TheStrictestTierSetsThePace) {
  RateTier per_second{50, 1};
  RateTier per_minute{1000, 60};
  std::vector<RateTier> tiers{per_second, per_minute};
  RateLimiter limiter(tiers);
  // Paced evenly, 1000/min (60 ms, widened by 0.2 %) is stricter than 50/s (20.6 ms).
  EXPECT_EQ(limiter.spacing(), 60120us);
}

TEST(RateLimiter, MarginsAreOptions) {
  std::vector<RateTier> tiers{{100, 1}};
  RateLimiter none(tiers, RateLimiterOptions{.second_margin = 0, .long_margin = 0});
  RateLimiter wide(tiers, RateLimiterOptions{.second_margin = 0.5, .long_margin = 0});
  EXPECT_EQ(none.spacing(), 10ms);
  EXPECT_EQ(wide.spacing(), 15ms);
}

TEST(RateLimiter, AnIdleLaneGivesNoBurstCredit) {
  std::vector<RateTier> tiers{{10, 1}};
  RateLimiter limiter(tiers);
  EXPECT_EQ(limiter.reserve(kT0), kT0);
  time_point later = kT0 + 10s;
  EXPECT_EQ(limiter.reserve(later), later);
  EXPECT_EQ(limiter.reserve(later), later + limiter.spacing());
}

TEST(RateLimiter, EarliestDoesNotTake) {
  std::vector<RateTier> tiers{{10, 1}};
  RateLimiter limiter(tiers);
  EXPECT_EQ(limiter.earliest(kT0), kT0);
  EXPECT_EQ(limiter.earliest(kT0), kT0);
  limiter.take(kT0);
  EXPECT_EQ(limiter.earliest(kT0), kT0 + limiter.spacing());
}

TEST(RateLimiter, EverySlidingWindowOfEveryTierStaysUnderItsLimit) {
  std::vector<RateTier> tiers{{50, 1}, {1000, 60}, {5, 1}};
  RateLimiter limiter(tiers);
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<int> gap_ms(0, 400);
  std::vector<time_point> starts;
  time_point now = kT0;
  for (int i = 0; i < 3000; ++i) {
    now += std::chrono::milliseconds(gap_ms(rng) < 300 ? 0 : gap_ms(rng));  // bursts and lulls
    time_point start = limiter.reserve(now);
    ASSERT_GE(start, now);
    starts.push_back(start);
  }
  for (const RateTier& tier : tiers) {
    duration window = std::chrono::seconds(tier.window_seconds);
    EXPECT_LE(busiest_window(starts, window), tier.limit) << tier.limit << "/" << tier.window_seconds << "s";
  }
}

TEST(RateLimiter, ArrivalJitterWithinTheMarginKeepsWindowsUnderTheLimit) {
  // Starts paced at full speed, then each delayed in transit by up to 2 % of a second: the
  // 2.8 % margin on the per-second tier keeps every arrival window under the limit.
  std::vector<RateTier> tiers{{50, 1}};
  RateLimiter limiter(tiers);
  std::mt19937_64 rng(11);
  std::uniform_int_distribution<int> jitter_us(0, 20'000);
  std::vector<time_point> arrivals;
  for (int i = 0; i < 2000; ++i) arrivals.push_back(limiter.reserve(kT0) + std::chrono::microseconds(jitter_us(rng)));
  std::sort(arrivals.begin(), arrivals.end());
  EXPECT_LE(busiest_window(arrivals, 1s), 50u);
}

TEST(RateLimiter, StartsALittleLateKeepTheCadence) {
  // A busy lane whose every start comes 200 us after its slot (a timer firing late) still runs at
  // its paced rate: the lateness does not add up from one start to the next.
  std::vector<RateTier> tiers{{50, 1}};
  RateLimiter limiter(tiers);
  EXPECT_EQ(limiter.catch_up(), 7000us);  // a quarter of the 2.8 % margin of a second
  std::vector<time_point> starts;
  time_point now = kT0;
  for (int i = 0; i < 500; ++i) {
    now = limiter.earliest(now) + 200us;
    limiter.take(now);
    starts.push_back(now);
  }
  // The first start sets the cadence; the lateness does not add up from start to start, only
  // once a window (a start waits until the 50th before it lies a widened window back).
  EXPECT_GE(starts.back(), starts.front() + 499 * limiter.spacing() + 200us);
  EXPECT_LE(starts.back(), starts.front() + 499 * limiter.spacing() + 200us * (499 / 50 + 1));
  EXPECT_LE(busiest_window(starts, 1s), 50u);
  // Later than catch_up() after its slot: a new cadence, a full spacing after that start.
  const time_point slot = limiter.earliest(now);
  limiter.take(slot + 10ms);
  EXPECT_EQ(limiter.earliest(slot), slot + 10ms + limiter.spacing());
}

TEST(RateLimiter, ABusyLaneWhoseStartsComeALittleLateKeepsItsRate) {
  // Every start 0.5 ms after it was due (a timer firing late on a busy machine): the log forgives
  // up to a thirtieth of the margin (0.93 ms), so the lateness does not add up window after
  // window and 2,000 starts take 1,999 spacings and the one lateness, not 0.5 ms more per window.
  RateLimiter limiter(std::vector<RateTier>{{50, 1}});
  std::vector<time_point> starts;
  time_point now = kT0;
  for (int i = 0; i < 2000; ++i) {
    now = limiter.earliest(now) + 500us;
    limiter.take(now);
    starts.push_back(now);
  }
  EXPECT_LE(starts.back() - starts.front(), 1999 * limiter.spacing() + 500us);
  for (std::size_t i = 50; i < starts.size(); ++i) EXPECT_GE(starts[i] - starts[i - 50], 1027ms) << i;
}

TEST(RateLimiter, LatenessUpToTheCatchUpKeepsMostOfTheMarginForArrivalJitter) {
  // Starts late by anything up to catch_up(): any 51 successive starts still span more than the
  // second plus three quarters of the 2.8 % margin, less the lateness a start's log forgives (a
  // thirtieth of it): that is left for jitter in transit.
  std::vector<RateTier> tiers{{50, 1}};
  RateLimiter limiter(tiers);
  std::mt19937_64 rng(5);
  std::uniform_int_distribution<std::int64_t> late_us(0, 7000);
  std::vector<time_point> starts;
  time_point now = kT0;
  for (int i = 0; i < 3000; ++i) {
    now = limiter.earliest(now) + std::chrono::microseconds(late_us(rng));
    limiter.take(now);
    starts.push_back(now);
  }
  for (std::size_t i = 50; i < starts.size(); ++i) {
    ASSERT_GE(starts[i] - starts[i - 50], 1s + 20ms) << "starts " << i - 50 << ".." << i;
  }
}

TEST(RateLimiter, PauseHoldsTheLaneUntilItsEnd) {
  std::vector<RateTier> tiers{{50, 1}};
  RateLimiter limiter(tiers);
  limiter.reserve(kT0);
  limiter.pause_until(kT0 + 3s);
  EXPECT_EQ(limiter.paused_until(), kT0 + 3s);
  EXPECT_EQ(limiter.reserve(kT0 + 1s), kT0 + 3s);
  EXPECT_EQ(limiter.reserve(kT0 + 1s), kT0 + 3s + limiter.spacing());  // paced again afterwards
}

TEST(RateLimiter, AnEarlierPauseDoesNotShortenALaterOne) {
  RateLimiter limiter({});
  limiter.pause_until(kT0 + 5s);
  limiter.pause_until(kT0 + 2s);
  EXPECT_EQ(limiter.paused_until(), kT0 + 5s);
  EXPECT_EQ(limiter.earliest(kT0), kT0 + 5s);
  EXPECT_EQ(limiter.earliest(kT0 + 6s), kT0 + 6s);
}

TEST(RateLimiter, OnePerSecondLane) {
  std::vector<RateTier> tiers{{1, 1}};
  RateLimiter lane(tiers);
  EXPECT_EQ(lane.spacing(), 1028ms);
  EXPECT_EQ(lane.reserve(kT0), kT0);
  EXPECT_GT(lane.reserve(kT0), kT0 + 1s);
}


TEST(RateLimiter, AnyLimitPlusOneStartsSpanTheWidenedWindowWhateverTheLateness) {
  RateLimiter limiter(std::vector<RateTier>{{50, 1}});
  std::mt19937_64 rng(3);
  std::uniform_int_distribution<int> late_us(0, 9000);  // up to and beyond the catch-up
  std::vector<RateLimiter::time_point> starts;
  RateLimiter::time_point now = kT0;
  for (int i = 0; i < 2000; ++i) {
    RateLimiter::time_point start = limiter.earliest(now) + std::chrono::microseconds(i % 3 == 0 ? late_us(rng) : 0);
    limiter.take(start);
    starts.push_back(start);
    now = start;
  }
  // The margin, less the lateness a start's log forgives (a thirtieth of it).
  for (std::size_t i = 50; i < starts.size(); ++i) EXPECT_GE(starts[i] - starts[i - 50], 1027ms) << "start " << i;
  // Arrivals up to 27 ms late still never put 51 in one second.
  std::vector<RateLimiter::time_point> arrivals;
  for (auto s : starts) arrivals.push_back(s + std::chrono::microseconds(std::uniform_int_distribution<int>(0, 26999)(rng)));
  std::sort(arrivals.begin(), arrivals.end());
  EXPECT_LE(busiest_window(arrivals, 1s), 50u);
}

TEST(RateLimiter, TakeHandsOutTicketsInOrder) {
  RateLimiter limiter(std::vector<RateTier>{{50, 1}});
  EXPECT_EQ(limiter.take(kT0), 0u);
  EXPECT_EQ(limiter.take(limiter.earliest(kT0)), 1u);
  EXPECT_EQ(limiter.take(limiter.earliest(kT0)), 2u);
}

TEST(RateLimiter, ARequestHeldAfterItsSlotIsLoggedWhenItLeaves) {
  // Request 0 takes its slot, then waits 40 ms for a connection; 1..50 leave on time. The 50th
  // after it must still leave a widened window after it left, not after it asked.
  RateLimiter limiter(std::vector<RateTier>{{50, 1}});
  std::vector<std::uint64_t> tickets;
  std::vector<time_point> departures;
  time_point now = kT0;
  for (int i = 0; i < 51; ++i) {
    now = limiter.earliest(now);
    tickets.push_back(limiter.take(now));
    departures.push_back(now);
    if (i == 0) {
      departures[0] = kT0 + 40ms;
    }
    if (i == 2) limiter.sent(tickets[0], departures[0]);  // its write began while 1 and 2 went out
  }
  EXPECT_GE(departures[50] - departures[0], 1027ms);  // the widened window, less the forgiven lateness
  // Without the correction the 51st would have gone 40 ms sooner: one window held 51.
  RateLimiter blind(std::vector<RateTier>{{50, 1}});
  time_point t = kT0;
  for (int i = 0; i < 51; ++i) t = blind.reserve(t);
  EXPECT_LT(t - departures[0], 1s);
}

TEST(RateLimiter, HeldRequestsKeepEveryWindowAtDepartureUnderTheLimit) {
  // Every seventh request is held 0..60 ms after its slot (a connection opened, a token refreshed
  // inside the transport), and reported when it left; every sliding window of the departures,
  // and of arrivals up to 27 ms later, holds at most the limit.
  RateLimiter limiter(std::vector<RateTier>{{50, 1}});
  std::mt19937_64 rng(5);
  std::uniform_int_distribution<int> hold_us(0, 60'000);
  std::vector<time_point> departures;
  std::vector<std::pair<std::uint64_t, time_point>> held;  // reported once the lane reaches them
  time_point now = kT0;
  for (int i = 0; i < 3000; ++i) {
    now = limiter.earliest(now);
    const std::uint64_t ticket = limiter.take(now);
    time_point left = now;
    if (i % 7 == 0) {
      left += std::chrono::microseconds(hold_us(rng));
      held.emplace_back(ticket, left);
    }
    departures.push_back(left);
    // Report the holds whose departure has come by the time of this start.
    std::erase_if(held, [&](const auto& h) {
      if (h.second > now) return false;
      limiter.sent(h.first, h.second);
      return true;
    });
  }
  std::vector<time_point> sorted = departures;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_LE(busiest_window(sorted, 1s), 50u);
  std::vector<time_point> arrivals;
  for (time_point d : departures) arrivals.push_back(d + std::chrono::microseconds(std::uniform_int_distribution<int>(0, 26999)(rng)));
  std::sort(arrivals.begin(), arrivals.end());
  EXPECT_LE(busiest_window(arrivals, 1s), 50u);
}

TEST(RateLimiter, ALateReportMovesNothingBack) {
  RateLimiter limiter(std::vector<RateTier>{{2, 1}});
  const std::uint64_t first = limiter.take(kT0);
  const std::uint64_t second = limiter.take(limiter.earliest(kT0));
  const time_point third = limiter.earliest(kT0);
  limiter.sent(second, kT0);         // earlier than its slot: changes nothing
  EXPECT_EQ(limiter.earliest(kT0), third);
  limiter.sent(first, kT0 + 900ms);  // after the second's slot: the second is logged no earlier
  EXPECT_GE(limiter.earliest(kT0), kT0 + 900ms + 1027ms);
  limiter.sent(first + 100, kT0 + 5s);  // no such ticket: nothing
  EXPECT_LT(limiter.earliest(kT0), kT0 + 5s);
}

TEST(RateLimiter, TheFirstThrottleWidensTheWindowsAndPausesForTheServersReset) {
  RateLimiter limiter(std::vector<RateTier>{{50, 1}});
  RateLimiter::time_point t = kT0;
  for (int i = 0; i < 60; ++i) t = limiter.reserve(t);
  const RateLimiter::time_point sent = t;
  const RateLimiter::time_point answered = t + 15ms;
  limiter.throttled(sent, answered, answered + 1s);
  EXPECT_EQ(limiter.widening(), limiter.spacing());
  EXPECT_EQ(limiter.paused_until(), answered + 1s);
  EXPECT_EQ(limiter.earliest(answered), answered + 1s);
  // Another request of the same burst (sent before that answer) widens nothing more.
  limiter.throttled(sent - 20ms, answered + 5ms, answered + 1s);
  EXPECT_EQ(limiter.widening(), limiter.spacing());
  // The widening fades as the lane goes on without a throttle.
  RateLimiter::time_point u = answered + 1s;
  for (int i = 0; i < 400; ++i) u = limiter.reserve(u);
  EXPECT_LT(limiter.widening(), limiter.spacing() / 10);
}

TEST(RateLimiter, AThrottleAfterTheLaneAdaptedPausesForTheServersReset) {
  RateLimiter limiter(std::vector<RateTier>{{50, 1}});
  RateLimiter::time_point t = limiter.reserve(kT0);
  limiter.throttled(t, t + 10ms, t + 10ms + 1s);
  RateLimiter::time_point resent = limiter.reserve(t + 10ms);
  EXPECT_EQ(resent, t + 10ms + 1s);
  limiter.throttled(resent, resent + 10ms, resent + 10ms + 1s);
  EXPECT_EQ(limiter.paused_until(), resent + 10ms + 1s);
  EXPECT_EQ(limiter.earliest(resent + 20ms), resent + 10ms + 1s);
}

TEST(RateLimiter, ALaneWithoutTiersTakesTheServersPause) {
  RateLimiter limiter(std::span<const RateTier>{});
  limiter.throttled(kT0, kT0 + 5ms, kT0 + 2s);
  EXPECT_EQ(limiter.earliest(kT0 + 5ms), kT0 + 2s);
}

TEST(RateLimiter, ALimitFarBelowTheTierIsTakenOnlyWhenAnnouncedAgainAndNeverBelowTheFloor) {
  RateLimiter limiter(std::vector<RateTier>{{50, 1}});
  const duration spacing = limiter.spacing();
  auto once = limiter.lower_limit(1);  // under a tenth of 50/s: evidence, not yet an order
  ASSERT_TRUE(once.has_value());
  EXPECT_TRUE(once->unconfirmed);
  EXPECT_EQ(once->after, (RateTier{50, 1}));
  EXPECT_EQ(limiter.tiers(), (std::vector<RateTier>{{50, 1}}));
  EXPECT_EQ(limiter.spacing(), spacing);
  auto again = limiter.lower_limit(1);  // announced again: taken, down to the floor (5/s)
  ASSERT_TRUE(again.has_value());
  EXPECT_FALSE(again->unconfirmed);
  EXPECT_TRUE(again->floored);
  EXPECT_EQ(again->announced, 1u);
  EXPECT_EQ(again->configured, (RateTier{50, 1}));
  EXPECT_EQ(again->after, (RateTier{5, 1}));
  EXPECT_EQ(limiter.tiers(), (std::vector<RateTier>{{5, 1}}));
  // A higher far-below announcement after a lower one waits for its own confirmation.
  RateLimiter other(std::vector<RateTier>{{50, 1}});
  ASSERT_TRUE(other.lower_limit(2)->unconfirmed);
  ASSERT_TRUE(other.lower_limit(3)->unconfirmed);
  auto confirmed = other.lower_limit(3);
  EXPECT_FALSE(confirmed->unconfirmed);
  EXPECT_EQ(other.tiers(), (std::vector<RateTier>{{5, 1}}));
  // A limit at a tenth or more is taken at once, as before.
  RateLimiter near(std::vector<RateTier>{{50, 1}});
  EXPECT_FALSE(near.lower_limit(5)->unconfirmed);
  EXPECT_EQ(near.tiers(), (std::vector<RateTier>{{5, 1}}));
}

TEST(RateLimiter, AnAnnouncedLowerLimitLowersTheNearestTierAbove) {
  RateLimiter limiter(std::vector<RateTier>{{50, 1}, {1000, 60}});
  const duration before = limiter.spacing();
  auto lowered = limiter.lower_limit(40);
  ASSERT_TRUE(lowered.has_value());
  EXPECT_EQ(lowered->before, (RateTier{50, 1}));
  EXPECT_EQ(lowered->after, (RateTier{40, 1}));
  EXPECT_EQ(limiter.tiers(), (std::vector<RateTier>{{40, 1}, {1000, 60}}));
  EXPECT_EQ(limiter.spacing(), before);  // 60.12 s / 1000 is still the slower pace
  // 800 is no per-second limit above 40/s: it lowers the minute.
  ASSERT_TRUE(limiter.lower_limit(800).has_value());
  EXPECT_EQ(limiter.tiers(), (std::vector<RateTier>{{40, 1}, {800, 60}}));
  EXPECT_EQ(limiter.spacing(), 75150us);  // 60.12 s / 800
  RateLimiter attendance(std::vector<RateTier>{{50, 1}});
  ASSERT_TRUE(attendance.lower_limit(40).has_value());
  EXPECT_EQ(attendance.spacing(), 25700us);  // 1.028 s / 40
}

TEST(RateLimiter, AnAnnouncedLimitAtOrAboveTheConfiguredOneChangesNothing) {
  RateLimiter limiter(std::vector<RateTier>{{50, 1}, {1000, 60}});
  const duration spacing = limiter.spacing();
  EXPECT_FALSE(limiter.lower_limit(1000).has_value());
  EXPECT_FALSE(limiter.lower_limit(5000).has_value());
  EXPECT_FALSE(limiter.lower_limit(0).has_value());
  EXPECT_EQ(limiter.tiers(), (std::vector<RateTier>{{50, 1}, {1000, 60}}));
  EXPECT_EQ(limiter.spacing(), spacing);
  RateLimiter unlimited(std::span<const RateTier>{});
  EXPECT_FALSE(unlimited.lower_limit(10).has_value());
}

TEST(RateLimiter, ALoweredTierHoldsFromTheStartsAlreadyMade) {
  RateLimiter limiter(std::vector<RateTier>{{50, 1}});
  std::vector<time_point> starts;
  time_point now = kT0;
  for (int i = 0; i < 120; ++i) {
    now = limiter.reserve(now);
    starts.push_back(now);
  }
  ASSERT_TRUE(limiter.lower_limit(20).has_value());
  for (int i = 0; i < 200; ++i) {
    now = limiter.reserve(now);
    starts.push_back(now);
  }
  // From the first start after the change, any 21 successive starts, those made before it
  // included, span the widened second.
  for (std::size_t i = 120; i < starts.size(); ++i) EXPECT_GE(starts[i] - starts[i - 20], 1028ms) << "start " << i;
}

}  // namespace
}  // namespace hrsync
