#include "emulator/rate_limiter.h"

#include <algorithm>

namespace hrsync::emulator {

RateLimiter::LimitId RateLimiter::add_limit(std::string name, const std::vector<RateTier>& tiers) {
  Limit limit{std::move(name), {}};
  for (const auto& t : tiers) {
    limit.tiers.push_back(Tier{TierStats{limit.name, t}, SlidingWindow(t.window_s), SlidingWindow(t.window_s)});
  }
  limits_.push_back(std::move(limit));
  return limits_.size() - 1;
}

Admission RateLimiter::admit(std::initializer_list<LimitId> limits, double now) {
  Admission result;
  for (LimitId id : limits) {
    for (auto& tier : limits_[id].tiers) {
      tier.arrivals.add(now);
      tier.stats.max_in_window = std::max<std::uint64_t>(tier.stats.max_in_window, tier.arrivals.count(now));
      if (tier.admitted.count(now) < tier.stats.tier.limit) continue;
      ++tier.stats.throttled;
      double reset = tier.admitted.until_oldest_leaves(now);
      if (result.admitted || reset > result.reset_s) {
        result.limit = tier.stats.tier.limit;
        result.reset_s = reset;
      }
      result.admitted = false;
    }
  }
  if (!result.admitted) return result;
  for (LimitId id : limits) {
    for (auto& tier : limits_[id].tiers) {
      tier.admitted.add(now);
      ++tier.stats.admitted;
    }
  }
  return result;
}

std::vector<TierStats> RateLimiter::stats() const {
  std::vector<TierStats> out;
  for (const auto& limit : limits_) {
    for (const auto& tier : limit.tiers) out.push_back(tier.stats);
  }
  return out;
}

std::uint32_t RateLimiter::first_limit(LimitId id) const {
  const auto& tiers = limits_[id].tiers;
  return tiers.empty() ? 0 : tiers.front().stats.tier.limit;
}

void RateLimiter::reset() {
  for (auto& limit : limits_) {
    for (auto& tier : limit.tiers) {
      tier.admitted.clear();
      tier.arrivals.clear();
      tier.stats.admitted = tier.stats.throttled = tier.stats.max_in_window = 0;
    }
  }
}

}  // namespace hrsync::emulator
