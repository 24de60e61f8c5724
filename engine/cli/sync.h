// execute_sync: the body of `hrsync sync` — plan shown, gates checked, plan applied, snapshot
// committed, run recorded, report written — on a Job already prepared.
//
// `hrsync sync` prepares the job from its config file; `hrsync demo` and the integration tests
// prepare it from an adjusted config and call this directly.
//
// Thread-safety: runs its own io_context on the calling thread.
#pragma once

#include <chrono>
#include <functional>
#include <ostream>
#include <string>

#include "engine/cli/commands.h"
#include "engine/net/http_transport.h"
#include "engine/plan/job.h"

namespace hrsync {

struct SyncHooks {
  HttpTransportOptions transport;  // connection pool size, token refresh margin
  std::chrono::milliseconds metrics_interval{60'000};   // job.metrics_file period during a run
  std::function<void(const std::string&)> on_metrics;   // told each metrics text written
};

// REQUIRES: job.store is open unless cmd.dry_run. Returns the exit code.
int execute_sync(Job& job, const SyncCommand& cmd, const SyncHooks& hooks, std::ostream& out, std::ostream& err);

}  // namespace hrsync
