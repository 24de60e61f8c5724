// SlidingWindow: how many events arrived in the last `window_s` seconds, at any instant.
//
// An event at time a belongs to the window ending at t iff t - window_s < a <= t. The window keeps
// the arrival times it still needs, so memory grows with the number of events inside one window.
// Callers pass times that never decrease.
//
// Thread-safety: none; the owner serializes calls.
#pragma once

#include <cstddef>
#include <deque>

namespace hrsync::emulator {

class SlidingWindow {
 public:
  explicit SlidingWindow(double window_s) : window_s_(window_s) {}

  // Events in the window ending at `now`.
  std::size_t count(double now) {
    expire(now);
    return times_.size();
  }

  // Records an event at `now`.
  void add(double now) {
    expire(now);
    times_.push_back(now);
  }

  // Seconds from `now` until the oldest event in the window leaves it; 0 when the window is empty.
  double until_oldest_leaves(double now) {
    expire(now);
    return times_.empty() ? 0.0 : times_.front() + window_s_ - now;
  }

  double window_s() const { return window_s_; }
  void clear() { times_.clear(); }

 private:
  void expire(double now) {
    while (!times_.empty() && times_.front() <= now - window_s_) times_.pop_front();
  }

  double window_s_;
  std::deque<double> times_;
};

}  // namespace hrsync::emulator
