// Job: a loaded config, its target connectors, its snapshot store and its plan — what `plan` and
// `sync` both start from.
//
// prepare_job() loads and checks the config, opens the snapshot (creating it only when asked:
// `plan` never writes), and builds the plan. The Job owns everything the Plan points at.
//
// Thread-safety: one thread.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "connectors/targets/target_connector.h"
#include "engine/config/config.h"
#include "engine/plan/plan.h"
#include "engine/plan/planner.h"
#include "store/snapshot_store.h"

namespace hrsync {

struct Job {
  JobConfig config;
  std::vector<std::unique_ptr<TargetConnector>> targets;
  std::unique_ptr<SnapshotStore> store;  // null when the snapshot does not exist and was not created
  Plan plan;
};

Result<Job> prepare_job(const std::string& config_path, const PlanOptions& options, bool create_store,
                        EnvLookup env = process_env);

// The same, from a config already loaded (the demo adjusts the sample job's URLs first).
Result<Job> prepare_job(JobConfig config, const PlanOptions& options, bool create_store, EnvLookup env = process_env);

// The exit code for an error that stopped a command before anything was sent.
int exit_code_for(const Error& error);

}  // namespace hrsync
