// RetryBudget: how many retries one run may spend, across all targets together.
//
// A wide outage must not turn into a retry storm: every retry after a transient failure spends one
// unit of the job's budget (RetryConfig::budget). Once it is spent, later transient failures are
// recorded as failed, with the reason, instead of being retried. Throttled responses (which the
// rate limiter absorbs) and the single retry after a token refresh do not spend it.
//
// Thread-safety: none; the executor uses it from its one thread.
#pragma once

namespace hrsync {

class RetryBudget {
 public:
  explicit RetryBudget(unsigned total) : total_(total) {}

  // Spends one retry and returns true, or returns false when the budget is used up.
  bool try_spend() {
    if (used_ >= total_) return false;
    ++used_;
    return true;
  }

  unsigned total() const { return total_; }
  unsigned used() const { return used_; }
  unsigned remaining() const { return total_ - used_; }

 private:
  unsigned total_;
  unsigned used_ = 0;
};

}  // namespace hrsync
