// RetryBudget: how much one target may retry, refilled by its successes (gRPC's retry
// throttling, gRFC A6: maxTokens, tokenRatio).
//
// The bucket holds up to `max_tokens` tokens and starts full. Every transient failure (an answer
// that would be retried, or a network error) takes one token, down to zero; every success puts
// back `token_ratio`, up to the full bucket. A retry is allowed iff more than half the bucket is
// left after the failure took its token. So a target whose answers mostly succeed keeps its
// bucket full however long the run (with token_ratio 1: as long as its successes keep up with its
// failures), while a target where everything fails stops retrying after max_tokens / 2 failures,
// and from then on retries only as fast as successes refill it. An outage therefore costs a
// bounded number of retries whatever the size of the run; quarantine stops it altogether.
// max_tokens 0 allows no retry at all. Throttled answers and the retry after a token refresh
// neither take nor return tokens.
//
// Thread-safety: none; the executor uses one per target, from its one thread.
#pragma once

#include <algorithm>
#include <cstdint>

namespace hrsync {

class RetryBudget {
 public:
  // REQUIRES: max_tokens >= 0, token_ratio >= 0.
  RetryBudget(double max_tokens, double token_ratio)
      : max_tokens_(max_tokens), token_ratio_(token_ratio), tokens_(max_tokens) {}

  // A transient failure: takes a token. Returns true iff a retry is allowed (and counts it).
  bool on_failure() {
    tokens_ = std::max(0.0, tokens_ - 1);
    if (!(tokens_ > max_tokens_ / 2)) return false;
    ++retries_;
    return true;
  }

  // A success: puts back token_ratio, up to the full bucket.
  void on_success() { tokens_ = std::min(max_tokens_, tokens_ + token_ratio_); }

  double tokens() const { return tokens_; }
  double max_tokens() const { return max_tokens_; }
  double token_ratio() const { return token_ratio_; }
  std::uint64_t retries() const { return retries_; }  // retries allowed so far

 private:
  double max_tokens_;
  double token_ratio_;
  double tokens_;
  std::uint64_t retries_ = 0;
};

}  // namespace hrsync
