// RateLimiter: the emulator's side of the documented rate limits, counted in sliding windows at
// arrival.
//
// A limiter holds named limits ("contact_user", "contact_user.dept_or_frozen", ...), each of one
// or more tiers (50/s and 1000/min). admit() asks every tier of every named limit a request is
// subject to: the request is admitted iff each tier has admitted fewer than its limit in the
// window ending now, and then counts in all of them. A throttled request consumes nothing. For
// statistics every tier also counts all arrivals, throttled ones included, and remembers the most
// it saw in any window: that is what a client that paces correctly keeps at or under the limit.
//
// Thread-safety: none; the owner serializes calls.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include "emulator/rate_tier.h"
#include "emulator/sliding_window.h"

namespace hrsync::emulator {

// What admit() decided.
struct Admission {
  bool admitted = true;
  std::uint32_t limit = 0;  // when throttled: the limit of the tier that refused (the latest to free)
  double reset_s = 0;       // when throttled: seconds until that tier has room again
};

// Counters of one tier, for /_emulator/stats.
struct TierStats {
  std::string limit_name;   // "contact_user"
  RateTier tier;
  std::uint64_t admitted = 0;
  std::uint64_t throttled = 0;    // requests this tier refused
  std::uint64_t max_in_window = 0;  // most arrivals (admitted or not) in any window of this tier
};

class RateLimiter {
 public:
  using LimitId = std::size_t;

  // Adds a named limit. An empty tier list means unlimited (and nothing is counted for it).
  LimitId add_limit(std::string name, const std::vector<RateTier>& tiers);

  // Decides about a request arriving at `now` that is subject to every limit in `limits`.
  Admission admit(std::initializer_list<LimitId> limits, double now);

  std::vector<TierStats> stats() const;

  // The limit of the first tier of `id` (what a throttled answer names), 0 when it has none.
  std::uint32_t first_limit(LimitId id) const;

  // Forgets every arrival and counter; the limits stay.
  void reset();

 private:
  struct Tier {
    TierStats stats;
    SlidingWindow admitted;
    SlidingWindow arrivals;
  };
  struct Limit {
    std::string name;
    std::vector<Tier> tiers;
  };

  std::vector<Limit> limits_;
};

}  // namespace hrsync::emulator
