// Backoff: how long to wait before retrying a transient failure.
//
// Exponential backoff with full jitter: before retry number `attempt` (0 for the first retry) the
// delay is drawn uniformly from [0, min(cap, base * growth^attempt)), growth 2 unless a code's
// own backoff (RetryDelay in the connector's code table) says otherwise, and never below the
// floor that code's backoff gives (max(floor, jittered), the floor itself capped). Full jitter spreads the retries of
// many entities that failed together, so they do not come back in step. The random source is the
// caller's seeded generator, so a run (and a test) is reproducible.
//
// Thread-safety: Backoff is an immutable value; the generator belongs to the caller.
#pragma once

#include <random>

#include "engine/net/clock.h"

namespace hrsync {

class Backoff {
 public:
  // REQUIRES: base_s >= 0, cap_s >= 0, floor_s >= 0 (seconds), growth >= 1.
  Backoff(double base_s, double cap_s, double growth = 2, double floor_s = 0)
      : base_s_(base_s), cap_s_(cap_s), growth_(growth), floor_s_(floor_s) {}

  // min(cap, base * growth^attempt), in seconds: the upper bound of the delay before retry `attempt`.
  double ceiling_s(unsigned attempt) const;

  // min(cap, floor): the shortest delay delay() returns.
  double floor_s() const;

  // A delay drawn uniformly from [0, ceiling_s(attempt)), raised to floor_s() when below it.
  Clock::duration delay(unsigned attempt, std::mt19937_64& rng) const;

 private:
  double base_s_;
  double cap_s_;
  double growth_;
  double floor_s_;
};

}  // namespace hrsync
