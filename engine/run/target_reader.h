// TargetReader: reads what targets hold before a plan diffs (engine/plan/target_read.h), over the
// same seams a run writes through: the Transport, the Clock, a rate limiter per target, the retry
// policy with its budget, and the progress board.
//
// Every ask is read at once on one io_context: its keys go out in batches of the read operation's
// batch_size(), at most TargetConfig::concurrency in flight (for "auto", what the read rate needs at
// the first guess of a round trip, concurrency_cap.h), each request paced by the target's read
// limiter (TargetConfig::read_rate, else the read operation's default_rate()). An answer is judged
// by the read's classify() and acted on as the retry policy decides (retry_decision.h), as a write
// is: a transient failure is retried after a backoff, a throttled answer pauses the lane, a refused
// token is fetched again once. A batch that gives up, an answer read_page() cannot read, a token
// that cannot be had: the target's read fails there, with the reason (TargetRead::failed). It is
// never taken as the end of the data: the plan then sends that target nothing. The other targets
// read on.
//
// Thread-safety: one read at a time, on the thread that runs the io_context; the asks, the config,
// the transport, the clock and the board outlive it.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "engine/config/config.h"
#include "engine/net/clock.h"
#include "engine/net/transport.h"
#include "engine/plan/target_read.h"
#include "engine/run/progress.h"
#include "engine/run/rate_limiter.h"

namespace hrsync {

struct ReaderOptions {
  std::uint64_t seed = 1;              // seeds the backoff jitter
  unsigned max_throttled = 20;         // throttled answers one batch may get
  double default_reset_s = 1.0;        // pause after a throttle that announces no reset
  std::function<double()> unix_now;    // the wall clock in Unix seconds; empty: the system's
  RateLimiterOptions limiter;          // pacing margins
};

// Reads every ask; one TargetRead per ask, in order. Progress goes to `board` (may be null) as
// "<target> read" rows: planned batches, done, requests, throttled.
net::awaitable<std::vector<TargetRead>> read_targets(const JobConfig& config, Transport& transport, Clock& clock,
                                                     const std::vector<ReadAsk>& asks, ReaderOptions options = {},
                                                     ProgressBoard* board = nullptr);

}  // namespace hrsync
