#include "engine/run/store_sink.h"

namespace hrsync {

StoreSink::StoreSink(SnapshotStore& store, std::int64_t run_id, StoreSinkOptions options, const Clock& clock,
                     std::function<std::int64_t()> unix_now)
    : store_(store), run_id_(run_id), options_(options), clock_(clock), unix_now_(std::move(unix_now)) {
  if (options_.batch == 0) options_.batch = 1;
}

Result<void> StoreSink::record(const Outcome& o) {
  OutcomeRow row;
  row.target = std::string(o.target);
  row.key = std::string(o.key());
  row.action = o.work->action == Work::Action::kFreeze ? "freeze" : "upsert";
  row.status = std::string(outcome_status_name(o.status));
  row.code = o.code;
  // Server text: no secret an echoing server or proxy sent back, and valid UTF-8 for the report.
  row.message = options_.redactor ? options_.redactor->clean(o.message) : valid_utf8(o.message);
  row.log_id = options_.redactor ? options_.redactor->clean(o.log_id) : valid_utf8(o.log_id);
  row.attempts = static_cast<int>(o.attempts);
  Tally& tally = tallies_[row.target];
  switch (o.status) {
    case OutcomeStatus::kApplied: ++tally.applied; break;
    case OutcomeStatus::kFailed: ++tally.failed; break;
    case OutcomeStatus::kSkipped: ++tally.skipped; break;
  }
  if (o.status != OutcomeStatus::kApplied) problems_.push_back(row);
  if (!status_) {
    unrecorded_.push_back(std::move(row));
    return status_;
  }

  const Clock::time_point now = clock_.now();
  if (!oldest_) oldest_ = now;
  pending_outcomes_.push_back(std::move(row));
  if (o.commit != nullptr) {
    pending_rows_.push_back({std::string(o.target), {o.commit->key, o.commit->hash, o.commit->body}});
  }
  if (pending_outcomes_.size() >= options_.batch || now - *oldest_ >= options_.max_age) return flush();
  return {};
}

StoreSink::Tally StoreSink::tally(std::string_view target) const {
  const auto it = tallies_.find(target);
  return it == tallies_.end() ? Tally{} : it->second;
}

Result<void> StoreSink::target_finished(std::string_view target) {
  (void)target;
  return flush();
}

Result<void> StoreSink::flush() {
  if (!status_ || pending_outcomes_.empty()) return status_;
  status_ = store_.commit_batch(run_id_, pending_rows_, pending_outcomes_, unix_now_());
  if (status_) {
    ++commits_;
  } else {
    unrecorded_.insert(unrecorded_.end(), std::make_move_iterator(pending_outcomes_.begin()),
                       std::make_move_iterator(pending_outcomes_.end()));
  }
  pending_rows_.clear();
  pending_outcomes_.clear();
  oldest_.reset();
  return status_;
}

}  // namespace hrsync
