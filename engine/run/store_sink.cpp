#include "engine/run/store_sink.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace hrsync {

StoreSink::StoreSink(SnapshotStore& store, std::int64_t run_id, StoreSinkOptions options, const Clock& clock,
                     std::function<std::int64_t()> unix_now)
    : store_(store),
      run_id_(run_id),
      options_(options),
      clock_(clock),
      unix_now_(std::move(unix_now)),
      started_(clock.now()) {
  if (options_.batch == 0) options_.batch = 1;
}

Result<void> StoreSink::record(const Outcome& o) {
  OutcomeRow row;
  row.target = std::string(o.target);
  row.key = std::string(o.key());
  row.action = o.work->action == Work::Action::kFreeze   ? "freeze"
               : o.work->action == Work::Action::kCreate ? "create"
                                                         : "upsert";
  row.status = std::string(outcome_status_name(o.status));
  row.code = o.verdict.code;
  // Server text: no secret an echoing server or proxy sent back, and valid UTF-8 for the report.
  row.message = options_.redactor ? options_.redactor->clean(o.verdict.message) : valid_utf8(o.verdict.message);
  row.log_id = options_.redactor ? options_.redactor->clean(o.verdict.log_id) : valid_utf8(o.verdict.log_id);
  row.attempts = static_cast<int>(o.attempts);
  if (o.status == OutcomeStatus::kApplied && o.refused) {
    // Applied without the member the target refused: its code, and why, stay with the outcome.
    const std::string why = options_.redactor ? options_.redactor->clean(o.refused->message) : valid_utf8(o.refused->message);
    row.code = o.refused->code;
    row.message = fmt::format("{} refused ({}); the rest was applied, and it is not sent again until it changes",
                              o.refused->refused_member, why);
    refused_.add(row);
  }
  Tally& tally = tallies_[row.target];
  switch (o.status) {
    case OutcomeStatus::kApplied: ++tally.applied; break;
    case OutcomeStatus::kFailed: ++tally.failed; break;
    case OutcomeStatus::kSkipped: ++tally.skipped; break;
    case OutcomeStatus::kAbsent: ++tally.absent; break;
  }
  if (o.status == OutcomeStatus::kAbsent) {
    not_held_.add(row.target, NotHeldEntity{row.key, o.work->origin.str(), row.code});
  } else if (o.status != OutcomeStatus::kApplied) {
    problems_.add(row);
  }
  if (!status_) {
    if (row.attempts > 0) unrecorded_.push_back(std::move(row));
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
  if (options_.board != nullptr) {
    finished_at_.emplace(std::string(target), unix_now_());
    progress_due_ = true;
  }
  return flush();
}

std::optional<RunProgress> StoreSink::progress() {
  if (options_.board == nullptr) return std::nullopt;
  const Clock::time_point now = clock_.now();
  RunProgress p;
  p.updated_at = unix_now_();
  bool known = true;  // every target still going has an eta
  std::int64_t end = p.updated_at;
  for (const TargetProgress& live : options_.board->snapshot()) {
    TargetProgressRow row;
    row.target = live.target;
    row.planned = live.planned;
    const Tally tally = this->tally(live.target);
    row.applied = tally.applied;
    row.failed = tally.failed;
    row.skipped = tally.skipped;
    row.absent = tally.absent;
    row.retries = live.retries;
    row.throttled = live.throttled;
    row.stopped = live.stopped;
    auto [rate, fresh] = rates_.try_emplace(live.target, options_.rate_window);
    if (fresh) rate->second.add(started_, 0);
    const auto f = finished_at_.find(live.target);
    // A finished target keeps the rate it finished at.
    const bool moved = f == finished_at_.end() || rate->second.count() != row.done();
    if (now > started_ && moved) rate->second.add(now, row.done());
    row.rate = rate->second.rate();
    if (f != finished_at_.end()) {
      row.finished_at = f->second;
      row.eta = f->second;
    } else if (const auto left = rate->second.seconds_left(row.planned)) {
      row.eta = p.updated_at + static_cast<std::int64_t>(std::ceil(*left));
    } else if (!row.stopped) {
      known = false;  // a stopped target skips what is left at once
    }
    if (row.eta) end = std::max(end, *row.eta);
    p.targets.push_back(std::move(row));
  }
  if (known) p.expected_end = end;
  return p;
}

Result<void> StoreSink::flush() {
  if (!status_ || (pending_outcomes_.empty() && !progress_due_)) return status_;
  const std::optional<RunProgress> progress = this->progress();
  progress_due_ = false;
  status_ = store_.commit_batch(run_id_, pending_rows_, pending_outcomes_, unix_now_(), progress ? &*progress : nullptr);
  if (status_) {
    ++commits_;
  } else {
    for (OutcomeRow& row : pending_outcomes_) {
      if (row.attempts > 0) unrecorded_.push_back(std::move(row));
    }
  }
  pending_rows_.clear();
  pending_outcomes_.clear();
  oldest_.reset();
  return status_;
}

}  // namespace hrsync
