#include "engine/run/concurrency_cap.h"

#include <algorithm>
#include <cmath>

namespace hrsync {

ConcurrencyCap ConcurrencyCap::fixed(unsigned fixed) {
  ConcurrencyCap cap;
  cap.limit_ = std::max(fixed, 1u);
  cap.peak_ = cap.limit_;
  return cap;
}

ConcurrencyCap ConcurrencyCap::automatic(double rate_per_s, AutoConcurrencyOptions options) {
  ConcurrencyCap cap;
  cap.automatic_ = true;
  cap.options_ = options;
  cap.options_.floor = std::max(options.floor, 1u);
  cap.options_.ceiling = std::max(options.ceiling, cap.options_.floor);
  cap.round_trip_s_ = std::max(options.first_round_trip_s, 0.0);
  cap.limit_ = cap.sized(rate_per_s);
  cap.peak_ = cap.limit_;
  return cap;
}

ConcurrencyCap ConcurrencyCap::of(std::optional<unsigned> configured, double rate_per_s,
                                  AutoConcurrencyOptions options) {
  return configured ? fixed(*configured) : automatic(rate_per_s, options);
}

void ConcurrencyCap::observe(double round_trip_s, double rate_per_s) {
  if (!std::isfinite(round_trip_s) || round_trip_s < 0) return;
  if (!measured_) {
    round_trip_s_ = round_trip_s;
    measured_ = true;
  } else {
    round_trip_s_ += options_.smoothing * (round_trip_s - round_trip_s_);
  }
  if (!automatic_) return;
  limit_ = sized(rate_per_s);
  peak_ = std::max(peak_, limit_);
}

unsigned ConcurrencyCap::sized(double rate_per_s) const {
  if (!(rate_per_s > 0) || !std::isfinite(rate_per_s)) return options_.ceiling;
  const double wanted = std::ceil(rate_per_s * round_trip_s_ * options_.margin) + options_.headroom;
  if (!(wanted < options_.ceiling)) return options_.ceiling;
  return std::max(static_cast<unsigned>(wanted), options_.floor);
}

double fastest_rate(std::span<const RateTier> tiers) {
  double fastest = 0;
  for (const RateTier& tier : tiers) {
    if (tier.limit == 0 || tier.window_seconds == 0) continue;
    fastest = std::max(fastest, static_cast<double>(tier.limit) / static_cast<double>(tier.window_seconds));
  }
  return fastest;
}

}  // namespace hrsync
