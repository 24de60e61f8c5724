// tune_job: `hrsync tune` on a job already planned (engine/plan/job.h, with --full): the targets of its
// plan measured by run_tune() (tune.h) over an HTTP transport and a token request of their own, on
// the steady clock.
//
// Each target is given the first keys of its plan (reads and sends back need real entities), its
// configured rate (else its update's default) and concurrency. The Feishu token endpoint is timed
// on a connection of its own, so its first request shows the set-up time. Nothing is recorded:
// every call it makes changes nothing. The command holds the job's lock meanwhile
// (engine/cli/tune_command.cpp), since its calls share the targets' limits with a sync.
//
// Errors: kConfig for a missing credential, a bad base URL or a transport that cannot be made (no
// call made); kInternal when the measurement did not finish.
//
// Thread-safety: runs its own io_context on the calling thread; `job` outlives the call.
#pragma once

#include "base/error.h"
#include "engine/plan/job.h"
#include "engine/run/tune.h"

namespace hrsync {

Result<TuneReport> tune_job(Job& job, const TuneOptions& options);

}  // namespace hrsync
