// Snapshot guard: a snapshot that is gone or empty where the job has run before is a loss, not a
// first run. A first run takes every entity as new (or reads every target, which adopts what each
// holds); where the job's report folder holds the reports of earlier runs, the snapshot they built was
// deleted or truncated, and the run stops before any call unless the operator says a first run is
// meant (`hrsync sync --first-run`).
//
// Thread-safety: a pure function over the file system.
#pragma once

#include <optional>
#include <string>

#include "engine/config/config.h"

namespace hrsync {

// Why a sync of `config` must not take its snapshot as a first run, or nullopt: the snapshot file
// is missing or empty (0 bytes) while job.report_dir holds run reports (run-N.json).
std::optional<std::string> lost_snapshot(const JobConfig& config);

}  // namespace hrsync
