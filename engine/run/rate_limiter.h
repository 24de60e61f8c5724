// RateLimiter: paces the requests of one rate lane so that no tier of its limit is ever exceeded.
//
// A lane's limit is one or more tiers (50/s AND 1000/min). The limiter paces starts evenly with a
// burst of one: start slots are `spacing()` apart, where spacing is the largest window/limit over
// the tiers, widened by a small margin (2.8 % on tiers of a second or less, 0.2 % on longer ones).
// Besides, each tier keeps the times of its last `limit` starts: a start is allowed only once the
// limit-th start before it lies a widened window back (window * (1 + margin)), so any limit+1
// successive starts span the widened window whatever the cadence did, and an arrival jitter up to
// the margin (28 ms on a 1 s tier, less the lateness forgiven below) can never put limit+1
// arrivals in one window.
// A request held after its start (a token being fetched, a connection being opened) is logged
// again when it leaves (sent()), less the lateness forgiven below, with the starts after it moved
// no earlier than it: the log is the departures', so a hold never lets the limit-th request after
// it leave less than a window (less that forgiveness) later.
// A start that comes a little after its slot (a timer fires late) keeps the cadence: the next slot
// is one spacing after the slot, not after the late start, so waking-up delays do not add up and
// a busy lane runs at its paced rate. Only lateness up to `catch_up()` — a quarter of the smallest
// tier's margin, and at most half a spacing — is made up; a later start (an idle lane) begins a new
// cadence, with no burst credit. Likewise a start's log takes off up to a thirtieth of the margin
// (0.93 ms on a 1 s tier) of the start's lateness: else each start would wait for the lateness of
// the one `limit` before it, and the lateness of a busy lane would add up window after window (on
// a loaded machine, some 0.2 % of the rate). Every sliding window of every tier,
// measured at send time, holds at most `limit` requests, and so does one measured at arrival when
// the arrival jitter stays within the margin less that thirtieth (a server counting fixed windows
// never sees more than a sliding one would).
//
// throttled() is how a lane reacts to a throttled answer (HTTP 429 or the API's own code): the jitter was
// larger than the margin, so the windows widen by one spacing (the widening fades by a share of
// 1/limit per start, so it is gone after a few windows without another), and the lane pauses
// until the time the server named (pause_until()), the first throttle after a calm spell too:
// the reset is what the server asked for. The core is pure: time is an argument
// (golang.org/x/time/rate style), and the caller waits. A limiter without tiers never delays.
//
// lower_limit() is how a lane takes a limit the server announces (a throttled answer names the
// limit of the window that refused it, which a tenant may have lower than the document says; the
// header does not name the window): it applies to the tier with the smallest limit above it (50/s
// and 1000/min: 40 lowers the 1 s tier, 800 the minute one), which keeps it for the limiter's life,
// its log of starts cut to the new limit. An announcement is evidence, not an order: a limit far
// below the tier as configured (under a tenth of it) is only noted the first time, and taken when
// announced again (the same or lower); and no tier goes below its floor, a tenth of its configured
// limit (at least 1). A limit at or above every tier's changes nothing: the configured one is kept.
//
// Thread-safety: none; one lane is used from one thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "connectors/targets/rate_tier.h"

namespace hrsync {

struct RateLimiterOptions {
  double second_margin = 0.028;  // spacing widened by this share on tiers whose window is <= 1 s
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

  // Records a start at `start` and returns its ticket, for sent(). REQUIRES: start >= earliest(start).
  std::uint64_t take(time_point start);

  // The request that started with `ticket` left only at `at` (it was held after its start: a token
  // fetched, a connection opened): its start is logged at `at` (less the lateness a start's log
  // forgives), and every start after it no earlier, so the windows measured at departure hold. A
  // ticket out of the logs, or a departure no later than its log, changes nothing.
  void sent(std::uint64_t ticket, time_point at);

  // Takes the earliest start at or after `now` and returns it: the caller waits until then.
  time_point reserve(time_point now) {
    time_point start = earliest(now);
    take(start);
    return start;
  }

  // Holds every start until at least `t` (later pauses extend, earlier ones change nothing).
  void pause_until(time_point t);
  time_point paused_until() const { return paused_until_; }

  // A request that started at `sent` was throttled; its answer came at `now`, asking for a pause
  // until `server_until`: the windows widen and the lane pauses until then (see above).
  void throttled(time_point sent, time_point now, time_point server_until);

  // How much every tier's window is widened now, beyond its margin, after throttles.
  duration widening() const { return widening_; }

  // The server announced `limit` for one of this lane's windows. When it is lower than a tier's,
  // that tier (see above) takes it, or its floor, or notes it as unconfirmed, and what happened is
  // returned; else (nothing to say) nullopt.
  struct Lowered {
    RateTier configured;     // the tier as the limiter was built
    RateTier before;
    RateTier after;          // == before when the announcement was only noted
    std::uint32_t announced = 0;  // the limit the server announced
    bool unconfirmed = false;     // far below the tier and announced once: noted, not taken
    bool floored = false;         // below the floor: the tier went down to its floor only
  };

  // The share of a configured tier's limit under which an announcement needs a second one, and
  // the floor of every tier.
  static constexpr std::uint32_t kFarBelow = 10;
  std::optional<Lowered> lower_limit(std::uint32_t limit);

  // The tiers in force: the configured ones, with the limits the server lowered.
  const std::vector<RateTier>& tiers() const { return tiers_; }

 private:
  // One tier's last `limit` starts, oldest first from `head`.
  struct StartLog {
    std::size_t tier = 0;       // its tier in tiers_
    duration window{0};         // the tier's window widened by its margin
    std::vector<time_point> starts;
    std::size_t head = 0;       // the oldest start once the log is full
    std::size_t size = 0;
  };

  // Sets spacing, catch-up and start logs from tiers_, keeping the latest starts of each log.
  void configure();

  RateLimiterOptions options_;
  std::vector<RateTier> tiers_;  // the tiers in force (non-empty ones only)
  std::vector<RateTier> configured_;  // the tiers as built, parallel to tiers_
  std::vector<std::optional<std::uint32_t>> pending_;  // a far-below limit announced once, per tier
  duration spacing_{0};
  duration catch_up_{0};
  duration forgiven_{0};       // the most lateness of a start its log forgives (see take())
  time_point next_{};          // the next start slot: the earliest start allowed by pacing
  time_point paused_until_{};  // earliest start allowed by a pause
  std::vector<StartLog> logs_;
  duration widening_{0};
  time_point last_throttle_{};  // when the last throttled answer came
  std::uint64_t taken_ = 0;     // starts taken so far: the next ticket
};

}  // namespace hrsync
