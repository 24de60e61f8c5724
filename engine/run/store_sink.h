// StoreSink: the OutcomeSink that a real sync uses — it commits applied documents to the snapshot
// and logs every outcome in the run log, in batches, and keeps the failures for the report.
//
// Rows are batched (JobConfig::commit_batch) and written in one transaction per batch, so a crash
// loses at most the last batch, whose calls the next run sends again (they are idempotent). A
// failed or skipped entity's snapshot row is never touched: the next run retries it. A store error
// is kept (first one wins) and stops further writes; the caller reports it.
//
// Thread-safety: called from the executor's thread only.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "engine/run/outcome_sink.h"
#include "store/snapshot_store.h"

namespace hrsync {

class StoreSink final : public OutcomeSink {
 public:
  // `now` gives Unix seconds for applied_at; the store outlives the sink.
  StoreSink(SnapshotStore& store, std::int64_t run_id, std::size_t batch, std::function<std::int64_t()> now);

  void record(const Outcome& outcome) override;
  void target_finished(std::string_view target) override;

  // Writes whatever is batched. Safe to call more than once.
  void flush();

  // Failed and skipped outcomes, in the order they finished.
  const std::vector<OutcomeRow>& problems() const { return problems_; }

  // Ok, or the first store error.
  const Result<void>& status() const { return status_; }

 private:
  void flush_target(std::string_view target);
  void flush_outcomes();

  SnapshotStore& store_;
  std::int64_t run_id_;
  std::size_t batch_;
  std::function<std::int64_t()> now_;
  std::string pending_target_;                          // the target of pending_rows_
  std::vector<SnapshotStore::AppliedRow> pending_rows_;
  std::vector<OutcomeRow> pending_outcomes_;
  std::vector<OutcomeRow> problems_;
  Result<void> status_;
};

}  // namespace hrsync
