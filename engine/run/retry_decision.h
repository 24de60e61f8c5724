// RetryPolicy: what the executor does after one answer for one entity — the retry decision.
//
// The executor sends; the policy decides. Given the connector's verdict on an answer, what the
// entity has used up so far (RetryAttempts) and its target's retry budget, decide() says:
//   kApplied       the answer is a success: commit (the budget is refilled);
//   kGiveUp        the entity fails, with the outcome's message (`reason`) and whether the
//                  failure says the service is unwell (`sick`, for quarantine): a permanent
//                  refusal, max_attempts tries, the budget spent, max_throttled throttles, a
//                  token refused again;
//   kAbsent        the answer says the target does not hold the entity (Verdict::absent, a
//                  not-found code of the connector's table): not a failure, nothing to retry;
//   kRetryAfter    a transient failure: send again after `delay`, a full-jitter backoff (the
//                  code's own when its table row gives one, never below its floor, its first delay replaced by
//                  RetryConfig::lock_delay_s when set; else RetryConfig::base_delay_s doubling;
//                  capped at max_delay_s), once the budget allows it;
//   kPauseLane     throttled: pause the request's lane for `pause` (the reset the verdict
//                  announced, bounded as throttle_pause.h says) and lower it to the announced
//                  limit, then send again;
//   kRefreshToken  the token was refused: drop it and send again, once per entity.
// A throttled answer carries its `pause` whatever the decision, since the lane is paused even for
// the entity that gives up on it. Throttles count neither against max_attempts nor the budget.
// The four parts of a retry stay apart (docs/architecture.md, "Where each kind of rule lives"): this policy, the backoff (backoff.h), the
// budget (retry_budget.h) and the limiter the retry passes through again (rate_limiter.h).
// A transport error that stops the target (no credential, no base URL) never reaches the policy.
//
// Thread-safety: the policy is immutable; decide() changes only the attempts, budget and
// generator it is given, which belong to the caller's one thread.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <random>
#include <string>
#include <string_view>

#include "connectors/targets/target_connector.h"
#include "engine/config/config.h"
#include "engine/net/clock.h"
#include "engine/run/retry_budget.h"

namespace hrsync {

// What one entity has used up so far.
struct RetryAttempts {
  unsigned tries = 0;      // answers that count against max_attempts (all but throttled ones)
  unsigned throttles = 0;  // throttled answers
  bool refreshed = false;  // the token was refreshed once already
};

// The pause of a throttled answer's lane.
struct LanePause {
  double seconds = 0;                            // the pause to take
  bool bounded = false;                          // the server asked for more (throttle_pause.h)
  std::optional<double> asked_s;                 // the reset the answer announced, as sent
  std::optional<std::uint32_t> announced_limit;  // the window limit the answer announced
};

struct RetryDecision {
  enum class Kind : std::uint8_t { kApplied, kGiveUp, kAbsent, kRetryAfter, kPauseLane, kRefreshToken };

  Kind kind = Kind::kGiveUp;
  Clock::duration delay{};          // kRetryAfter: the backoff before sending again
  std::optional<LanePause> pause;   // every throttled answer (kPauseLane, or kGiveUp after too many)
  std::string reason;               // kGiveUp: the outcome's message
  bool sick = false;                // kGiveUp: the failure counts for the service (quarantine)
};

struct RetryPolicyOptions {
  unsigned max_throttled = 20;        // throttled answers one entity may get
  double default_reset_s = 1.0;       // lane pause after a throttle that announces no reset
  std::function<double()> unix_now;   // the wall clock in Unix seconds, to read a reset that is a
                                      // point in time; empty: the system's
};

class RetryPolicy {
 public:
  // `retry` outlives the policy.
  RetryPolicy(const RetryConfig& retry, RetryPolicyOptions options);

  // The decision after an answer judged `v` for the entity that used `attempts`, of the target
  // called `target` whose bucket is `budget`. Updates `attempts` and `budget`; draws the backoff
  // from `rng`.
  RetryDecision decide(const Verdict& v, RetryAttempts& attempts, RetryBudget& budget, std::string_view target,
                       std::mt19937_64& rng) const;

 private:
  RetryDecision throttled(const Verdict& v, RetryAttempts& attempts) const;
  RetryDecision refresh(const Verdict& v, RetryAttempts& attempts) const;
  RetryDecision transient(const Verdict& v, RetryAttempts& attempts, RetryBudget& budget, std::string_view target,
                          std::mt19937_64& rng) const;
  double unix_now() const;

  const RetryConfig& retry_;
  RetryPolicyOptions options_;
};

}  // namespace hrsync
