// Executor: applies a Plan's work to its targets, inside their rate limits, with retries.
//
// All targets run at once on one io_context; concurrency comes from asynchronous I/O, so the
// executor's state needs no locks. Per target: at most the target's ConcurrencyCap requests in
// flight (concurrency_cap.h: TargetConfig::concurrency when the job sets a number; for "auto", sized
// from the endpoint's fastest tier and the round trips measured, workers started as it grows and
// retired between entities as it shrinks); one entity is handled start to finish by one worker, so two requests for the same entity
// are never in flight together; every request (retries too) passes the target's RateLimiter and,
// for a request in one of the connector's lanes (Request::lane), that lane's limiter as well.
// Limits come from the connector's update operation (default_rate(), lanes()), replaced by
// TargetConfig::rate / lane_rate when set.
//
// An update whose operation names a prior request (UpdateOperation::prior(): an upload whose id
// the update sends) sends that first, through the same limiters (the target's, and the lane its
// request names) and the same retries; a success hands what its answer gives
// (PriorOperation::read_given()) to the update's request (build_request_given()); a failure
// finishes the entity with the prior request's verdict, and the update is not sent. Both count in
// the entity's attempts and the target's requests.
//
// What a response means comes from the operation's classify(); what to do about it from the retry
// policy (retry_decision.h), which the executor asks after every answer:
//   kSuccess      applied; the outcome carries the row to commit.
//   kPermanent    failed, not retried (so is an answer too large, Error::Kind::kOversize, or
//                 with a malformed header, kMalformed: the same on every try); but a code whose
//                 table row names the one member it refuses (Verdict::refused_member, the box's
//                 photo) sends the update again at once without it (without_member()), once, and
//                 the outcome keeps the refusal (Outcome::refused).
//                 A code whose table row says the target does not hold the entity
//                 (Verdict::absent: contact 41050, ACS 1490101, ...) is no failure: the outcome
//                 is OutcomeStatus::kAbsent, counted in TargetProgress::absent, nothing is
//                 committed, and it takes a healthy place in the failure window.
//   kRetry        (and network errors) retried after a full-jitter backoff: from
//                 RetryConfig::base_delay_s doubling, or by the verdict's own backoff when the
//                 code's table row gives one (never below its floor; its first delay replaced by
//                 lock_delay_s when set),
//                 capped at max_delay_s. Each such failure takes a token from the
//                 target's retry budget (retry_budget.h: a bucket its successes refill); an
//                 entity fails after max_attempts tries or when the bucket is down to half.
//   kRateLimited  pauses the lane — the request's own lane when it has
//                 one, else the target's — for the verdict's reset_s seconds (default 1 s; bounded
//                 by RetryConfig::max_pause_s as throttle_pause.h says, and counted) when its
//                 limiter's windows widen (RateLimiter::throttled()), then sends again. A window limit the
//                 answer announces (Verdict::announced_limit) lower than that limiter's tier lowers
//                 the tier for the rest of the run (RateLimiter::lower_limit(): a limit under a
//                 tenth of the tier only when announced again, never below a tenth), and the
//                 TargetResult lists it, taken or not. Throttled responses count in `attempts` but neither against
//                 max_attempts nor the budget; an entity throttled more than max_throttled times
//                 fails.
//   kRefreshToken the transport drops the token; the request is sent once more (once per entity).
// A target stops when more than max_failure_ratio of its last failure_window finished entities
// failed in a way that says the service is unwell (quarantine; a documented permanent refusal of
// one entity's data does not count, see note_finished()), or when the transport cannot authenticate (the token is refused, the
// server's certificate is refused) or is not configured for it. Its unsent entities are then
// recorded as skipped and its waiting retries as failed, with the reason; RunSummary says which
// targets stopped (the command exits 4).
//
// When the sink cannot record an outcome (record() or target_finished() returns an error), every
// target stops at once (kNotRecorded): no call starts after that, the calls in flight finish and
// are still handed to the sink, and RunSummary::record_error holds the sink's error (the targets'
// stop_reason only refers to it, since it is repeated in every entity left unsent).
//
// Thread-safety: one run at a time, on the thread that runs the io_context. The plan, the
// connectors, the transport, the clock and the sink outlive run().
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "engine/net/clock.h"
#include "engine/config/config.h"
#include "engine/run/outcome_sink.h"
#include "engine/plan/plan.h"
#include "engine/run/progress.h"
#include "engine/run/rate_limiter.h"
#include "engine/net/transport.h"

namespace hrsync {

struct ExecutorOptions {
  std::uint64_t seed = 1;                              // seeds the backoff jitter
  std::chrono::milliseconds progress_interval{250};    // least time between two publications
  unsigned max_throttled = 20;                         // throttled responses one entity may get
  double default_reset_s = 1.0;                        // lane pause after a throttle that announces no reset
  std::function<double()> unix_now;                    // the wall clock in Unix seconds, to read a reset
                                                       // that is a point in time; empty: the system's
  RateLimiterOptions limiter;                          // pacing margins
};

enum class TargetStop : std::uint8_t {
  kNone,
  kQuarantined,    // too many failures in the window
  kAuth,           // the token could not be had
  kConfig,         // the transport has no base URL for the target's platform
  kNotRecorded,    // the sink could not record an outcome (of any target)
};

// A limit the server announced lower than the configured one: in force for the rest of the run,
// at its floor when announced below it, or only noted when far below and announced once.
struct LoweredLimit {
  std::string lane;     // "" for the endpoint, else the connector's lane
  RateTier configured;  // the tier as the run began
  RateTier announced;   // the same window with the limit in force (the server's latest, or the floor)
  std::uint32_t asked = 0;   // the lowest limit the server announced
  bool unconfirmed = false;  // far below the tier, announced once: not taken (announced == configured)
  bool floored = false;      // announced below the floor: the tier stopped at its floor
};

struct TargetResult {
  TargetProgress counts;       // final counters
  TargetStop stop = TargetStop::kNone;
  std::string stop_reason;     // "target t quarantined: 26 of its last 50 finished entities failed ..."
  double seconds = 0;          // from the target's first request to its last answer (0 when none)
  std::uint64_t resets_bounded = 0;  // throttle resets beyond RetryConfig::max_pause_s, bounded
  double largest_reset_s = 0;        // the largest reset of those, as the server sent it
  std::vector<LoweredLimit> lowered_limits;  // limits a throttled answer announced lower than configured
};

struct RunSummary {
  std::vector<TargetResult> targets;  // in plan order
  std::uint64_t retries_used = 0;     // retries of every target together
  std::optional<Error> record_error;  // the sink's first error; every target stopped then

  bool any_stopped() const;
  bool any_failed() const;            // failed or skipped entities
};

class Executor {
 public:
  Executor(const JobConfig& config, Transport& transport, Clock& clock, OutcomeSink& sink,
           ExecutorOptions options = {}, ProgressBoard* board = nullptr);
  ~Executor();

  // Applies every target's work; completes when every entity has an outcome.
  net::awaitable<RunSummary> run(const Plan& plan);

 private:
  class Run;

  const JobConfig& config_;
  Transport& transport_;
  Clock& clock_;
  OutcomeSink& sink_;
  ExecutorOptions options_;
  ProgressBoard* board_;
};

}  // namespace hrsync
