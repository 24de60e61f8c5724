#include <fmt/format.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>

#include "engine/cli/commands.h"
#include "engine/net/http_transport.h"
#include "engine/plan/job.h"
#include "engine/plan/plan_report.h"
#include "engine/run/private_files.h"
#include "engine/cli/progress_display.h"
#include "engine/run/run_lock.h"
#include "engine/run/run_report.h"
#include "engine/run/chat_message.h"
#include "engine/run/run_watch.h"
#include "engine/run/run_job.h"
#include "engine/run/run_transport.h"
#include "engine/cli/stop_signals.h"
#include "engine/run/redactor.h"
#include "engine/cli/sync.h"
#include "engine/run/http_target_reader.h"
#include "engine/run/snapshot_guard.h"

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

// Writes run-N.json into report_dir, both the owner's alone; a report folder others could read is
// tightened, with a warning on `err`.
Result<std::string> write_report_file(const JobConfig& config, const RunReport& report, const std::string& json,
                                      std::ostream& err) {
  namespace fs = std::filesystem;
  if (auto made = create_private_dirs(config.report_dir); !made) {
    return fail(Error::Kind::kIo, config.report_dir, fmt::format("cannot create the report folder: {}", made.error().message));
  }
  if (auto warning = tighten_report_folder(config.report_dir)) err << "hrsync sync: warning: " << *warning << "\n";
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

// Says how a closed run ended: what stopped it, the report as text, the report file. Returns the
// exit code: the run's, or 1 for a run that applied everything but whose report file was lost.
int show_run(const Job& job, const RunResult& run, bool tty, std::ostream& out, std::ostream& err) {
  const RunReport& report = run.report;
  if (report.status == "interrupted") {
    err << "hrsync sync: interrupted by " << signal_name(report.signal)
        << "; what the targets confirmed is committed, the rest is sent by the next run\n";
  } else if (!report.error.empty()) {
    err << "hrsync sync: " << report.error << "\n";
  } else if (!report.store_error.empty()) {
    err << "hrsync sync: the snapshot store could not record, so no call was started after that: "
        << report.store_error << "\n";
  }
  if (run.not_closed) {
    err << "hrsync sync: run " << report.run_id << " stays 'running' in the store: " << run.not_closed->str() << "\n";
  }
  out << "\n" << render_run_text(report, connectors_of(job), tty);
  if (auto path = write_report_file(job.config, report, run.json, err)) {
    out << "Report: " << *path << "\n";
    return report.exit_code;
  } else {
    err << "hrsync sync: " << path.error().str() << "\n";
  }
  // A run whose report is lost did not end well, even when every entity was applied.
  return report.exit_code == kExitOk ? kExitSomeFailed : report.exit_code;
}

// Posts the chat message when [notify] asks for one; one that is not delivered is said on `err`
// and changes nothing else.
void post_notice(const Job& job, const RunWatch& watch, int exit_code, const Redactor& redactor, std::ostream& err) {
  const NotifyConfig& config = job.config.notify;
  if (!should_notify(config, exit_code)) return;
  auto posted = require_secret(config.webhook_url);
  if (posted) {
    Notice n{job.config.name, exit_code, watch.report(), {}, job.config.path};
    for (const auto& g : watch.gates()) n.gates.push_back(g.message);
    posted = post_chat_message(config.webhook_url, notice_text(n, connectors_of(job)), unix_now(),
                               config.secret.value, job.config.http);
  }
  if (!posted) err << "hrsync sync: the chat message was not posted: " << redactor.clean(posted.error().str()) << "\n";
}

// Every check before the run begins; a return code when one fails, else nullopt.
std::optional<int> check_before_run(const Job& job, const SyncCommand& cmd, const SyncHooks& hooks, RunWatch& watch,
                                    bool tty, std::ostream& out, std::ostream& err) {
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
  if (auto ok = check_credentials(job); !ok) {
    err << "hrsync sync: " << ok.error().str() << "\n";
    return kExitUsage;
  }
  // The report folder must take the run's report: found out before any call, not after the run.
  if (auto ready = check_report_dir(job.config.report_dir); !ready) {
    err << "hrsync sync: " << ready.error().str() << "; nothing was sent\n";
    return kExitUsage;
  }
  return std::nullopt;
}

int sync_job(Job& job, const SyncCommand& cmd, const SyncHooks& hooks, Redactor& redactor, RunWatch& watch, std::ostream& out,
             std::ostream& err) {
  const bool tty = cmd.progress && is_terminal(out);
  if (auto refused = check_before_run(job, cmd, hooks, watch, tty, out, err)) return *refused;
  auto run = JobRun::begin(job, RunSettings{hooks.command.empty() ? command_line(cmd) : hooks.command, hooks.plan_checksum},
                           unix_now);
  if (!run) {
    if (run.error().exit_code == kExitStore) {
      err << (hooks.plan_checksum.empty() ? "hrsync sync: " : "hrsync apply: ") << run.error().error.str()
          << "; nothing was sent\n";
    } else {
      err << "hrsync sync: " << run.error().error.str() << "\n";
    }
    return run.error().exit_code;
  }

  net::io_context io;
  SteadyClock clock;
  auto transport = HttpTransport::create(io.get_executor(), job.config.feishu, job.config.sophon, job.config.http, clock,
                                         run_transport_options(job.config, hooks.transport, redactor));
  if (!transport) {
    RunResult result = run->abort(transport.error(), redactor);
    watch.finished(result.report);
    return show_run(job, result, /*tty=*/false, out, err);
  }
  ProgressBoard board;
  watch.start(io, board);
  std::uint64_t work = 0;
  for (const auto& t : job.plan.targets) work += t.calls();
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
  stop.on_signal(io, [&run](int signal) { run->stop(signal); });
  RunSeams seams{.io = io, .transport = **transport, .clock = clock, .board = board, .redactor = redactor};
  seams.warn = [&err](const std::string& what) { err << "hrsync sync: " << what << "\n"; };
  RunResult result = run->apply(seams);
  watch.stop_ticking();
  if (display) display->stop();
  watch.finished(result.report);
  return show_run(job, result, tty, out, err);
}

}  // namespace

