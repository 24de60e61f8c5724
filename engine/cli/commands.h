// The hrsync commands (plan, sync, apply, report, status, demo) behind the command line in
// engine/cli/main.cpp.
//
// Each command takes its options struct, writes what a person reads to `out` and problems to
// `err`, and returns the process exit code of DESIGN.md: 0 everything applied; 1 some entities
// failed; 2 bad config or usage; 3 stopped by a safety gate; 4 a target was quarantined or could
// not authenticate; 5 the snapshot store could not record (disk full, read-only file, I/O error),
// so the run stopped sending; 6 another run of the job holds its lock (nothing was sent); 7 a plan
// file was refused (altered, made from another config, or the snapshot moved on since), nothing
// sent; 8 the plan file was applied already, nothing left to send; 9 a source changed or failed
// while it was read (a file rewritten, appended to or replaced, a database query stopping after
// its first row): nothing planned, nothing sent; 128 + N stopped by signal N
// (SIGINT, SIGTERM, SIGHUP, SIGQUIT), the run closed as "interrupted".
//
// Thread-safety: one command per process.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

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

struct PlanCommand {
  std::string config;   // --config
  bool full = false;    // --full
  bool json = false;    // --json
  std::vector<std::string> only;
  std::string out;      // --out FILE: write the plan file to apply later
  std::string show;     // --show FILE: print a plan file for a person (no config needed)
};

struct ApplyCommand {
  std::string file;                 // the plan file (hrsync plan --out)
  std::string config;               // --config; "" = the config the plan file names
  bool force = false;               // --force: apply a plan made while a safety gate said stop
  bool progress = true;             // a live display when stdout is a terminal
};

struct SyncCommand {
  std::string config;               // --config
  bool full = false;                // --full: send every valid entity, changed or not
  bool force = false;               // --force: run even when a safety gate says stop
  bool dry_run = false;             // --dry-run: plan, print, send nothing
  std::vector<std::string> only;    // --only TARGET (repeatable)
  bool progress = true;             // a live display when stdout is a terminal
};

struct ReportCommand {
  std::string config;
  std::int64_t run = 0;   // --run ID; 0 = the latest run
  bool json = false;
};

struct StatusCommand {
  std::string config;
  bool json = false;      // --json: for scripts
};

struct DemoCommand {
  std::string workdir;    // where the demo job's snapshot and reports go ("" = a fresh temp folder)
};

int run_plan(const PlanCommand& cmd, std::ostream& out, std::ostream& err);
int run_sync(const SyncCommand& cmd, std::ostream& out, std::ostream& err);
int run_apply(const ApplyCommand& cmd, std::ostream& out, std::ostream& err);
int run_report(const ReportCommand& cmd, std::ostream& out, std::ostream& err);
int run_status(const StatusCommand& cmd, std::ostream& out, std::ostream& err);
int run_demo(const DemoCommand& cmd, std::ostream& out, std::ostream& err);

}  // namespace hrsync
