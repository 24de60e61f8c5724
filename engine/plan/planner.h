// Planner: reads the HR sources, projects every record through its targets, diffs against the
// snapshot and returns the Plan — what a sync would send, and whether a safety gate stops it.
//
// The planner makes no call to any API and writes nothing. Each source is read once, whatever the
// number of targets reading it; only the documents that must be sent stay in memory. Duplicate
// keys are refused here, the same way for every kind of source: the first row with a key wins,
// later rows with that key are rejected naming the first one (engine/plan/duplicate_keys.h).
// What a record means for a target is engine/plan/target_planner.h; how the work is spread over
// threads and batches is engine/plan/plan_pipeline.h; the safety gates are engine/plan/gates.h.
//
// Thread-safety: make_plan runs on the caller's thread (and helper threads of its own, joined
// before it returns).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "connectors/sources/record_source.h"
#include "connectors/targets/target_connector.h"
#include "engine/config/config.h"
#include "engine/plan/plan.h"
#include "engine/plan/target_read.h"

namespace hrsync {

class SnapshotStore;

struct PlanOptions {
  bool full = false;               // every valid entity is an upsert, changed or not
  std::vector<std::string> only;   // restrict to these target ids (empty: every enabled target)
  // New entities past this many changes of a target (every entity, in a --full run) are spooled
  // to a temporary file and streamed to the executor (engine/plan/work_spool.h); 0: every change
  // stays in memory.
  std::uint64_t spool_after = 1000;
  // Which targets prepare_job() reads before the diff, and the reader that sends the reads (empty:
  // none can be read; the plan diffs against the snapshot alone).
  ReadChoice read = ReadChoice::kConfig;
  TargetReader reader;
  // The reads make_plan() diffs against, one per target read (engine/plan/read_planning.h); the
  // other targets diff against the snapshot, skipping the keys it remembers absent.
  const std::vector<TargetRead>* reads = nullptr;
};

// The connectors of the targets this run covers: enabled ones, filtered by `only`. A name in
// `only` that is not a configured target is a kUsage error.
Result<std::vector<std::unique_ptr<TargetConnector>>> make_targets(const JobConfig& config, const PlanOptions& options);

// Opens the source `config` describes, asking for the columns in `source_options`.
Result<std::unique_ptr<RecordSource>> open_source(const SourceConfig& config, const SourceOptions& source_options,
                                                  EnvLookup env = process_env);

// A source opened for a plan: the name targets read it by ([sources.NAME]), the kind of entity
// it holds (and so its key column), and its records.
struct PlanSource {
  std::string name;
  Entity entity = Entity::kEmployees;
  std::unique_ptr<RecordSource> records;
};

// Opens every source of `config` that one of `targets` reads, in config order, asking each for
// the columns its readers cannot do without.
Result<std::vector<PlanSource>> open_sources(const JobConfig& config,
                                             const std::vector<std::unique_ptr<TargetConnector>>& targets,
                                             EnvLookup env = process_env);

// Builds the plan from `sources`, read each once to its end, in the order given. Every target's
// source (TargetConfig::source) must be among them (kInternal otherwise); a source no target reads
// is left unread. `store` may be null when no snapshot exists yet (every entity is new). The plan
// points at `targets`, which must outlive it. Gates are evaluated and listed in Plan::gates; the
// caller decides whether --force overrides them.
Result<Plan> make_plan(const JobConfig& config, const std::vector<std::unique_ptr<TargetConnector>>& targets,
                       std::vector<PlanSource> sources, SnapshotStore* store, const PlanOptions& options);

// The least time, in seconds, that `tiers` allow for `calls` evenly paced requests.
double min_seconds(std::uint64_t calls, const std::vector<RateTier>& tiers);

}  // namespace hrsync
