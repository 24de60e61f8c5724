// RateTier: one tier of an API's rate limit, as a connector declares it and a limiter enforces it.
//
// A limit may have several tiers that all hold at once (contact_user: 50/s and 1000/min). Kept
// apart from target_connector.h so that a rate limiter needs nothing else of a connector.
//
// Thread-safety: a plain value type.
#pragma once

#include <cstdint>

namespace hrsync {

// At most `limit` requests in any window of `window_seconds`.
struct RateTier {
  std::uint32_t limit = 0;
  std::uint32_t window_seconds = 1;
  bool operator==(const RateTier&) const = default;
};

}  // namespace hrsync
