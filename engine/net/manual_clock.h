// ManualClock: a Clock whose time moves only when told to, for tests and simulations.
//
// Sleepers are parked until the clock passes their wake time. run() drives an io_context in
// virtual time: it runs every ready handler, then jumps to the earliest sleeper's wake time, and
// repeats until the io_context runs out of work. Hours of backoff, pauses and pacing thus take
// microseconds, deterministically, and a test never sleeps.
//
// Thread-safety: none; use from the one thread that runs the io_context.
#pragma once

#include <map>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "engine/net/clock.h"

namespace hrsync {

class ManualClock final : public Clock {
 public:
  explicit ManualClock(time_point start = time_point{} + std::chrono::hours(1)) : now_(start) {}

  time_point now() const override { return now_; }
  net::awaitable<void> sleep_until(time_point t) override;

  // Moves time forward by `d` and wakes every sleeper due by then.
  void advance(duration d);

  // Jumps to the earliest sleeper's wake time and wakes every sleeper due then; false when none
  // sleeps.
  bool advance_to_next();

  // Coroutines sleeping now.
  std::size_t sleepers() const { return sleepers_.size(); }

  // Runs `io` in virtual time until it has no work left. Returns false when it is stuck: work is
  // pending (a timer, a socket) but nothing is ready and no one sleeps on this clock.
  bool run(net::io_context& io);

 private:
  struct Sleeper;
  void wake_due();

  time_point now_;
  std::multimap<time_point, Sleeper*> sleepers_;
};

}  // namespace hrsync
