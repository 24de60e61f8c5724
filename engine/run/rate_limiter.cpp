#include "engine/run/rate_limiter.h"

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace hrsync {

RateLimiter::RateLimiter(std::span<const RateTier> tiers, RateLimiterOptions options) {
  duration catch_up = duration::max();
  for (const RateTier& tier : tiers) {
    if (tier.limit == 0 || tier.window_seconds == 0) continue;
    double margin = tier.window_seconds <= 1 ? options.second_margin : options.long_margin;
    // In nanoseconds, rounded up (a hair of tolerance keeps exact quotients exact).
    double ns = 1e9 * tier.window_seconds * (1.0 + margin) / tier.limit;
    auto spacing = std::chrono::nanoseconds(static_cast<std::int64_t>(std::ceil(ns - 1e-3)));
    spacing_ = std::max(spacing_, std::chrono::duration_cast<duration>(spacing));
    auto quarter_margin = std::chrono::nanoseconds(static_cast<std::int64_t>(1e9 * tier.window_seconds * margin / 4));
    catch_up = std::min(catch_up, std::chrono::duration_cast<duration>(quarter_margin));
  }
  catch_up_ = spacing_ == duration::zero() ? duration::zero() : std::min(catch_up, spacing_ / 2);
}

RateLimiter::time_point RateLimiter::earliest(time_point now) const {
  return std::max({now, next_, paused_until_});
}

void RateLimiter::take(time_point start) {
  // Late by at most catch_up_: the next slot follows this slot, so the lane keeps its cadence.
  if (start >= next_ && start - next_ <= catch_up_) {
    next_ += spacing_;
    return;
  }
  next_ = std::max(next_, start + spacing_);
}

void RateLimiter::pause_until(time_point t) { paused_until_ = std::max(paused_until_, t); }

}  // namespace hrsync
