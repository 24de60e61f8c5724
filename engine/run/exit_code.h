// ExitCode: how a run, or a command that stopped before one, ends for the process that ran it.
//
// The values are the hrsync process's exit codes: 0 everything applied; 1 some entities failed;
// 2 bad config or usage, or a run stopped by an error; 3 stopped by a safety gate; 4 a target was
// quarantined or could not authenticate; 5 the snapshot store could not record (disk full,
// read-only file, I/O error), so the run stopped sending; 6 another run of the job holds its lock
// (nothing was sent); 7 a plan file was refused (altered, made from another config, or the
// snapshot moved on since), nothing sent; 8 the plan file was applied already, nothing left to
// send; 9 a source changed or failed while it was read (a file rewritten, appended to or
// replaced, a database query stopping after its first row): nothing planned, nothing sent;
// 128 + N stopped by signal N (SIGINT, SIGTERM, SIGHUP, SIGQUIT), the run closed as
// "interrupted". Which report ends with which code is run_exit_code() (engine/run/run_report.h).
//
// Thread-safety: constants.
#pragma once

namespace hrsync {

enum ExitCode : int {
  kExitOk = 0,
  kExitSomeFailed = 1,
  kExitUsage = 2,
  kExitGate = 3,
  kExitQuarantined = 4,
  kExitStore = 5,
  kExitLocked = 6,
  kExitPlanRefused = 7,
  kExitAlreadyApplied = 8,
  kExitSourceRead = 9,
};

}  // namespace hrsync
