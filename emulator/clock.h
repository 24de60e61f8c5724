// Clock: where the emulator's logic reads the time.
//
// Token lifetimes, rate-limit windows, outage windows and scheduled faults all take their time
// from a Clock, so tests drive them with a ManualClock and never sleep. Times are seconds, as a
// double, since an arbitrary origin (the clock's construction for SteadyClock). Only the delivery
// of replies (added latency) uses real timers.
//
// Thread-safety: now() and advance() may be called from any thread.
#pragma once

#include <atomic>
#include <chrono>

namespace hrsync::emulator {

class Clock {
 public:
  virtual ~Clock() = default;
  // Seconds since the clock's origin; never decreases.
  virtual double now() const = 0;
};

// The monotonic system clock, counted from construction.
class SteadyClock final : public Clock {
 public:
  double now() const override {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - origin_).count();
  }

 private:
  std::chrono::steady_clock::time_point origin_ = std::chrono::steady_clock::now();
};

// A clock that moves only when told to.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(double start = 0.0) : now_(start) {}
  double now() const override { return now_.load(); }
  // REQUIRES: seconds >= 0.
  void advance(double seconds) {
    double t = now_.load();
    while (!now_.compare_exchange_weak(t, t + seconds)) {
    }
  }

 private:
  std::atomic<double> now_;
};

}  // namespace hrsync::emulator
