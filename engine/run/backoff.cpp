#include "engine/run/backoff.h"

#include <algorithm>
#include <cmath>

namespace hrsync {

double Backoff::ceiling_s(unsigned attempt) const {
  // 2^62 times any sensible base is far above any cap; clamping keeps the power finite.
  const int n = static_cast<int>(std::min(attempt, 62u));
  double grown = growth_ == 2 ? std::ldexp(base_s_, n) : base_s_ * std::pow(growth_, n);
  return std::min(cap_s_, grown);
}

double Backoff::floor_s() const { return std::min(cap_s_, floor_s_); }

Clock::duration Backoff::delay(unsigned attempt, std::mt19937_64& rng) const {
  const double floor = floor_s();
  const double ceiling = ceiling_s(attempt);
  if (!(ceiling > 0)) return seconds_to_duration(std::max(0.0, floor));
  std::uniform_real_distribution<double> uniform(0.0, ceiling);
  return seconds_to_duration(std::max(floor, uniform(rng)));
}

}  // namespace hrsync
