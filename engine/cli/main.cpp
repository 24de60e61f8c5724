// hrsync: keeps Feishu and SophonFogSys in step with an HR system of record.
// The command line contract is README.md's ("Commands"); engine/cli/commands.h does the work.
#include <CLI/CLI.hpp>

#include <csignal>
#include <iostream>

#include "engine/cli/commands.h"
#include "engine/cli/tune_command.h"

namespace {

// --read and --no-read: when the command reads the targets before it diffs.
void add_read_flags(CLI::App* cmd, bool& read, bool& no_read) {
  auto* all = cmd->add_flag("--read", read, "Read every target before the diff (what it holds, drift, who it lacks)");
  cmd->add_flag("--no-read", no_read, "Read no target: diff against the snapshot alone")->excludes(all);
}

}  // namespace

int main(int argc, char** argv) {
  using namespace hrsync;
  // A file size limit (ulimit -f) reached by the snapshot fails the write like a full disk (EFBIG),
  // so the sync stops with exit 5 and a report instead of being killed.
  std::signal(SIGXFSZ, SIG_IGN);
  // A closed stdout or stderr (`hrsync sync | head`, a log reader restarted) makes writes fail
  // quietly; the run goes on and is recorded.
  std::signal(SIGPIPE, SIG_IGN);
  CLI::App app{"hrsync: bulk synchronization of an HR source into Feishu and SophonFogSys.\n"
               "Exit codes: 0 all applied, 1 some entities failed, 2 bad config or usage,\n"
               "3 stopped by a safety gate, 4 a target was quarantined, could not authenticate or could not be read,\n"
               "5 the snapshot store could not record (disk full, read-only file, I/O error),\n"
               "6 another run of the job holds its lock (nothing was sent),\n"
               "7 a plan file was refused (altered, another config, the snapshot moved on): nothing sent,\n"
               "8 the plan file was applied already: nothing left to send,\n"
               "9 a source changed or failed while it was read: nothing planned, nothing sent,\n"
               "128+N stopped by signal N (130 SIGINT, 143 SIGTERM, 129 SIGHUP, 131 SIGQUIT)."};
  app.require_subcommand(1);
  app.set_version_flag("--version", "hrsync 0.1.0");

  PlanCommand plan;
  auto* plan_cmd = app.add_subcommand("plan", "Read the sources (and the targets, see --read), diff and show what a sync would do. Writes nothing.");
  plan_cmd->add_option("--config", plan.config, "Job config (TOML)");
  plan_cmd->add_flag("--full", plan.full, "Plan every valid entity as a change, as --full sync would");
  plan_cmd->add_flag("--json", plan.json, "Print the plan as JSON");
  plan_cmd->add_option("--only", plan.only, "Only this target (repeatable)");
  plan_cmd->add_option("--out", plan.out, "Also write the plan to FILE and print its digest, to review and then apply with `hrsync apply FILE --digest D`");
  plan_cmd->add_option("--show", plan.show, "Print the plan file FILE for a person, and its digest (no --config needed)");
  add_read_flags(plan_cmd, plan.read, plan.no_read);
  plan_cmd->add_flag("--unmask", plan.unmask, "Show personal values whole (cards, mobiles, e-mails), for a reviewer who may see them");

  SyncCommand sync;
  auto* sync_cmd = app.add_subcommand("sync", "Apply the plan: send the changes, commit the snapshot, write a report.");
  sync_cmd->add_option("--config", sync.config, "Job config (TOML)")->required();
  sync_cmd->add_flag("--full", sync.full, "Send every valid entity, changed or not (a migration or a repair)");
  sync_cmd->add_flag("--force", sync.force, "Run even when a safety gate says stop");
  sync_cmd->add_flag("--dry-run", sync.dry_run, "Plan and print; send nothing");
  sync_cmd->add_option("--only", sync.only, "Only this target (repeatable)");
  add_read_flags(sync_cmd, sync.read, sync.no_read);
  sync_cmd->add_flag("--first-run", sync.first_run, "Run although the snapshot is missing or empty and the job has run before");
  bool no_progress = false;
  sync_cmd->add_flag("--no-progress", no_progress, "Print periodic lines instead of a live display");

  ApplyCommand apply;
  auto* apply_cmd = app.add_subcommand("apply", "Send exactly the calls of a plan file (hrsync plan --out), or the rest of them after an interruption.");
  apply_cmd->add_option("file", apply.file, "The plan file")->required();
  apply_cmd->add_option("--config", apply.config, "Job config (TOML); default: the one the plan file names");
  apply_cmd->add_flag("--force", apply.force, "Apply a plan made while a safety gate said stop");
  apply_cmd->add_option("--digest", apply.digest,
                        "Refuse the file (exit 7, nothing sent) unless its digest is D, as `hrsync plan --out` or --show printed it");
  bool apply_no_progress = false;
  apply_cmd->add_flag("--no-progress", apply_no_progress, "Print periodic lines instead of a live display");

  ReportCommand report;
  auto* report_cmd = app.add_subcommand("report", "Show a past run from the snapshot store.");
  report_cmd->add_option("--config", report.config, "Job config (TOML)")->required();
  report_cmd->add_option("--run", report.run, "Run id (default: the latest run)");
  report_cmd->add_flag("--json", report.json, "Print the run as JSON");

  StatusCommand status;
  auto* status_cmd = app.add_subcommand(
      "status", "Show the run going on now (from any terminal) and how far it has got, or how the last one ended.");
  status_cmd->add_option("--config", status.config, "Job config (TOML)")->required();
  status_cmd->add_flag("--json", status.json, "Print the status as JSON");

  DemoCommand demo;
  auto* demo_cmd = app.add_subcommand("demo", "Start the bundled emulator, sync the sample job against it and show the result.");
  demo_cmd->add_option("--workdir", demo.workdir, "Folder for the demo's snapshot and reports (default: a new temporary folder)");

  TuneCommand tune;
  auto* tune_cmd = app.add_subcommand(
      "tune", "Measure the targets with calls that change nothing and print the rate and concurrency to run them at.");
  tune_cmd->add_option("--config", tune.config, "Job config (TOML)")->required();
  tune_cmd->add_option("--only", tune.only, "Only this target (repeatable)");
  tune_cmd->add_option("--max-calls", tune.max_calls, "Writes the probe may send in all (reads and token requests apart)")
      ->capture_default_str()
      ->check(CLI::Range(1u, 100000u));
  tune_cmd->add_flag("--write-probe", tune.write_probe,
                     "Find the limits no document gives by sending back documents the targets hold, at a rising rate");
  tune_cmd->add_flag("--json", tune.json, "Print the measurements and recommendations as JSON");
  tune_cmd->add_option("--svg", tune.svg, "Draw offered against achieved rate and p99 round trip per probe step into FILE (SVG)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? kExitOk : kExitUsage;
  }
  if (*plan_cmd) return run_plan(plan, std::cout, std::cerr);
  if (*sync_cmd) {
    sync.progress = !no_progress;
    return run_sync(sync, std::cout, std::cerr);
  }
  if (*apply_cmd) {
    apply.progress = !apply_no_progress;
    return run_apply(apply, std::cout, std::cerr);
  }
  if (*report_cmd) return run_report(report, std::cout, std::cerr);
  if (*status_cmd) return run_status(status, std::cout, std::cerr);
  if (*demo_cmd) return run_demo(demo, std::cout, std::cerr);
  if (*tune_cmd) return run_tune_command(tune, std::cout, std::cerr);
  return kExitUsage;
}
