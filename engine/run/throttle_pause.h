// ThrottlePause: how long a lane waits after a throttled answer, from the reset it announced.
//
// The reset (Verdict::reset_s, read from the answer by its connector) is "seconds until the
// window recovers". A server (or a proxy) may send
// anything there: a Unix time, 1e9, a value of hours. No wait the run takes may be unbounded, so
// the pause is bounded by `max_s`:
//   - no reset (none announced, or not a number): `default_s`;
//   - at most `max_s`: that many seconds;
//   - within a day of the wall clock's Unix time: read as a point in time, so the pause is the
//     time left until then, at most `max_s` (`default_s` when it is already past);
//   - more than `max_s` but at most a day: `max_s`;
//   - more than a day and not a plausible Unix time: `default_s` (a value that says nothing).
// Every case but the first two is `bounded`, so the run can say that the server asked for more.
//
// Thread-safety: a pure function.
#pragma once

#include <optional>

namespace hrsync {

struct ThrottlePause {
  double seconds = 0;    // the pause to take
  bool bounded = false;  // the reset asked for more than max_s (or for a point in time)
};

// REQUIRES: 0 <= default_s <= max_s. `unix_now_s` is the wall clock, in seconds since the epoch.
ThrottlePause throttle_pause(std::optional<double> reset_s, double unix_now_s, double default_s, double max_s);

}  // namespace hrsync
