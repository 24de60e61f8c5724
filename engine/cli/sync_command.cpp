#include <fmt/format.h>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <chrono>
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
#include "engine/cli/progress_display.h"
#include "engine/cli/run_lock.h"
#include "engine/cli/run_report.h"
#include "engine/cli/run_watch.h"
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

RunReport build_report(const Job& job, const RunSummary& summary, const StoreSink& sink, std::int64_t run_id,
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
    t.id = res.counts.target;
    t.planned = res.counts.total;
    t.applied = res.counts.applied;
    t.failed = res.counts.failed;
    t.skipped = res.counts.skipped;
    t.retries = res.counts.retries;
    t.throttled = res.counts.throttled;
    // A store failure stops every target; it is said once, for the run.
    t.quarantined = res.stop == TargetStop::kNone || res.stop == TargetStop::kNotRecorded ? "" : res.stop_reason;
    r.targets.push_back(std::move(t));
  }
  r.problems = sink.problems();
  if (!sink.status()) {
    r.store_error = sink.status().error().str();
    // Entities never sent are in the problems as skipped already.
    for (const OutcomeRow& o : sink.unrecorded()) {
      if (o.attempts > 0) r.unrecorded.push_back(o);
    }
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

Result<std::string> write_report_file(const JobConfig& config, const RunReport& report, const std::string& json) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(config.report_dir, ec);
  if (ec) return fail(Error::Kind::kIo, config.report_dir, fmt::format("cannot create the report folder: {}", ec.message()));
  const auto path = (fs::path(config.report_dir) / fmt::format("run-{}.json", report.run_id)).string();
  std::ofstream out(path);
  out << json;
  out.close();
  if (!out) {
    fs::remove(path, ec);  // no truncated report (a full disk, a file size limit)
    return fail(Error::Kind::kIo, path, "cannot write the report");
  }
  return path;
}

int sync_job(Job& job, const SyncCommand& cmd, const SyncHooks& hooks, RunWatch& watch, std::ostream& out,
             std::ostream& err) {
  const bool tty = cmd.progress && is_terminal(out);
  PlanRenderOptions render;
  render.color = tty;
  render.examples = 5;
  out << render_plan_text(job.plan, render) << "\n";

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
  for (const auto& t : job.plan.targets) work += t.work.size();
  if (auto ok = check_credentials(job); !ok) {
    err << "hrsync sync: " << ok.error().str() << "\n";
    return kExitUsage;
  }

  const std::string command = command_line(cmd);
  const std::int64_t started = unix_now();
  auto run_id = job.store->begin_run(command, job.config.path, started);
  if (!run_id) {
    err << "hrsync sync: " << run_id.error().str() << "\n";
    return kExitUsage;
  }

  net::io_context io;
  SteadyClock clock;
  auto transport = HttpTransport::create(io.get_executor(), job.config.feishu, job.config.sophon, job.config.http, clock,
                                         hooks.transport);
  if (!transport) {
    err << "hrsync sync: " << transport.error().str() << "\n";
    (void)job.store->finish_run(*run_id, "error", kExitUsage, "{}", unix_now());
    return kExitUsage;
  }
  StoreSink sink(*job.store, *run_id, StoreSinkOptions{.batch = job.config.commit_batch}, clock, unix_now);
  ProgressBoard board;
  ExecutorOptions options;
  options.seed = static_cast<std::uint64_t>(started) ^ static_cast<std::uint64_t>(*run_id);
  Executor executor(job.config, **transport, clock, sink, options, &board);

  watch.start(io, board);
  std::optional<ProgressDisplay> display;
  if (work > 0 && cmd.progress) {
    ProgressDisplayOptions po;
    po.terminal = tty;
    display.emplace(board, out, po);
  }

  // Ctrl-C / SIGTERM: stop sending, keep what was confirmed. Unconfirmed calls are re-sent by the
  // next run (they are idempotent updates).
  bool interrupted = false;
  net::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int) {
    if (ec) return;
    interrupted = true;
    io.stop();
  });

  std::optional<RunSummary> summary;
  std::exception_ptr failure;
  net::co_spawn(io, executor.run(job.plan), [&](std::exception_ptr e, RunSummary s) {
    failure = e;
    summary = std::move(s);
    signals.cancel();
    watch.stop_ticking();
  });
  io.run();
  (void)sink.flush();  // an error stays in sink.status()
  if (display) display->stop();

  if (failure) {
    try {
      std::rethrow_exception(failure);
    } catch (const std::exception& e) {
      err << "hrsync sync: internal error: " << e.what() << "\n";
    }
    (void)job.store->finish_run(*run_id, "error", kExitUsage, "{}", unix_now());
    return kExitUsage;
  }
  if (!sink.status() && !summary) {
    err << "hrsync sync: the snapshot store could not record: " << sink.status().error().str() << "\n";
    (void)job.store->finish_run(*run_id, "store_failed", kExitStore, "{}", unix_now());
    return kExitStore;
  }
  if (interrupted || !summary) {
    err << "hrsync sync: interrupted; what the targets confirmed is committed, the rest is sent by the next run\n";
    (void)job.store->finish_run(*run_id, "interrupted", kExitSomeFailed, "{}", unix_now());
    return kExitSomeFailed;
  }

  // Entities that left the source and that their target's policy leaves alone stop being managed.
  for (std::size_t i = 0; sink.status() && i < job.plan.targets.size() && i < summary->targets.size(); ++i) {
    const auto& t = job.plan.targets[i];
    if (t.forget_keys.empty() || summary->targets[i].stop != TargetStop::kNone) continue;
    if (auto r = job.store->forget(t.id, t.forget_keys); !r) err << "hrsync sync: " << r.error().str() << "\n";
  }

  const auto connectors = connectors_of(job);
  RunReport report = build_report(job, *summary, sink, *run_id, command, started);
  watch.finished(report);
  const std::string json = render_run_json(report, connectors);
  auto closed = job.store->finish_run(*run_id, report.status, report.exit_code, json, report.finished_at);
  if (!sink.status()) {
    err << "hrsync sync: the snapshot store could not record, so no call was started after that: "
        << sink.status().error().str() << "\n";
    if (!closed) err << "hrsync sync: run " << *run_id << " stays 'running' in the store: " << closed.error().str() << "\n";
  }
  out << "\n" << render_run_text(report, connectors, tty);
  if (auto path = write_report_file(job.config, report, json)) {
    out << "Report: " << *path << "\n";
  } else {
    err << "hrsync sync: " << path.error().str() << "\n";
  }
  return report.exit_code;
}

}  // namespace

