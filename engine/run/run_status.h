// RunStatus: what `hrsync status` says of a job — the run going on now and how far it has got, or
// that none is, and how the last one ended — as text for people and JSON for scripts.
//
// read_run_status() reads it from the snapshot, opened read-only beside a running sync, and from
// the job's run lock (engine/run/run_lock.h), probed without waiting: a run marked running whose
// lock no process holds was left by a process that died (abandoned). The renderers are pure
// functions of a RunStatus and the time now.
//
// Thread-safety: plain values and functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "base/error.h"
#include "engine/config/config.h"
#include "store/run_rows.h"

namespace hrsync {

enum class RunState {
  kNone,       // no run recorded (or no snapshot yet)
  kStarting,   // a process holds the lock, but its run is not recorded yet: it is planning
  kRunning,    // the last run is marked running and a process holds the lock
  kAbandoned,  // the last run is marked running, but no process holds the lock
  kIdle,       // no run goes on; the last one ended (its process may still be finishing: see holder)
};

std::string_view run_state_name(RunState state);  // "none", "starting", "running", "abandoned", "idle"

struct RunStatus {
  std::string job;                 // job.name
  std::string snapshot;            // the snapshot's path
  RunState state = RunState::kNone;
  std::string holder;              // who holds the lock ("pid 12 on host, started ..."), when one does:
                                   // with kIdle, the ended run's own process, still finishing
  std::optional<RunRow> run;       // the last run, if any
  RunProgress progress;            // its progress as last written (empty when none)
};

// Reads the status of the job of `config`. Writes nothing, waits for no lock. An error when the
// snapshot exists but cannot be read.
Result<RunStatus> read_run_status(const JobConfig& config);

// `now` in Unix seconds, for "3 s ago" and "in 2 h".
std::string render_status_text(const RunStatus& status, std::int64_t now);
std::string render_status_json(const RunStatus& status, std::int64_t now);

}  // namespace hrsync
