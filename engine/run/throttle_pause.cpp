#include "engine/run/throttle_pause.h"

#include <algorithm>
#include <cmath>

namespace hrsync {
namespace {

constexpr double kDay = 86400;

}  // namespace

ThrottlePause throttle_pause(std::optional<double> reset_s, double unix_now_s, double default_s, double max_s) {
  if (!reset_s || !std::isfinite(*reset_s) || *reset_s < 0) return {default_s, false};
  const double reset = *reset_s;
  if (reset <= max_s) return {reset, false};
  const double left = reset - unix_now_s;
  if (std::abs(left) <= kDay) return {left > 0 ? std::min(left, max_s) : default_s, true};
  if (reset <= kDay) return {max_s, true};
  return {default_s, true};
}

}  // namespace hrsync
