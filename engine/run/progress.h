// ProgressBoard: live per-target counters of a running sync, for a progress display.
//
// The executor keeps its counters without locks on its own thread and copies them onto the board
// at most every progress interval (and once at the end); a display thread reads snapshot() at its
// own pace. RunCounts are the run's counts of one target, the one type from the executor to the
// run report, the metrics file and the notification; TargetProgress adds what only a live view
// needs.
//
// Thread-safety: publish() and snapshot() may be called from any threads.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

namespace hrsync {

// What became of one target's entities in a run, so far or in all.
struct RunCounts {
  std::uint64_t planned = 0;     // entities in the plan
  std::uint64_t applied = 0;     // confirmed by the target
  std::uint64_t failed = 0;
  std::uint64_t skipped = 0;     // not sent (the target or the run stopped)
  std::uint64_t retries = 0;     // retries after a transient failure (backoff)
  std::uint64_t throttled = 0;   // throttled responses (kRateLimited verdicts)
  std::uint64_t absent = 0;      // answered with the target's not-found code: not in the target
};

struct TargetProgress : RunCounts {
  std::string target;            // "contact_user"
  std::uint64_t done = 0;        // finished: applied + failed + skipped + absent
  std::uint64_t requests = 0;    // requests sent (retries included)
  std::uint32_t in_flight = 0;   // requests awaiting a response now
  std::uint32_t concurrency = 0;       // the most in flight allowed now (the job's number, or auto's cap)
  std::uint32_t concurrency_peak = 0;  // the largest of those so far
  bool concurrency_auto = false;       // sized as the run goes (`concurrency = "auto"`)
  double rate = 0;               // requests per second since the previous publication
  bool stopped = false;          // quarantined or unable to authenticate
};

class ProgressBoard {
 public:
  void publish(const std::vector<TargetProgress>& targets) {
    std::lock_guard lock(mutex_);
    targets_ = targets;
  }

  std::vector<TargetProgress> snapshot() const {
    std::lock_guard lock(mutex_);
    return targets_;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<TargetProgress> targets_;
};

}  // namespace hrsync