int execute_sync(Job& job, const SyncCommand& cmd, const SyncHooks& hooks, std::ostream& out, std::ostream& err) {
  RunWatchOptions options;
  options.enabled = !cmd.dry_run;
  options.interval = hooks.metrics_interval;
  options.on_metrics = hooks.on_metrics;
  RunWatch watch(job, std::move(options), err);
  return watch.end(sync_job(job, cmd, hooks, watch, out, err));
}

// Takes the job's run lock: nullopt and a message when the snapshot folder or the lock file fails
// or another run holds it (`code` says which).
static std::optional<RunLock> lock_job(const JobConfig& config, std::ostream& err, int& code) {
  namespace fs = std::filesystem;
  const fs::path snapshot(config.snapshot);
  std::error_code ec;
  if (snapshot.has_parent_path()) fs::create_directories(snapshot.parent_path(), ec);
  if (ec) {
    err << "hrsync sync: " << snapshot.parent_path().string() << ": cannot create the snapshot folder: " << ec.message()
        << "\n";
    code = kExitUsage;
    return std::nullopt;
  }
  auto lock = RunLock::try_acquire(config.snapshot, unix_now());
  if (!lock) {
    err << "hrsync sync: " << lock.error().str() << "\n";
    code = kExitUsage;
    return std::nullopt;
  }
  if (!lock->held()) {
    err << "hrsync sync: another run of this job holds the lock " << lock->path() << " (" << lock->holder()
        << "); nothing was sent\n";
    code = kExitLocked;
    return std::nullopt;
  }
  return std::move(*lock);
}

int run_sync(const SyncCommand& cmd, std::ostream& out, std::ostream& err) {
  auto config = load_config(cmd.config);
  if (!config) {
    err << "hrsync sync: " << config.error().str() << "\n";
    return exit_code_for(config.error());
  }
  // One run of the job at a time, held from before the plan to the exit; a dry run writes nothing.
  std::optional<RunLock> lock;
  if (!cmd.dry_run) {
    int code = kExitOk;
    lock = lock_job(*config, err, code);
    if (!lock) return code;
  }
  auto job = prepare_job(std::move(*config), PlanOptions{cmd.full, cmd.only}, /*create_store=*/!cmd.dry_run);
  if (!job) {
    err << "hrsync sync: " << job.error().str() << "\n";
    return exit_code_for(job.error());
  }
  return execute_sync(*job, cmd, SyncHooks{}, out, err);
}

}  // namespace hrsync
