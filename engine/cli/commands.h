// The hrsync commands (plan, sync, apply, report, status, demo) behind the command line in
// engine/cli/main.cpp.
//
// Each command takes its options struct, writes what a person reads to `out` and problems to
// `err`, and returns the process exit code (engine/run/exit_code.h says what each one means).
//
// Thread-safety: one command per process.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include "engine/plan/target_read.h"
#include "engine/run/exit_code.h"

namespace hrsync {

struct PlanCommand {
  std::string config;   // --config
  bool full = false;    // --full
  bool json = false;    // --json
  std::vector<std::string> only;
  std::string out;      // --out FILE: write the plan file to apply later
  std::string show;     // --show FILE: print a plan file for a person (no config needed)
  bool unmask = false;  // --unmask: show personal values whole (cards, mobiles, e-mails)
  bool read = false;    // --read: read every target before the diff
  bool no_read = false; // --no-read: read none
};

struct ApplyCommand {
  std::string file;                 // the plan file (hrsync plan --out)
  std::string config;               // --config; "" = the config the plan file names
  bool force = false;               // --force: apply a plan made while a safety gate said stop
  std::string digest;               // --digest D: refuse the file unless its SHA-256 is D
  bool progress = true;             // a live display when stdout is a terminal
};

struct SyncCommand {
  std::string config;               // --config
  bool full = false;                // --full: send every valid entity, changed or not
  bool force = false;               // --force: run even when a safety gate says stop
  bool dry_run = false;             // --dry-run: plan, print, send nothing
  std::vector<std::string> only;    // --only TARGET (repeatable)
  bool progress = true;             // a live display when stdout is a terminal
  bool read = false;                // --read: read every target before the diff
  bool no_read = false;             // --no-read: read none
  bool first_run = false;           // --first-run: a missing or empty snapshot is meant (engine/run/snapshot_guard.h)
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

// The read choice of --read / --no-read (both: a usage error, told by the caller).
inline ReadChoice read_choice(bool read, bool no_read) {
  return read ? ReadChoice::kAll : no_read ? ReadChoice::kNone : ReadChoice::kConfig;
}

int run_plan(const PlanCommand& cmd, std::ostream& out, std::ostream& err);
int run_sync(const SyncCommand& cmd, std::ostream& out, std::ostream& err);
int run_apply(const ApplyCommand& cmd, std::ostream& out, std::ostream& err);
int run_report(const ReportCommand& cmd, std::ostream& out, std::ostream& err);
int run_status(const StatusCommand& cmd, std::ostream& out, std::ostream& err);
int run_demo(const DemoCommand& cmd, std::ostream& out, std::ostream& err);

}  // namespace hrsync
