// Clock: where the engine's time comes from, and how it waits.
//
// Everything that depends on time — the rate limiter's pacing, backoff delays, token expiry,
// progress rates — takes a Clock instead of reading the wall clock, so tests run in virtual time
// (engine/net/manual_clock.h) and never sleep. SteadyClock is the real one: std::chrono::steady_clock
// and Asio timers. Network timeouts inside the HTTP client are I/O deadlines and use Asio timers
// directly.
//
// Thread-safety: now() may be called from any thread; sleep_until() runs on the calling
// coroutine's executor. A Clock outlives every coroutine that sleeps on it.
#pragma once

#include <chrono>

#include <boost/asio/awaitable.hpp>

namespace hrsync {

namespace net = boost::asio;

class Clock {
 public:
  using duration = std::chrono::steady_clock::duration;
  using time_point = std::chrono::steady_clock::time_point;

  virtual ~Clock() = default;

  virtual time_point now() const = 0;

  // Completes once now() >= t; at once (without suspending) when t is already past.
  virtual net::awaitable<void> sleep_until(time_point t) = 0;
};

// The process's steady clock and Asio's steady_timer.
class SteadyClock final : public Clock {
 public:
  time_point now() const override { return std::chrono::steady_clock::now(); }
  net::awaitable<void> sleep_until(time_point t) override;
};

// Seconds as a clock duration, rounded to the clock's tick; negative or NaN values give zero.
Clock::duration seconds_to_duration(double seconds);

}  // namespace hrsync
