// WorkerQueue: a server that does its work with a few workers of fixed service time and makes the
// requests it cannot start yet wait in line, instead of refusing them (a small face box).
//
// A request arriving at `now` goes to the worker that frees first; it starts when that worker is
// free (at once, or after the requests ahead of it) and finishes `service_s` later. admit() says
// how long from `now` until it finishes: the server holds the answer that long. No request is
// refused, so beyond the workers' rate (workers / service_s) the answers come later and later while
// the requests answered per second stay at that rate. Time is an argument, so the tests drive it.
//
// Thread-safety: none; the owner serializes calls.
#pragma once

#include <cstdint>
#include <vector>

namespace hrsync::emulator {

class WorkerQueue {
 public:
  // `workers` 0 = no queue: admit() answers 0 at once.
  WorkerQueue(unsigned workers, double service_s) : free_at_(workers, 0.0), service_s_(service_s) {}

  // Seconds from `now` until the request arriving now is done (at least service_s with workers).
  double admit(double now);

  // The most seconds any request waited for a worker, and how many waited at all.
  double max_wait_s() const { return max_wait_s_; }
  std::uint64_t waited() const { return waited_; }
  std::uint64_t served() const { return served_; }
  unsigned workers() const { return static_cast<unsigned>(free_at_.size()); }
  double service_s() const { return service_s_; }

  // Every worker free, counters at zero.
  void reset();

 private:
  std::vector<double> free_at_;  // when each worker finishes what it has
  double service_s_;
  double max_wait_s_ = 0;
  std::uint64_t waited_ = 0;
  std::uint64_t served_ = 0;
};

}  // namespace hrsync::emulator
