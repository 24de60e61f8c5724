#include "engine/run/run_job.h"

#include <fmt/format.h>
#include <malloc.h>

#include <boost/asio/co_spawn.hpp>
#include <ctime>
#include <exception>

#include "engine/plan/plan_report.h"
#include "engine/run/executor.h"
#include "engine/run/exit_code.h"
#include "engine/run/store_sink.h"

namespace hrsync {
namespace {

std::int64_t system_unix_now() { return static_cast<std::int64_t>(std::time(nullptr)); }

std::vector<const TargetConnector*> connectors_of(const Job& job) {
  std::vector<const TargetConnector*> out;
  for (const auto& t : job.targets) out.push_back(t.get());
  return out;
}

// What the plan lists for a person to change on target `id`.
std::vector<ByHandRow> by_hand_rows(const Job& job, std::string_view id) {
  std::vector<ByHandRow> rows;
  for (const auto& t : job.plan.targets) {
    if (t.id != id) continue;
    for (const auto& b : t.by_hand) rows.push_back({b.key, b.origin.str(), b.what.field, b.what.rule});
  }
  return rows;
}

// The status a run that went to its end is closed with, from its exit code.
std::string status_of(int exit_code) {
  switch (exit_code) {
    case kExitOk: return "ok";
    case kExitSomeFailed: return "failures";
    case kExitStore: return "store_failed";
    default: return "quarantined";
  }
}

// One target's totals from the executor's result.
TargetTotals totals_of(const Job& job, const TargetResult& res) {
  TargetTotals t;
  static_cast<RunCounts&>(t) = res.counts;
  t.id = res.counts.target;
  t.concurrency = TargetTotals::Concurrency{res.counts.concurrency_auto, res.counts.concurrency, res.counts.concurrency_peak};
  t.requests = res.counts.requests;
  t.seconds = res.seconds;
  for (const LoweredLimit& l : res.lowered_limits) {
    const std::string where = l.lane.empty() ? "" : fmt::format(" (lane {})", l.lane);
    const std::string asked = describe_tiers({RateTier{l.asked, l.configured.window_seconds}});
    if (l.unconfirmed) {
      t.notes.push_back(fmt::format("a throttled answer announced a rate limit of {}{}, under a tenth of {}: not "
                                    "taken, as no second answer confirmed it",
                                    asked, where, describe_tiers({l.configured})));
      continue;
    }
    t.lowered_limits.push_back({l.lane, describe_tiers({l.configured}), describe_tiers({l.announced})});
    if (l.floored) {
      t.notes.push_back(fmt::format("the server announced a rate limit of {}{}: held at the floor {}, a tenth of {}",
                                    asked, where, describe_tiers({l.announced}), describe_tiers({l.configured})));
    }
  }
  if (res.resets_bounded > 0) {
    t.notes.push_back(fmt::format("{} throttled answer(s) asked for a pause beyond retry.max_pause_s ({} s; the "
                                  "largest asked {} s): each pause was bounded",
                                  res.resets_bounded, job.config.retry.max_pause_s, res.largest_reset_s));
  }
  // A store failure stops every target; it is said once, for the run.
  t.quarantined = res.stop == TargetStop::kNone || res.stop == TargetStop::kNotRecorded ? "" : res.stop_reason;
  for (const TargetPlan& p : job.plan.targets) {
    if (p.id == t.id && p.read && !p.read->not_read) {
      t.read = TargetTotals::Read{p.read->calls, p.read->throttled, p.read->drifted, p.absent_keys.size()};
    }
    if (p.id == t.id && p.read && p.read->failed) {
      t.quarantined = "not synced: its read failed, so its diff would be wrong: " + *p.read->failed;
    }
    if (p.id == t.id && !p.absent_keys.empty()) {
      t.notes.push_back(fmt::format("{} entit{} of the source the target lacks: not sent (an update could only fail)",
                                    p.absent_keys.size(), p.absent_keys.size() == 1 ? "y" : "ies"));
    }
  }
  t.by_hand = by_hand_rows(job, t.id);
  return t;
}

// What the sink kept for the report: the failed and skipped entities, and why the store stopped.
void add_sink_findings(StoreSink& sink, RunReport& r) {
  r.problems = sink.take_problems();
  r.refused = sink.take_refused();
  const NotHeldList not_held = sink.take_not_held();
  for (TargetTotals& t : r.targets) {
    if (const NotHeldGroup* g = not_held.find(t.id)) t.not_held = g->examples;
  }
  if (!sink.status()) {
    r.store_error = sink.status().error().str();
    r.unrecorded = sink.unrecorded();  // sent ones only: those never sent are counted in the problems, skipped
  }
}

// The totals of a run that did not reach its end (a stop, an error): the plan's, the outcomes the
// sink was given, and the board's last retry and throttle counts.
std::vector<TargetTotals> partial_totals(const Job& job, const ProgressBoard& board, StoreSink& sink) {
  std::vector<TargetTotals> out;
  const std::vector<TargetProgress> progress = board.snapshot();
  for (const auto& plan : job.plan.targets) {
    TargetTotals t;
    t.id = plan.id;
    t.planned = plan.calls();
    const StoreSink::Tally tally = sink.tally(plan.id);
    t.applied = tally.applied;
    t.failed = tally.failed;
    t.skipped = tally.skipped;
    t.absent = tally.absent;
    for (const auto& p : progress) {
      if (p.target != plan.id) continue;
      t.retries = p.retries;
      t.throttled = p.throttled;
      t.concurrency = TargetTotals::Concurrency{p.concurrency_auto, p.concurrency, p.concurrency_peak};
      t.requests = p.requests;
    }
    t.by_hand = by_hand_rows(job, t.id);
    out.push_back(std::move(t));
  }
  return out;
}

// Hands the memory the plan freed back to the system before the first call. Planning allocates
// far more than the run keeps (every source row, the tables of key owners), and glibc keeps freed
// pages inside its heap while anything above them lives: a first run of 1,000,000 employees x 4
// targets held 79 MB through its hours of sending instead of 23 MB (bench/README.md).
void release_planning_memory() { ::malloc_trim(0); }

// The progress of a run that has sent nothing yet: each target's planned count.
RunProgress planned_progress(const Plan& plan, std::int64_t now) {
  RunProgress p;
  p.updated_at = now;
  for (const auto& t : plan.targets) p.targets.push_back(TargetProgressRow{.target = t.id, .planned = t.calls()});
  return p;
}

// What in a report may hold a server's words — stop reasons, errors — without secrets and as valid
// UTF-8 (outcome messages were cleaned by the sink already).
void clean_report(RunReport& report, const Redactor& redactor) {
  for (auto& t : report.targets) t.quarantined = redactor.clean(t.quarantined);
  report.error = redactor.clean(report.error);
  report.store_error = redactor.clean(report.store_error);
}

void tell(const RunSeams& seams, const std::string& what) {
  if (seams.warn) seams.warn(what);
}

// Entities that left the source and that their target's policy leaves alone stop being managed:
// for each target that finished without stopping, while the store records.
void forget_departed(Job& job, const RunSummary& summary, const StoreSink& sink, std::int64_t run_id,
                     const RunSeams& seams) {
  for (std::size_t i = 0; sink.status() && i < job.plan.targets.size() && i < summary.targets.size(); ++i) {
    const auto& t = job.plan.targets[i];
    if (t.forget_keys.empty() || summary.targets[i].stop != TargetStop::kNone) continue;
    if (auto r = job.store->forget(t.id, t.forget_keys, run_id); !r) tell(seams, r.error().str());
  }
}

// The error of a run whose loop ended before the executor's end, or "" for one stopped on request.
std::string why_unfinished(std::exception_ptr failure, int stopped_by) {
  if (failure) {
    try {
      std::rethrow_exception(failure);
    } catch (const std::exception& e) {
      return fmt::format("internal error: {}", e.what());
    } catch (...) {
      return "internal error";
    }
  }
  return stopped_by != 0 ? "" : "the run stopped before its end";
}

}  // namespace

std::expected<JobRun, RunNotBegun> JobRun::begin(Job& job, RunSettings settings,
                                                std::function<std::int64_t()> unix_now) {
  if (!unix_now) unix_now = system_unix_now;
  release_planning_memory();
  // A damaged snapshot is found before any write, not by the first commit of the run.
  if (auto checked = job.store->quick_check(); !checked) return std::unexpected(RunNotBegun{checked.error(), kExitStore});
  const std::int64_t started = unix_now();
  auto run_id = job.store->begin_run(settings.command, job.config.path, started);
  if (!run_id) return std::unexpected(RunNotBegun{run_id.error(), kExitUsage});
  // The run's changes of the snapshot are the plan file's own: applying it again resumes it.
  if (!settings.plan_checksum.empty()) {
    if (auto attached = job.store->attach_plan(*run_id, settings.plan_checksum); !attached) {
      return std::unexpected(RunNotBegun{attached.error(), kExitStore});
    }
  }
  return JobRun(job, std::move(settings), std::move(unix_now), *run_id, started);
}

JobRun::JobRun(Job& job, RunSettings settings, std::function<std::int64_t()> unix_now, std::int64_t run_id,
               std::int64_t started)
    : job_(&job), settings_(std::move(settings)), unix_now_(std::move(unix_now)), run_id_(run_id), started_(started) {}

RunReport JobRun::header() const {
  RunReport r;
  r.run_id = run_id_;
  r.command = settings_.command;
  r.config_path = job_->config.path;
  r.started_at = started_;
  r.finished_at = unix_now_();
  return r;
}

RunResult JobRun::close(RunReport report, const Redactor& redactor) {
  clean_report(report, redactor);
  RunResult result;
  result.json = render_run_json(report, connectors_of(*job_));
  if (auto closed = job_->store->finish_run(run_id_, report.status, report.exit_code, result.json, report.finished_at);
      !closed) {
    result.not_closed = closed.error();
  }
  result.report = std::move(report);
  return result;
}

RunResult JobRun::abort(const Error& why, const Redactor& redactor) {
  RunReport report = header();
  for (const auto& t : job_->plan.targets) report.targets.push_back(TargetTotals{{.planned = t.calls()}, t.id, ""});
  report.status = "error";
  report.error = why.str();
  report.exit_code = run_exit_code(report);
  return close(std::move(report), redactor);
}

void JobRun::stop(int signal) {
  stopped_by_ = signal;
  if (io_) io_->stop();
}

// What the reads found becomes the snapshot before any call: the documents each target holds
// (those that differ from the snapshot's), and the keys it lacks. The work then advances them.
static Result<void> commit_reads(Job& job, std::int64_t run_id, std::int64_t now) {
  for (TargetPlan& t : job.plan.targets) {
    if (!t.read || t.read->failed || t.read->not_read) continue;
    std::vector<SnapshotStore::AppliedRow> rows;
    rows.reserve(t.read->adopt.size());
    for (Document& d : t.read->adopt) rows.push_back({d.key, d.hash, std::move(d.body)});
    t.read->adopt.clear();
    if (!rows.empty()) {
      if (auto r = job.store->commit(t.id, rows, run_id, now); !r) return r;
    }
    // The entities to create stay absent until their create is applied (the store drops them then).
    std::vector<std::string> absent = t.absent_keys;
    for (const Work& w : t.work) {
      if (w.action == Work::Action::kCreate) absent.push_back(w.desired.key);
    }
    if (auto r = job.store->replace_absent(t.id, absent, run_id); !r) return r;
  }
  return {};
}

RunResult JobRun::apply(const RunSeams& seams) {
  Job& job = *job_;
  if (auto committed = commit_reads(job, run_id_, unix_now_()); !committed) return abort(committed.error(), seams.redactor);
  // The run's progress is in the store from its start, for `hrsync status` in another terminal;
  // each commit brings it up to date.
  if (auto written = job.store->write_progress(run_id_, planned_progress(job.plan, started_)); !written) {
    tell(seams, "warning: " + written.error().str());
  }
  StoreSink sink(*job.store, run_id_,
                 StoreSinkOptions{.batch = job.config.commit_batch, .redactor = &seams.redactor, .board = &seams.board},
                 seams.clock, unix_now_);
  ExecutorOptions options;
  options.seed = static_cast<std::uint64_t>(started_) ^ static_cast<std::uint64_t>(run_id_);
  Executor executor(job.config, seams.transport, seams.clock, sink, options, &seams.board);

  std::optional<RunSummary> summary;
  std::exception_ptr failure;
  net::co_spawn(seams.io, executor.run(job.plan), [&](std::exception_ptr e, RunSummary s) {
    failure = e;
    summary = std::move(s);
    seams.io.stop();
  });
  io_ = &seams.io;
  if (stopped_by_ == 0) {
    if (seams.drive) {
      seams.drive(seams.io);
    } else {
      seams.io.run();
    }
  }
  io_ = nullptr;
  (void)sink.flush();  // an error stays in sink.status()

  if (failure || stopped_by_ != 0 || !summary) {
    RunReport report = header();
    report.targets = partial_totals(job, seams.board, sink);
    add_sink_findings(sink, report);
    report.error = why_unfinished(failure, stopped_by_);
    report.signal = report.error.empty() ? stopped_by_ : 0;
    report.status = report.error.empty() ? "interrupted" : "error";
    report.exit_code = run_exit_code(report);
    return close(std::move(report), seams.redactor);
  }

  forget_departed(job, *summary, sink, run_id_, seams);
  RunReport report = header();
  for (const TargetResult& res : summary->targets) report.targets.push_back(totals_of(job, res));
  add_sink_findings(sink, report);
  report.exit_code = run_exit_code(report);
  report.status = status_of(report.exit_code);
  return close(std::move(report), seams.redactor);
}

Result<void> check_credentials(const Job& job) {
  for (const auto& t : job.targets) {
    if (t->platform() == Platform::kFeishu) return require_secret(job.config.feishu.app_secret);
  }
  return {};
}

void add_job_secrets(const JobConfig& config, Redactor& redactor) {
  redactor.add(config.feishu.app_secret.value.reveal());
  redactor.add(config.sophon.token.value.reveal());
  redactor.add(config.notify.secret.value.reveal());
  const std::string& webhook = config.notify.webhook_url.value.reveal();
  redactor.add(webhook);
  // The hook id, the last part of the URL, is the credential on its own.
  if (const auto slash = webhook.find_last_of('/'); slash != std::string::npos) redactor.add(webhook.substr(slash + 1));
}

}  // namespace hrsync
