#include <fmt/format.h>
#include <malloc.h>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>

#include "engine/cli/commands.h"
#include "engine/run/executor.h"
#include "engine/net/http_transport.h"
#include "engine/plan/job.h"
#include "engine/plan/plan_report.h"
#include "engine/cli/private_files.h"
#include "engine/cli/progress_display.h"
#include "engine/cli/run_lock.h"
#include "engine/cli/run_report.h"
#include "engine/cli/run_watch.h"
#include "engine/cli/stop_signals.h"
#include "engine/run/redactor.h"
#include "engine/run/store_sink.h"
#include "engine/cli/sync.h"

namespace hrsync {
namespace {

std::int64_t unix_now() { return static_cast<std::int64_t>(std::time(nullptr)); }

bool is_terminal(const std::ostream& out) { return &out == &std::cout && isatty(STDOUT_FILENO) != 0; }

std::vector<const TargetConnector*> connectors_of(const Job& job) {
  std::vector<const TargetConnector*> out;
  for (const auto& t : job.targets) out.push_back(t.get());
  return out;
}

std::string command_line(const SyncCommand& cmd) {
  std::string s = "sync";
  if (cmd.full) s += " --full";
  if (cmd.force) s += " --force";
  for (const auto& o : cmd.only) s += " --only " + o;
  return s;
}

// Every secret the run's targets need, or the first one missing.
Result<void> check_credentials(const Job& job) {
  for (const auto& t : job.targets) {
    if (t->platform() == Platform::kFeishu) return require_secret(job.config.feishu.app_secret);
  }
  return {};
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

RunReport build_report(const Job& job, const RunSummary& summary, StoreSink& sink, std::int64_t run_id,
                       const std::string& command, std::int64_t started) {
  RunReport r;
  r.run_id = run_id;
  r.command = command;
  r.config_path = job.config.path;
  r.started_at = started;
  r.finished_at = unix_now();
  for (std::size_t i = 0; i < summary.targets.size(); ++i) {
    const auto& res = summary.targets[i];
    TargetTotals t;
    static_cast<RunCounts&>(t) = res.counts;
    t.id = res.counts.target;
    for (const LoweredLimit& l : res.lowered_limits) {
      t.lowered_limits.push_back({l.lane, describe_tiers({l.configured}), describe_tiers({l.announced})});
    }
    if (res.resets_bounded > 0) {
      t.notes.push_back(fmt::format("{} throttled answer(s) asked for a pause beyond retry.max_pause_s ({} s; the "
                                    "largest asked {} s): each pause was bounded",
                                    res.resets_bounded, job.config.retry.max_pause_s, res.largest_reset_s));
    }
    // A store failure stops every target; it is said once, for the run.
    t.quarantined = res.stop == TargetStop::kNone || res.stop == TargetStop::kNotRecorded ? "" : res.stop_reason;
    t.by_hand = by_hand_rows(job, t.id);
    r.targets.push_back(std::move(t));
  }
  r.problems = sink.take_problems();
  if (!sink.status()) {
    r.store_error = sink.status().error().str();
    r.unrecorded = sink.unrecorded();  // sent ones only: those never sent are in the problems, skipped
  }
  r.exit_code = run_exit_code(r);
  switch (r.exit_code) {
    case kExitOk: r.status = "ok"; break;
    case kExitSomeFailed: r.status = "failures"; break;
    case kExitStore: r.status = "store_failed"; break;
    default: r.status = "quarantined"; break;
  }
  return r;
}

// The report of a run that did not reach its end (a stop signal, an error): the plan's totals, the
// outcomes the sink was given, and the board's last retry and throttle counts.
RunReport partial_report(const Job& job, const ProgressBoard& board, StoreSink& sink, std::int64_t run_id,
                         const std::string& command, std::int64_t started) {
  RunReport r;
  r.run_id = run_id;
  r.command = command;
  r.config_path = job.config.path;
  r.started_at = started;
  r.finished_at = unix_now();
  const std::vector<TargetProgress> progress = board.snapshot();
  for (const auto& plan : job.plan.targets) {
    TargetTotals t;
    t.id = plan.id;
    t.planned = plan.calls();
    const StoreSink::Tally tally = sink.tally(plan.id);
    t.applied = tally.applied;
    t.failed = tally.failed;
    t.skipped = tally.skipped;
    for (const auto& p : progress) {
      if (p.target != plan.id) continue;
      t.retries = p.retries;
      t.throttled = p.throttled;
    }
    t.by_hand = by_hand_rows(job, t.id);
    r.targets.push_back(std::move(t));
  }
  r.problems = sink.take_problems();
  if (!sink.status()) {
    r.store_error = sink.status().error().str();
    r.unrecorded = sink.unrecorded();  // sent ones only: those never sent are in the problems, skipped
  }
  return r;
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

// Writes run-N.json into report_dir, both the owner's alone; a report folder others could read is
// tightened, with a warning on `err`.
Result<std::string> write_report_file(const JobConfig& config, const RunReport& report, const std::string& json,
                                      std::ostream& err) {
  namespace fs = std::filesystem;
  if (auto made = create_private_dirs(config.report_dir); !made) {
    return fail(Error::Kind::kIo, config.report_dir, fmt::format("cannot create the report folder: {}", made.error().message));
  }
  if (auto warning = tighten(config.report_dir)) err << "hrsync sync: warning: " << *warning << "\n";
  const auto path = (fs::path(config.report_dir) / fmt::format("run-{}.json", report.run_id)).string();
  if (auto written = write_private_file(path, json); !written) {
    return fail(Error::Kind::kIo, path, "cannot write the report: " + written.error().message);
  }
  return path;
}

// Ok when report_dir exists (created 0700 when it did not) and a file can be created in it.
Result<void> check_report_dir(const std::string& dir) {
  if (auto made = create_private_dirs(dir); !made) {
    return fail(Error::Kind::kConfig, dir, fmt::format("job.report_dir cannot be created: {}", made.error().message));
  }
  if (::access(dir.c_str(), W_OK | X_OK) != 0) {
    return fail(Error::Kind::kConfig, dir, fmt::format("job.report_dir cannot be written: {}", std::strerror(errno)));
  }
  return {};
}

// What in a report may hold a server's words — stop reasons, errors — without secrets and as valid
// UTF-8 (outcome messages were cleaned by the sink already).
void clean_report(RunReport& report, const Redactor& redactor) {
  for (auto& t : report.targets) t.quarantined = redactor.clean(t.quarantined);
  report.error = redactor.clean(report.error);
  report.store_error = redactor.clean(report.store_error);
}

// Every secret value the job knows; the tokens obtained during the run are added as they come.
void add_job_secrets(const JobConfig& config, Redactor& redactor) {
  redactor.add(config.feishu.app_secret.value.reveal());
  redactor.add(config.sophon.token.value.reveal());
  redactor.add(config.notify.secret.value.reveal());
  const std::string& webhook = config.notify.webhook_url.value.reveal();
  redactor.add(webhook);
  // The hook id, the last part of the URL, is the credential on its own.
  if (const auto slash = webhook.find_last_of('/'); slash != std::string::npos) redactor.add(webhook.substr(slash + 1));
}

// Closes a run that did not reach its end: the run log, the summary on stdout, the report file.
void close_run(Job& job, RunReport report, const Redactor& redactor, RunWatch& watch, bool tty, std::ostream& out,
               std::ostream& err) {
  clean_report(report, redactor);
  const auto connectors = connectors_of(job);
  watch.finished(report);
  const std::string json = render_run_json(report, connectors);
  if (auto closed = job.store->finish_run(report.run_id, report.status, report.exit_code, json, report.finished_at);
      !closed) {
    err << "hrsync sync: run " << report.run_id << " stays 'running' in the store: " << closed.error().str() << "\n";
  }
  out << "\n" << render_run_text(report, connectors, tty);
  if (auto path = write_report_file(job.config, report, json, err)) {
    out << "Report: " << *path << "\n";
  } else {
    err << "hrsync sync: " << path.error().str() << "\n";
  }
}

int sync_job(Job& job, const SyncCommand& cmd, const SyncHooks& hooks, Redactor& redactor, RunWatch& watch, std::ostream& out,
             std::ostream& err) {
  const bool tty = cmd.progress && is_terminal(out);
  PlanRenderOptions render;
  render.color = tty;
  render.examples = 5;
  if (hooks.show_plan) out << render_plan_text(job.plan, render) << "\n";

  if (!job.plan.gates.empty() && !cmd.force) {
    err << "hrsync sync: stopped by a safety gate before any call; check the source, then run again with --force "
           "if the change is real\n";
    watch.gated(job.plan.gates);
    return kExitGate;
  }
  if (cmd.dry_run) {
    out << "Dry run: nothing was sent.\n";
    return kExitOk;
  }
  std::uint64_t work = 0;
  for (const auto& t : job.plan.targets) work += t.calls();
  release_planning_memory();
  if (auto ok = check_credentials(job); !ok) {
    err << "hrsync sync: " << ok.error().str() << "\n";
    return kExitUsage;
  }

  // The report folder must take the run's report: found out before any call, not after the run.
  if (auto ready = check_report_dir(job.config.report_dir); !ready) {
    err << "hrsync sync: " << ready.error().str() << "; nothing was sent\n";
    return kExitUsage;
  }

  const std::string command = hooks.command.empty() ? command_line(cmd) : hooks.command;
  const std::int64_t started = unix_now();
  auto run_id = job.store->begin_run(command, job.config.path, started);
  if (!run_id) {
    err << "hrsync sync: " << run_id.error().str() << "\n";
    return kExitUsage;
  }
  // The run's changes of the snapshot are the plan file's own: applying it again resumes it.
  if (!hooks.plan_checksum.empty()) {
    if (auto attached = job.store->attach_plan(*run_id, hooks.plan_checksum); !attached) {
      err << "hrsync apply: " << attached.error().str() << "; nothing was sent\n";
      return kExitStore;
    }
  }

  net::io_context io;
  SteadyClock clock;
  HttpTransportOptions transport_options = hooks.transport;
  transport_options.token.on_token = [&redactor, told = hooks.transport.token.on_token](const std::string& token) {
    redactor.add(token);
    if (told) told(token);
  };
  auto transport = HttpTransport::create(io.get_executor(), job.config.feishu, job.config.sophon, job.config.http, clock,
                                         transport_options);
  if (!transport) {
    err << "hrsync sync: " << transport.error().str() << "\n";
    RunReport report;
    report.run_id = *run_id;
    report.command = command;
    report.config_path = job.config.path;
    report.started_at = started;
    report.finished_at = unix_now();
    for (const auto& t : job.plan.targets) report.targets.push_back(TargetTotals{{.planned = t.calls()}, t.id, ""});
    report.status = "error";
    report.error = transport.error().str();
    report.exit_code = run_exit_code(report);
    const int code = report.exit_code;
    close_run(job, std::move(report), redactor, watch, false, out, err);
    return code;
  }
  // The run's progress is in the store from its start, for `hrsync status` in another terminal;
  // each commit brings it up to date.
  if (auto written = job.store->write_progress(*run_id, planned_progress(job.plan, started)); !written) {
    err << "hrsync sync: warning: " << written.error().str() << "\n";
  }
  ProgressBoard board;
  StoreSink sink(*job.store, *run_id,
                 StoreSinkOptions{.batch = job.config.commit_batch, .redactor = &redactor, .board = &board}, clock,
                 unix_now);
  ExecutorOptions options;
  options.seed = static_cast<std::uint64_t>(started) ^ static_cast<std::uint64_t>(*run_id);
  Executor executor(job.config, **transport, clock, sink, options, &board);

  watch.start(io, board);
  std::optional<ProgressDisplay> display;
  if (work > 0 && cmd.progress) {
    ProgressDisplayOptions po;
    po.terminal = tty;
    po.log_interval = std::chrono::milliseconds(static_cast<std::int64_t>(job.config.progress.interval_s * 1000));
    display.emplace(board, out, po);
  }

  // SIGINT, SIGTERM, SIGHUP, SIGQUIT: stop sending, keep what was confirmed, close the run as
  // interrupted. Unconfirmed calls are re-sent by the next run (they are idempotent updates).
  StopSignals stop;
  int stopped_by = 0;
  stop.on_signal(io, [&](int signal) {
    stopped_by = signal;
    io.stop();
  });

  std::optional<RunSummary> summary;
  std::exception_ptr failure;
  net::co_spawn(io, executor.run(job.plan), [&](std::exception_ptr e, RunSummary s) {
    failure = e;
    summary = std::move(s);
    stop.cancel();
    watch.stop_ticking();
  });
  io.run();
  watch.stop_ticking();  // also when a signal stopped the loop before the executor's end
  (void)sink.flush();  // an error stays in sink.status()
  if (display) display->stop();

  if (failure || stopped_by != 0 || !summary) {
    RunReport report = partial_report(job, board, sink, *run_id, command, started);
    if (failure) {
      try {
        std::rethrow_exception(failure);
      } catch (const std::exception& e) {
        report.error = fmt::format("internal error: {}", e.what());
      }
      report.status = "error";
    } else if (stopped_by != 0) {
      report.signal = stopped_by;
      report.status = "interrupted";
      err << "hrsync sync: interrupted by " << StopSignals::name(stopped_by)
          << "; what the targets confirmed is committed, the rest is sent by the next run\n";
    } else {
      report.error = "the run stopped before its end";
      report.status = "error";
    }
    if (!report.error.empty()) err << "hrsync sync: " << redactor.clean(report.error) << "\n";
    report.exit_code = run_exit_code(report);
    const int code = report.exit_code;
    close_run(job, std::move(report), redactor, watch, tty, out, err);
    return code;
  }

  // Entities that left the source and that their target's policy leaves alone stop being managed.
  for (std::size_t i = 0; sink.status() && i < job.plan.targets.size() && i < summary->targets.size(); ++i) {
    const auto& t = job.plan.targets[i];
    if (t.forget_keys.empty() || summary->targets[i].stop != TargetStop::kNone) continue;
    if (auto r = job.store->forget(t.id, t.forget_keys, *run_id); !r) err << "hrsync sync: " << r.error().str() << "\n";
  }

  const auto connectors = connectors_of(job);
  RunReport report = build_report(job, *summary, sink, *run_id, command, started);
  clean_report(report, redactor);
  watch.finished(report);
  const std::string json = render_run_json(report, connectors);
  auto closed = job.store->finish_run(*run_id, report.status, report.exit_code, json, report.finished_at);
  if (!sink.status()) {
    err << "hrsync sync: the snapshot store could not record, so no call was started after that: "
        << sink.status().error().str() << "\n";
    if (!closed) err << "hrsync sync: run " << *run_id << " stays 'running' in the store: " << closed.error().str() << "\n";
  }
  out << "\n" << render_run_text(report, connectors, tty);
  if (auto path = write_report_file(job.config, report, json, err)) {
    out << "Report: " << *path << "\n";
  } else {
    err << "hrsync sync: " << path.error().str() << "\n";
    // A run whose report is lost did not end well, even when every entity was applied.
    if (report.exit_code == kExitOk) return kExitSomeFailed;
  }
  return report.exit_code;
}

}  // namespace

int execute_sync(Job& job, const SyncCommand& cmd, const SyncHooks& hooks, std::ostream& out, std::ostream& err) {
  RunWatchOptions options;
  options.enabled = !cmd.dry_run;
  options.interval = hooks.metrics_interval;
  options.on_metrics = hooks.on_metrics;
  Redactor redactor;
  add_job_secrets(job.config, redactor);
  options.redactor = &redactor;
  RunWatch watch(job, std::move(options), err);
  return watch.end(sync_job(job, cmd, hooks, redactor, watch, out, err));
}

std::optional<RunLock> lock_job(const JobConfig& config, std::string_view who, std::ostream& err, int& code) {
  namespace fs = std::filesystem;
  const fs::path snapshot(config.snapshot);
  if (auto made = create_private_dirs(snapshot.parent_path().string()); !made) {
    err << who << ": " << made.error().where << ": cannot create the snapshot folder: " << made.error().message
        << "\n";
    code = kExitUsage;
    return std::nullopt;
  }
  // Names, mobiles and emails in clear: the owner's alone, even if an earlier run left them open.
  for (const char* suffix : {"", "-wal", "-shm"}) {
    if (auto warning = tighten(config.snapshot + suffix)) err << who << ": warning: " << *warning << "\n";
  }
  auto lock = RunLock::try_acquire(config.snapshot, unix_now());
  if (!lock) {
    err << who << ": " << lock.error().str() << "\n";
    code = kExitUsage;
    return std::nullopt;
  }
  if (!lock->held()) {
    err << who << ": another run of this job holds the lock " << lock->path() << " (" << lock->holder()
        << "); nothing was sent\n";
    code = kExitLocked;
    return std::nullopt;
  }
  return std::move(*lock);
}

void note_abandoned_runs(SnapshotStore& store, std::string_view who, std::ostream& err) {
  auto abandoned = store.abandon_running_runs();
  if (!abandoned) {
    err << who << ": " << abandoned.error().str() << "\n";
    return;
  }
  for (std::int64_t id : *abandoned) {
    err << who << ": run " << id << " was still marked running, but no process held the job's lock (it was "
        << "killed, or the machine stopped); it is now marked abandoned. What it committed is kept; this run sends "
        << "the rest. `hrsync report --run " << id << "` shows what it recorded.\n";
  }
}

int run_sync(const SyncCommand& cmd, std::ostream& out, std::ostream& err) {
  // From here on a stop signal ends the command cleanly (before the run starts: nothing is sent).
  StopSignals stop;
  auto config = load_config(cmd.config);
  if (!config) {
    err << "hrsync sync: " << config.error().str() << "\n";
    return exit_code_for(config.error());
  }
  for (const SecretRef* ref : {&config->feishu.app_secret, &config->sophon.token, &config->notify.webhook_url,
                               &config->notify.secret}) {
    if (auto warning = loose_secret_file(ref->file, ref->key)) err << "hrsync sync: warning: " << *warning << "\n";
  }
  // One run of the job at a time, held from before the plan to the exit; a dry run writes nothing.
  std::optional<RunLock> lock;
  if (!cmd.dry_run) {
    int code = kExitOk;
    lock = lock_job(*config, "hrsync sync", err, code);
    if (!lock) return code;
  }
  auto job = prepare_job(std::move(*config), PlanOptions{cmd.full, cmd.only}, /*create_store=*/!cmd.dry_run);
  if (!job) {
    err << "hrsync sync: " << job.error().str() << "\n";
    return exit_code_for(job.error());
  }
  if (lock) note_abandoned_runs(*job->store, "hrsync sync", err);
  return execute_sync(*job, cmd, SyncHooks{}, out, err);
}

}  // namespace hrsync
