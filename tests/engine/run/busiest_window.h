// busiest_window: the most of `times` that fall in any half-open window [t, t + window), in any
// order: how a server counting a sliding window sees them.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <vector>

namespace hrsync::testing {

inline std::size_t busiest_window(std::vector<std::chrono::steady_clock::time_point> times,
                                  std::chrono::steady_clock::duration window) {
  std::sort(times.begin(), times.end());
  std::size_t most = 0;
  for (std::size_t first = 0, last = 0; last < times.size(); ++last) {
    while (times[last] - times[first] >= window) ++first;
    most = std::max(most, last - first + 1);
  }
  return most;
}

}  // namespace hrsync::testing
