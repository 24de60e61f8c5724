// execute_sync: `hrsync sync` on a Job already prepared — the plan shown, the gates and credentials
// checked, the run (JobRun, engine/run/run_job.h) given an HTTP transport, the steady clock, the
// stop signals, a progress display and the metrics file, its report printed and written to
// job.report_dir.
//
// `hrsync sync` prepares the job from its config file; `hrsync demo` and the integration tests
// prepare it from an adjusted config and call this directly.
//
// Thread-safety: runs its own io_context on the calling thread.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>

#include "engine/cli/commands.h"
#include "engine/run/run_lock.h"
#include "engine/net/http_transport.h"
#include "engine/plan/job.h"

namespace hrsync {

struct SyncHooks {
  HttpTransportOptions transport;  // connection pool size, token refresh margin
  std::chrono::milliseconds metrics_interval{60'000};   // job.metrics_file period during a run
  std::function<void(const std::string&)> on_metrics;   // told each metrics text written
  std::string command;        // the run log's command; "" = the sync's own ("sync --full")
  std::string plan_checksum;  // the plan file the run applies, recorded with it before any call
  bool show_plan = true;      // print the plan first (`apply` gives its own account of the file)
};

// REQUIRES: job.store is open unless cmd.dry_run. Returns the exit code.
int execute_sync(Job& job, const SyncCommand& cmd, const SyncHooks& hooks, std::ostream& out, std::ostream& err);

// Takes the run lock of the job of `config` (creating the snapshot's folder, tightening the
// snapshot's files): nullopt and a message on `err`, prefixed with `who` ("hrsync sync"), when
// that fails or another run holds it; `code` says which (kExitUsage, kExitLocked). A missing
// snapshot is created empty unless not `create_snapshot` (RunLock::try_acquire).
std::optional<RunLock> lock_job(const JobConfig& config, std::string_view who, std::ostream& err, int& code,
                                bool create_snapshot = true);

// With the job's lock held: marks the runs still marked running as abandoned, and says so.
void note_abandoned_runs(SnapshotStore& store, std::string_view who, std::ostream& err);

}  // namespace hrsync
