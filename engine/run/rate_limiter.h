// RateLimiter: paces the requests of one rate lane so that no tier of its limit is ever exceeded.
//
// A lane's limit is one or more tiers (50/s AND 1000/min). The limiter paces starts evenly with a
// burst of one: start slots are `spacing()` apart, where spacing is the largest window/limit over
// the tiers, widened by a small margin (3 % on tiers of a second or less, 0.2 % on longer ones).
// A start that comes a little after its slot (a timer fires late) keeps the cadence: the next slot
// is one spacing after the slot, not after the late start, so waking-up delays do not add up and
// a busy lane runs at its paced rate. Only lateness up to `catch_up()` — a quarter of the smallest
// tier's margin, and at most half a spacing — is made up; a later start (an idle lane) begins a new
// cadence, with no burst credit. Any limit+1 successive starts then span more than the window plus
// three quarters of its margin, so every sliding window of every tier, measured at send time, holds
// at most `limit` requests; the rest of the margin absorbs the jitter between sending and arrival,
// so a server counting sliding windows at arrival does not throttle either (and a server counting
// fixed windows never sees more than a sliding one would).
//
// pause_until() holds the lane after a throttled response (99991400 / HTTP 429) until the time the
// server named. The core is pure: time is an argument (golang.org/x/time/rate style), and the
// caller waits. A limiter without tiers never delays.
//
// Thread-safety: none; one lane is used from one thread.
#pragma once

#include <chrono>
#include <span>

#include "connectors/targets/rate_tier.h"

namespace hrsync {

struct RateLimiterOptions {
  double second_margin = 0.03;   // spacing widened by this share on tiers whose window is <= 1 s
  double long_margin = 0.002;    // spacing widened by this share on longer tiers (120 ms a minute)
};

class RateLimiter {
 public:
  using duration = std::chrono::steady_clock::duration;
  using time_point = std::chrono::steady_clock::time_point;

  // A limiter for `tiers`; tiers with a zero limit or window are ignored.
  explicit RateLimiter(std::span<const RateTier> tiers, RateLimiterOptions options = {});

  // The time between two start slots; zero when unlimited.
  duration spacing() const { return spacing_; }

  // The most lateness of a start that still keeps the cadence (see above).
  duration catch_up() const { return catch_up_; }

  // The earliest time at or after `now` when a request may start.
  time_point earliest(time_point now) const;

  // Records a start at `start`. REQUIRES: start >= earliest(start).
  void take(time_point start);

  // Takes the earliest start at or after `now` and returns it: the caller waits until then.
  time_point reserve(time_point now) {
    time_point start = earliest(now);
    take(start);
    return start;
  }

  // Holds every start until at least `t` (later pauses extend, earlier ones change nothing).
  void pause_until(time_point t);
  time_point paused_until() const { return paused_until_; }

 private:
  duration spacing_{0};
  duration catch_up_{0};
  time_point next_{};          // the next start slot: the earliest start allowed by pacing
  time_point paused_until_{};  // earliest start allowed by a pause
};

}  // namespace hrsync
