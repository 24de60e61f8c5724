// StoreSink: the OutcomeSink that a real sync uses — it commits applied documents to the snapshot
// and logs every outcome in the run log, in batches, and keeps a digest of the failures for the
// report.
//
// Outcomes of all targets share one batch, written in one transaction (snapshot rows and outcome
// rows together) when it holds StoreSinkOptions::batch outcomes, when an outcome arrives and the
// batch's first outcome has waited max_age or more (time from the engine's Clock), when a target
// finishes, and on flush(). So a crash loses at most one batch — at most `batch` outcomes, and no
// more than finished within about max_age of each other — whose calls the next run sends again
// (they are idempotent). A failed or skipped entity's snapshot row is never touched: the next run
// retries it; nor is an absent one's (the target lacks it: the store remembers the key absent).
//
// With a progress board, each of those transactions also writes the run's progress (store/run_rows.h
// RunProgress): per target the outcomes committed so far, retries, throttled answers, the rate of
// the last minutes and the expected end at that rate; so `hrsync status` in another process sees
// how far the run has got, never ahead of what is committed. A target's finish is written at once.
//
// When a commit fails, the store's error is kept (status()) and returned by that record() and
// every later one; of the batch that failed and every outcome after it, those that were sent are
// kept, not written, in unrecorded(), for the report. What was committed before stays.
//
// Memory: the sink holds one batch, a few counters per target, and the digest of the failed and
// skipped outcomes (problems(): counts per code and a bounded list of examples, ProblemDigest);
// nothing per entity, however many fail. unrecorded() holds only sent outcomes: after a store
// failure no call starts, so it is bounded by one batch and the requests that were in flight,
// however many entities are left unsent (those are counted in problems(), skipped).
//
// Thread-safety: called from the executor's thread only.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "engine/net/clock.h"
#include "engine/run/not_held.h"
#include "engine/run/outcome_sink.h"
#include "engine/run/problem_digest.h"
#include "engine/run/progress.h"
#include "engine/run/rate_window.h"
#include "engine/run/redactor.h"
#include "store/snapshot_store.h"

namespace hrsync {

struct StoreSinkOptions {
  std::size_t batch = 500;                             // outcomes per transaction (job.commit_batch)
  Clock::duration max_age = std::chrono::seconds(1);   // the longest a batch waits for more outcomes
  // Cleans every message and log id before it is kept (secrets out, valid UTF-8); without one they
  // are only made valid UTF-8. Outlives the sink.
  const Redactor* redactor = nullptr;
  // The run's live counters (each target's planned total, retries, throttled answers, whether it
  // stopped); with one, each commit writes the run's progress. Outlives the sink.
  const ProgressBoard* board = nullptr;
  Clock::duration rate_window = std::chrono::minutes(5);  // the span the rate and ETA are measured over
};

class StoreSink final : public OutcomeSink {
 public:
  // `unix_now` gives Unix seconds for applied_at; the store and the clock outlive the sink.
  StoreSink(SnapshotStore& store, std::int64_t run_id, StoreSinkOptions options, const Clock& clock,
            std::function<std::int64_t()> unix_now);

  Result<void> record(const Outcome& outcome) override;
  Result<void> target_finished(std::string_view target) override;

  // Writes whatever is batched. Safe to call more than once; after a failure, returns it again.
  Result<void> flush();

  // Failed and skipped outcomes (recorded or not): counted by code, the first ones as examples.
  const ProblemDigest& problems() const { return problems_; }
  // problems(), moved out for the run's report (so it is not held twice); problems() is empty after.
  ProblemDigest take_problems() { return std::exchange(problems_, ProblemDigest{}); }
  // Applied outcomes a member of which the target refused alone (Outcome::refused), counted by
  // code with the first ones as examples, moved out for the run's report.
  ProblemDigest take_refused() { return std::exchange(refused_, ProblemDigest{}); }
  // Outcomes the target answered it does not hold (OutcomeStatus::kAbsent), per target with the
  // first ones and their source lines, moved out for the run's report.
  NotHeldList take_not_held() { return std::exchange(not_held_, NotHeldList{}); }

  // Outcomes sent (attempts > 0) that the store could not record, in the order they finished: of
  // the batch whose commit failed and of every outcome after it. Their applied calls are sent
  // again by the next run. An entity never sent is not here (it is counted in problems(), skipped).
  const std::vector<OutcomeRow>& unrecorded() const { return unrecorded_; }

  // Outcomes of `target` given to record() so far, recorded or not.
  struct Tally {
    std::uint64_t applied = 0;
    std::uint64_t failed = 0;
    std::uint64_t skipped = 0;
    std::uint64_t absent = 0;
  };
  Tally tally(std::string_view target) const;

  // Ok, or the first store error.
  const Result<void>& status() const { return status_; }

  // Transactions written so far.
  std::uint64_t commits() const { return commits_; }

  // The progress the next commit writes (options.board set), or nullopt without a board.
  std::optional<RunProgress> progress();

 private:
  SnapshotStore& store_;
  std::int64_t run_id_;
  StoreSinkOptions options_;
  const Clock& clock_;
  std::function<std::int64_t()> unix_now_;
  std::optional<Clock::time_point> oldest_;             // when the batch's first outcome came
  std::vector<SnapshotStore::TargetRow> pending_rows_;
  std::vector<OutcomeRow> pending_outcomes_;
  ProblemDigest problems_;
  ProblemDigest refused_;
  NotHeldList not_held_;
  std::vector<OutcomeRow> unrecorded_;
  std::map<std::string, Tally, std::less<>> tallies_;
  Result<void> status_;
  std::uint64_t commits_ = 0;
  Clock::time_point started_;                            // the sink's creation: the rates' first sample
  std::map<std::string, RateWindow, std::less<>> rates_;  // finished entities per target
  std::map<std::string, std::int64_t, std::less<>> finished_at_;
  bool progress_due_ = false;                           // a target finished since the last commit
};

}  // namespace hrsync
