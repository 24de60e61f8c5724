// RateWindow: the recent rate of a count that only grows (a target's finished entities), and how
// long it takes to reach a total at that rate.
//
// It keeps (time, count) samples spanning the last `window` and measures the rate across them, so
// an ETA follows the pace of the last minutes (a throttled stretch, a faster night) rather than the
// whole run's average or the last instant's. Times come from the caller (the engine's Clock).
// Memory is bounded: at most kMaxSamples samples are kept, the oldest dropped first.
//
// Thread-safety: none; one owner.
#pragma once

#include <chrono>
#include <cmath>
#include <cstdint>
#include <deque>
#include <optional>

#include "engine/net/clock.h"

namespace hrsync {

class RateWindow {
 public:
  static constexpr std::size_t kMaxSamples = 1024;

  explicit RateWindow(Clock::duration window = std::chrono::minutes(5)) : window_(window) {}

  // The count at time `t`. REQUIRES: t and count no less than the previous sample's.
  void add(Clock::time_point t, std::uint64_t count) {
    samples_.push_back({t, count});
    // Keep the last sample at or before the window's start, so the rate spans the whole window.
    while (samples_.size() > 2 && samples_[1].t <= t - window_) samples_.pop_front();
    if (samples_.size() > kMaxSamples) samples_.pop_front();
  }

  // The last count added (0 before any).
  std::uint64_t count() const { return samples_.empty() ? 0 : samples_.back().count; }

  // Per second across the samples kept; 0 until two samples lie apart in time.
  double rate() const {
    if (samples_.size() < 2) return 0;
    const Sample& first = samples_.front();
    const Sample& last = samples_.back();
    const double seconds = std::chrono::duration<double>(last.t - first.t).count();
    if (seconds <= 0) return 0;
    return static_cast<double>(last.count - first.count) / seconds;
  }

  // Seconds until the count reaches `total` at rate(): 0 once it has, nullopt while the rate is 0.
  std::optional<double> seconds_left(std::uint64_t total) const {
    if (count() >= total) return 0.0;
    const double r = rate();
    if (r <= 0) return std::nullopt;
    return static_cast<double>(total - count()) / r;
  }

 private:
  struct Sample {
    Clock::time_point t;
    std::uint64_t count = 0;
  };

  Clock::duration window_;
  std::deque<Sample> samples_;
};

}  // namespace hrsync
