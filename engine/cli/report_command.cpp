#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <optional>

#include "engine/cli/commands.h"
#include "engine/config/config.h"
#include "engine/plan/job.h"
#include "engine/run/run_lock.h"
#include "engine/run/run_report.h"
#include "store/snapshot_store.h"

namespace hrsync {
namespace {

// A run marked running whose lock no process holds was left by a process that died: mark it (and
// any other) abandoned. Returns what holds the lock when a process does, else "". The store is
// closed while the lock is probed and taken, and opened again after (run_lock.h); a lock taken is
// kept in `lock`, which the caller declares before `store`, so that it is given up after the store
// is closed.
Result<std::string> settle_running(const std::string& snapshot, std::optional<SnapshotStore>& store,
                                   std::optional<RunLock>& lock, std::ostream& err) {
  store.reset();
  const auto reopen = [&]() -> Result<void> {
    auto opened = SnapshotStore::open(snapshot);
    if (!opened) return std::unexpected(opened.error());
    store.emplace(std::move(*opened));
    return {};
  };
  // Probed first: a live run's lock is only looked at, never taken, even for an instant.
  if (auto probe = RunLock::probe(snapshot); probe && probe->held) {
    if (auto opened = reopen(); !opened) return std::unexpected(opened.error());
    return probe->holder;
  }
  auto taken = RunLock::try_acquire(snapshot, static_cast<std::int64_t>(std::time(nullptr)));
  if (auto opened = reopen(); !opened) return std::unexpected(opened.error());
  if (!taken) {
    err << "hrsync report: " << taken.error().str() << "\n";
    return std::string("an unknown process");
  }
  if (!taken->held()) return taken->holder();
  lock.emplace(std::move(*taken));
  auto abandoned = store->abandon_running_runs();
  if (!abandoned) {
    err << "hrsync report: " << abandoned.error().str() << "\n";
    return std::string();
  }
  for (std::int64_t id : *abandoned) {
    err << "hrsync report: run " << id << " was still marked running, but no process holds the job's lock (it was "
        << "killed, or the machine stopped); it is now marked abandoned\n";
  }
  return std::string();
}

// The run's report from what the store recorded: its row, its progress while it runs, its outcomes.
Result<RunReport> rebuild_report(SnapshotStore& store, const RunRow& row, bool running) {
  RunProgress progress;
  if (running) {
    auto read = store.progress(row.id);
    if (!read) return std::unexpected(read.error());
    progress = std::move(*read);
  }
  // Streamed: a run of millions of outcomes is read one row at a time into bounded counts.
  OutcomeTally outcomes;
  if (auto read = store.for_each_outcome(row.id, [&](OutcomeRow&& o) { outcomes.add(std::move(o)); }); !read) {
    return std::unexpected(read.error());
  }
  return read_run_report(row, progress, std::move(outcomes));
}

// The connectors of the job's targets, for the meaning of their codes (a target unknown is left out).
std::vector<std::unique_ptr<TargetConnector>> job_connectors(const JobConfig& config) {
  std::vector<std::unique_ptr<TargetConnector>> owned;
  for (const auto& tc : config.targets) {
    if (auto c = make_target(tc.id, tc.options)) owned.push_back(std::move(*c));
  }
  return owned;
}

}  // namespace

int run_report(const ReportCommand& cmd, std::ostream& out, std::ostream& err) {
  auto config = load_config(cmd.config);
  if (!config) {
    err << "hrsync report: " << config.error().str() << "\n";
    return kExitUsage;
  }
  if (!std::filesystem::exists(config->snapshot)) {
    err << "hrsync report: " << config->snapshot << ": no snapshot yet; `hrsync sync` creates it\n";
    return kExitUsage;
  }
  std::optional<RunLock> lock;  // declared before the store: given up after it is closed
  std::optional<SnapshotStore> store;
  if (auto opened = SnapshotStore::open(config->snapshot); opened) {
    store.emplace(std::move(*opened));
  } else {
    err << "hrsync report: " << opened.error().str() << "\n";
    return kExitUsage;
  }
  auto run = cmd.run > 0 ? store->run(cmd.run) : store->last_run();
  if (!run || !*run) {
    err << "hrsync report: " << (run ? (cmd.run > 0 ? fmt::format("no run {} in {}", cmd.run, config->snapshot)
                                                    : fmt::format("no run recorded in {}", config->snapshot))
                                     : run.error().str())
        << "\n";
    return kExitUsage;
  }
  std::string holder;
  if ((*run)->status == "running") {
    auto settled = settle_running(config->snapshot, store, lock, err);
    if (!settled) {
      err << "hrsync report: " << settled.error().str() << "\n";
      return kExitUsage;
    }
    holder = std::move(*settled);
    if (holder.empty()) run = store->run((*run)->id);
    if (!run || !*run) {
      err << "hrsync report: " << (run ? "the run is gone" : run.error().str()) << "\n";
      return kExitUsage;
    }
  }
  const RunRow& row = **run;
  const bool running = row.status == "running";
  if (cmd.json && !running) {
    out << (row.summary.empty() ? "{}\n" : row.summary);
    return kExitOk;
  }
  auto report = rebuild_report(*store, row, running);
  if (!report) {
    err << "hrsync report: " << report.error().str() << "\n";
    return kExitUsage;
  }
  std::vector<std::unique_ptr<TargetConnector>> owned = job_connectors(*config);
  std::vector<const TargetConnector*> connectors;
  for (const auto& c : owned) connectors.push_back(c.get());
  if (cmd.json) {
    out << render_run_json(*report, connectors);
    return kExitOk;
  }
  std::string ending = row.exit_code ? fmt::format(", exit code {}", *row.exit_code) : std::string(" (did not finish)");
  if (running) ending = " (in progress: `hrsync status` shows its rate and expected end)";
  out << fmt::format("Run {} of {} — status {}{}\n", row.id, row.config_path, row.status, ending);
  if (!holder.empty()) out << "Still running: the job's lock is held by " << holder << ".\n";
  out << render_run_text(*report, connectors, isatty(STDOUT_FILENO) != 0 && &out == &std::cout);
  return kExitOk;
}

}  // namespace hrsync