int execute_sync(Job& job, const SyncCommand& cmd, const SyncHooks& hooks, std::ostream& out, std::ostream& err) {
  RunWatchOptions options;
  options.enabled = !cmd.dry_run;
  options.interval = hooks.metrics_interval;
  options.on_metrics = hooks.on_metrics;
  Redactor redactor;
  add_job_secrets(job.config, redactor);
  RunWatch watch(job, std::move(options), err);
  const int code = watch.end(sync_job(job, cmd, hooks, redactor, watch, out, err));
  if (!cmd.dry_run) post_notice(job, watch, code, redactor, err);
  return code;
}

std::optional<RunLock> lock_job(const JobConfig& config, std::string_view who, std::ostream& err, int& code,
                                bool create_snapshot) {
  namespace fs = std::filesystem;
  const fs::path snapshot(config.snapshot);
  if (auto made = create_private_dirs(snapshot.parent_path().string()); !made) {
    err << who << ": " << made.error().where << ": cannot create the snapshot folder: " << made.error().message
        << "\n";
    code = kExitUsage;
    return std::nullopt;
  }
  // Names, mobiles and emails in clear: the owner's alone, even if an earlier run left them open.
  for (const auto& warning : tighten_snapshot_files(config.snapshot)) err << who << ": warning: " << warning << "\n";
  auto lock = RunLock::try_acquire(config.snapshot, unix_now(), create_snapshot);
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
  for (const std::string& warning : config->warnings) err << "hrsync sync: warning: " << warning << "\n";
  for (const SecretRef* ref : {&config->feishu.app_secret, &config->sophon.token, &config->notify.webhook_url,
                               &config->notify.secret}) {
    if (auto warning = loose_secret_file(ref->file, ref->key)) err << "hrsync sync: warning: " << *warning << "\n";
  }
  // Before the lock, which opens the snapshot file: a deleted snapshot is told as missing.
  if (auto lost = lost_snapshot(*config); lost && !cmd.first_run) {
    if (!cmd.dry_run) {
      err << "hrsync sync: " << *lost << "\n";
      return kExitGate;
    }
    err << "hrsync sync: warning: " << *lost << "\n";
  }
  // One run of the job at a time, held from before the plan to the exit; a dry run writes nothing.
  std::optional<RunLock> lock;
  if (!cmd.dry_run) {
    int code = kExitOk;
    lock = lock_job(*config, "hrsync sync", err, code);
    if (!lock) return code;
  }
  if (cmd.read && cmd.no_read) {
    err << "hrsync sync: give --read or --no-read, not both\n";
    return kExitUsage;
  }
  Redactor redactor;
  add_job_secrets(*config, redactor);
  PlanOptions options{cmd.full, cmd.only};
  options.read = read_choice(cmd.read, cmd.no_read);
  options.reader = http_target_reader(*config, {}, redactor, "hrsync sync", err);
  auto job = prepare_job(std::move(*config), options, /*create_store=*/!cmd.dry_run);
  if (!job) {
    err << "hrsync sync: " << job.error().str() << "\n";
    return exit_code_for(job.error());
  }
  if (lock) note_abandoned_runs(*job->store, "hrsync sync", err);
  return execute_sync(*job, cmd, SyncHooks{}, out, err);
}

}  // namespace hrsync
