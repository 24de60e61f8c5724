#include "engine/run/retry_decision.h"

#include <algorithm>
#include <chrono>
#include <utility>

#include <fmt/format.h>

#include "engine/run/backoff.h"
#include "engine/run/throttle_pause.h"

namespace hrsync {
namespace {

RetryDecision give_up(std::string reason, bool sick) {
  RetryDecision d;
  d.kind = RetryDecision::Kind::kGiveUp;
  d.reason = std::move(reason);
  d.sick = sick;
  return d;
}

// The backoff before a retry: the code's own when its table row gives one, never below its
// floor (its first delay replaced by RetryConfig::lock_delay_s when set, which also lowers the
// floor to it: an explicit choice wins), else the job's base delay, doubling.
Backoff backoff_for(const Verdict& v, const RetryConfig& retry) {
  if (!v.backoff) return Backoff(retry.base_delay_s, retry.max_delay_s);
  const double first_s = retry.lock_delay_s.value_or(v.backoff->first_s);
  const double floor_s = std::min(v.backoff->floor_s, retry.lock_delay_s.value_or(v.backoff->floor_s));
  return Backoff(first_s, retry.max_delay_s, v.backoff->growth, floor_s);
}

}  // namespace

RetryPolicy::RetryPolicy(const RetryConfig& retry, RetryPolicyOptions options)
    : retry_(retry), options_(std::move(options)) {}

RetryDecision RetryPolicy::decide(const Verdict& v, RetryAttempts& attempts, RetryBudget& budget,
                                  std::string_view target, std::mt19937_64& rng) const {
  switch (v.disposition) {
    case Disposition::kSuccess:
      budget.on_success();
      return RetryDecision{.kind = RetryDecision::Kind::kApplied};
    case Disposition::kPermanent:
      if (v.absent) return RetryDecision{.kind = RetryDecision::Kind::kAbsent, .reason = v.message};
      // A documented refusal is about this entity's data; an answer no table knows (a proxy's
      // error page, a wrong base URL) says nothing of the entity, so it counts as the service's.
      return give_up(v.message, /*sick=*/!v.documented);
    case Disposition::kRateLimited: return throttled(v, attempts);
    case Disposition::kRefreshToken: return refresh(v, attempts);
    case Disposition::kRetry: break;
  }
  return transient(v, attempts, budget, target, rng);
}

RetryDecision RetryPolicy::throttled(const Verdict& v, RetryAttempts& attempts) const {
  const double max_s = std::max(retry_.max_pause_s, options_.default_reset_s);
  const ThrottlePause pause = throttle_pause(v.reset_s, unix_now(), options_.default_reset_s, max_s);
  const LanePause lane{pause.seconds, pause.bounded, v.reset_s, v.announced_limit};
  if (++attempts.throttles <= options_.max_throttled) {
    return RetryDecision{.kind = RetryDecision::Kind::kPauseLane, .pause = lane};
  }
  RetryDecision d = give_up(fmt::format("throttled {} times: {}", attempts.throttles, v.message), /*sick=*/true);
  d.pause = lane;
  return d;
}

RetryDecision RetryPolicy::refresh(const Verdict& v, RetryAttempts& attempts) const {
  if (attempts.refreshed) return give_up(v.message + " (refused again with a fresh token)", /*sick=*/true);
  if (++attempts.tries >= retry_.max_attempts) return give_up(v.message, /*sick=*/true);
  attempts.refreshed = true;
  return RetryDecision{.kind = RetryDecision::Kind::kRefreshToken};
}

RetryDecision RetryPolicy::transient(const Verdict& v, RetryAttempts& attempts, RetryBudget& budget,
                                     std::string_view target, std::mt19937_64& rng) const {
  const bool retry_allowed = budget.on_failure();
  if (++attempts.tries >= retry_.max_attempts) {
    return give_up(fmt::format("gave up after {} attempts: {}", attempts.tries, v.message), /*sick=*/true);
  }
  if (!retry_allowed) {
    return give_up(fmt::format("not retried: target {}'s retry budget is spent (its transient failures outran its "
                               "successes by half of retry.budget, {}): {}",
                               target, retry_.budget, v.message),
                   /*sick=*/true);
  }
  return RetryDecision{.kind = RetryDecision::Kind::kRetryAfter,
                       .delay = backoff_for(v, retry_).delay(attempts.tries - 1, rng)};
}

double RetryPolicy::unix_now() const {
  if (options_.unix_now) return options_.unix_now();
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace hrsync
