#include "engine/run/store_sink.h"

namespace hrsync {

StoreSink::StoreSink(SnapshotStore& store, std::int64_t run_id, std::size_t batch, std::function<std::int64_t()> now)
    : store_(store), run_id_(run_id), batch_(batch == 0 ? 1 : batch), now_(std::move(now)) {}

void StoreSink::record(const Outcome& o) {
  if (!status_) return;
  OutcomeRow row;
  row.target = std::string(o.target);
  row.key = std::string(o.key());
  row.action = o.work->action == Work::Action::kFreeze ? "freeze" : "upsert";
  row.status = std::string(outcome_status_name(o.status));
  row.code = o.code;
  row.message = o.message;
  row.log_id = o.log_id;
  row.attempts = static_cast<int>(o.attempts);
  if (o.status != OutcomeStatus::kApplied) problems_.push_back(row);
  pending_outcomes_.push_back(std::move(row));

  if (o.commit != nullptr) {
    if (!pending_rows_.empty() && pending_target_ != o.target) flush_target(pending_target_);
    pending_target_ = std::string(o.target);
    pending_rows_.push_back({o.commit->key, o.commit->hash, o.commit->body});
  }
  if (pending_rows_.size() >= batch_ || pending_outcomes_.size() >= batch_) flush();
}

void StoreSink::target_finished(std::string_view target) {
  (void)target;
  flush();
}

void StoreSink::flush() {
  // Snapshot rows first: an outcome row that says "applied" never precedes its snapshot row.
  flush_target(pending_target_);
  flush_outcomes();
}

void StoreSink::flush_target(std::string_view target) {
  if (pending_rows_.empty() || !status_) return;
  status_ = store_.commit(target, pending_rows_, run_id_, now_());
  pending_rows_.clear();
}

void StoreSink::flush_outcomes() {
  if (pending_outcomes_.empty() || !status_) return;
  status_ = store_.record_outcomes(run_id_, pending_outcomes_);
  pending_outcomes_.clear();
}

}  // namespace hrsync
