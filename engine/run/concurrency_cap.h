// ConcurrencyCap: how many requests one target keeps in flight, fixed by the job or sized as the
// run goes (`concurrency = "auto"`, the default).
//
// A fixed cap is the job's number and never moves. An automatic one follows Little's law: to send
// at the lane's rate while each request takes a round trip, rate x round trip requests must be in
// flight. The cap is that, times a margin, plus a little headroom (for the requests waiting on the
// limiter and for the round trips above the average), between a floor and a ceiling. The round
// trip is an exponentially weighted average of those measured (observe()), starting from a first
// guess, so the cap follows a link that slows down or speeds up within a few dozen answers. A
// target behind a box that queues sees its round trips grow with the queue; the ceiling bounds
// what that can cost, and a fixed number keeps it as small as the job wants.
//
// The core is pure: round trips and rates are arguments, and the executor starts or retires its
// workers to match limit().
//
// Thread-safety: none; the executor keeps one per target, on its one thread.
#pragma once

#include <optional>
#include <span>

#include "connectors/targets/rate_tier.h"

namespace hrsync {

struct AutoConcurrencyOptions {
  unsigned floor = 2;               // the fewest in flight
  unsigned ceiling = 64;            // the most in flight
  double margin = 1.5;              // rate x round trip times this...
  unsigned headroom = 1;            // ...plus this many
  double smoothing = 0.2;           // weight of the newest round trip in the average
  double first_round_trip_s = 0.1;  // the round trip assumed before any is measured
};

class ConcurrencyCap {
 public:
  // The job's number: `fixed` in flight, whatever is measured. REQUIRES: fixed >= 1.
  static ConcurrencyCap fixed(unsigned fixed);
  // Sized from the lane's rate (requests per second; 0 or less: no limit, the ceiling) and the
  // round trips measured.
  static ConcurrencyCap automatic(double rate_per_s, AutoConcurrencyOptions options = {});
  // `configured` as TargetConfig::concurrency holds it: a number, or unset for "auto".
  static ConcurrencyCap of(std::optional<unsigned> configured, double rate_per_s,
                           AutoConcurrencyOptions options = {});

  // A round trip measured (seconds) while the lane allows `rate_per_s`: the limit is sized again.
  // A fixed cap only notes it.
  void observe(double round_trip_s, double rate_per_s);

  unsigned limit() const { return limit_; }     // in flight allowed now
  unsigned peak() const { return peak_; }       // the largest limit so far
  bool automatic() const { return automatic_; }
  double round_trip_s() const { return round_trip_s_; }  // the average the limit is sized for

 private:
  ConcurrencyCap() = default;
  unsigned sized(double rate_per_s) const;

  bool automatic_ = false;
  AutoConcurrencyOptions options_;
  double round_trip_s_ = 0;
  bool measured_ = false;
  unsigned limit_ = 1;
  unsigned peak_ = 1;
};

// The fastest rate `limit / window` over a lane's tiers, requests per second; 0 when it has none.
double fastest_rate(std::span<const RateTier> tiers);

}  // namespace hrsync
